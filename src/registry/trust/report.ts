import type { Registry } from '../registry.js';

/** How far the registry a bundle came from can be trusted, as `fetch` reports it. */
export interface RegistryTrust {
  /** `embedded`: shipped in romctl; `folder`: the user's own; `signed`: verified TUF metadata; `insecure`: an unsigned URL */
  kind: 'embedded' | 'folder' | 'signed' | 'insecure';
  where: string;
  /** the trusted root a signed registry was verified from */
  root?: string;
  warning?: string;
}

export const INSECURE_WARNING =
  'WARNING: --insecure-registry: this registry is not signed; a hostile server or mirror can swap packages and their hashes, or hold back updates, and romctl cannot tell';

export function registryTrust(
  registry: Registry,
  given: string | undefined,
  insecure: boolean,
): RegistryTrust {
  if (registry.signed) return { kind: 'signed', where: registry.root, root: registry.signed.root };
  if (insecure) return { kind: 'insecure', where: registry.root, warning: INSECURE_WARNING };
  return { kind: given === undefined ? 'embedded' : 'folder', where: registry.root };
}
