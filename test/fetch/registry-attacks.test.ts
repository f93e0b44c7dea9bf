import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Metadata, MetadataKind } from '@tufjs/models';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { buildDemoPackage, demoBundle, type DemoPackage } from '../../src/demo/package.js';
import { writeDemoRegistry } from '../../src/demo/registry.js';
import { openRegistry, requireDevice } from '../../src/registry/index.js';
import type { Bundle, DeviceProfile } from '../../src/registry/model.js';
import { generateKey, loadKeys, ROLES, signerOf, type SigningKey } from '../../src/registry/trust/keys.js';
import { publishRegistry } from '../../src/registry/trust/publish.js';
import { signRoot } from '../../src/registry/trust/root.js';
import { mutate } from '../helpers/mutate-json.js';
import { runCli } from '../helpers/run-cli.js';
import { endless, HostileMirror, serve } from './hostile-mirror.js';

let shared = '';
let profile: DeviceProfile;
let pkg: DemoPackage;
let keys = '';
let rootFile = '';
let attacker: SigningKey;

let work = '';
let cache = '';
let tree = '';
let source = '';
let mirror: HostileMirror;
let bundle: Bundle;

beforeAll(async () => {
  shared = await mkdtemp(join(tmpdir(), 'romctl-attacks-'));
  const embedded = await openRegistry({ env: {} });
  profile = await embedded.device(requireDevice(embedded, 'nikel'));
  pkg = await buildDemoPackage(profile, join(shared, 'build'), 'nikel_demo.zip');
  keys = join(shared, 'keys');
  for (const role of ROLES) await generateKey(keys, role);
  await signRoot({ keys, tree: join(shared, 'root') });
  rootFile = join(shared, 'root', 'metadata', '1.root.json');
  await generateKey(join(shared, 'attacker'), 'timestamp');
  attacker = (await loadKeys(join(shared, 'attacker'), 'timestamp'))[0] as SigningKey;
}, 60_000);

afterAll(async () => {
  await rm(shared, { recursive: true, force: true });
});

/** A fresh signed registry (version 1) served by an honest mirror, and an empty cache. */
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'romctl-attack-'));
  cache = join(work, 'cache');
  const www = join(work, 'www');
  tree = join(www, 'registry');
  source = join(work, 'source');
  await mkdir(join(www, 'files'), { recursive: true });
  await copyFile(pkg.archive, join(www, 'files', 'nikel_demo.zip'));
  mirror = await HostileMirror.start(www);
  bundle = demoBundle(profile, pkg, `${mirror.origin}/files/nikel_demo.zip`);
  await writeDemoRegistry(source, profile, [bundle]);
  await publish();
});

afterEach(async () => {
  await mirror.close();
  await rm(work, { recursive: true, force: true });
});

async function publish(expiresDays?: { timestamp?: number }) {
  await mkdir(join(tree, 'metadata'), { recursive: true });
  await copyFile(rootFile, join(tree, 'metadata', '1.root.json'));
  await copyFile(rootFile, join(tree, 'metadata', 'root.json'));
  return publishRegistry({ registry: source, tree, keys, ...(expiresDays ? { expiresDays } : {}) });
}

const fetchNikel = (...extra: string[]) =>
  runCli([
    'fetch',
    'nikel',
    '--registry',
    `${mirror.origin}/registry/`,
    '--registry-root',
    rootFile,
    '--cache',
    cache,
    ...extra,
  ]);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** What the cache holds besides the registry: downloads, partials, unpacked bundles. */
async function kept(): Promise<string[]> {
  await expectOnlySignedDocuments();
  return (await filesUnder(cache)).filter((file) => !/^registries\/|^locks\/|\.lock$/.test(file));
}

/** Every registry document the cache keeps has the hash the publisher signed for it. */
async function expectOnlySignedDocuments(): Promise<void> {
  const signedHashes = new Set<string>();
  for (const name of await readdir(join(tree, 'metadata'))) {
    if (!name.endsWith('.targets.json')) continue;
    const { targets = {} } = (await readMetadataJson(name)).signed;
    for (const [path, target] of Object.entries(targets)) signedHashes.add(`${path} ${target.hashes.sha256}`);
  }
  for (const file of await filesUnder(join(cache, 'registries'))) {
    const [, where, name] = file.split('/');
    if (where !== 'targets') continue;
    const digest = createHash('sha256')
      .update(await readFile(join(cache, 'registries', file)))
      .digest('hex');
    expect(signedHashes).toContain(`${decodeURIComponent(name as string)} ${digest}`);
  }
}

const metadataPath = (name: string) => join(tree, 'metadata', name);

async function readMetadataJson(name: string) {
  return JSON.parse(await readFile(metadataPath(name), 'utf8')) as {
    signed: { version: number; targets?: Record<string, { hashes: { sha256: string } }> };
    signatures: { keyid: string; sig: string }[];
  };
}

/** The file as a forger makes it: its signed part changed, then signed by `signers` (none: unsigned). */
async function forge(
  name: string,
  kind: MetadataKind,
  change: (signed: { version: number }) => void,
  signers: SigningKey[],
) {
  const json = await readMetadataJson(name);
  change(json.signed);
  const metadata = Metadata.fromJSON(kind as MetadataKind.Root, { ...json, signatures: [] });
  for (const signer of signers) metadata.sign(signerOf(signer), true);
  await writeFile(metadataPath(name), JSON.stringify(metadata.toJSON()));
}

async function expectRefused(pattern: RegExp, before: string[] = []) {
  const run = await fetchNikel();
  expect(run.code).toBe(3);
  expect(run.stdout).toBe('');
  const lines = run.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(/^romctl: /);
  expect(lines.at(-1)).toMatch(pattern);
  expect(await kept()).toEqual(before);
  return run;
}

describe('a signed registry served honestly', () => {
  it('is fetched, verified against its signed targets and checked', async () => {
    const run = await fetchNikel('--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { registry: { kind: string }; files: { sha256: string }[] };
    expect(result.registry.kind).toBe('signed');
    expect(result.files[0]?.sha256).toBe(pkg.sha256);
    const targets = await readMetadataJson('1.targets.json');
    expect(Object.keys(targets.signed.targets ?? {}).sort()).toEqual([
      'bundles/nikel/demo-1.0.yaml',
      'devices/nikel.yaml',
      'firmware/nikel/demo-1.0/nikel_demo.zip',
      'index.json',
      'index/nikel.json',
    ]);
  });

  it('is what check --device, info and search read, with the same trusted root', async () => {
    const url = `${mirror.origin}/registry/`;
    const env = { XDG_CACHE_HOME: join(work, 'xdg') };
    const trust = ['--registry', url, '--registry-root', rootFile];
    const check = await runCli(['check', pkg.archive, '--device', 'nikel', ...trust, '--json'], env);
    expect(check.code, check.stderr).toBe(0);
    expect((JSON.parse(check.stdout) as { verdict: string }).verdict).toBe('pass');
    const info = await runCli(['info', 'nikel', ...trust, '--json'], env);
    expect(JSON.parse(info.stdout)).toMatchObject({
      codename: 'nikel',
      bundles: [{ id: 'demo-1.0', hashes: 'sha256' }],
    });
    const search = await runCli(['search', 'MT6797', ...trust], env);
    expect(search.stdout).toMatch(/^nikel\b/);
    const forged = await runCli(['info', 'nikel', '--registry', url], env);
    expect(forged.code).toBe(3);
    expect(forged.stderr).toMatch(/not signed by enough of the trusted keys/);
  });

  it('follows a new version and a root rotation signed by the old and the new root keys', async () => {
    expect((await fetchNikel()).code).toBe(0);
    const newKeys = join(work, 'new-keys');
    for (const role of ROLES) await generateKey(newKeys, role);
    await signRoot({ keys: newKeys, tree, oldKeys: keys });
    await publishRegistry({ registry: source, tree, keys: newKeys });
    const run = await fetchNikel();
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('registry signed, verified');
  });
});

describe('a mirror that turns hostile is refused, and nothing new is kept', () => {
  it('unsigned metadata', async () => {
    await forge('timestamp.json', MetadataKind.Timestamp, (signed) => (signed.version = 2), []);
    await expectRefused(/signed registry refused: metadata is not signed by enough of the trusted keys/);
  });

  it('metadata signed by a key the root does not trust', async () => {
    await forge('timestamp.json', MetadataKind.Timestamp, (signed) => (signed.version = 2), [attacker]);
    await expectRefused(/not signed by enough of the trusted keys/);
  });

  it('metadata changed after it was signed', async () => {
    const json = await readMetadataJson('timestamp.json');
    json.signed.version = 7;
    await writeFile(metadataPath('timestamp.json'), JSON.stringify(json));
    await expectRefused(/not signed by enough of the trusted keys/);
  });

  it('a root rotation signed only by the new keys', async () => {
    await forge('1.root.json', MetadataKind.Root, (signed) => (signed.version = 2), [attacker]);
    await copyFile(metadataPath('1.root.json'), metadataPath('2.root.json'));
    await copyFile(rootFile, metadataPath('1.root.json'));
    await expectRefused(/not signed by enough of the trusted keys/);
  });

  it("rollback: last year's registry, after the client has seen this year's", async () => {
    const lastYear = await readFile(metadataPath('timestamp.json'));
    expect((await fetchNikel()).code).toBe(0);
    await publish();
    expect((await fetchNikel()).code).toBe(0);
    const before = await kept();
    await writeFile(metadataPath('timestamp.json'), lastYear);
    await expectRefused(
      /rollback or mix-and-match: New timestamp version 1 is less than current version 2/,
      before,
    );
  });

  it('freeze: a timestamp that has expired', async () => {
    await publish({ timestamp: -1 });
    await expectRefused(/timestamp\.json is expired \(a freeze/);
  });

  it("mix-and-match: this version's snapshot with another version's targets", async () => {
    await writeFile(
      join(source, 'bundles', 'nikel', 'demo-1.0.yaml'),
      `${await readFile(join(source, 'bundles', 'nikel', 'demo-1.0.yaml'), 'utf8')}# edited\n`,
    );
    await publish();
    await copyFile(metadataPath('1.targets.json'), metadataPath('2.targets.json'));
    await expectRefused(
      /signed registry refused: mix-and-match: the targets file is not the one the signed metadata pins/,
    );
  });

  it('endless metadata', async () => {
    mirror.turn('/registry/metadata/timestamp.json', endless);
    await expectRefused(/larger than the signed metadata allows/);
  });

  it('an endless document', async () => {
    const index = (await readdir(join(tree, 'targets'))).find((name) => name.endsWith('.index.json'));
    mirror.turn(`/registry/targets/${index}`, endless);
    await expectRefused(/larger than the signed metadata allows/);
  });

  it('a document whose bytes differ from its signed hash (same length)', async () => {
    const dir = join(tree, 'targets', 'bundles', 'nikel');
    const [name] = await readdir(dir);
    const text = await readFile(join(dir, name as string), 'utf8');
    await writeFile(join(dir, name as string), text.replace('demo-1.0', 'demo-9.0'));
    await expectRefused(
      /bundles\/nikel\/demo-1\.0\.yaml .*: signed registry refused: the document differs from the hash or length its signed metadata pins/,
    );
  });

  it('a document longer than its signed length', async () => {
    const dir = join(tree, 'targets', 'index');
    const [name] = await readdir(dir);
    await writeFile(
      join(dir, name as string),
      `${await readFile(join(dir, name as string), 'utf8')}\n# more\n`,
    );
    await expectRefused(/larger than the signed metadata allows/);
  });

  it('a mirror that swaps the package', async () => {
    const other = Buffer.from(await readFile(pkg.archive));
    other.writeUInt8(other.readUInt8(other.length >> 1) ^ 0xff, other.length >> 1);
    mirror.turn('/files/nikel_demo.zip', serve(other));
    await expectRefused(/nikel_demo\.zip.*wrong sha256/);
  });

  it("a mirror that swaps the hash in the bundle document for its own package's", async () => {
    const other = Buffer.concat([await readFile(pkg.archive), Buffer.from('extra')]);
    mirror.turn('/files/nikel_demo.zip', serve(other));
    const dir = join(tree, 'targets', 'bundles', 'nikel');
    const [name] = await readdir(dir);
    const text = await readFile(join(dir, name as string), 'utf8');
    const forged = text
      .replace(pkg.sha256, createHash('sha256').update(other).digest('hex'))
      .replace(`size: ${pkg.size}`, `size: ${other.length}`);
    await writeFile(join(dir, name as string), forged);
    await expectRefused(
      /demo-1\.0\.yaml .*: signed registry refused: the document (differs from the hash|is larger)/,
    );
  });

  it("a mirror that serves last year's package under this year's name", async () => {
    const lastYear = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(pkg.size - 4, 7)]);
    mirror.turn('/files/nikel_demo.zip', serve(lastYear));
    await expectRefused(/nikel_demo\.zip.*wrong sha256/);
  });

  it('an unsigned registry unless --insecure-registry, which is loud and recorded', async () => {
    const unsigned = join(mirror.root, 'plain');
    await writeDemoRegistry(unsigned, profile, [bundle]);
    const refused = await runCli([
      'fetch',
      'nikel',
      '--registry',
      `${mirror.origin}/plain/`,
      '--cache',
      cache,
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/publishes no signed metadata .*--insecure-registry/);
    expect(await kept()).toEqual([]);
    const run = await runCli([
      'fetch',
      'nikel',
      '--registry',
      `${mirror.origin}/plain/`,
      '--insecure-registry',
      '--cache',
      cache,
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('WARNING: --insecure-registry: this registry is not signed');
    const result = JSON.parse(run.stdout) as { registry: { kind: string; warning: string } };
    expect(result.registry).toMatchObject({
      kind: 'insecure',
      warning: expect.stringContaining('not signed'),
    });
  });
});

describe('signed metadata from a hostile mirror, fuzzed', () => {
  it('a mutated metadata file is read or refused as an integrity failure, never a crash', async () => {
    const pristine = new Map<string, string>();
    for (const name of ['timestamp.json', '1.snapshot.json', '1.targets.json']) {
      pristine.set(name, await readFile(metadataPath(name), 'utf8'));
    }
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...pristine.keys()),
        fc.array(fc.nat(40), { maxLength: 5 }),
        fc.jsonValue({ maxDepth: 2 }),
        async (name, path, replacement) => {
          for (const [file, text] of pristine) await writeFile(metadataPath(file), text);
          await writeFile(
            metadataPath(name),
            JSON.stringify(mutate(JSON.parse(pristine.get(name) as string), path, replacement)),
          );
          try {
            const registry = await openRegistry({
              dir: `${mirror.origin}/registry/`,
              trustedRoot: rootFile,
              cacheDir: join(work, `fuzz-${run++}`),
              env: {},
            });
            await registry.entry(requireDevice(registry, 'nikel'));
          } catch (error) {
            if (!(error instanceof RomctlError)) throw error;
            expect(error.exitCode).toBe(3);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a --registry-root that is not a TUF root is bad input', async () => {
    const bad = join(work, 'root.json');
    await writeFile(bad, '{"signed": {"_type": "targets"}}');
    const run = await runCli([
      'fetch',
      'nikel',
      '--registry',
      `${mirror.origin}/registry/`,
      '--registry-root',
      bad,
      '--cache',
      cache,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/root\.json: not a TUF root\.json: .* — give the registry's root\.json/);
  });
});
