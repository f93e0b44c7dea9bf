import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelBlob } from '../../src/fetch/cache-catalogue.js';
import { BlobCache } from '../../src/fetch/cache.js';
import { BUNDLE_MARKER } from '../../src/fetch/unpack.js';
import { runCli } from '../helpers/run-cli.js';

let dir = '';
let cache: BlobCache;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-cache-cli-'));
  cache = new BlobCache(join(dir, 'cache'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function put(text: string): Promise<{ sha256: string; path: string }> {
  const sha256 = createHash('sha256').update(text).digest('hex');
  await writeFile(join(dir, 'in'), text);
  return { sha256, path: await cache.place(join(dir, 'in'), sha256) };
}

describe('romctl cache', () => {
  it('ls lists blobs (text and JSON)', async () => {
    const { sha256 } = await put('one blob');
    const text = await runCli(['cache', 'ls', '--cache', cache.root]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${sha256.slice(0, 16)}… (no name recorded)`);
    expect(text.stdout).toContain('1 download (8 B), 0 unpacked bundles (0 B), 0 partial downloads');
    const json = await runCli(['--json', 'cache', '--cache', cache.root, 'ls']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      root: cache.root,
      blobs: [{ sha256, size: 8 }],
      partials: [],
    });
  });

  it('verify removes and reports corrupt blobs with exit 3', async () => {
    await put('fine');
    const bad = await put('will rot');
    await writeFile(bad.path, 'rotten');
    const run = await runCli(['cache', 'verify', '--cache', cache.root]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`corrupt, removed: ${bad.sha256}`);
    expect(run.stdout).toContain('2 blobs verified');
    expect((await runCli(['cache', 'verify', '--cache', cache.root])).code).toBe(0);
  });

  it('prune by age and with --all; a bad age is a one-line usage error', async () => {
    const old = await put('old');
    await put('new');
    const longAgo = new Date(Date.now() - 3 * 86_400_000);
    await utimes(old.path, longAgo, longAgo);
    const run = await runCli(['cache', 'prune', '--older-than', '2d', '--cache', cache.root]);
    expect(run.stdout).toContain('1 file and 0 unpacked bundles removed');
    expect((await cache.list()).length).toBe(1);
    expect((await runCli(['cache', 'prune', '--all', '--cache', cache.root])).stdout).toContain(
      '1 file and 0 unpacked bundles removed',
    );
    expect(await cache.list()).toEqual([]);

    const bad = await runCli(['cache', 'prune', '--older-than', 'soon', '--cache', cache.root]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^romctl: --older-than soon: expected a number and a unit — for example/);
  });

  it('ls names each download (file, device, release, size, last used) and the unpacked bundles', async () => {
    const { sha256 } = await put('a firmware zip');
    await labelBlob(cache, sha256, {
      name: 'nikel_v8.zip',
      codename: 'nikel',
      bundle: 'v8-global',
      version: '8',
    });
    const folder = join(cache.root, 'bundles', 'nikel', 'v8-global');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'system.img'), Buffer.alloc(3000));
    await writeFile(join(folder, BUNDLE_MARKER), JSON.stringify({ codename: 'nikel', bundle: 'v8-global' }));
    const run = await runCli(['cache', 'ls', '--cache', cache.root]);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^FILE +DEVICE +RELEASE +SIZE +LAST USED$/);
    expect(lines[1]).toMatch(/^nikel_v8\.zip +nikel +v8-global +14 B +\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(lines[2]).toMatch(
      /^bundles\/nikel\/v8-global\/ \(unpacked\) +nikel +v8-global +\d\.\d\d KiB +\d{4}-/,
    );

    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await utimes(join(folder, BUNDLE_MARKER), longAgo, longAgo);
    await utimes(folder, longAgo, longAgo);
    const pruned = await runCli(['cache', 'prune', '--cache', cache.root]);
    expect(pruned.stdout).toMatch(/^0 files and 1 unpacked bundle removed, \d\.\d\d KiB freed$/m);
    expect(existsSync(folder)).toBe(false);
    expect((await cache.list()).length).toBe(1);
    await runCli(['cache', 'prune', '--all', '--cache', cache.root]);
    expect(existsSync(join(cache.root, 'labels', `${sha256}.json`))).toBe(false);
  });
});
