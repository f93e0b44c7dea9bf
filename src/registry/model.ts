/**
 * The registry's documents (DESIGN §3): a DeviceProfile per codename (registry/devices/CODENAME.yaml) and a
 * Bundle per release (registry/bundles/CODENAME/ID.yaml). Numbers that are addresses, sizes or ids are written
 * as `0x` hex strings in YAML and stay strings here; `schemas/device.schema.json` / `bundle.schema.json` say
 * exactly what is allowed. Every fact carries the source it came from.
 */

export type DevicePlatform = 'mtk' | 'qualcomm' | 'spreadtrum' | 'exynos' | 'other';

/** One partition of a known layout: canonical name, start, size (null: to the end of the device). */
export type LayoutEntry = [name: string, start: string, size: string | null];

export interface KnownLayout {
  id: string;
  storage: string | null;
  source: string;
  partitions: LayoutEntry[];
}

/** A memory fit (one EMI record's worth): what a preloader must cover for units with this memory to boot. */
export interface MemoryVariant {
  id: string;
  label: string;
  /**
   * `emmc-mcp`, `ufs`, `nand-mcp` (the id must match) or `discrete` (DRAM type, vendor, ranks must match);
   * absent when the source names a variant without its memory ids (then no preloader can be confirmed for it)
   */
  package?: 'discrete' | 'emmc-mcp' | 'ufs' | 'nand-mcp';
  /** eMMC CID / UFS / NAND id prefix, lowercase hex */
  storageId?: string;
  dram?: string;
  /** LPDDR mode register 5 (DRAM vendor), `0x..` */
  dramVendorId?: string;
  /** bytes per rank, `0x..` each */
  rankSizes?: string[];
  /** production period, free text as the source says it (e.g. "after 03.2014") */
  period?: string;
  source: string;
}

export interface LookAlike {
  codename: string;
  differs: string;
}

export interface SourcedText {
  text: string;
  source: string;
}

export interface KnownPreloader {
  sha256: string;
  file?: string;
  source: string;
}

export interface ObservedBuild {
  id: string;
  android?: string;
  region?: string;
  date?: string;
  note?: string;
  source: string;
}

export interface DeviceProfile {
  codename: string;
  aliases?: string[];
  names?: string[];
  vendor?: string;
  platform: DevicePlatform;
  chip?: string;
  /** `0x..` as BROM reports it (MTK only) */
  hwCode?: string;
  /** storage kinds, e.g. [EMMC] or [EMMC, UFS] */
  storage?: string[];
  preloaderProjects?: string[];
  knownGoodPreloaders?: KnownPreloader[];
  protectedPartitions?: string[];
  layouts?: KnownLayout[];
  variants?: MemoryVariant[];
  lookAlikes?: LookAlike[];
  warnings?: SourcedText[];
  builds?: ObservedBuild[];
  /** where each scalar fact came from: `chip`, `hwCode`, `names`, `vendor`, `storage`, `platform` … */
  sources?: Record<string, string>;
}

export type BundleKind = 'sp-flash-tool' | 'fastboot-scatter' | 'fastboot' | 'recovery-zip' | 'qualcomm-edl';

export interface BundleFile {
  name: string;
  size?: number;
  /** what the publisher says when no exact byte count exists, e.g. "1.9 GB" */
  sizeHuman?: string;
  /** an archive's bytes once unpacked (its files, and a copy per link): unpacking more is refused */
  unpackedSize?: number;
  sha256?: string;
  md5?: string;
  /** Xiaomi embeds the first 10 hex digits of the md5 in the file name */
  md5Prefix?: string;
  urls: string[];
}

export interface BundleContent {
  scatter?: { file: string; sha256?: string; platform?: string; project?: string; storage?: string };
  preloader?: { file: string; sha256: string; project?: string; emiIds?: string[] };
  images?: Record<string, string>;
}

export interface Bundle {
  id: string;
  codename: string;
  version: string;
  kind: BundleKind;
  branch?: string;
  region?: string;
  android?: string;
  date?: string;
  files: BundleFile[];
  content?: BundleContent;
  source: string;
}

/**
 * registry/index.json: the slim list search and lookup read (codename, aliases, names, chip, hw code), small
 * even for 10,000 devices; each device's profile and releases are in `index/<codename>.json`, read only when
 * that device is asked for.
 */
export interface RegistryIndex {
  version: 2;
  devices: SearchEntry[];
}

export interface SearchEntry {
  codename: string;
  file: string;
  aliases: string[];
  names: string[];
  vendor: string | null;
  platform: DevicePlatform;
  chip: string | null;
  hwCode: string | null;
  /** codenames the profile names as look-alikes (absent when none), so search loads only profiles that have some */
  lookAlikes?: string[];
  /** every text search matches against, squashed (lowercase letters and digits) and space-separated */
  terms: string;
}

/** index/<codename>.json: the whole profile and the release list, so `info` and `fetch` need no YAML parser. */
export interface DeviceDetail {
  profile: DeviceProfile;
  bundles: IndexedBundle[];
}

/** One device with its detail: what `info`, `fetch` and `check --device` work with. */
export interface IndexedDevice extends SearchEntry, DeviceDetail {}

export interface IndexedBundle {
  id: string;
  file: string;
  version: string;
  kind: BundleKind;
  region: string | null;
  branch: string | null;
  date: string | null;
  /** the bundle lists content hashes (scatter, preloader, images) the device rules can recognise */
  content: boolean;
  /** how its downloads can be checked: the weakest of its files (`md5-prefix`: only the vendor's file name) */
  hashes: BundleHashes;
}

export type BundleHashes = 'sha256' | 'md5' | 'md5-prefix' | 'none';
