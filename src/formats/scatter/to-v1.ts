import { RomctlError } from '../../errors.js';
import { canonicalPartitionName, type Layout, type Partition, type Scatter } from './model.js';

export interface V1Options {
  /** which layout of a multi-storage (V2/XML) scatter to write: `EMMC`, `UFS` …; default the first with partitions */
  storage?: string;
}

/*
 * How any scatter becomes a single-layout V1.1.x model (what `writeScatterYaml` writes; parsing its output gives
 * this model back exactly):
 * - V1: unchanged, except that sizes derived while parsing are now stated.
 * - V2 / XML: the chosen layout (option `storage`, default the first with partitions); its storage, boot channel and block size
 *   move into the general block, its other config keys join the general `extra`; config_version V1.1.2, the
 *   first version whose regions (EMMC_BOOT1_BOOT2, UFS_LU*) match V2's.
 * - Legacy (and OTA lists): config_version V1.1.1, written the way MTK's V1.1.1 generator did for the same chips:
 *   entries before MBR go to EMMC_BOOT_1, the rest to EMMC_USER (NAND: region NONE); `__NODL_` entries are
 *   is_download false with type NONE; the implied file names become explicit; operation types by name
 *   (preloader BOOTLOADERS, NVRAM BINREGION, PRO_INFO/PROTECT_F/PROTECT_S PROTECTED, end-relative RESERVED,
 *   other non-downloaded INVISIBLE, the rest UPDATE); an unknown size (last partition, reserved) is 0x0, which is
 *   how V1.1.1 files mark "to the end of the device"; linear and physical stay the one address the file gives.
 */
export function scatterAsV1(scatter: Scatter, options: V1Options = {}): Scatter {
  const layout = chooseLayout(scatter, options);
  const notes = [...scatter.notes];
  if (scatter.layouts.length > 1) {
    const others = scatter.layouts.filter((other) => other !== layout).map((other) => other.storage ?? '?');
    notes.push(`wrote the ${layout.storage ?? 'first'} layout; the file also has ${others.join(', ')}`);
  }
  if (scatter.format === 'legacy' || scatter.format === 'ota') return legacyAsV1(scatter, layout, notes);
  const multi = scatter.format === 'v2' || scatter.format === 'xml';
  return {
    format: 'v1',
    configVersion: multi ? 'V1.1.2' : scatter.configVersion,
    platform: scatter.platform,
    project: scatter.project,
    extra: multi ? { ...scatter.extra, ...layout.extra } : { ...scatter.extra },
    layouts: [
      {
        storage: layout.storage,
        bootChannel: layout.bootChannel,
        blockSize: layout.blockSize,
        extra: {},
        partitions: layout.partitions.map((partition) => ({
          ...partition,
          extra: { ...partition.extra },
          sizeDerived: false,
        })),
      },
    ],
    notes,
  };
}

function chooseLayout(scatter: Scatter, options: V1Options): Layout {
  const wanted = options.storage?.trim().toUpperCase();
  const layout =
    wanted === undefined
      ? (scatter.layouts.find((candidate) => candidate.partitions.length > 0) ?? scatter.layouts[0])
      : scatter.layouts.find((candidate) => candidate.storage?.toUpperCase() === wanted);
  if (!layout || layout.partitions.length === 0) {
    const present = scatter.layouts.map((candidate) => candidate.storage ?? '(unnamed)').join(', ');
    throw new RomctlError(
      `no ${options.storage ?? ''} layout in this scatter (it has ${present || 'none'})`,
      {
        hint: 'name one of the storages the scatter has',
      },
    );
  }
  return layout;
}

const PROTECTED_NAMES = new Set(['proinfo', 'protect1', 'protect2', 'nvcfg', 'persist']);
const BOOTLOADER_NAMES = new Set(['preloader', 'dsp_bl']);
const FILESYSTEM_NAMES = new Set(['system', 'cache', 'userdata', 'custpack', 'custpack1']);

function legacyAsV1(scatter: Scatter, layout: Layout, notes: string[]): Scatter {
  const storage = layout.storage?.toUpperCase() ?? null;
  const firstUserEntry = layout.partitions.findIndex((partition) => /^MBR$/i.test(partition.name));
  const region = (position: number): string | null => {
    if (storage === 'NAND') return 'NONE';
    if (storage !== 'EMMC') return null;
    return firstUserEntry > 0 && position < firstUserEntry ? 'EMMC_BOOT_1' : 'EMMC_USER';
  };
  const partitions = layout.partitions.map((partition, position): Partition => ({
    ...partition,
    fileNameImplied: false,
    type: legacyType(partition, storage),
    operationType: legacyOperation(partition),
    region: region(position),
    storage: storage === null ? null : `HW_STORAGE_${storage}`,
    size: partition.size ?? 0n,
    sizeDerived: false,
    extra: { reserve: '0x00' },
  }));
  return {
    format: 'v1',
    configVersion: 'V1.1.1',
    platform: scatter.platform,
    project: scatter.project,
    extra: {},
    layouts: [
      {
        storage: layout.storage,
        bootChannel: storage === 'EMMC' ? 'MSDC_0' : storage === 'NAND' ? 'NONE' : null,
        blockSize: storage === 'EMMC' ? 0x20000n : null,
        extra: {},
        partitions,
      },
    ],
    notes,
  };
}

function legacyType(partition: Partition, storage: string | null): string {
  const name = canonicalPartitionName(partition.name);
  if (!partition.isDownload) return 'NONE';
  if (name === 'preloader') return 'SV5_BL_BIN';
  if (FILESYSTEM_NAMES.has(name)) return storage === 'NAND' ? 'YAFFS_IMG' : 'EXT4_IMG';
  return 'NORMAL_ROM';
}

function legacyOperation(partition: Partition): string {
  const name = canonicalPartitionName(partition.name);
  if (partition.isReserved) return 'RESERVED';
  if (BOOTLOADER_NAMES.has(name)) return 'BOOTLOADERS';
  if (name === 'nvram') return 'BINREGION';
  if (PROTECTED_NAMES.has(name)) return 'PROTECTED';
  return partition.isDownload ? 'UPDATE' : 'INVISIBLE';
}
