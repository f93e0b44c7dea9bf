/** Registry facts read from real files with romctl's own parsers: layouts from scatters, variants from EMI tables. */
import {
  decodeEmmcCid,
  describeRecord,
  dramVendorName,
  formatSize,
  type BloaderInfo,
  type EmiRecord,
} from '../formats/preloader/index.js';
import { canonicalPartitionName, type Scatter } from '../formats/scatter/index.js';
import type { KnownLayout, LayoutEntry, MemoryVariant } from './model.js';

const hex = (value: bigint | number) => `0x${value.toString(16)}`;

/** One KnownLayout per storage section of a download scatter; reserved end-relative entries are left out. */
export function layoutsFromScatter(scatter: Scatter, source: string): KnownLayout[] {
  return scatter.layouts.map((layout) => ({
    id: (layout.storage ?? 'default').toLowerCase(),
    storage: layout.storage?.toUpperCase() ?? null,
    source,
    partitions: layout.partitions
      .filter((partition) => !partition.isReserved)
      .map((partition): LayoutEntry => [
        canonicalPartitionName(partition.name),
        hex(partition.linearStart),
        partition.size === null ? null : hex(partition.size),
      ]),
  }));
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function recordLabel(record: EmiRecord): string {
  const total = (record.rankSizes ?? []).reduce((sum, rank) => sum + rank, 0n);
  const ram = total > 0n ? `${formatSize(total)} ${record.dram}` : record.dram;
  if (record.package === 'discrete') {
    const vendor = record.dramVendorId === null ? null : dramVendorName(record.dramVendorId);
    return `${ram}${vendor ? `, ${vendor} DRAM` : ''}`;
  }
  if (record.package === 'emmc-mcp' && record.id) {
    const { manufacturer, productName } = decodeEmmcCid(record.id);
    const part = [manufacturer, productName?.trim()].filter(Boolean).join(' ');
    return `${ram}, ${part || `eMMC ${record.id}`} eMMC-MCP`;
  }
  return `${ram}, ${record.package === 'ufs' ? 'UFS' : 'NAND'} ${record.id ?? ''}`.trim();
}

function variantId(record: EmiRecord): string {
  const total = (record.rankSizes ?? []).reduce((sum, rank) => sum + rank, 0n);
  const parts: string[] = [record.dram.toLowerCase()];
  if (total > 0n) parts.push(formatSize(total).replace(' ', '').replace('GiB', 'g').replace('MiB', 'm'));
  if (record.package === 'discrete') {
    const vendor = record.dramVendorId === null ? null : dramVendorName(record.dramVendorId);
    parts.push(vendor ? slug(vendor.split('/')[0] as string) : `mr5-${record.dramVendorId ?? 'x'}`);
  } else if (record.id) {
    const { productName } = decodeEmmcCid(record.id);
    parts.push(productName?.trim() ? slug(productName.trim()) : record.id.slice(0, 8));
  }
  return parts.join('-');
}

/**
 * One memory variant per distinct usable EMI record (type known, not empty). Records of an unknown layout
 * give none: nothing could be said about them.
 */
export function variantsFromBloader(bloader: BloaderInfo, source: string): MemoryVariant[] {
  if (bloader.layout === 'unknown') return [];
  const variants: MemoryVariant[] = [];
  const seen = new Set<string>();
  for (const record of bloader.records) {
    if (record.type === null || record.type === 0 || record.package === 'unknown' || record.dram === 'unknown') continue;
    const variant: MemoryVariant = {
      id: variantId(record),
      label: recordLabel(record),
      package: record.package,
      ...(record.package !== 'discrete' && record.id ? { storageId: record.id } : {}),
      dram: record.dram,
      ...(record.dramVendorId === null ? {} : { dramVendorId: `0x${record.dramVendorId.toString(16).padStart(2, '0')}` }),
      ...(record.rankSizes && record.rankSizes.some((rank) => rank > 0n)
        ? { rankSizes: record.rankSizes.filter((rank) => rank > 0n).map(hex) }
        : {}),
      source: `${source} record ${record.index}: ${describeRecord(record)}`,
    };
    const key = JSON.stringify([variant.package, variant.storageId, variant.dram, variant.dramVendorId, variant.rankSizes]);
    if (seen.has(key)) continue;
    seen.add(key);
    variants.push(variant);
  }
  return uniqueIds(variants);
}

/** Makes ids unique inside one list by numbering repeats: lpddr3-3g-samsung, lpddr3-3g-samsung-2 … */
export function uniqueIds<T extends { id: string }>(items: T[]): T[] {
  const counts = new Map<string, number>();
  return items.map((item) => {
    const count = (counts.get(item.id) ?? 0) + 1;
    counts.set(item.id, count);
    return count === 1 ? item : { ...item, id: `${item.id}-${count}` };
  });
}
