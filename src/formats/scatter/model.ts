/**
 * The one Scatter model every scatter format parses into (DESIGN §3). Addresses and sizes are bigint: they pass
 * 2^32 and are compared exactly.
 */

/** `ota` = the plain `name 0xADDR` lines of ota_scatter.txt / update_scatter.txt: a layout list, not a download scatter. */
export type ScatterFormat = 'legacy' | 'v1' | 'v2' | 'xml' | 'ota';

export interface Partition {
  /** position in its layout, from 0 (the `SYS<n>` number where the file has one) */
  index: number;
  /** the name as written, minus a legacy `__NODL_` prefix; compare with `canonicalPartitionName` */
  name: string;
  /** image file relative to the scatter's folder, `/` separators; null for `NONE` or no image */
  fileName: string | null;
  /** legacy files name no images: the conventional build output is filled in and this is true */
  fileNameImplied: boolean;
  isDownload: boolean;
  /** image type as written (`SV5_BL_BIN`, `EXT4_IMG`, `NORMAL_ROM` …), null when the format has none */
  type: string | null;
  operationType: string | null;
  region: string | null;
  storage: string | null;
  linearStart: bigint;
  physicalStart: bigint;
  /** byte size; null when it cannot be known (a legacy last partition that extends to the end of the device) */
  size: bigint | null;
  /** the size was not written in the file but derived from the next partition's start */
  sizeDerived: boolean;
  /** end-relative reserved entry (`0xFFFF....` address, `is_reserved: true`): never an absolute offset */
  isReserved: boolean;
  boundaryCheck: boolean;
  /** every key the model has no field for, verbatim and in file order (`is_upgradable`, `reserve`, `d_type` …) */
  extra: Record<string, string>;
  /** 1-based line in the source text where the entry starts (0 when it did not come from text) */
  line: number;
}

export interface Layout {
  /** `EMMC`, `UFS`, `NAND`, `NOR` … as the file says (legacy: inferred, see Scatter.notes) */
  storage: string | null;
  bootChannel: string | null;
  blockSize: bigint | null;
  /** keys of the storage's config block the model has no field for, verbatim */
  extra: Record<string, string>;
  partitions: Partition[];
}

export interface Scatter {
  format: ScatterFormat;
  /** `V1.1.2`, `V2.1.0` …; null for legacy and OTA files */
  configVersion: string | null;
  platform: string | null;
  project: string | null;
  /** keys of the general block the model has no field for (`modem_check`, `modem` …), verbatim */
  extra: Record<string, string>;
  /** one per storage section: legacy/V1/OTA files have one, V2/XML one per `storage_type` */
  layouts: Layout[];
  /** what the parser inferred or tolerated (platform from the file name, a duplicate key …), one line each */
  notes: string[];
  /** entries SP Flash Tool does not download whose fields are broken: left out of the layout, not fatal */
  skipped?: SkippedEntry[];
}

/** A broken entry that is not downloaded, and why it was left out. */
export interface SkippedEntry {
  line: number;
  /** `partition_name` as written, or null when it is empty */
  name: string | null;
  message: string;
}

/** Old names → the names current scatters use, so rules can speak of one partition whatever the era. */
const LEGACY_NAMES: Readonly<Record<string, string>> = {
  pro_info: 'proinfo',
  protect_f: 'protect1',
  protect_s: 'protect2',
  android: 'system',
  usrdata: 'userdata',
  bootimg: 'boot',
  uboot: 'lk',
  sec_ro: 'secro',
  fat: 'intsd',
};

/** Case-insensitive, era-independent partition name: `PRO_INFO` → `proinfo`, `__NODL_NVRAM` → `nvram`. */
export function canonicalPartitionName(name: string): string {
  const lower = name
    .trim()
    .toLowerCase()
    .replace(/^__nodl_/, '');
  return LEGACY_NAMES[lower] ?? lower;
}
