/**
 * MediaTek chips by BROM hw code (reference §3, from mtkclient's `brom_config.py`): names, register bases, which
 * DA protocol they speak, and the writes that stop their watchdog (reference §2.7).
 */

export type DaProtocol = 'legacy' | 'xflash' | 'xml';

export interface RegisterWrite {
  address: number;
  value: number;
  width: 16 | 32;
}

export interface ChipInfo {
  /** what GET_HW_CODE (0xFD) returns; not the marketing number (MT6765 reports 0x766) */
  hwCode: number;
  /** marketing names sharing this hw code, the usual one first */
  names: readonly string[];
  /** watchdog (TOPRGU) base */
  watchdogBase: number;
  uartBase: number | null;
  /** mtkclient's address for its own payloads, not the official DA1 load address (that comes from the DA file) */
  payloadAddress: number;
  /** the code that picks this chip's entry in a DA file */
  daCode: number;
  daProtocol: DaProtocol;
  /** the DA is started in AArch64 (JUMP_DA64); such chips keep their watchdog */
  jump64: boolean;
  miscLock: number | null;
  meIdAddress: number | null;
  socIdAddress: number | null;
  /** BROM writes that disable the watchdog right after identification; empty where clients leave it alone */
  watchdogDisable: readonly RegisterWrite[];
}

type Ids = readonly [meId: number, socId: number] | null;

const IDS_6765: Ids = [0x102af8, 0x102b08];
const IDS_6771: Ids = [0x102b38, 0x102b48];
const IDS_6853: Ids = [0x102b78, 0x102b88];
const IDS_6833: Ids = [0x102b98, 0x102ba8];
const IDS_XML: Ids = [0x1008ec, 0x100934];

/** reference §2.7, keyed by watchdog base as clients do it; the default is WRITE32 0x22000064 */
function watchdogWrites(hwCode: number, base: number, jump64: boolean): RegisterWrite[] {
  if (jump64) return [];
  if (base === 0xc0000000) return [{ address: base, value: 0x2264, width: 16 }];
  if (base === 0xa0030000) return [{ address: base, value: 0x2200, width: 16 }];
  const value = base === 0x10212000 || base === 0x10007400 ? 0x22000000 : 0x22000064;
  const writes: RegisterWrite[] = [{ address: base, value, width: 32 }];
  if (hwCode === 0x6592) writes.push({ address: 0x10000500, value: 0x22000000, width: 32 });
  return writes;
}

function chip(
  hwCode: number,
  names: string,
  watchdogBase: number,
  uartBase: number | null,
  payloadAddress: number,
  daCode: number,
  daProtocol: DaProtocol,
  miscLock: number | null,
  ids: Ids = null,
  jump64 = false,
): ChipInfo {
  return {
    hwCode,
    names: names.split(' '),
    watchdogBase,
    uartBase,
    payloadAddress,
    daCode,
    daProtocol,
    jump64,
    miscLock,
    meIdAddress: ids?.[0] ?? null,
    socIdAddress: ids?.[1] ?? null,
    watchdogDisable: watchdogWrites(hwCode, watchdogBase, jump64),
  };
}

const W = 0x10007000;
const U = 0x11002000;
const P = 0x201000;
const L1 = 0x10001838;
const L2 = 0x10002050;
const L3 = 0x1001a100;
const W_XML = 0x1c007000;

export const CHIPS: readonly ChipInfo[] = [
  chip(0x6572, 'MT6572', W, 0x11005000, 0x2008000, 0x6572, 'legacy', 0x1000141c),
  chip(0x6571, 'MT6571', 0x10007400, null, 0x2009000, 0x6571, 'legacy', 0x1000141c),
  chip(0x6575, 'MT6575 MT8317', 0xc0000000, 0xc1009000, 0xc2001000, 0x6575, 'legacy', null),
  chip(0x6577, 'MT6577', 0xc0000000, 0xc1009000, 0xc2001000, 0x6577, 'legacy', null),
  chip(0x6580, 'MT6580', W, 0x11005000, P, 0x6580, 'legacy', L1),
  chip(0x6582, 'MT6582 MT6574 MT8382', W, U, P, 0x6582, 'legacy', L2),
  chip(0x6583, 'MT6589 MT6589T MT6583', 0x10000000, 0x11006000, 0x12001000, 0x6583, 'legacy', L2),
  chip(0x6592, 'MT6592 MT8392', W, U, 0x111000, 0x6592, 'legacy', L2),
  chip(0x6595, 'MT6595', W, U, 0x111000, 0x6595, 'legacy', null),
  chip(0x6752, 'MT6752', W, U, P, 0x6752, 'legacy', null),
  chip(0x6795, 'MT6795', W, U, 0x110000, 0x6795, 'legacy', null),
  chip(0x0321, 'MT6735 MT6735T MT8735A', 0x10212000, U, P, 0x6735, 'legacy', L1),
  chip(0x0335, 'MT6737M MT6735G', 0x10212000, U, P, 0x6735, 'legacy', null),
  chip(0x0337, 'MT6753', 0x10212000, U, P, 0x6735, 'legacy', L1),
  chip(0x0326, 'MT6755 MT6750M MT6750T MT6750S', W, U, P, 0x6755, 'xflash', L1),
  chip(0x0601, 'MT6750', W, U, P, 0x6755, 'xflash', L1),
  chip(0x0551, 'MT6757 MT6757D', W, U, P, 0x6757, 'xflash', L1),
  chip(0x0279, 'MT6797 MT6767', W, U, P, 0x6797, 'xflash', L2),
  chip(0x0699, 'MT6739 MT6731 MT8765', W, U, P, 0x6739, 'xflash', L3),
  chip(0x0717, 'MT6761 MT6762 MT3369 MT8766B MT8761 AC8259 AC8257', W, U, P, 0x6761, 'xflash', L3, IDS_6765),
  chip(0x0690, 'MT6763', W, U, P, 0x6763, 'xflash', L3, IDS_6853),
  chip(0x0766, 'MT6765 MT8768T', W, U, P, 0x6765, 'xflash', L3, IDS_6765),
  chip(0x0707, 'MT6768 MT6769', W, U, P, 0x6768, 'xflash', L3, IDS_6765),
  chip(0x0788, 'MT6771 MT8385 MT8183 MT8666', W, U, P, 0x6771, 'xflash', L3, IDS_6771),
  chip(0x0725, 'MT6779', W, U, P, 0x6779, 'xflash', L3),
  chip(0x0813, 'MT6785', W, U, P, 0x6785, 'xflash', L3, IDS_6771),
  chip(0x1066, 'MT6781', W, U, P, 0x6781, 'xflash', null),
  chip(0x0989, 'MT6833', W, U, P, 0x6833, 'xflash', null, IDS_6833),
  chip(0x0996, 'MT6853', W, U, P, 0x6853, 'xflash', L3, IDS_6853),
  chip(0x0886, 'MT6873', W, U, P, 0x6873, 'xflash', L3),
  chip(0x0959, 'MT6877 MT6877V MT8791N', W, U, P, 0x6877, 'xflash', null, IDS_6833),
  chip(0x0816, 'MT6885 MT6883 MT6889 MT6880 MT6890', W, U, P, 0x6885, 'xflash', L3),
  chip(0x0950, 'MT6893 MT6891', W, U, P, 0x6893, 'xflash', null, IDS_6833),
  chip(0x0907, 'MT6983', W_XML, 0x11001000, P, 0x0907, 'xml', null, IDS_XML, true),
  chip(0x1208, 'MT6789 MT8781V', W, U, P, 0x1208, 'xml', null, IDS_XML),
  chip(0x1129, 'MT6855', W_XML, 0x11001000, P, 0x1129, 'xml', null, IDS_XML),
  chip(0x1172, 'MT6895', W_XML, 0x11001000, P, 0x1172, 'xml', null, IDS_XML),
  chip(0x1209, 'MT6835', W_XML, U, 0x2001000, 0x1209, 'xml', null, IDS_XML),
  chip(0x1229, 'MT6886', W_XML, U, 0x2001000, 0x1229, 'xml', null, IDS_XML, true),
  chip(0x1296, 'MT6985', W_XML, 0x1c011000, P, 0x1296, 'xml', null, IDS_XML, true),
  chip(0x8127, 'MT8127 MT3367 AC8227L', W, U, P, 0x8127, 'legacy', L2),
  chip(0x8163, 'MT8163', W, U, P, 0x8163, 'legacy', L2),
  chip(0x6261, 'MT6261 MT2503', 0xa0030000, 0xa0080000, P, 0x6261, 'legacy', null),
  // the other DA codes of SP Flash Tool's own MTK_AllInOne_DA.bin (corpus/da), from the same brom_config.py
  chip(0x6573, 'MT6573', 0x220, null, 0x90005000, 0x6573, 'legacy', null),
  chip(0x8135, 'MT8135', 0x10000000, U, 0x12001000, 0x8135, 'legacy', null),
  chip(0x2601, 'MT2601', W, null, 0x2007000, 0x2601, 'legacy', null),
  chip(0x8172, 'MT8173', W, U, 0xc0000, 0x8173, 'legacy', 0x1202050),
];

const byHwCode = new Map(CHIPS.map((c) => [c.hwCode, c]));

export function chipForHwCode(hwCode: number): ChipInfo | null {
  return byHwCode.get(hwCode) ?? null;
}

/** The chips a DA entry with this code serves (0x6735 serves MT6735, MT6737M and MT6753); empty when unknown. */
export function chipsForDaCode(daCode: number): ChipInfo[] {
  return CHIPS.filter((c) => c.daCode === daCode);
}

/**
 * The chip family part of a platform name: `MT6589T` → `MT6589`, `mt6737m` → `MT6737`, `MT6572_S00` → `MT6572`,
 * `AC8227L` → `AC8227`; null for anything else.
 */
export function platformBase(name: string): string | null {
  const m = /^(MT|AC)(\d{4})/i.exec(name.trim());
  return m ? `${(m[1] as string).toUpperCase()}${m[2]}` : null;
}

/** The chip a platform name such as `MT6589`, `MT6589T`, `MT6797` or `MT6572_S00` belongs to. */
export function chipForPlatform(name: string): ChipInfo | null {
  const wanted = name
    .trim()
    .toUpperCase()
    .replace(/_S\d+$/, '');
  const exact = CHIPS.find((c) => c.names.includes(wanted));
  if (exact) return exact;
  const base = platformBase(wanted);
  return base ? (CHIPS.find((c) => c.names.some((n) => platformBase(n) === base)) ?? null) : null;
}

export function hwCodeForPlatform(name: string): number | null {
  return chipForPlatform(name)?.hwCode ?? null;
}

/** Does a platform name (from a scatter or a preloader) belong to this chip? `MT6735` fits a 0x335 MT6735G phone. */
export function chipHasPlatform(chip: ChipInfo, name: string): boolean {
  const base = platformBase(name);
  return base !== null && chip.names.some((n) => platformBase(n) === base);
}

/** `MT6797 (hw code 0x0279)`, or just the hw code when the chip is not in the table */
export function describeHwCode(hwCode: number): string {
  const code = `0x${hwCode.toString(16).padStart(4, '0')}`;
  const found = chipForHwCode(hwCode);
  return found ? `${found.names[0]} (hw code ${code})` : `unknown chip (hw code ${code})`;
}
