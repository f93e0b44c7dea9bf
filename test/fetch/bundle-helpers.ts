import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { buildDemoPackage, demoBundle, type DemoPackage } from '../../src/demo/package.js';
import { writeDemoRegistry } from '../../src/demo/registry.js';
import { serveFolder, type StaticServer } from '../../src/demo/server.js';
import { openRegistry, requireDevice } from '../../src/registry/index.js';
import type { Bundle, DeviceProfile } from '../../src/registry/model.js';
import { generateKey, ROLES } from '../../src/registry/trust/keys.js';
import { publishRegistry } from '../../src/registry/trust/publish.js';
import { signRoot } from '../../src/registry/trust/root.js';

export interface BundleServer {
  root: string;
  server: StaticServer;
  profile: DeviceProfile;
  pkg: DemoPackage;
  /** the demo bundle, its url pointing at the server */
  bundle: Bundle;
  /** the key folder every signed registry of the fixture is published with (made by the fixture) */
  keys: string;
  /** the root.json those registries are signed under: give it with --registry-root */
  rootFile: string;
  /** serves a signed registry holding `bundles` for nikel (romctl registry publish); returns its URL */
  registry(name: string, bundles: Bundle[]): Promise<string>;
  /** the registry folder behind `registry(name)`, as the maintainer edits it before publishing again */
  source(name: string): string;
  /** serves an unsigned registry tree (no TUF metadata), for --insecure-registry; returns its URL */
  unsigned(name: string, bundles: Bundle[]): Promise<string>;
}

/** `romctl fetch nikel` from one of the fixture's signed registries into `cache` */
export function fetchNikelArgs(served: BundleServer, registry: string, cache: string): string[] {
  return ['fetch', 'nikel', '--registry', registry, '--registry-root', served.rootFile, '--cache', cache];
}

/**
 * One generated nikel package (zip) served on 127.0.0.1 for the whole file, and registries made on demand:
 * signed ones published with keys made here, or unsigned trees.
 */
export function useBundleServer(): BundleServer {
  const fixture = {} as BundleServer;
  beforeAll(async () => {
    fixture.root = await mkdtemp(join(tmpdir(), 'romctl-bundle-server-'));
    const registry = await openRegistry({ env: {} });
    fixture.profile = await registry.device(requireDevice(registry, 'nikel'));
    const build = join(fixture.root, 'build');
    fixture.pkg = await buildDemoPackage(fixture.profile, build, 'nikel_demo.zip');
    await mkdir(join(fixture.root, 'files'));
    await copyFile(fixture.pkg.archive, join(fixture.root, 'files', 'nikel_demo.zip'));
    await rm(build, { recursive: true });
    fixture.server = await serveFolder(fixture.root);
    fixture.bundle = demoBundle(
      fixture.profile,
      fixture.pkg,
      `${fixture.server.origin}/files/nikel_demo.zip`,
    );
    fixture.keys = join(fixture.root, 'keys');
    for (const role of ROLES) await generateKey(fixture.keys, role);
    const template = join(fixture.root, 'root-template');
    await signRoot({ keys: fixture.keys, tree: template });
    fixture.rootFile = join(template, 'metadata', '1.root.json');
    fixture.source = (name) => join(fixture.root, 'sources', name);
    fixture.registry = async (name, bundles) => {
      await writeDemoRegistry(fixture.source(name), fixture.profile, bundles);
      const tree = join(fixture.root, name);
      await mkdir(join(tree, 'metadata'), { recursive: true });
      for (const file of ['1.root.json', 'root.json']) {
        await copyFile(fixture.rootFile, join(tree, 'metadata', file));
      }
      await publishRegistry({ registry: fixture.source(name), tree, keys: fixture.keys });
      return `${fixture.server.origin}/${name}/`;
    };
    fixture.unsigned = async (name, bundles) => {
      await writeDemoRegistry(join(fixture.root, name), fixture.profile, bundles);
      return `${fixture.server.origin}/${name}/`;
    };
  }, 60_000);
  afterAll(async () => {
    await fixture.server.close();
    await rm(fixture.root, { recursive: true, force: true });
  });
  return fixture;
}
