import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { buildDemoPackage, demoBundle, type DemoPackage } from '../../src/demo/package.js';
import { writeDemoRegistry } from '../../src/demo/registry.js';
import { serveFolder, type StaticServer } from '../../src/demo/server.js';
import { openRegistry, requireDevice } from '../../src/registry/index.js';
import type { Bundle, DeviceProfile } from '../../src/registry/model.js';

export interface BundleServer {
  root: string;
  server: StaticServer;
  profile: DeviceProfile;
  pkg: DemoPackage;
  /** the demo bundle, its url pointing at the server */
  bundle: Bundle;
  /** serves a registry holding `bundles` for nikel; returns its URL */
  registry(name: string, bundles: Bundle[]): Promise<string>;
}

/** One generated nikel package (zip) served on 127.0.0.1 for the whole file, and registries made on demand. */
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
    fixture.registry = async (name, bundles) => {
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
