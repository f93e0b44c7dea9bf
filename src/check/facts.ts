import type { PackageIdentity } from '../package/index.js';
import type { MemorySpec, PreloaderInfo } from '../formats/preloader/index.js';
import type { Layout, Partition, Scatter } from '../formats/scatter/model.js';

/** How the package would be written: SP Flash Tool's three download scenes. */
export type PlanMode = 'download' | 'upgrade' | 'format-all';

/** What one streaming read of an image file established. */
export interface ImageFacts {
  /** path inside the package, `/` separators */
  path: string;
  size: bigint;
  sha256: string;
  /** SP Flash Tool's Checksum.ini value: the byte sum of the file, 16 bits */
  byteSum16: number;
  /** what the first bytes say the image is (`sparse`, `ext4`, `gfh-preloader`, `raw` …) */
  kind: string;
  /** the size the image takes on the phone: the expanded size for a sparse image, else the file size */
  writtenSize: bigint;
  /** the bytes a flash sends: the data (RAW and FILL) blocks of a sparse image, else the file size */
  sentSize?: bigint;
  /** a sparse image whose header or chunks are broken: what and where */
  sparseError?: { message: string; offset?: bigint };
  /** the whole file, kept only for preloaders (small) so the preloader rules can parse it */
  preloaderBytes?: Uint8Array;
  /** the bytes could not be read to the end (truncated or corrupt archive entry) */
  readError?: string;
}

/** A scatter entry resolved to the file it names in the package. */
export interface ResolvedFile {
  partition: Partition;
  layout: Layout;
  /** the package path the scatter's file name resolved to; undefined when it is not in the package */
  path?: string;
  /** the package spells the name with another letter case (works on Windows, fails on case-sensitive systems) */
  caseDiffers?: boolean;
  /** not beside the scatter, but a file of that name is in another folder of the package */
  elsewhere?: string;
}

export interface ChecksumFacts {
  path: string;
  enabled: boolean;
  /** expected 16-bit sums by partition name as written in the file */
  sums: Map<string, number>;
  /** lines SP Flash Tool would skip or misread, with their line numbers */
  warnings: { line: number; message: string }[];
}

export interface PackageProblemFact {
  code: string;
  severity: 'error' | 'warning';
  message: string;
  entry?: string;
}

/** A preloader file of the package, parsed (or why it could not be). */
export interface PreloaderFacts {
  path: string;
  size: bigint;
  info?: PreloaderInfo;
  /** the file is not a readable preloader: what is wrong */
  error?: string;
}

/** A memory configuration the package's preloader must be able to boot, and where that requirement came from. */
export interface MemoryTarget {
  /** e.g. `--memory emmc:90014a…`, `nikel@3gb-hynix (3 GB / 32 GB, Hynix eMMC)`, `connected phone` */
  label: string;
  spec: MemorySpec;
  /** what a phone with this memory suffers when the preloader misses it, in the user's words */
  consequence?: string;
}

/** Everything the rules look at; each rule reads these and returns findings (facts in → findings out). */
export interface PackageFacts {
  path: string;
  kind: string;
  evidence: string[];
  problems: PackageProblemFact[];
  scatter?: { path: string; model: Scatter; chosenBecause?: string };
  files: ResolvedFile[];
  images: Map<string, ImageFacts>;
  checksum?: ChecksumFacts;
  /** by package path; only files the scatter marks as preloaders (SV5_BL_BIN) */
  preloaders: Map<string, PreloaderFacts>;
  /** memories the preloader must cover: from --memory, a device's variants, or the connected phone */
  memories: MemoryTarget[];
  /** another preloader to compare coverage with (`--preloader-from`) */
  referencePreloader?: PreloaderFacts;
  mode: PlanMode;
  /** partitions a verified backup exists for (canonical names); the engine fills this in */
  verifiedBackup: Set<string>;
  /** the target device, when the user named one (`--device`): the device rules judge against it */
  device?: DeviceFacts;
  /** the device the package names itself (updater-script, flash_all, MiFlash names, build.prop) */
  identity: PackageIdentity;
}

/** A memory fit the device is known to ship with (a registry variant), in the form `matchMemory` takes. */
export interface DeviceVariantFacts {
  id: string;
  label: string;
  memory: MemorySpec;
  period?: string;
}

/** A partition table the device is known to ship with: canonical names, starts and sizes. */
export interface DeviceLayoutFacts {
  id: string;
  storage: string | null;
  partitions: { name: string; start: bigint; size: bigint | null }[];
}

/** A hash the registry knows as a good release's file (a preloader, an image, a scatter). */
export interface KnownGoodFacts {
  sha256: string;
  /** the bundle (or profile entry) that vouches for it, e.g. `nikel/V8.5.2.0.MBFCNED-fastboot` */
  origin: string;
  file: string;
}

/** What the rules know about the target device (`--device CODENAME[@variant]`), taken from the registry. */
export interface DeviceFacts {
  codename: string;
  label: string;
  platform: string;
  chip?: string;
  hwCode?: number;
  /** every chip name that reports the same hw code (MT6589 and MT6589T share 0x6583) */
  chipFamily: string[];
  storage: string[];
  /** other codenames the device is sold or built under (nikel_global) */
  aliases: string[];
  preloaderProjects: string[];
  layouts: DeviceLayoutFacts[];
  variants: DeviceVariantFacts[];
  /** the variant the user named after `@`; the EMI rule then judges only this one */
  chosenVariant?: string;
  knownGood: KnownGoodFacts[];
}
