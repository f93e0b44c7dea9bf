import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExitCode, RomctlError } from '../errors.js';

/** what search and listing read first (written by `romctl registry index`) */
export const INDEX_FILE = 'index.json';

/** where each device's profile and releases are kept, beside the slim index */
export const DETAIL_DIR = 'index';

export function detailFile(codename: string): string {
  return `${DETAIL_DIR}/${codename}.json`;
}

/** The registry shipped in the package: `registry/` at the package root, two levels above src/registry or dist/registry. */
export function embeddedRegistryDir(): string {
  return fileURLToPath(new URL('../../registry', import.meta.url));
}

/** `--registry` or ROMCTL_REGISTRY as given, undefined for the embedded registry. */
export function givenRegistry(option?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return option ?? (env.ROMCTL_REGISTRY || undefined);
}

/** A registry given as an address (`http://…`, `https://…`) rather than a folder. */
export function isRegistryUrl(given: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(given);
}

/**
 * The registry folder to read: `--registry`, else ROMCTL_REGISTRY, else the embedded one. A URL registry is
 * opened by openRegistry (src/fetch/remote-registry.ts); commands that write or lint need a folder.
 */
export function registryLocation(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = givenRegistry(option, env);
  if (given === undefined) return embeddedRegistryDir();
  if (isRegistryUrl(given)) {
    throw new RomctlError('this command needs a registry folder, not a URL', {
      where: given,
      exitCode: ExitCode.badInput,
      hint: 'give a registry folder (with devices/ and bundles/); fetch, search, info and check read URL registries',
    });
  }
  if (!existsSync(given) || !statSync(given).isDirectory()) {
    throw new RomctlError('no such registry folder', { where: given, hint: 'give a folder holding devices/*.yaml' });
  }
  return given;
}
