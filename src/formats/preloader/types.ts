/** What a preloader file was: a package file (bare GFH), a boot-area read-back, or a bare EMI block. */
export type PreloaderKind = 'preloader' | 'boot-area' | 'emi-block';

export type EmiPackage = 'discrete' | 'nand-mcp' | 'emmc-mcp' | 'ufs' | 'unknown';

export type DramType =
  'DDR1' | 'LPDDR2' | 'LPDDR3' | 'PCDDR3' | 'LPDDR4' | 'LPDDR4X' | 'LPDDR4P' | 'LPDDR5' | 'unknown';

/** `EMMC_BOOT` / `UFS_BOOT` / … header at offset 0 of a boot area, with its BRLYT boot-region layout. */
export interface BootHeader {
  identifier: string;
  version: number;
  /** u32 at 0x10: 0x200 on eMMC/NOR images, 0x1000 on UFS/COMBO images (measured) */
  headerSize: number;
  brlyt: Brlyt | null;
  /** where the GFH was found in the image */
  gfhOffset: number | null;
}

export interface Brlyt {
  offset: number;
  version: number;
  bootRegionAddr: number;
  mainRegionAddr: number;
  descriptors: BrlytDescriptor[];
}

export interface BrlytDescriptor {
  flashDev: number;
  fileType: number;
  begin: number;
  boundary: number;
  attr: number;
}

export interface GfhBlock {
  offset: number;
  type: number;
  typeName: string;
  version: number;
  size: number;
}

export interface GfhFileInfo {
  name: string;
  fileVersion: number;
  fileType: number;
  fileTypeName: string;
  flashDev: number;
  flashDevName: string;
  sigType: number;
  sigTypeName: string;
  loadAddr: number;
  fileLength: number;
  maxSize: number;
  contentOffset: number;
  sigLength: number;
  jumpOffset: number;
  attr: number;
}

export interface Gfh {
  /** offset of FILE_INFO in the input */
  offset: number;
  blocks: GfhBlock[];
  fileInfo: GfhFileInfo;
}

/** the `AND_ROMINFO_v` structure in the code; its platform id is often a placeholder such as MT6752 */
export interface RomInfo {
  offset: number;
  platformId: string;
  projectId: string;
}

/**
 * How well the record layout of a bloader version is known: `documented` (SP Flash Tool / preloader headers),
 * `measured` (derived from real preloaders, consistent across the corpus), `unknown` (records only split by size).
 */
export type LayoutSource = 'documented' | 'measured' | 'unknown';

export interface EmiRecord {
  index: number;
  /** offset of the record inside the bloader block */
  offset: number;
  /** raw type field (package in bits 8..11, DRAM type in bits 0..3), null where the layout is unknown */
  type: number | null;
  package: EmiPackage;
  dram: DramType;
  idLength: number | null;
  /** the first `idLength` bytes of ID as lowercase hex (the whole ID field where the version has no length) */
  id: string | null;
  fwIdLength: number | null;
  fwId: string | null;
  /** bytes per rank, four entries as stored (zero = rank absent / not recorded) */
  rankSizes: bigint[] | null;
  /** DRAM vendor id from mode register 5 (LPDDR2/3/4), null where the version has none or it is unset */
  dramVendorId: number | null;
}

export interface BloaderInfo {
  /** offset of `MTK_BLOADER_INFO_v` in the input */
  offset: number;
  version: number;
  fileName: string;
  /** project from `preloader_<project>.bin`, null when the name has another form */
  project: string | null;
  /** the record count as stored */
  recordCount: number;
  recordSize: number | null;
  layout: LayoutSource;
  records: EmiRecord[];
}

export interface PreloaderInfo {
  kind: PreloaderKind;
  size: number;
  bootHeader: BootHeader | null;
  gfh: Gfh | null;
  romInfo: RomInfo | null;
  bloader: BloaderInfo | null;
  warnings: string[];
}

/** What is known about a phone's memory; any part may be unknown (null). */
export interface MemorySpec {
  storage: { kind: 'emmc' | 'ufs' | 'nand'; id: string } | null;
  dram: Exclude<DramType, 'unknown'> | null;
  dramVendorId: number | null;
  /** bytes per rank, in rank order */
  rankSizes: bigint[] | null;
}

export interface MemoryMatch {
  verdict: 'match' | 'no-match' | 'cannot-decide';
  /** matching records; the first is the one the preloader would pick */
  matched: EmiRecord[];
  reason: string;
}
