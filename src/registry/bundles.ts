import { RomctlError } from '../errors.js';
import type { IndexedBundle, IndexedDevice } from './model.js';

export interface BundleQuery {
  version?: string;
  region?: string;
  kind?: string;
}

/** Newest first: by date, then by version text (numeric parts compared as numbers). */
function newestFirst(a: IndexedBundle, b: IndexedBundle): number {
  const byDate = (b.date ?? '').localeCompare(a.date ?? '');
  return byDate !== 0 ? byDate : b.version.localeCompare(a.version, 'en', { numeric: true });
}

/** The bundles that fit the query, newest first. */
export function matchingBundles(device: IndexedDevice, query: BundleQuery = {}): IndexedBundle[] {
  const same = (a: string | null, b: string | undefined) => b === undefined || (a ?? '').toLowerCase() === b.toLowerCase();
  return device.bundles
    .filter((bundle) => same(bundle.version, query.version) && same(bundle.region, query.region) && same(bundle.kind, query.kind))
    .sort(newestFirst);
}

/** The one bundle `fetch`/`info` mean: the latest, or the given version (and region); a clear error otherwise. */
export function resolveBundle(device: IndexedDevice, query: BundleQuery = {}): IndexedBundle {
  const found = matchingBundles(device, query)[0];
  if (found) return found;
  const wanted = [query.version, query.region, query.kind].filter(Boolean).join(' ');
  const versions = [...new Set(matchingBundles(device).map((bundle) => bundle.version))].slice(0, 5);
  throw new RomctlError(
    device.bundles.length === 0
      ? `the registry knows no releases of ${device.codename}`
      : `${device.codename} has no bundle ${wanted}`.trim(),
    {
      hint:
        versions.length > 0
          ? `latest versions: ${versions.join(', ')} (romctl info ${device.codename} lists all)`
          : 'add one with romctl registry add',
    },
  );
}
