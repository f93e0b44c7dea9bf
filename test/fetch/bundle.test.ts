import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobCache } from '../../src/fetch/cache.js';
import { serveFolder } from '../../src/demo/server.js';
import { runCli } from '../helpers/run-cli.js';
import { fetchNikelArgs, useBundleServer } from './bundle-helpers.js';

const served = useBundleServer();
let dir = '';
let cache = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-fetch-cmd-'));
  cache = join(dir, 'cache');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fetchNikel = (registry: string, ...extra: string[]) =>
  runCli([...fetchNikelArgs(served, registry, cache), ...extra]);

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function cacheContents() {
  const blobs = new BlobCache(cache);
  return { blobs: await blobs.list(), partials: await blobs.listPartials() };
}

describe('romctl fetch from a registry URL', () => {
  it('downloads, verifies, unpacks, checks for the device and prints the folder', async () => {
    const registry = await served.registry('ok', [served.bundle]);
    const run = await fetchNikel(registry);
    expect(run.stderr).toContain(
      'nikel: bundle demo-1.0 (sp-flash-tool, region Demo (the only one); registry signed, verified)',
    );
    expect(run.stderr).toMatch(/content hashes verified/);
    expect(run.stderr).toContain('check --device nikel: PASS');
    expect(run.code).toBe(0);
    const folder = join(cache, 'bundles', 'nikel', 'demo-1.0');
    expect(run.stdout).toBe(`${folder}\n`);
    const scatter = await readFile(join(folder, 'MT6797_Android_scatter.txt'), 'utf8');
    expect(scatter).toContain('lcsh6797_6c_lw_m');
    expect(await exists(join(folder, 'MTK_AllInOne_DA.bin'))).toBe(true);
    const { blobs } = await cacheContents();
    expect(blobs.map((blob) => blob.sha256)).toEqual([served.pkg.sha256]);
    // the registry's documents are kept under the cache
    expect(await readdir(join(cache, 'registries'))).toHaveLength(1);
  });

  it('reuses a verified folder, and unpacks again when its content was changed', async () => {
    const registry = await served.registry('ok', [served.bundle]);
    expect((await fetchNikel(registry)).code).toBe(0);
    const again = await fetchNikel(registry);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('in the cache');
    expect(again.stderr).toContain('reused');
    const boot = join(cache, 'bundles', 'nikel', 'demo-1.0', 'boot.img');
    await appendFile(boot, 'tampered');
    const repaired = await fetchNikel(registry);
    expect(repaired.code).toBe(0);
    expect(repaired.stderr).toContain('unpacked');
    expect(await readFile(boot, 'latin1')).not.toContain('tampered');
  });

  it('--json prints the folder, the bundle, the files and the check report', async () => {
    const registry = await served.registry('ok', [served.bundle]);
    const run = await fetchNikel(registry, '--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      folder: string;
      bundle: { id: string; codename: string };
      files: { name: string; sha256: string; checkedBy: string; path: string }[];
      report: { verdict: string };
      registry: { kind: string; root: string };
    };
    expect(result.registry).toMatchObject({ kind: 'signed', root: served.rootFile });
    expect(result.folder).toBe(join(cache, 'bundles', 'nikel', 'demo-1.0'));
    expect(result.bundle).toMatchObject({ id: 'demo-1.0', codename: 'nikel' });
    expect(result.files).toEqual([
      expect.objectContaining({ name: 'nikel_demo.zip', sha256: served.pkg.sha256, checkedBy: 'sha256' }),
    ]);
    expect(result.report.verdict).toBe('pass');
  });

  it('--no-unpack keeps only the verified archive and prints its path', async () => {
    const registry = await served.registry('ok', [served.bundle]);
    const run = await fetchNikel(registry, '--no-unpack');
    expect(run.code).toBe(0);
    const path = new BlobCache(cache).blobPath(served.pkg.sha256);
    expect(run.stdout).toBe(`${path}\n`);
    expect(await exists(join(cache, 'bundles'))).toBe(false);
  });

  it('--out puts the folder elsewhere', async () => {
    const registry = await served.registry('ok', [served.bundle]);
    const out = join(dir, 'out');
    const run = await fetchNikel(registry, '--out', out);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(join(out, 'bundles', 'nikel', 'demo-1.0'));
  });

  it("an archive whose sha256 is not the registry's: exit 3, nothing cached, no folder", async () => {
    const file = served.bundle.files[0]!;
    const wrong = { ...served.bundle, files: [{ ...file, sha256: 'ab'.repeat(32) }] };
    const run = await fetchNikel(await served.registry('bad-archive', [wrong]));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/romctl: .*wrong sha256/);
    expect(await cacheContents()).toEqual({ blobs: [], partials: [] });
    expect(await exists(join(cache, 'bundles'))).toBe(false);
  });

  it('a content hash that does not match after unpacking: exit 3 and no folder left', async () => {
    const images = { ...served.bundle.content?.images, 'boot.img': 'cd'.repeat(32) };
    const wrong = { ...served.bundle, content: { ...served.bundle.content, images } };
    const run = await fetchNikel(await served.registry('bad-content', [wrong]));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/romctl: demo-1\.0!boot\.img: wrong sha256/);
    expect(run.stdout).toBe('');
    expect(await readdir(join(cache, 'bundles', 'nikel'))).toEqual([]);
  });

  it('a content file the package does not have: exit 3', async () => {
    const images = { ...served.bundle.content?.images, 'vbmeta.img': 'cd'.repeat(32) };
    const wrong = { ...served.bundle, content: { ...served.bundle.content, images } };
    const run = await fetchNikel(await served.registry('missing-content', [wrong]));
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('the bundle lists vbmeta.img, but the package has no such file');
  });

  it('a bundle known only by its vendor md5 is fetched with a loud warning', async () => {
    const file = { ...served.bundle.files[0]! };
    delete file.sha256;
    const md5Only = { ...served.bundle, files: [file] };
    const run = await fetchNikel(await served.registry('md5-only', [md5Only]));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('WARNING: the registry knows only the vendor md5 of nikel_demo.zip');
  });

  it('a registry document that breaks the schema is a one-line error (exit 3)', async () => {
    const registry = await served.unsigned('invalid', [served.bundle]);
    const bundleFile = join(served.root, 'invalid', 'bundles', 'nikel', 'demo-1.0.yaml');
    await writeFile(bundleFile, `${await readFile(bundleFile, 'utf8')}unexpected: true\n`);
    const run = await fetchNikel(registry, '--insecure-registry');
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^romctl: http:\/\/127\.0\.0\.1:\d+\/invalid\/bundles\/nikel\/demo-1\.0\.yaml: remote registry: not a valid bundle document: .*'unexpected'/,
    );
  });

  it('an index whose profile breaks the device schema is refused before use (exit 3)', async () => {
    const registry = await served.unsigned('invalid-index', [served.bundle]);
    const detailFile = join(served.root, 'invalid-index', 'index', 'nikel.json');
    const detail = JSON.parse(await readFile(detailFile, 'utf8')) as { profile: object };
    detail.profile = { ...detail.profile, platform: 'amiga' };
    await writeFile(detailFile, JSON.stringify(detail));
    const run = await fetchNikel(registry, '--insecure-registry');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/index\/nikel\.json: remote registry: nikel: profile \/platform/);
  });

  it('a registry that is not there, or a server that is gone, is a one-line error (exit 3)', async () => {
    const missing = await fetchNikel(`${served.server.origin}/no-such-registry/`, '--insecure-registry');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^romctl: .*index\.json: cannot read the remote registry: HTTP 404/m);
    const unsigned = await fetchNikel(await served.unsigned('plain', [served.bundle]));
    expect(unsigned.code).toBe(3);
    expect(unsigned.stderr).toMatch(
      /^romctl: .*\/plain\/metadata\/: signed registry refused: the registry publishes no signed metadata .* --insecure-registry$/m,
    );
    const gone = await serveFolder(dir);
    await gone.close();
    const unreachable = await fetchNikel(`${gone.origin}/registry/`);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/cannot read the signed registry: fetch failed/);
  });

  it('an unknown release is bad input naming the known ones', async () => {
    const run = await fetchNikel(await served.registry('ok', [served.bundle]), '--release', '9.9');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('latest versions: demo-1.0');
  });
});
