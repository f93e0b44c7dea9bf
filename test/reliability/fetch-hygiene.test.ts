import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freeBytes } from '../../src/package/disk-space.js';
import type { Bundle } from '../../src/registry/model.js';
import { buildZip, noisyBytes } from '../builders/archives.js';
import { fetchNikelArgs, useBundleServer } from '../fetch/bundle-helpers.js';
import { FaultServer, serve } from '../fetch/fault-server.js';
import { runCli } from '../helpers/run-cli.js';
import { namesIn, pathsUnder } from './leftovers.js';

const served = useBundleServer();
let dir = '';
let cache = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-hygiene-'));
  cache = join(dir, 'cache');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fetchNikel = (registry: string, ...extra: string[]) =>
  runCli([...fetchNikelArgs(served, registry, cache), ...extra]);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const bundlesDir = () => join(cache, 'bundles', 'nikel');

/**
 * A zip bomb scaled down from the one that filled 10 GiB: 16 MiB from ~80 KiB, a ratio near the original's 229
 * and well inside the archive limits (ratio 1000, 64 GiB), served as the only file of a bundle.
 */
async function bombBundle(id: string, unpackedSize?: number): Promise<Bundle> {
  // random bytes do not compress, zeros do ~1000:1: together they set the ratio
  const data = Buffer.concat([randomBytes(56 * 1024), Buffer.alloc(16 * 1024 * 1024 - 56 * 1024)]);
  const zip = buildZip([{ name: 'bomb/zeros.bin', data }]);
  expect(data.length / zip.length).toBeGreaterThan(200);
  expect(data.length / zip.length).toBeLessThan(260);
  await writeFile(join(served.root, 'files', `${id}.zip`), zip);
  const rest: Partial<Bundle> = { ...served.bundle };
  delete rest.content;
  return {
    ...(rest as Bundle),
    id,
    version: id,
    files: [
      {
        name: `${id}.zip`,
        size: zip.length,
        sha256: sha256(zip),
        ...(unpackedSize === undefined ? {} : { unpackedSize }),
        urls: [`${served.server.origin}/files/${id}.zip`],
      },
    ],
  };
}

describe('fetch under hostile input leaves only the verified cache', () => {
  it('a bomb inside the archive limits is refused by the size the bundle declares, before writing', async () => {
    const bundle = await bombBundle('bomb-declared', 1024 * 1024);
    const run = await fetchNikel(await served.registry('bomb-declared', [bundle]));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /romctl: .*bomb-declared\.zip: the archive declares 16777216 bytes unpacked, more than the 1048576 allowed \(what the bundle declares\)/,
    );
    expect(await namesIn(bundlesDir())).toEqual([]);
    // the download itself is verified content and stays cached; nothing else does
    expect(await namesIn(join(cache, 'partial'))).toEqual([]);
  });

  it('without a declared size, a bomb that would leave less than --keep-free is refused before writing', async () => {
    const bundle = await bombBundle('bomb-free');
    const keepFree = (await freeBytes(dir)) + 2 ** 30;
    const run = await fetchNikel(
      await served.registry('bomb-free', [bundle]),
      '--keep-free',
      String(keepFree),
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/unpacking needs 16777216 bytes; \d+ bytes are free, \d+ must stay free/);
    expect(await namesIn(bundlesDir())).toEqual([]);
  });

  it('a package the check refuses never looks verified: removed, or set aside with --keep-refused', async () => {
    // the registry now says nikel has another chip: the (hash-verified) package is refused by the check
    const other = { ...served.profile, chip: 'MT6765', hwCode: '0x766' };
    const registry = join(dir, 'registry-other-chip');
    const { writeDemoRegistry } = await import('../../src/demo/registry.js');
    await writeDemoRegistry(registry, other, [served.bundle]);

    const refused = await fetchNikel(registry);
    expect(refused.stderr).toMatch(/REFUSED/);
    expect(refused.stderr).toContain('removed the refused folder');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(await namesIn(bundlesDir())).toEqual([]);

    const kept = await fetchNikel(registry, '--keep-refused');
    expect(kept.code).toBe(1);
    const names = await namesIn(bundlesDir());
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^demo-1\.0\.refused-\d{4}-/);
    const aside = join(bundlesDir(), names[0] as string);
    expect(kept.stderr).toContain(`kept the refused folder for inspection: ${aside}`);
    const files = await pathsUnder(aside);
    expect(files).toContain('.romctl-refused.json');
    expect(files).not.toContain('.romctl-bundle.json');

    // a later run does not take the set-aside folder for the bundle: it unpacks and checks again
    const again = await fetchNikel(registry);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/unpacked .*demo-1\.0/);
    expect(await namesIn(bundlesDir())).toEqual(names);

    const pruned = await runCli(['cache', '--cache', cache, 'prune', '--all']);
    expect(pruned.code).toBe(0);
    expect(await namesIn(bundlesDir())).toEqual([]);
  });

  it('a verified folder the check now refuses stops being verified', async () => {
    expect((await fetchNikel(await served.registry('ok', [served.bundle]))).code).toBe(0);
    expect(await namesIn(bundlesDir())).toEqual(['demo-1.0']);
    const registry = join(dir, 'registry-other-chip');
    const { writeDemoRegistry } = await import('../../src/demo/registry.js');
    await writeDemoRegistry(registry, { ...served.profile, chip: 'MT6765', hwCode: '0x766' }, [
      served.bundle,
    ]);
    const run = await fetchNikel(registry);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/reused .*demo-1\.0/);
    expect(await namesIn(bundlesDir())).toEqual([]);
  });

  it('cache prune removes unpacked bundles with the blobs', async () => {
    expect((await fetchNikel(await served.registry('ok', [served.bundle]))).code).toBe(0);
    const young = await runCli(['cache', '--cache', cache, 'prune', '--older-than', '1d']);
    expect(young.stdout).toMatch(/^0 files and 0 unpacked bundles removed/);
    expect(await namesIn(bundlesDir())).toEqual(['demo-1.0']);
    const all = await runCli(['cache', '--cache', cache, 'prune', '--all']);
    expect(all.code).toBe(0);
    expect(all.stderr).toContain(`removed ${join(bundlesDir(), 'demo-1.0')}`);
    expect(await namesIn(bundlesDir())).toEqual([]);
    expect(await namesIn(join(cache, 'sha256'))).toEqual([]);
  });
});

describe('a server that trickles', () => {
  let server: FaultServer;
  beforeEach(async () => {
    server = await FaultServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('sending 1,000 bytes per connection and holding it: fetch ends at its --deadline with exit 3', async () => {
    const data = noisyBytes(256 * 1024);
    server.route('/rom.zip', serve(data, { stallAfter: 1000 }));
    const file = { name: 'rom.zip', size: data.length, sha256: sha256(data), urls: [server.url('/rom.zip')] };
    const registry = await served.registry('trickle', [{ ...served.bundle, files: [file] }]);
    const started = Date.now();
    const run = await fetchNikel(registry, '--deadline', '3s', '--min-speed', '64k/1s');
    expect(run.code).toBe(3);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^romctl: rom\.zip: not downloaded by the deadline/);
    const retries = [...run.stderr.matchAll(/retry (\d+) in/g)].map((match) => Number(match[1]));
    expect(retries.length).toBeGreaterThan(0);
    expect(retries).toEqual(retries.map((_, index) => index + 1));
    expect(await namesIn(join(cache, 'sha256'))).toEqual([]);
    expect(await namesIn(join(cache, 'bundles'))).toEqual([]);
  });

  it('the retry budget is not renewed by a few bytes per connection: the count grows and the fetch ends with exit 3', async () => {
    const { fetchBlob } = await import('../../src/fetch/fetch-blob.js');
    const { BlobCache } = await import('../../src/fetch/cache.js');
    const data = noisyBytes(256 * 1024);
    // a body that never pauses long enough for the idle timeout, but brings 1,000 bytes a second
    server.route('/slow.bin', (_request, response, count) => {
      response.writeHead(200, { 'content-length': String(data.length) });
      let sent = 0;
      const timer = setInterval(() => {
        if (response.destroyed || sent >= data.length) return clearInterval(timer);
        response.write(data.subarray(sent, sent + 100));
        sent += 100;
        count(100);
      }, 100);
      response.on('close', () => clearInterval(timer));
    });
    const retries: number[] = [];
    const error = await fetchBlob(
      { name: 'slow.bin', sha256: sha256(data), size: data.length, urls: [server.url('/slow.bin')] },
      {
        cache: new BlobCache(join(dir, 'cache')),
        retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 2 },
        timeouts: { idleMs: 5000 },
        minSpeed: { bytesPerSecond: 8 * 1024, windowMs: 400 },
        progress: (event) => {
          if (event.type === 'retry') retries.push(event.attempt);
        },
      },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ exitCode: 3 });
    expect((error as Error).message).toMatch(
      /slower than 8192 bytes\/s for 0\.4 s \(\d+ bytes came\) \(4 attempts, the last 4 without progress\)/,
    );
    expect(retries).toEqual([1, 2, 3]);
  });
});

describe('the one definition of entry limits', () => {
  it('an archive passes only if the folder it unpacks to passes too', async () => {
    const { openPackage, extractPackage } = await import('../../src/package/index.js');
    // 30 files in 3 folders the zip never lists: 33 entries, whether counted in the archive or on disk
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `d${i % 3}/f${i}.bin`, data: `${i}` }));
    const zip = join(dir, 'many.zip');
    await writeFile(zip, buildZip(entries));
    await expect(openPackage(zip, { maxEntries: 32 })).rejects.toThrow('more than 32 entries');
    const view = await openPackage(zip, { maxEntries: 33 });
    await extractPackage(view, join(dir, 'out'), { maxEntries: 33 });
    await view.close();
    const folder = await openPackage(join(dir, 'out'), { maxEntries: 33 });
    expect(folder.entries()).toHaveLength(33);
    await expect(openPackage(join(dir, 'out'), { maxEntries: 32 })).rejects.toThrow('more than 32 entries');
  });
});

describe('free space while unpacking', () => {
  it('is looked at again as the disk fills, and the margin is kept', async () => {
    const { DiskSpaceGuard } = await import('../../src/package/disk-space.js');
    const free = await freeBytes(dir);
    const guard = await DiskSpaceGuard.start(dir, 0, free - 32 * 1024 * 1024, 'test');
    await guard.check();
    // another program (here: this test) fills the disk meanwhile
    await writeFile(join(dir, 'filler'), Buffer.alloc(96 * 1024 * 1024));
    await expect(guard.wrote(64 * 1024 * 1024)).rejects.toThrow(/the disk is filling up while unpacking/);
    expect(await readFile(join(dir, 'filler')).then((b) => b.length)).toBe(96 * 1024 * 1024);
  });
});
