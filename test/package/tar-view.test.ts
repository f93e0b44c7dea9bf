import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create } from 'tar';
import { describe, expect, it } from 'vitest';
import { openPackage } from '../../src/package/index.js';
import {
  buildTar,
  buildTgz,
  mtkPackageFiles,
  noisyBytes,
  scratchFolder,
  writeTree,
  type TarEntrySpec,
} from '../builders/archives.js';
import { archiveFile, codes, expectPackageError, readAll, readEntry } from './helpers.js';

const openTar = async (entries: TarEntrySpec[], gzip = true) =>
  openPackage(await archiveFile(gzip ? 'rom.tgz' : 'rom.tar', gzip ? buildTgz(entries) : buildTar(entries)));

describe('tar view', () => {
  it('opens a tgz written by node-tar, reads entries by path and in one pass', async () => {
    const root = await scratchFolder();
    const files = mtkPackageFiles('rom/');
    await writeTree(join(root, 'src'), files);
    const path = join(root, 'rom.tar.gz');
    await create({ gzip: true, file: path, cwd: join(root, 'src') }, ['rom']);
    const view = await openPackage(path);
    expect(view.format).toBe('tar');
    expect(view.problems).toEqual([]);
    expect(view.entry('rom/boot.img')).toMatchObject({ kind: 'file', size: 70_000 });
    expect((await readEntry(view, 'rom/Checksum.ini')).toString()).toBe('[VERSION]\n');
    const seen = new Map<string, number>();
    await view.forEach(async (entry, stream) => void seen.set(entry.path, (await readAll(stream)).length));
    expect(Object.fromEntries(seen)).toEqual(
      Object.fromEntries(Object.entries(files).map(([name, content]) => [name, Buffer.from(content).length])),
    );
  });

  it('reads a plain tar and a Samsung-style .tar.md5 (checksum text appended)', async () => {
    const tar = buildTar([{ name: 'boot.img.lz4', data: 'LZ4' }]);
    const view = await openPackage(
      await archiveFile('AP_X.tar.md5', Buffer.concat([tar, Buffer.from('0123abcd  AP_X.tar\n')])),
    );
    expect(view.problems).toEqual([]);
    expect((await readEntry(view, 'boot.img.lz4')).toString()).toBe('LZ4');
  });

  it('forEach hands entries over in archive order, with a filter, and drains skipped data', async () => {
    const view = await openTar([
      { name: 'z.img', data: Buffer.alloc(200_000, 1) },
      { name: 'a.img', data: 'A' },
      { name: 'm.img', data: 'M' },
    ]);
    const seen: string[] = [];
    await view.forEach(
      async (entry, stream) => void seen.push(`${entry.path}:${(await readAll(stream)).toString()}`),
      (entry) => entry.path !== 'z.img',
    );
    expect(seen).toEqual(['a.img:A', 'm.img:M']);
    const unread: string[] = [];
    await view.forEach(async (entry) => void unread.push(entry.path));
    expect(unread).toEqual(['z.img', 'a.img', 'm.img']);
  });

  it('reports links out of the tree, device files and FIFOs, and keeps safe links', async () => {
    const view = await openTar([
      { name: 'images/boot.img', data: 'BOOT' },
      { name: 'boot.img', type: '2', linkName: 'images/boot.img' },
      { name: 'hard.img', type: '1', linkName: 'images/boot.img' },
      { name: 'evil', type: '2', linkName: '../../../../etc/passwd' },
      { name: 'evil-abs', type: '2', linkName: '/etc/passwd' },
      { name: 'evil-hard', type: '1', linkName: '../outside' },
      { name: 'dev/mmcblk0', type: '4' },
      { name: 'dev/tty', type: '3' },
      { name: 'pipe', type: '6' },
    ]);
    expect(codes(view).sort()).toEqual([
      'package.link-escapes',
      'package.link-escapes',
      'package.link-escapes',
      'package.special-file',
      'package.special-file',
      'package.special-file',
    ]);
    expect((await readEntry(view, 'boot.img')).toString()).toBe('BOOT');
    expect((await readEntry(view, 'hard.img')).toString()).toBe('BOOT');
    expect(view.entries().map((e) => e.path)).toEqual(['images/boot.img', 'boot.img', 'hard.img']);
  });

  it('reports unsafe names and duplicates', async () => {
    const view = await openTar([
      { name: '/abs.img', data: 'x' },
      { name: '../up.img', data: 'x' },
      { name: 'ok.img', data: 'first' },
      { name: 'ok.img', data: 'second' },
    ]);
    expect(codes(view)).toEqual(['package.unsafe-path', 'package.unsafe-path', 'package.duplicate-entry']);
    expect((await readEntry(view, 'ok.img')).toString()).toBe('first');
  });

  it.each([true, false])('names the entry a cut-off archive ends in (gzip: %s)', async (gzip) => {
    const whole = (gzip ? buildTgz : buildTar)([
      { name: 'scatter.txt', data: 'S' },
      { name: 'system.img', data: noisyBytes(300_000) },
      { name: 'vendor.img', data: 'V' },
    ]);
    const view = await openPackage(
      await archiveFile(gzip ? 'cut.tgz' : 'cut.tar', whole.subarray(0, whole.length / 2)),
    );
    expect(codes(view)).toContain('package.truncated');
    expect(view.problems.find((p) => p.code === 'package.truncated')?.entry).toBe('system.img');
    expect(view.entries().map((e) => e.path)).toEqual(['scatter.txt']);
    expect((await readEntry(view, 'scatter.txt')).toString()).toBe('S');
    const seen: string[] = [];
    await view.forEach(
      async (entry, stream) => void seen.push(`${entry.path}:${(await readAll(stream)).length}`),
    );
    expect(seen).toEqual(['scatter.txt:1']);
  });

  it('drops an entry whose header claims more data than the archive holds', async () => {
    const tar = buildTar([{ name: 'boot.img', data: 'abc', declaredSize: 4000 }]);
    const path = await archiveFile('liar.tar', tar.subarray(0, 512 + 512));
    const view = await openPackage(path);
    expect(codes(view)).toContain('package.truncated');
    expect(view.entry('boot.img')).toBeUndefined();
  });

  it('fails a reader, without hanging, when the archive is cut after it was listed', async () => {
    const whole = buildTgz([
      { name: 'a.img', data: 'A' },
      { name: 'system.img', data: noisyBytes(400_000) },
    ]);
    const path = await archiveFile('changing.tgz', whole);
    const view = await openPackage(path);
    expect(view.problems).toEqual([]);
    await writeFile(path, whole.subarray(0, whole.length / 2));
    const error = await expectPackageError(
      view.forEach(async (_entry, stream) => void (await readAll(stream))),
      'package.truncated',
    );
    expect(error.where).toMatch(/changing\.tgz!system\.img$/);
    await expectPackageError(readEntry(view, 'system.img'), 'package.truncated');
  });

  it('catches a symlink chain that climbs out of the tree', async () => {
    const view = await openTar([
      { name: 'd', type: '2', linkName: '.' },
      { name: 'up', type: '2', linkName: 'd/..' },
    ]);
    expect(codes(view)).toEqual(['package.link-escapes']);
  });

  it('refuses something that is not a tar at all with a one-line error', async () => {
    const path = await archiveFile('junk.tar', Buffer.alloc(4096, 0x41));
    await expectPackageError(openPackage(path), 'package.unreadable');
  });

  it('refuses more entries or declared bytes than the limits', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: 'xx' }));
    const path = await archiveFile('many.tgz', buildTgz(entries));
    await expectPackageError(openPackage(path, { maxEntries: 3 }), 'package.bomb');
    await expectPackageError(openPackage(path, { maxTotalBytes: 5 }), 'package.bomb');
  });
});
