import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { openPackage } from '../../src/package/index.js';
import { buildZip, type ZipEntrySpec } from '../builders/archives.js';
import { archiveFile, codes, expectPackageError, readAll, readEntry } from './helpers.js';

const openZip = async (entries: ZipEntrySpec[], options = {}) =>
  openPackage(await archiveFile('rom.zip', buildZip(entries, options)));

describe('zip view', () => {
  it('lists entries with sizes and reads them lazily, stored and deflated', async () => {
    const boot = Buffer.alloc(300_000, 0x42);
    const view = await openZip([
      { name: 'rom/', data: '' },
      { name: 'rom/boot.img', data: boot },
      { name: 'rom/scatter.txt', data: 'hello', method: 'store' },
    ]);
    expect(view.format).toBe('zip');
    expect(view.problems).toEqual([]);
    expect(view.entries().map((e) => [e.path, e.kind, e.size])).toEqual([
      ['rom', 'dir', 0],
      ['rom/boot.img', 'file', 300_000],
      ['rom/scatter.txt', 'file', 5],
    ]);
    expect(view.entry('rom/boot.img')?.compressedSize).toBeLessThan(2000);
    expect((await readEntry(view, 'rom/boot.img')).equals(boot)).toBe(true);
    expect((await readEntry(view, 'rom/scatter.txt')).toString()).toBe('hello');
    await view.close();
  });

  it('forEach visits files in data order and drains what the visitor skips', async () => {
    const view = await openZip([
      { name: 'b.img', data: 'bbb' },
      { name: 'a.img', data: 'aaaa' },
      { name: 'skip.img', data: Buffer.alloc(50_000, 1) },
    ]);
    const seen: string[] = [];
    await view.forEach(async (entry, stream) => {
      if (entry.path === 'skip.img') return;
      seen.push(`${entry.path}=${(await readAll(stream)).toString()}`);
    });
    expect(seen).toEqual(['b.img=bbb', 'a.img=aaaa']);
    const filtered: string[] = [];
    await view.forEach(
      async (entry) => void filtered.push(entry.path),
      (entry) => entry.path.startsWith('a'),
    );
    expect(filtered).toEqual(['a.img']);
  });

  it('reads zip64 entries and a zip64 end record as yauzl does', async () => {
    const view = await openZip(
      [
        { name: 'super.img', data: Buffer.alloc(4096, 7), zip64: true },
        { name: 'vbmeta.img', data: 'v', method: 'store', zip64: true },
      ],
      { zip64Eocd: true },
    );
    expect(view.problems).toEqual([]);
    expect(view.entry('super.img')?.size).toBe(4096);
    expect((await readEntry(view, 'super.img')).equals(Buffer.alloc(4096, 7))).toBe(true);
  });

  it.each([
    ['../../evil.sh', 'a `..` component'],
    ['/etc/passwd', 'absolute path'],
    ['C:/Windows/evil.dll', 'drive letter'],
    ['images\\..\\..\\evil.bat', 'a `..` component'],
    ['images/boot.img:stream', '`:`'],
    ['a/\0/b', 'NUL'],
  ])('reports unsafe name %j and keeps the rest inspectable', async (name, why) => {
    const view = await openZip([
      { name, data: 'x' },
      { name: 'boot.img', data: 'ok' },
    ]);
    expect(codes(view)).toEqual(['package.unsafe-path']);
    expect(view.problems[0]?.message).toContain(why);
    expect(view.problems[0]?.entry).toBe(name);
    expect(view.entries().map((e) => e.path)).toEqual(['boot.img']);
  });

  it('treats backslashes as separators, so a Windows-made zip still lists its folders', async () => {
    const view = await openZip([{ name: 'images\\boot.img', data: 'b' }]);
    expect(view.entries().map((e) => e.path)).toEqual(['images/boot.img']);
  });

  it('reports duplicate names, exact and by letter case, keeping the first', async () => {
    const view = await openZip([
      { name: 'boot.img', data: 'first' },
      { name: './boot.img', data: 'second' },
      { name: 'BOOT.img', data: 'third' },
    ]);
    expect(codes(view)).toEqual(['package.duplicate-entry', 'package.case-duplicate']);
    expect((await readEntry(view, 'boot.img')).toString()).toBe('first');
  });

  it('flags an entry declaring an impossible compression ratio as a bomb', async () => {
    const view = await openZip([{ name: 'userdata.img', data: 'tiny', declaredSize: 10 * 1024 ** 3 }]);
    expect(codes(view)).toContain('package.bomb');
  });

  it('stops an entry that inflates past its declared size while streaming', async () => {
    const view = await openZip([{ name: 'system.img', data: Buffer.alloc(1_000_000), declaredSize: 2000 }]);
    expect(view.problems).toEqual([]);
    const stream = await view.open('system.img');
    const error = await expectPackageError(readAll(stream), 'package.bomb');
    expect(error.where).toMatch(/rom\.zip!system\.img$/);
  });

  it('reports a stored entry whose data is shorter than declared as truncated', async () => {
    const view = await openZip([
      { name: 'a.img', data: 'short', method: 'store', declaredSize: 9, declaredCompressedSize: 9 },
      { name: 'b.img', data: 'b', method: 'store' },
    ]);
    await expectPackageError(readEntry(view, 'a.img'), 'package.corrupt-entry');
  });

  it('detects a CRC mismatch', async () => {
    const view = await openZip([{ name: 'lk.img', data: 'payload', crc: 1234 }]);
    await expectPackageError(readEntry(view, 'lk.img'), 'package.corrupt-entry');
  });

  it('flags entries sharing compressed data (overlapping-file bomb)', async () => {
    const data = Buffer.alloc(100_000);
    const view = await openZip([
      { name: 'a.img', data },
      { name: 'b.img', data, sameDataAs: 0 },
      { name: 'c.img', data, sameDataAs: 0 },
    ]);
    expect(codes(view).filter((c) => c === 'package.bomb').length).toBeGreaterThanOrEqual(2);
  });

  it('reports encrypted and unsupported-compression entries, and refuses to open them', async () => {
    const view = await openZip([
      { name: 'secret.img', data: 'x', flags: 1 },
      { name: 'lzma.img', data: 'y', method: 'store', methodNumber: 14 },
    ]);
    expect(codes(view)).toEqual(['package.encrypted', 'package.unsupported-compression']);
    await expectPackageError(readEntry(view, 'secret.img'), 'package.encrypted');
    await expectPackageError(readEntry(view, 'lzma.img'), 'package.unsupported-compression');
  });

  it('reads symlinks, follows those inside, refuses those pointing out', async () => {
    const view = await openZip([
      { name: 'images/boot.img', data: 'BOOT' },
      { name: 'boot.img', data: 'images/boot.img', unixMode: 0o120777 },
      { name: 'passwd', data: '../../../etc/passwd', unixMode: 0o120777 },
      { name: 'abs', data: '/etc/shadow', unixMode: 0o120777 },
    ]);
    expect(codes(view)).toEqual(['package.link-escapes', 'package.link-escapes']);
    expect(view.entry('boot.img')).toMatchObject({ kind: 'symlink', linkTarget: 'images/boot.img' });
    expect((await readEntry(view, 'boot.img')).toString()).toBe('BOOT');
    expect(view.entry('passwd')).toBeUndefined();
    await expectPackageError(view.open('passwd'), 'package.not-found');
  });

  it('catches a link chain that climbs out even though each link alone stays inside', async () => {
    const view = await openZip([
      { name: 'd', data: '.', unixMode: 0o120777 },
      { name: 'up', data: 'd/..', unixMode: 0o120777 },
    ]);
    expect(codes(view)).toEqual(['package.link-escapes']);
    expect(view.problems[0]?.entry).toBe('up');
  });

  it('reports device and FIFO entries as special files', async () => {
    const view = await openZip([
      { name: 'dev/sda', data: '', unixMode: 0o060644 },
      { name: 'fifo', data: '', unixMode: 0o010644 },
      { name: 'ok.img', data: 'x', unixMode: 0o100644 },
    ]);
    expect(codes(view)).toEqual(['package.special-file', 'package.special-file']);
    expect(view.entries().map((e) => e.path)).toEqual(['ok.img']);
  });

  it('refuses a zip cut short (no end record) with a one-line error', async () => {
    const whole = buildZip([{ name: 'boot.img', data: Buffer.alloc(5000, 3) }]);
    const path = await archiveFile('cut.zip', whole.subarray(0, whole.length - 30));
    await expectPackageError(openPackage(path), 'package.unreadable');
  });

  it('keeps what it could list when the central directory ends early', async () => {
    const view = await openZip([{ name: 'a.img', data: 'a' }], { declaredEntryCount: 3 });
    expect(codes(view)).toEqual(['package.truncated']);
    expect(view.entries().map((e) => e.path)).toEqual(['a.img']);
  });

  it('refuses more entries than the limit', async () => {
    const entries = Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, data: '' }));
    const path = await archiveFile('many.zip', buildZip(entries));
    const error = await expectPackageError(openPackage(path, { maxEntries: 10 }), 'package.bomb');
    expect(error).toBeInstanceOf(RomctlError);
  });
});
