import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode, RomctlError } from '../errors.js';

/** what search and listing read first (written by `romctl registry index`) */
export const INDEX_FILE = 'index.json';

/** The registry shipped in the package: `registry/` at the package root, two levels above src/registry or dist/registry. */
export function embeddedRegistryDir(): string {
  return fileURLToPath(new URL('../../registry', import.meta.url));
}

/**
 * Where to read the registry from: `--registry`, else ROMCTL_REGISTRY, else the embedded one. Only folders for
 * now; a URL is the seam for the signed remote registry that comes with `fetch`.
 */
export function registryLocation(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = option ?? (env.ROMCTL_REGISTRY || undefined);
  if (given === undefined) return embeddedRegistryDir();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given)) {
    throw new RomctlError('remote registries are not supported yet', {
      where: given,
      exitCode: ExitCode.badInput,
      hint: 'give a registry folder (with devices/ and bundles/), or leave --registry / ROMCTL_REGISTRY unset',
    });
  }
  if (!existsSync(given) || !statSync(given).isDirectory()) {
    throw new RomctlError('no such registry folder', { where: given, hint: 'give a folder holding devices/*.yaml' });
  }
  return given;
}
