import type { BlobSpec } from './types.js';

/**
 * Where to look, in order: the bundle's own urls, then each mirror by content (`<mirror>/sha256/<hash>`, exact
 * whatever the name) and by name (`<mirror>/<name>`). Duplicates are dropped.
 */
export function sourcesFor(spec: BlobSpec, mirrors: readonly string[] = []): string[] {
  const sources: string[] = [...spec.urls];
  for (const mirror of mirrors) {
    const base = mirror.endsWith('/') ? mirror : `${mirror}/`;
    if (spec.sha256 !== undefined) sources.push(new URL(`sha256/${spec.sha256.toLowerCase()}`, base).href);
    sources.push(new URL(encodeURIComponent(spec.name), base).href);
  }
  return [...new Set(sources)];
}
