import type { DeviceFacts, DeviceVariantFacts, KnownGoodFacts } from '../check/facts.js';
import { canonicalPartitionName } from '../formats/scatter/model.js';
import type { DramType, MemorySpec } from '../formats/preloader/index.js';
import { chipsOfHwCode, hwCodeOfChip, parseHwCode } from './chips.js';
import type { Bundle, DeviceProfile, MemoryVariant } from './model.js';

const STORAGE_KIND = { 'emmc-mcp': 'emmc', ufs: 'ufs', 'nand-mcp': 'nand' } as const;

/** A registry variant as the memory `matchMemory` compares: a part the source does not give stays null. */
export function variantMemory(variant: MemoryVariant): MemorySpec {
  const kind = variant.package && variant.package !== 'discrete' ? STORAGE_KIND[variant.package] : undefined;
  return {
    storage: kind && variant.storageId ? { kind, id: variant.storageId } : null,
    dram: (variant.dram as Exclude<DramType, 'unknown'> | undefined) ?? null,
    dramVendorId: variant.dramVendorId === undefined ? null : parseInt(variant.dramVendorId, 16),
    rankSizes: variant.rankSizes?.map((size) => BigInt(size)) ?? null,
  };
}

/** "Xiaomi" + "Redmi Note 4" → "Xiaomi Redmi Note 4"; "Lenovo" + "Lenovo P780" stays "Lenovo P780". */
export function withVendor(vendor: string | null | undefined, name: string): string {
  return vendor && !name.toLowerCase().startsWith(vendor.toLowerCase()) ? `${vendor} ${name}` : name;
}

export function deviceLabel(profile: DeviceProfile): string {
  const name = profile.names?.[0];
  return name ? `${profile.codename} (${withVendor(profile.vendor, name)})` : profile.codename;
}

/** What the device rules of `romctl check --device` need from a profile and its bundles' content facts. */
export function toDeviceFacts(profile: DeviceProfile, bundles: Bundle[], chosenVariant?: string): DeviceFacts {
  const hwCode = profile.hwCode ? parseHwCode(profile.hwCode) : profile.chip ? hwCodeOfChip(profile.chip) : undefined;
  const variants: DeviceVariantFacts[] = (profile.variants ?? []).map((variant) => ({
    id: variant.id,
    label: variant.label,
    memory: variantMemory(variant),
    ...(variant.period ? { period: variant.period } : {}),
  }));
  const knownGood: KnownGoodFacts[] = [
    ...(profile.knownGoodPreloaders ?? []).map((entry) => ({
      sha256: entry.sha256,
      origin: `${profile.codename} profile`,
      file: entry.file ?? 'preloader',
    })),
    ...bundles.flatMap((bundle) => bundleHashes(bundle)),
  ];
  return {
    codename: profile.codename,
    label: deviceLabel(profile),
    platform: profile.platform,
    ...(profile.chip ? { chip: profile.chip } : {}),
    ...(hwCode === undefined ? {} : { hwCode }),
    chipFamily: hwCode === undefined ? [] : [...chipsOfHwCode(hwCode)],
    storage: profile.storage ?? [],
    aliases: profile.aliases ?? [],
    preloaderProjects: profile.preloaderProjects ?? [],
    layouts: (profile.layouts ?? []).map((layout) => ({
      id: layout.id,
      storage: layout.storage,
      partitions: layout.partitions.map(([name, start, size]) => ({
        name: canonicalPartitionName(name),
        start: BigInt(start),
        size: size === null ? null : BigInt(size),
      })),
    })),
    variants,
    ...(chosenVariant === undefined ? {} : { chosenVariant }),
    knownGood,
  };
}

function bundleHashes(bundle: Bundle): KnownGoodFacts[] {
  const origin = `${bundle.codename}/${bundle.id}`;
  const content = bundle.content;
  if (!content) return [];
  return [
    ...(content.preloader ? [{ sha256: content.preloader.sha256, origin, file: content.preloader.file }] : []),
    ...(content.scatter?.sha256 ? [{ sha256: content.scatter.sha256, origin, file: content.scatter.file }] : []),
    ...Object.entries(content.images ?? {}).map(([file, sha256]) => ({ sha256, origin, file })),
  ];
}
