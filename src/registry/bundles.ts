import { RomctlError } from '../errors.js';
import type { IndexedBundle, IndexedDevice } from './model.js';

export interface BundleQuery {
  version?: string;
  region?: string;
  kind?: string;
}

const plainCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `V10.2` after `V9.6`: digit runs compare as numbers. (Hand-written: an ICU collator costs start-up time.) */
function versionCompare(a: string, b: string): number {
  const partsA = a.split(/(\d+)/);
  const partsB = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(partsA.length, partsB.length); i++) {
    const x = partsA[i] as string;
    const y = partsB[i] as string;
    const order = i % 2 === 1 ? Number(x) - Number(y) || plainCompare(x, y) : plainCompare(x, y);
    if (order !== 0) return order;
  }
  return partsA.length - partsB.length;
}

/** Newest first: by date (ISO text), then by version. */
function newestFirst(a: IndexedBundle, b: IndexedBundle): number {
  return plainCompare(b.date ?? '', a.date ?? '') || versionCompare(b.version, a.version);
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
