import type { DramType, EmiPackage, LayoutSource } from './types.js';

/**
 * Where the fields we need sit inside one EMI_SETTINGS record of a given MTK_BLOADER_INFO version.
 * Sources: SP Flash Tool `flashtool_handle.h` structs and MediaTek preloader `emi.h` (documented); sizes and
 * offsets measured on the corpus where no header exists (measured). Offsets are relative to the record start.
 */
export interface RecordLayout {
  size: number;
  source: Exclude<LayoutSource, 'unknown'>;
  type: number;
  /** offset of the u32 id_length, null where the version compares a fixed length */
  idLength: number | null;
  id: number;
  idCapacity: number;
  fwIdLength: number | null;
  fwId: number | null;
  rankSizes: { offset: number; width: 4 | 8 } | null;
  /** offset of the u32 holding LPDDR mode register 5 (DRAM vendor id) */
  mr5: number | null;
}

/** sub_version, type, id_length, fw_id_length, ID[16], fw_id[8]: shared by v00, v10, v12 … v47 */
function prefixed(
  size: number,
  source: RecordLayout['source'],
  rankOffset: number,
  rankWidth: 4 | 8,
  mr5: number | null,
): RecordLayout {
  return {
    size,
    source,
    type: 0x04,
    idLength: 0x08,
    id: 0x10,
    idCapacity: 16,
    fwIdLength: 0x0c,
    fwId: 0x20,
    rankSizes: { offset: rankOffset, width: rankWidth },
    mr5,
  };
}

/** v11/v14 (MT6572/MT6571): type first, no sub_version or fw_id; MR5 sits in the first "reserved" word (measured) */
const mt6572: RecordLayout = {
  size: 168,
  source: 'documented',
  type: 0x00,
  idLength: 0x14,
  id: 0x04,
  idCapacity: 16,
  fwIdLength: null,
  fwId: null,
  rankSizes: { offset: 0x90, width: 4 },
  mr5: 0xa0,
};

/** v49/v51/v52 (MT6853/MT6893/MT6833) short uMCP records: type, id_length, ID[16], u64 ranks, vendor id at 0x50 (measured) */
const short84: RecordLayout = {
  size: 84,
  source: 'measured',
  type: 0x00,
  idLength: 0x04,
  id: 0x08,
  idCapacity: 16,
  fwIdLength: null,
  fwId: null,
  rankSizes: { offset: 0x18, width: 8 },
  mr5: 0x50,
};

/** v08 (MT6575/77): u32 type, ID[12], no id_length and no rank sizes */
const mt6575: RecordLayout = {
  size: 136,
  source: 'documented',
  type: 0x00,
  idLength: null,
  id: 0x04,
  idCapacity: 12,
  fwIdLength: null,
  fwId: null,
  rankSizes: null,
  mr5: null,
};

const v188 = prefixed(188, 'documented', 0x6c, 4, 0xb0);
const v176 = prefixed(176, 'documented', 0x60, 4, 0xa4);
const v160 = prefixed(160, 'documented', 0x50, 8, 0x98);
const v144 = prefixed(144, 'measured', 0x50, 4, 0x88);

/** candidate layouts per version, the usual one first (v25 exists with 160- and 144-byte records) */
const layouts: ReadonlyMap<number, readonly RecordLayout[]> = new Map<number, readonly RecordLayout[]>([
  [0, [prefixed(140, 'measured', 0x4c, 4, 0x84)]],
  [8, [mt6575]],
  [10, [prefixed(184, 'documented', 0x6c, 4, null)]],
  [11, [mt6572]],
  [14, [{ ...mt6572, source: 'measured' }]],
  ...[12, 13, 16, 18, 20, 21].map((v) => [v, [v188]] as const),
  ...[27, 32].map((v) => [v, [{ ...v188, source: 'measured' as const }]] as const),
  ...[15, 17, 19, 22].map((v) => [v, [v176]] as const),
  [24, [prefixed(164, 'measured', 0x50, 8, 0x9c)]],
  [25, [{ ...v160, source: 'measured' }, v144]],
  [28, [v144]],
  ...[30, 31, 35, 36, 38, 39, 40, 45, 46, 47].map((v) => [v, [v160]] as const),
  ...[49, 51, 52].map((v) => [v, [short84]] as const),
]);

/**
 * Versions whose records carry no id_length: their preloaders compare a fixed number of id bytes, SP Flash Tool's
 * `MCP_EMMC_ID_LEN` 9 (eMMC CID) and `MCP_NAND_ID_LEN` 5 (NAND id) (reference §5.4–5.5). The MT6575/77 v08
 * records in the corpus agree: eMMC ids hold 9 CID bytes and NAND ids 5 bytes, the rest of ID[12] zero.
 */
const fixedIdLengths: ReadonlyMap<number, { emmc: number; nand: number }> = new Map([
  [8, { emmc: 9, nand: 5 }],
]);

export function fixedIdLength(version: number, storage: 'emmc' | 'nand' | 'ufs'): number | null {
  const lengths = fixedIdLengths.get(version);
  return lengths && storage !== 'ufs' ? lengths[storage] : null;
}

export function layoutsFor(version: number): readonly RecordLayout[] {
  return layouts.get(version) ?? [];
}

export function knownBloaderVersions(): number[] {
  return [...layouts.keys()].sort((a, b) => a - b);
}

const packages: Record<number, EmiPackage> = { 0: 'discrete', 1: 'nand-mcp', 2: 'emmc-mcp', 3: 'ufs' };

/** DRAM type codes per MediaTek `emi.h` (MT6785); 7 = LPDDR4P is an unverified assumption, 8 = LPDDR5 third-party */
const dramTypes: Record<number, Exclude<DramType, 'unknown'>> = {
  1: 'DDR1',
  2: 'LPDDR2',
  3: 'LPDDR3',
  4: 'PCDDR3',
  5: 'LPDDR4',
  6: 'LPDDR4X',
  7: 'LPDDR4P',
  8: 'LPDDR5',
};

export function decodeType(type: number): { package: EmiPackage; dram: DramType } {
  if (type > 0xffff) return { package: 'unknown', dram: 'unknown' };
  return { package: packages[(type >> 8) & 0xff] ?? 'unknown', dram: dramTypes[type & 0xff] ?? 'unknown' };
}

export function encodeType(pkg: Exclude<EmiPackage, 'unknown'>, dram: Exclude<DramType, 'unknown'>): number {
  const high = Number(Object.entries(packages).find(([, name]) => name === pkg)?.[0]);
  const low = Number(Object.entries(dramTypes).find(([, name]) => name === dram)?.[0]);
  return (high << 8) | low;
}

export const dramTypeNames = Object.values(dramTypes);

/** DRAM types whose mode register 5 carries the JEDEC manufacturer id (not PCDDR3 / DDR1) */
export function hasMr5(dram: DramType): boolean {
  return dram.startsWith('LPDDR');
}
