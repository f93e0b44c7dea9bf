/** `romctl serve-demo`: a local mirror and registry serving a generated nikel package, for trying `romctl fetch`. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openRegistry } from '../registry/registry.js';
import { requireDevice } from '../registry/resolve-device.js';
import { buildDemoPackage, demoBundle } from './package.js';
import { publishDemoRegistry, writeDemoRegistry } from './registry.js';
import { serveFolder } from './server.js';

export interface DemoOptions {
  /** the folder to build and serve from; default a temporary folder, removed by close() */
  dir?: string;
  port?: number;
  /** the registry device the package is made for; default nikel */
  codename?: string;
}

export interface RunningDemo {
  /** a signed registry: give `rootFile` with --registry-root */
  registryUrl: string;
  /** the root.json the demo registry is signed under (fresh keys every run) */
  rootFile: string;
  /** the zip's url */
  packageUrl: string;
  dir: string;
  codename: string;
  bundleId: string;
  close(): Promise<void>;
}

/**
 * Builds the demo package and registry, then serves both on 127.0.0.1: `<origin>/files/<zip>` and the registry,
 * signed with keys made for this run and published as a static tree, at `<origin>/registry/`.
 * The device profile is the embedded registry's.
 */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const owned = options.dir === undefined;
  const dir = owned ? await mkdtemp(join(tmpdir(), 'romctl-demo-')) : resolve(options.dir as string);
  try {
    const embedded = await openRegistry({ env: {} });
    const profile = await embedded.device(requireDevice(embedded, options.codename ?? 'nikel'));
    // only www/ is served: the signing keys and the registry's source folder stay beside it
    const www = join(dir, 'www');
    await rm(www, { recursive: true, force: true });
    await rm(join(dir, 'registry-src'), { recursive: true, force: true });
    await mkdir(join(www, 'files'), { recursive: true });
    const name = `${profile.codename}_demo-1.0_sp-flash-tool.zip`;
    const pkg = await buildDemoPackage(profile, join(www, 'files'), name);
    await rm(join(www, 'files', 'rom'), { recursive: true, force: true });
    const server = await serveFolder(www, options.port ?? 0);
    const packageUrl = `${server.origin}/files/${name}`;
    const bundle = demoBundle(profile, pkg, packageUrl);
    await writeDemoRegistry(join(dir, 'registry-src'), profile, [bundle]);
    const signed = await publishDemoRegistry(join(dir, 'registry-src'), dir, join(www, 'registry')).catch(
      async (error: unknown) => {
        await server.close();
        throw error;
      },
    );
    return {
      registryUrl: `${server.origin}/registry/`,
      rootFile: signed.rootFile,
      packageUrl,
      dir,
      codename: profile.codename,
      bundleId: bundle.id,
      close: async () => {
        await server.close();
        if (owned) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (owned) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
