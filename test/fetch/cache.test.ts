import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobCache } from '../../src/fetch/cache.js';
import { RomctlError } from '../../src/errors.js';

let dir = '';
let cache: BlobCache;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-cache-'));
  cache = new BlobCache(join(dir, 'cache'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function put(text: string, md5?: string): Promise<{ sha256: string; path: string }> {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const file = join(dir, `incoming-${sha256}`);
  await writeFile(file, text);
  return { sha256, path: await cache.place(file, sha256, md5) };
}

describe('BlobCache', () => {
  it('resolves its root from --cache, XDG_CACHE_HOME, then ~/.cache', () => {
    expect(BlobCache.at('/x/y').root).toBe('/x/y');
    expect(BlobCache.at(undefined, { XDG_CACHE_HOME: '/xdg' }).root).toBe('/xdg/romctl');
    expect(BlobCache.at(undefined, { HOME: '/home/u' }).root).toMatch(/\.cache[/\\]romctl$/);
  });

  it('refuses a key that is not a sha256 (no path tricks)', () => {
    expect(() => cache.blobPath('../../etc/passwd')).toThrow(RomctlError);
    expect(() => cache.blobPath('ab')).toThrow(/not a sha256/);
  });

  it('get checks presence and size; getVerified checks the bytes and removes a corrupt blob', async () => {
    const { sha256, path } = await put('hello rom');
    expect(await cache.get(sha256)).toBe(path);
    expect(await cache.get(sha256, 9)).toBe(path);
    expect(await cache.get(sha256, 10)).toBeUndefined();
    expect(await cache.getVerified(sha256)).toBe(path);

    await writeFile(path, 'hello bad');
    expect(await cache.get(sha256, 9)).toBe(path);
    expect(await cache.getVerified(sha256)).toBeUndefined();
    await expect(stat(path)).rejects.toThrow();
  });

  it('finds a blob by its md5 alias', async () => {
    const md5 = createHash('md5').update('vendor file').digest('hex');
    const { sha256 } = await put('vendor file', md5);
    expect(await cache.lookupMd5(md5)).toBe(sha256);
    expect(await cache.lookupMd5('0'.repeat(32))).toBeUndefined();
  });

  it('verify rehashes everything, removing and reporting corrupt blobs', async () => {
    const good = await put('good');
    const bad = await put('bad');
    await writeFile(bad.path, 'tampered');
    const report = await cache.verify();
    expect(report.checked).toBe(2);
    expect(report.corrupt).toEqual([
      { sha256: bad.sha256, actual: createHash('sha256').update('tampered').digest('hex'), path: bad.path },
    ]);
    expect((await cache.list()).map((blob) => blob.sha256)).toEqual([good.sha256]);
  });

  it('prune removes old blobs, old partials and dangling aliases; --all removes everything unlocked', async () => {
    const old = await put('old', createHash('md5').update('old').digest('hex'));
    const fresh = await put('fresh');
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await utimes(old.path, longAgo, longAgo);
    await mkdir(join(cache.root, 'partial'), { recursive: true });
    const stalePart = `${cache.partialStem('a'.repeat(64))}.part`;
    const lockedPart = `${cache.partialStem('b'.repeat(64))}.part`;
    await writeFile(stalePart, 'x');
    await writeFile(lockedPart, 'y');
    await utimes(stalePart, longAgo, longAgo);
    await utimes(lockedPart, longAgo, longAgo);
    await mkdir(join(cache.root, 'locks'), { recursive: true });
    await writeFile(cache.lockPath('b'.repeat(64)), '{}');

    const report = await cache.prune({ olderThanMs: 30 * 86_400_000 });
    expect(report.removed.sort()).toEqual([old.path, stalePart].sort());
    expect(await readdir(join(cache.root, 'md5'))).toEqual([]);
    expect((await cache.list()).map((blob) => blob.sha256)).toEqual([fresh.sha256]);

    const all = await cache.prune({ all: true });
    expect(all.removed).toEqual([fresh.path]);
    expect(await readdir(join(cache.root, 'partial'))).toEqual(['b'.repeat(64) + '.part']);
  });

  it('lists partial downloads', async () => {
    await mkdir(join(cache.root, 'partial'), { recursive: true });
    await writeFile(`${cache.partialStem('c'.repeat(64))}.part`, 'abc');
    await writeFile(`${cache.partialStem('c'.repeat(64))}.json`, '{}');
    const partials = await cache.listPartials();
    expect(partials.map(({ key, bytes }) => ({ key, bytes }))).toEqual([{ key: 'c'.repeat(64), bytes: 3 }]);
  });
});
