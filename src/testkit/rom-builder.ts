import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { OBSERVED_BLOADER_VERSIONS } from '../check/bloader-eras.js';
import { buildDaContainer, type SimDaProtocol } from '../engine/da/container-build.js';
import { RomctlError } from '../errors.js';
import { ByteSum16, writeChecksumIni } from '../formats/checksum-ini.js';
import {
  buildPreloader,
  type BuildEmiRecord,
  type BuildPreloaderOptions,
  type DramType,
} from '../formats/preloader/index.js';
import type { Partition, Scatter } from '../formats/scatter/model.js';
import { writeScatterYaml, writeScatterYamlV2 } from '../formats/scatter/index.js';
import { chipForPlatform } from '../knowledge/chips.js';
import type { DeviceProfile, MemoryVariant } from '../registry/model.js';
import { imageChunks, type ImageSpec } from './images.js';

/**
 * The test ROM builder: writes a realistic SP Flash Tool package (V1.1.2 scatter, GFH preloader with EMI records,
 * raw / sparse / ext4 / boot images, Checksum.ini) from a description. Tests, the benchmark and the demo use it;
 * every image is streamed to disk, so multi-GiB packages cost no memory.
 */
export interface RomPartitionSpec {
  name: string;
  size: bigint;
  /** scatter image type; default from the image: SV5_BL_BIN preloader, EXT4_IMG sparse/ext4, else NORMAL_ROM */
  type?: string;
  region?: string;
  operationType?: string;
  /** the image to write; none → `file_name: NONE`, not downloaded */
  image?: ImageSpec | 'preloader';
  /** default `<name>.img` (`preloader_<project>.bin` for the preloader) */
  fileName?: string;
  /** default: true when there is an image */
  download?: boolean;
  /** end-relative reserved entry (`0xFFFF....` address) */
  reservedAt?: bigint;
  /** the start address; default right after the previous partition of the same region */
  start?: bigint;
}

export interface RomSpec {
  platform: string;
  project: string;
  /** one storage (a V1.1.2 scatter) or several (a V2.1.0 multi-storage scatter, one layout each) */
  storage: RomStorage | readonly RomStorage[];
  partitions: RomPartitionSpec[];
  preloader: BuildPreloaderOptions;
  /** Checksum.ini: written with the switch on (default), off, or not at all */
  checksum?: 'on' | 'off' | 'none';
  /** partition name → value to write instead of the true sum (a damaged-image fixture) */
  checksumOverride?: Record<string, number>;
  /**
   * also write a generated DA file (DA_FILE_NAME) for the platform, for `romctl flash`: `true` the chip table's DA
   * generation, or the protocol named (`'xml'`: a V6 file, as newer MT6833/MT6877 firmware ships)
   */
  da?: boolean | SimDaProtocol;
}

/** the name SP Flash Tool packages give their DA file */
export const DA_FILE_NAME = 'MTK_AllInOne_DA.bin';

export interface BuiltFile {
  name: string;
  path: string;
  size: number;
  sha256: string;
  byteSum16: number;
}

export interface BuiltRom {
  dir: string;
  scatterPath: string;
  files: BuiltFile[];
}

const MiB = 1024n * 1024n;

export type RomStorage = 'EMMC' | 'UFS';

/** the storages a spec lays out, in scatter order */
export function storagesOf(spec: RomSpec): readonly RomStorage[] {
  return typeof spec.storage === 'string' ? [spec.storage] : spec.storage;
}

function regionFor(storage: RomStorage, partition: RomPartitionSpec): string {
  if (partition.region) return partition.region;
  // the second boot area's copy, as real V2 scatters place it (MT6789 tulip: EMMC_BOOT2 / UFS_LU1)
  if (partition.name === 'preloader_backup') return storage === 'UFS' ? 'UFS_LU1' : 'EMMC_BOOT2';
  const boot = partition.image === 'preloader';
  if (storage === 'UFS') return boot ? 'UFS_LU0_LU1' : 'UFS_LU2';
  return boot ? 'EMMC_BOOT1_BOOT2' : 'EMMC_USER';
}

function defaultType(partition: RomPartitionSpec): string {
  if (partition.image === 'preloader') return 'SV5_BL_BIN';
  const kind = partition.image?.kind;
  return kind === 'sparse' || kind === 'ext4' ? 'EXT4_IMG' : 'NORMAL_ROM';
}

function fileNameFor(spec: RomSpec, partition: RomPartitionSpec): string | null {
  if (!partition.image) return null;
  if (partition.fileName) return partition.fileName;
  return partition.image === 'preloader' ? `preloader_${spec.project}.bin` : `${partition.name}.img`;
}

/**
 * The scatter model for a spec: boot-area partitions at 0 of their region, the rest packed in order. One storage
 * gives a V1.1.2 scatter; several give a V2.1.0 multi-storage one, the same partitions laid out once per storage
 * (as MTK's generator does: only regions, storage names and the storage config differ).
 */
export function scatterFor(spec: RomSpec): Scatter {
  const storages = storagesOf(spec);
  return {
    format: storages.length > 1 ? 'v2' : 'v1',
    configVersion: storages.length > 1 ? 'V2.1.0' : 'V1.1.2',
    platform: spec.platform,
    project: spec.project,
    extra: {},
    layouts: storages.map((storage) => ({
      storage,
      bootChannel: storage === 'UFS' ? 'UFSHCI_0' : 'MSDC_0',
      blockSize: storage === 'UFS' ? 0x80000n : 0x20000n,
      extra: {},
      partitions: partitionsFor(spec, storage),
    })),
    notes: [],
  };
}

function partitionsFor(spec: RomSpec, storage: RomStorage): Partition[] {
  const next = new Map<string, bigint>();
  return spec.partitions.map((partition, index) => {
    const region = regionFor(storage, partition);
    const start = partition.reservedAt ?? partition.start ?? next.get(region) ?? 0n;
    if (partition.reservedAt === undefined) next.set(region, start + partition.size);
    const fileName = fileNameFor(spec, partition);
    return {
      index,
      name: partition.name,
      fileName,
      fileNameImplied: false,
      isDownload: partition.download ?? fileName !== null,
      type: partition.type ?? defaultType(partition),
      operationType: partition.operationType ?? (partition.image === 'preloader' ? 'BOOTLOADERS' : 'UPDATE'),
      region,
      storage: `HW_STORAGE_${storage}`,
      linearStart: start,
      physicalStart: start,
      size: partition.size,
      sizeDerived: false,
      isReserved: partition.reservedAt !== undefined,
      boundaryCheck: partition.reservedAt === undefined,
      extra: {
        is_upgradable: String(partition.image !== undefined),
        empty_boot_needed: 'false',
        // V2.x generators write this key too (measured on the V2.1.0 MT6833 / MT6893 files)
        ...(storagesOf(spec).length > 1 ? { combo_partsize_check: 'false' } : {}),
        reserve: '0x00',
      },
      line: 0,
    };
  });
}

async function writeImage(
  path: string,
  chunks: Iterable<Uint8Array>,
): Promise<Omit<BuiltFile, 'name' | 'path'>> {
  const hash = createHash('sha256');
  const sum = new ByteSum16();
  let size = 0;
  await pipeline(function* () {
    for (const chunk of chunks) {
      hash.update(chunk);
      sum.push(chunk);
      size += chunk.length;
      yield chunk;
    }
  }, createWriteStream(path));
  return { size, sha256: hash.digest('hex'), byteSum16: sum.value };
}

/** Writes the package as a folder: scatter, images, Checksum.ini. Returns what it wrote with hashes and sums. */
export async function buildRomFolder(spec: RomSpec, dir: string): Promise<BuiltRom> {
  await mkdir(dir, { recursive: true });
  const scatter = scatterFor(spec);
  const scatterPath = join(dir, `${spec.platform}_Android_scatter.txt`);
  await writeFile(
    scatterPath,
    scatter.layouts.length > 1 ? writeScatterYamlV2(scatter) : writeScatterYaml(scatter),
  );
  const files: BuiltFile[] = [];
  const written = new Map<string, BuiltFile>();
  for (const [index, partition] of spec.partitions.entries()) {
    const fileName = fileNameFor(spec, partition);
    if (!partition.image || fileName === null) continue;
    let file = written.get(fileName);
    if (!file) {
      const chunks =
        partition.image === 'preloader'
          ? [buildPreloader(spec.preloader)]
          : imageChunks(partition.image, index + 1);
      const path = join(dir, fileName);
      file = { name: partition.name, path, ...(await writeImage(path, chunks)) };
      written.set(fileName, file);
    }
    files.push({ ...file, name: partition.name });
  }
  if ((spec.checksum ?? 'on') !== 'none') {
    const entries = files.map((file) => ({
      name: file.name,
      value: spec.checksumOverride?.[file.name] ?? file.byteSum16,
    }));
    await writeFile(
      join(dir, 'Checksum.ini'),
      writeChecksumIni(entries, { enabled: spec.checksum !== 'off' }),
    );
  }
  if (spec.da) await writeFile(join(dir, DA_FILE_NAME), daFileFor(spec.platform, spec.da));
  return { dir, scatterPath, files };
}

/** `true`: the DA generation the chip table gives the platform's chip; or the protocol asked (a V6 file for 'xml') */
function daFileFor(platform: string, da: true | SimDaProtocol): Uint8Array {
  const chip = chipForPlatform(platform);
  if (!chip) {
    throw new RomctlError(`no DA can be generated for platform ${platform}`, {
      hint: 'use a known MTK chip',
    });
  }
  return buildDaContainer({
    entries: [{ hwCode: chip.daCode, protocol: da === true ? chip.daProtocol : da }],
  });
}

export interface DefaultRomOptions {
  /** bytes of data in the system image (sparse); default 4 MiB */
  systemData?: number;
  /** expanded size of the system image; default 64 MiB */
  systemSize?: number;
}

/**
 * A realistic MT6797 (Redmi Note 4 MTK, "nikel"-like) package: the partition names, types and operation types
 * of an MT6797 V1.1.2 scatter, with small images by default. The preloader carries v00 discrete LPDDR3 records.
 */
export function defaultRomSpec(options: DefaultRomOptions = {}): RomSpec {
  const systemSize = BigInt(options.systemSize ?? 64 * 1024 * 1024);
  const systemPartition = ((systemSize + MiB - 1n) / MiB) * MiB + 16n * MiB;
  const kib = (n: number) => BigInt(n) * 1024n;
  return {
    platform: 'MT6797',
    project: 'lcsh6797_6c_lw_m',
    storage: 'EMMC',
    preloader: {
      fileName: 'preloader_lcsh6797_6c_lw_m.bin',
      platform: 'MT6797',
      bloaderVersion: 0,
      records: [
        { package: 'discrete', dram: 'LPDDR3', dramVendorId: 0x01, rankSizes: [0x40000000n, 0x40000000n] },
        { package: 'discrete', dram: 'LPDDR3', dramVendorId: 0x06, rankSizes: [0x40000000n, 0x40000000n] },
        { package: 'discrete', dram: 'LPDDR3', dramVendorId: 0xff, rankSizes: [0x60000000n, 0x60000000n] },
      ],
    },
    partitions: [
      { name: 'preloader', size: kib(256), image: 'preloader' },
      { name: 'pgpt', size: kib(512), operationType: 'INVISIBLE' },
      { name: 'recovery', size: 16n * MiB, image: { kind: 'boot', size: 6 * 1024 * 1024 } },
      { name: 'para', size: kib(512), operationType: 'INVISIBLE' },
      { name: 'expdb', size: 10n * MiB, operationType: 'INVISIBLE' },
      { name: 'frp', size: MiB, operationType: 'INVISIBLE' },
      { name: 'nvcfg', size: 32n * MiB, type: 'EXT4_IMG', operationType: 'PROTECTED' },
      { name: 'nvdata', size: 64n * MiB, type: 'EXT4_IMG', operationType: 'INVISIBLE' },
      { name: 'metadata', size: 32n * MiB, operationType: 'INVISIBLE' },
      { name: 'protect1', size: 8n * MiB, type: 'EXT4_IMG', operationType: 'PROTECTED' },
      { name: 'protect2', size: 8n * MiB, type: 'EXT4_IMG', operationType: 'PROTECTED' },
      { name: 'seccfg', size: kib(512), operationType: 'INVISIBLE' },
      { name: 'proinfo', size: 3n * MiB, operationType: 'PROTECTED' },
      { name: 'md1img', size: 48n * MiB, image: { kind: 'raw', size: 1536 * 1024 } },
      { name: 'nvram', size: 5n * MiB, operationType: 'BINREGION' },
      { name: 'lk', size: kib(512), image: { kind: 'raw', size: 300 * 1024 }, fileName: 'lk.bin' },
      { name: 'lk2', size: kib(512), image: { kind: 'raw', size: 300 * 1024 }, fileName: 'lk.bin' },
      { name: 'boot', size: 16n * MiB, image: { kind: 'boot', size: 8 * 1024 * 1024 } },
      { name: 'logo', size: 8n * MiB, image: { kind: 'raw', size: 1024 * 1024 }, fileName: 'logo.bin' },
      { name: 'tee1', size: 5n * MiB, image: { kind: 'raw', size: 400 * 1024 }, fileName: 'trustzone.bin' },
      { name: 'tee2', size: 5n * MiB, image: { kind: 'raw', size: 400 * 1024 }, fileName: 'trustzone.bin' },
      {
        name: 'system',
        size: systemPartition,
        image: {
          kind: 'sparse',
          expandedSize: Number(systemSize),
          dataBytes: options.systemData ?? 4 * 1024 * 1024,
        },
      },
      {
        name: 'cache',
        size: 64n * MiB,
        image: { kind: 'sparse', expandedSize: 64 * 1024 * 1024, dataBytes: 64 * 1024 },
      },
      {
        name: 'userdata',
        size: 256n * MiB,
        image: { kind: 'sparse', expandedSize: 128 * 1024 * 1024, dataBytes: 128 * 1024 },
      },
      { name: 'flashinfo', size: 16n * MiB, operationType: 'RESERVED', reservedAt: 0xffff0080n },
      { name: 'sgpt', size: kib(512), operationType: 'RESERVED', reservedAt: 0xffff0000n },
    ],
  };
}

export interface DeviceRomOptions {
  /**
   * MTK_BLOADER_INFO version of the preloader's EMI table; default: the version real preloaders of the device's
   * chip carry (a legacy DA takes only those), else 0 (the v00 layout of MT6797-era preloaders)
   */
  bloaderVersion?: number;
  /** write a generated DA file too (RomSpec.da) */
  da?: boolean | SimDaProtocol;
}

/** what gets an image in a device package; everything else in the layout is listed without a file */
const DEVICE_IMAGES: Record<string, { image: ImageSpec; fileName?: string }> = {
  recovery: { image: { kind: 'boot', size: 2 * 1024 * 1024 } },
  md1img: { image: { kind: 'raw', size: 512 * 1024 } },
  lk: { image: { kind: 'raw', size: 300 * 1024 }, fileName: 'lk.bin' },
  lk2: { image: { kind: 'raw', size: 300 * 1024 }, fileName: 'lk.bin' },
  boot: { image: { kind: 'boot', size: 3 * 1024 * 1024 } },
  logo: { image: { kind: 'raw', size: 512 * 1024 }, fileName: 'logo.bin' },
  tee1: { image: { kind: 'raw', size: 256 * 1024 }, fileName: 'trustzone.bin' },
  tee2: { image: { kind: 'raw', size: 256 * 1024 }, fileName: 'trustzone.bin' },
  system: { image: { kind: 'sparse', expandedSize: 32 * 1024 * 1024, dataBytes: 1024 * 1024 } },
  cache: { image: { kind: 'sparse', expandedSize: 16 * 1024 * 1024, dataBytes: 64 * 1024 } },
  userdata: { image: { kind: 'sparse', expandedSize: 32 * 1024 * 1024, dataBytes: 128 * 1024 } },
};

const PROTECTED = new Set(['nvcfg', 'nvdata', 'nvram', 'protect1', 'protect2', 'proinfo']);

/**
 * A small package made for a registry device: its chip, its first known partition layout (same names, starts
 * and sizes; laid out for every storage the device has) and a preloader whose EMI table has one record per memory variant, so it passes
 * `romctl check --device <codename>`. Images are small; the last partition gets a nominal size.
 */
export function romSpecForDevice(profile: DeviceProfile, options: DeviceRomOptions = {}): RomSpec {
  const fail = (message: string) =>
    new RomctlError(`romSpecForDevice(${profile.codename}): ${message}`, {
      hint: 'the device profile needs a chip, a storage kind and a known layout',
    });
  if (profile.platform !== 'mtk' || profile.chip === undefined) throw fail('not an MTK device with a chip');
  const layout = profile.layouts?.find((known) => known.storage === 'EMMC' || known.storage === 'UFS');
  if (!layout) throw fail('no eMMC or UFS layout');
  // a device sold with eMMC and with UFS gets a V2.x multi-storage package, as its vendor ships
  const kinds = (profile.storage ?? []).filter((s): s is RomStorage => s === 'EMMC' || s === 'UFS');
  const storage = kinds.length > 1 ? kinds : (layout.storage as RomStorage);
  const project = profile.preloaderProjects?.[0] ?? profile.codename;
  const partitions = layout.partitions.map(([name, start, size]): RomPartitionSpec => {
    const base = { name, start: BigInt(start), size: size === null ? 256n * MiB : BigInt(size) };
    if (name === 'preloader') return { ...base, image: 'preloader' };
    const made = DEVICE_IMAGES[name];
    if (made) return { ...base, ...made };
    return { ...base, operationType: PROTECTED.has(name) ? 'PROTECTED' : 'INVISIBLE' };
  });
  return {
    platform: profile.chip,
    project,
    storage,
    preloader: {
      fileName: `preloader_${project}.bin`,
      platform: profile.chip,
      bloaderVersion:
        options.bloaderVersion ?? OBSERVED_BLOADER_VERSIONS[profile.chip.toUpperCase()]?.[0] ?? 0,
      records: (profile.variants ?? []).flatMap(emiRecordFor),
    },
    partitions,
    ...(options.da ? { da: options.da } : {}),
  };
}

/** The EMI record a preloader needs to boot units with this memory; none for a variant named without its ids. */
function emiRecordFor(variant: MemoryVariant): BuildEmiRecord[] {
  if (variant.package === undefined) return [];
  const dram = (variant.dram ?? 'LPDDR3') as Exclude<DramType, 'unknown'>;
  return [
    {
      package: variant.package,
      dram,
      ...(variant.storageId === undefined ? {} : { id: variant.storageId }),
      ...(variant.dramVendorId === undefined ? {} : { dramVendorId: Number(variant.dramVendorId) }),
      ...(variant.rankSizes === undefined
        ? {}
        : { rankSizes: variant.rankSizes.map((size) => BigInt(size)) }),
    },
  ];
}
