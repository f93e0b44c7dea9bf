import { RomctlError } from '../errors.js';
import type { BundleKind, DevicePlatform, IndexedBundle, IndexedDevice } from './model.js';

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

/** The package kinds a platform's flashing path uses, best first: what `fetch` picks without `--kind`. */
export function flashingKinds(platform: DevicePlatform): BundleKind[] {
  if (platform === 'mtk') return ['sp-flash-tool', 'fastboot-scatter', 'fastboot'];
  if (platform === 'qualcomm') return ['qualcomm-edl', 'fastboot'];
  return ['fastboot'];
}

export interface BundleChoice {
  bundle: IndexedBundle;
  /** how the region was settled, for the line `fetch` shows */
  region: string;
  /** releases left out because only the vendor's md5 prefix (or nothing) can check them */
  weak: number;
}

export interface ChoiceQuery extends BundleQuery {
  /** where `region` came from: `--region`, or the configured default (ROMCTL_REGION) */
  regionFrom?: 'option' | 'config';
}

const regionText = (region: string | null) => region ?? 'no region';

/**
 * The bundle `fetch` downloads: the newest release of the first kind in the device's flashing path
 * (never a recovery zip unless `--kind` says so) that romctl can verify (a sha256 or the vendor's full md5,
 * not only a file-name md5 prefix), in one explicit region. Asked for by version, the bundle is taken as
 * asked. Several regions and none given is a usage error listing them.
 */
export function chooseBundle(device: IndexedDevice, query: ChoiceQuery = {}): BundleChoice {
  // an unknown version is answered as resolveBundle answers it: the versions there are
  if (query.version !== undefined) resolveBundle(device, { version: query.version });
  const kinds = query.kind === undefined ? flashingKinds(device.platform) : [query.kind as BundleKind];
  const ofKind = matchingBundles(device, { ...query, region: undefined, kind: undefined }).filter((bundle) =>
    kinds.includes(bundle.kind),
  );
  const usable = query.version === undefined ? ofKind.filter((bundle) => bundle.hashes === 'sha256' || bundle.hashes === 'md5') : ofKind;
  const weak = ofKind.length - usable.length;
  let region: string;
  let inRegion: IndexedBundle[];
  if (query.region !== undefined) {
    inRegion = usable.filter((bundle) => (bundle.region ?? '').toLowerCase() === (query.region as string).toLowerCase());
    region = `${inRegion[0]?.region ?? query.region} (${query.regionFrom === 'config' ? 'ROMCTL_REGION' : '--region'})`;
  } else {
    const regions = [...new Set(usable.map((bundle) => bundle.region))];
    if (regions.length > 1) {
      throw new RomctlError(
        `${device.codename} has releases for ${regions.map(regionText).sort().join(', ')}: which region is the phone's?`,
        {
          hint: `choose with --region <region> (or set ROMCTL_REGION); a phone flashed with another region's ROM can lose its IMEI or refuse updates`,
        },
      );
    }
    region = `${regionText(regions[0] ?? null)} (the only one)`;
    inRegion = usable;
  }
  for (const kind of kinds) {
    const bundle = inRegion.find((candidate) => candidate.kind === kind);
    if (bundle) return { bundle, region, weak };
  }
  const others = [...new Set(matchingBundles(device).map((bundle) => bundle.kind))].filter((kind) => !kinds.includes(kind));
  throw new RomctlError(
    `${device.codename}: no ${kinds.join(' or ')} release${query.version ? ` ${query.version}` : ''}${query.region ? ` for region ${query.region}` : ''} that romctl can verify`,
    {
      hint: [
        weak > 0 ? `${weak} ${weak === 1 ? 'is' : 'are'} known only by the md5 prefix in their file name (romctl info ${device.codename} lists them; name one with --release)` : '',
        others.length > 0 ? `other kinds exist: ${others.join(', ')} (choose with --kind)` : '',
        'romctl registry add --from-file records a downloaded file\'s sha256',
      ]
        .filter(Boolean)
        .join('; '),
    },
  );
}
