import { RomctlError } from '../../errors.js';
import { asciiText, fromHex, hex } from './bytes.js';
import { dramTypeNames } from './emi-layouts.js';
import type { DramType, EmiPackage, EmiRecord, MemorySpec } from './types.js';

/** eMMC CID manufacturer ids (CID byte 0), as in Linux drivers/mmc/core/card.h `CID_MANFID_*` */
const emmcManufacturers: Record<number, string> = {
  0x11: 'Toshiba/Kioxia',
  0x13: 'Micron',
  0x15: 'Samsung',
  0x45: 'SanDisk',
  0x70: 'Kingston',
  0x90: 'Hynix',
  0xfe: 'Micron (Numonyx)',
};

/** JEDEC LPDDR mode register 5 manufacturer ids */
const dramVendors: Record<number, string> = {
  0x01: 'Samsung',
  0x03: 'Elpida',
  0x05: 'Nanya',
  0x06: 'SK hynix',
  0x08: 'Winbond',
  0xff: 'Micron',
};

export function emmcManufacturer(id: number): string | null {
  return emmcManufacturers[id] ?? null;
}

export function dramVendorName(mr5: number): string | null {
  return dramVendors[mr5] ?? null;
}

/**
 * Reads the manufacturer (byte 0) and product name (bytes 3..8, ASCII) from an eMMC CID given as hex; the name
 * only when all six bytes are printable.
 */
export function decodeEmmcCid(idHex: string): { manufacturer: string | null; productName: string | null } {
  const bytes = fromHex(idHex);
  const manufacturer = bytes.length > 0 ? emmcManufacturer(bytes[0] as number) : null;
  const name = bytes.subarray(3, 9);
  const productName = name.length === 6 && name.every((b) => b >= 0x20 && b < 0x7f) ? asciiText(name) : null;
  return { manufacturer, productName };
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1073741824n → "1 GiB", 0x60000000n → "1.5 GiB" */
export function formatSize(bytes: bigint): string {
  let unit = 0;
  let value = Number(bytes);
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : Number(value.toFixed(2))} ${UNITS[unit]}`;
}

export function describeRanks(ranks: readonly bigint[] | null): string {
  if (ranks === null) return 'rank sizes unknown';
  const present = ranks.filter((r) => r > 0n);
  if (present.length === 0) return 'rank sizes not recorded';
  if (present.every((r) => r === present[0]))
    return `${present.length} × ${formatSize(present[0] as bigint)}`;
  return present.map(formatSize).join(' + ');
}

const packageLabels: Record<EmiPackage, string> = {
  discrete: 'discrete',
  'nand-mcp': 'NAND-MCP',
  'emmc-mcp': 'eMMC-MCP',
  ufs: 'UFS',
  unknown: 'unknown package',
};

function describeId(pkg: EmiPackage, id: string): string {
  if (pkg === 'emmc-mcp') {
    const { manufacturer, productName } = decodeEmmcCid(id);
    const extra = [manufacturer, productName].filter((x): x is string => x !== null).join(' ');
    return extra ? `id ${id} (${extra})` : `id ${id}`;
  }
  if (pkg === 'ufs') {
    const text = asciiText(fromHex(id))
      .replace(/(\\x00)+$/, '')
      .trim();
    return /^[\x20-\x7e]+$/.test(text) ? `id ${id} ('${text}')` : `id ${id}`;
  }
  return `id ${id}`;
}

function describeVendor(mr5: number): string {
  const name = dramVendorName(mr5);
  return `DRAM vendor ${hex(mr5, 2)}${name ? ` (${name})` : ''}`;
}

/** e.g. "eMMC-MCP LPDDR3, id 90014a484247346132 (Hynix HBG4a2), 2 × 1 GiB" */
export function describeRecord(record: EmiRecord): string {
  if (record.type === null) return `record ${record.index}: layout unknown`;
  const parts = [
    `${packageLabels[record.package]} ${record.dram === 'unknown' ? `type ${hex(record.type, 4)}` : record.dram}`,
  ];
  if (record.id !== null && record.id !== '' && record.package !== 'discrete')
    parts.push(describeId(record.package, record.id));
  if (record.dramVendorId !== null) parts.push(describeVendor(record.dramVendorId));
  parts.push(describeRanks(record.rankSizes));
  return parts.join(', ');
}

export function describeMemory(memory: MemorySpec): string {
  const parts: string[] = [];
  if (memory.storage) {
    const pkg: EmiPackage =
      memory.storage.kind === 'emmc' ? 'emmc-mcp' : memory.storage.kind === 'ufs' ? 'ufs' : 'nand-mcp';
    parts.push(
      `${memory.storage.kind === 'emmc' ? 'eMMC' : memory.storage.kind.toUpperCase()} ${describeId(pkg, memory.storage.id)}`,
    );
  }
  if (memory.dram) parts.push(memory.dram);
  if (memory.dramVendorId !== null) parts.push(describeVendor(memory.dramVendorId));
  if (memory.rankSizes) parts.push(describeRanks(memory.rankSizes));
  return parts.length > 0 ? parts.join(', ') : 'nothing known';
}

export const MEMORY_SPEC_GRAMMAR = `comma-separated items, each at most once:
  emmc:<hex>         eMMC CID bytes as the DA reports them (a prefix is enough), e.g. emmc:90014a484247346132
  ufs:<hex>          UFS id bytes;  ufs:name=<text> the same given as its ASCII product name
  nand:<hex>         NAND id bytes
  [dram:]<type>      ${dramTypeNames.map((n) => n.toLowerCase()).join(', ')}
  mr5=<byte>         DRAM vendor id (LPDDR mode register 5), e.g. mr5=0x06
  <n>x<size> | <size>+<size>…   rank sizes, e.g. 2x1G, 2x1.5G, 1G+512M (K/M/G/T = KiB/MiB/GiB/TiB, or 0x… bytes)`;

function specError(message: string, item: string): RomctlError {
  return new RomctlError(`memory '${item}': ${message}`, {
    hint: `expected ${MEMORY_SPEC_GRAMMAR.split('\n')[0]} such as emmc:90014a484247346132,lpddr3,2x1G or dram:lpddr3,mr5=0x01,2x1G`,
  });
}

const SIZE_UNITS: Record<string, bigint> = { '': 1n, K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n };

function parseSize(text: string, item: string): bigint {
  if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
  const m = /^(\d+)(?:\.(\d+))?\s*([KMGT]?)(?:i?B)?$/i.exec(text);
  if (!m) throw specError(`'${text}' is not a size (use e.g. 1G, 512M, 1.5G or 0x40000000)`, item);
  const unit = SIZE_UNITS[(m[3] ?? '').toUpperCase()] as bigint;
  const fraction = m[2] ?? '';
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(m[1] as string) * scale + BigInt(fraction || '0')) * unit;
  if (scaled % scale !== 0n) throw specError(`'${text}' is not a whole number of bytes`, item);
  const bytes = scaled / scale;
  if (bytes === 0n) throw specError(`rank size '${text}' is zero`, item);
  return bytes;
}

function parseRanks(item: string): bigint[] | null {
  const times = /^(\d+)\s*[x×*]\s*(.+)$/i.exec(item);
  if (times) {
    const count = Number(times[1]);
    if (count < 1 || count > 4) throw specError(`${count} ranks: a memory has 1 to 4 ranks`, item);
    return Array.from({ length: count }, () => parseSize(times[2] as string, item));
  }
  if (
    /^(0x[0-9a-f]+|\d+(\.\d+)?\s*[KMGT]?(i?B)?)(\+(0x[0-9a-f]+|\d+(\.\d+)?\s*[KMGT]?(i?B)?))*$/i.test(item)
  ) {
    const ranks = item.split('+').map((s) => parseSize(s.trim(), item));
    if (ranks.length > 4) throw specError(`${ranks.length} ranks: a memory has 1 to 4 ranks`, item);
    return ranks;
  }
  return null;
}

function parseIdHex(text: string, item: string): string {
  const clean = text
    .replace(/^0x/i, '')
    .replace(/[\s:-]/g, '')
    .toLowerCase();
  if (!/^([0-9a-f]{2})+$/.test(clean)) throw specError(`'${text}' is not an even number of hex digits`, item);
  if (clean.length > 32) throw specError(`id has ${clean.length / 2} bytes, at most 16 are compared`, item);
  return clean;
}

function parseDram(text: string, item: string): Exclude<DramType, 'unknown'> {
  const found = dramTypeNames.find((n) => n.toLowerCase() === text.toLowerCase());
  if (!found) throw specError(`'${text}' is not a DRAM type (${dramTypeNames.join(', ')})`, item);
  return found;
}

function parseByte(text: string, item: string): number {
  const value = /^0x[0-9a-f]{1,2}$/i.test(text)
    ? parseInt(text, 16)
    : /^\d{1,3}$/.test(text)
      ? Number(text)
      : NaN;
  if (!(value >= 0 && value <= 0xff)) throw specError(`'${text}' is not a byte (0x00…0xff)`, item);
  return value;
}

/**
 * Parses a memory description such as `emmc:90014a484247346132,lpddr3,2x1G` or `dram:lpddr3,mr5=0x01,2x1G`
 * (grammar in MEMORY_SPEC_GRAMMAR). Throws a RomctlError naming the item it could not read.
 */
export function parseMemorySpec(text: string): MemorySpec {
  const spec: MemorySpec = { storage: null, dram: null, dramVendorId: null, rankSizes: null };
  const items = text.split(',').map((s) => s.trim());
  if (text.trim() === '' || items.some((s) => s === '')) throw specError('empty item', text);
  const seen = new Set<string>();
  const once = (key: string, item: string) => {
    if (seen.has(key)) throw specError(`${key} given twice`, item);
    seen.add(key);
  };
  for (const item of items) {
    const colon = /^(emmc|ufs|nand|dram):(.*)$/i.exec(item);
    const key = colon?.[1]?.toLowerCase();
    const value = colon?.[2]?.trim() ?? '';
    if (key === 'emmc' || key === 'ufs' || key === 'nand') {
      once('storage id', item);
      const name = /^name=(.+)$/i.exec(value);
      if (name && key !== 'ufs') throw specError('name= is only for UFS ids', item);
      const id = name ? Buffer.from(name[1] as string, 'latin1').toString('hex') : parseIdHex(value, item);
      if (id.length > 32) throw specError('id longer than 16 bytes', item);
      spec.storage = { kind: key, id };
    } else if (key === 'dram') {
      once('DRAM type', item);
      spec.dram = parseDram(value, item);
    } else if (/^mr5\s*=/i.test(item)) {
      once('mr5', item);
      spec.dramVendorId = parseByte(item.replace(/^mr5\s*=\s*/i, ''), item);
    } else if (dramTypeNames.some((n) => n.toLowerCase() === item.toLowerCase())) {
      once('DRAM type', item);
      spec.dram = parseDram(item, item);
    } else {
      const ranks = parseRanks(item);
      if (!ranks) throw specError('not a storage id, DRAM type, mr5= or rank sizes', item);
      once('rank sizes', item);
      spec.rankSizes = ranks;
    }
  }
  return spec;
}
