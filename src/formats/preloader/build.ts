import { RomctlError } from '../../errors.js';
import { BLOADER_HEADER, BLOADER_MAGIC, BLOADER_TAG } from './bloader.js';
import { BRLYT_OFFSET } from './boot-header.js';
import { asciiBytes, fromHex } from './bytes.js';
import { encodeType, layoutsFor, type RecordLayout } from './emi-layouts.js';
import { ARM_BL, FILE_INFO_SIZE } from './gfh.js';
import type { DramType, EmiPackage } from './types.js';

export interface BuildEmiRecord {
  package: Exclude<EmiPackage, 'unknown'>;
  dram: Exclude<DramType, 'unknown'>;
  /** id bytes as hex (eMMC CID prefix, UFS product name bytes, NAND id); id_length defaults to its byte count */
  id?: string;
  idLength?: number;
  /** eMMC firmware id bytes as hex */
  fwId?: string;
  /** bytes per rank, up to four */
  rankSizes?: readonly bigint[];
  /** LPDDR MR5 vendor id */
  dramVendorId?: number;
}

export interface BuildPreloaderOptions {
  /** embedded name, e.g. preloader_lcsh6797_6c_lw_m.bin */
  fileName: string;
  /** written as the AND_ROMINFO platform id, e.g. MT6797 */
  platform?: string;
  bloaderVersion: number;
  records: readonly BuildEmiRecord[];
  /** null/undefined: the package file (bare GFH); 'emmc'/'ufs': a boot-area read-back with header + BRLYT */
  bootArea?: 'emmc' | 'ufs' | null;
  /** pad the GFH file (code area) to exactly this many bytes */
  totalSize?: number;
  /** GFH load address; 0x200D00 as on MT6753 … MT6797 preloaders */
  loadAddr?: number;
  /** an existing MTK_BLOADER_INFO block (e.g. one extracted from a real preloader) instead of one built from `records` */
  bloaderBlock?: Uint8Array;
}

// the MT6735 … MT6797-era chain (measured): FILE_INFO, BL_INFO, BROM_CFG, BL_SEC_KEY, ANTI_CLONE, BROM_SEC_CFG = 0x300
const CHAIN: ReadonlyArray<{ type: number; size: number; version: number }> = [
  { type: 0x0001, size: 0x0c, version: 1 },
  { type: 0x0007, size: 0x64, version: 3 },
  { type: 0x0003, size: 0x214, version: 1 },
  { type: 0x0002, size: 0x14, version: 1 },
  { type: 0x0008, size: 0x30, version: 1 },
];
const CONTENT_OFFSET = 0x300;
const SIG_TYPE_SINGLE_AND_PHASH = 3;
const SIG_LENGTH = 0x124;
const MAX_SIZE = 0x40000;
const ROMINFO_CODE_OFFSET = 0x1fc;
const DEFAULT_CODE_SIZE = 0x2000;
const FLASH_DEV = { emmc: 5, ufs: 0x0c } as const;
const BOOT_AREA = {
  emmc: { identifier: 'EMMC_BOOT', headerSize: 0x200, gfhOffset: 0x800 },
  ufs: { identifier: 'UFS_BOOT', headerSize: 0x1000, gfhOffset: 0x1000 },
} as const;

function buildError(message: string): RomctlError {
  return new RomctlError(`buildPreloader: ${message}`, { hint: 'fix the fixture description' });
}

/** Little-endian writer over a fixed buffer. */
class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(at: number, v: number) {
    this.view.setUint8(at, v);
  }
  u16(at: number, v: number) {
    this.view.setUint16(at, v, true);
  }
  u32(at: number, v: number) {
    this.view.setUint32(at, v >>> 0, true);
  }
  uint(at: number, width: 4 | 8, v: bigint) {
    if (width === 4) this.u32(at, Number(v));
    else this.view.setBigUint64(at, v, true);
  }
  put(at: number, data: Uint8Array) {
    this.bytes.set(data, at);
  }
  text(at: number, text: string) {
    this.put(at, asciiBytes(text));
  }
}

/** The MTK_BLOADER_INFO block for `version` holding `records`, exactly as parseBloader reads it. */
export function buildBloaderBlock(
  fileName: string,
  version: number,
  records: readonly BuildEmiRecord[],
): Uint8Array {
  const layout = layoutsFor(version)[0];
  if (!layout) throw buildError(`bloader version ${version} has no known record layout`);
  if (!Number.isInteger(version) || version < 0 || version > 99)
    throw buildError(`version ${version} is not 0…99`);
  if (fileName.length > BLOADER_HEADER.fileNameSize - 1)
    throw buildError(`file name longer than 60 characters`);
  const w = new Writer(BLOADER_HEADER.records + records.length * layout.size);
  w.text(0, `${BLOADER_TAG}${String(version).padStart(2, '0')}`);
  w.text(BLOADER_HEADER.fileName, fileName);
  w.text(BLOADER_HEADER.tagV116, 'V116');
  w.u32(BLOADER_HEADER.magic, BLOADER_MAGIC);
  w.put(BLOADER_HEADER.magic + 4, Uint8Array.of(0x90, 0x00, 0x70, 0x00));
  w.text(BLOADER_HEADER.binTag, 'MTK_BIN');
  w.u32(BLOADER_HEADER.count, records.length);
  records.forEach((record, i) => writeRecord(w, BLOADER_HEADER.records + i * layout.size, layout, record, i));
  return w.bytes;
}

function writeRecord(
  w: Writer,
  at: number,
  layout: RecordLayout,
  record: BuildEmiRecord,
  index: number,
): void {
  const fail = (message: string) => buildError(`record ${index}: ${message}`);
  if (layout.type !== 0) w.u32(at, 1); // sub_version 1, "for new version"
  w.u32(at + layout.type, encodeType(record.package, record.dram));
  const id = fromHexChecked(record.id ?? '', `record ${index} id`);
  if (id.length > layout.idCapacity)
    throw fail(`id has ${id.length} bytes, the field holds ${layout.idCapacity}`);
  w.put(at + layout.id, id);
  const idLength = record.idLength ?? id.length;
  if (layout.idLength === null) {
    if (record.idLength !== undefined) throw fail('this version has no id_length field');
  } else {
    if (idLength > id.length) throw fail(`idLength ${idLength} exceeds the ${id.length} id bytes given`);
    w.u32(at + layout.idLength, idLength);
  }
  if (record.fwId !== undefined) {
    if (layout.fwId === null || layout.fwIdLength === null) throw fail('this version has no fw_id field');
    const fwId = fromHexChecked(record.fwId, `record ${index} fwId`);
    if (fwId.length > 8) throw fail('fwId longer than 8 bytes');
    w.put(at + layout.fwId, fwId);
    w.u32(at + layout.fwIdLength, fwId.length);
  }
  const ranks = record.rankSizes ?? [];
  if (ranks.length > 0) {
    if (!layout.rankSizes) throw fail('this version stores no rank sizes');
    if (ranks.length > 4) throw fail('more than four ranks');
    const { offset, width } = layout.rankSizes;
    const limit = width === 4 ? 0xffffffffn : 0xffffffffffffffffn;
    ranks.forEach((size, r) => {
      if (size < 0n || size > limit) throw fail(`rank size ${size} does not fit a ${width}-byte field`);
      w.uint(at + offset + r * width, width, size);
    });
  }
  if (record.dramVendorId !== undefined) {
    if (layout.mr5 === null) throw fail('this version stores no DRAM vendor id');
    if (!record.dram.startsWith('LPDDR')) throw fail(`${record.dram} has no MR5 vendor id`);
    if (!(record.dramVendorId >= 1 && record.dramVendorId <= 0xff)) throw fail('dramVendorId must be 1…255');
    w.u32(at + layout.mr5, record.dramVendorId);
  }
}

function fromHexChecked(text: string, what: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw buildError(`${what} '${text}' is not hex bytes`);
  return fromHex(text.toLowerCase());
}

/** deterministic filler standing in for code, so fixtures are stable and contain no accidental tags */
function fillCode(w: Writer, from: number, to: number, seed: number): void {
  let x = seed >>> 0 || 1;
  for (let i = from; i < to; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    w.u8(i, 0x20 + ((x >>> 16) % 0x50));
  }
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * Builds a realistic preloader: GFH chain (FILE_INFO with ARM_BL and consistent lengths), code with an
 * AND_ROMINFO block, the MTK_BLOADER_INFO block followed by its length word (where MediaTek's tools look for
 * it), and a signature-sized tail; optionally wrapped as an eMMC/UFS boot-area image.
 */
export function buildPreloader(options: BuildPreloaderOptions): Uint8Array {
  const block =
    options.bloaderBlock ?? buildBloaderBlock(options.fileName, options.bloaderVersion, options.records);
  const fixed = CONTENT_OFFSET + ROMINFO_CODE_OFFSET + 0x40 + block.length + 4 + SIG_LENGTH;
  const fileLength = options.totalSize ?? fixed + DEFAULT_CODE_SIZE;
  if (!Number.isInteger(fileLength) || fileLength < fixed) {
    throw buildError(`totalSize ${options.totalSize} is below the ${fixed} bytes this preloader needs`);
  }
  if (fileLength > MAX_SIZE)
    throw buildError(`file length ${fileLength} exceeds the GFH max size ${MAX_SIZE}`);
  const area = options.bootArea ? BOOT_AREA[options.bootArea] : null;
  const gfhAt = area?.gfhOffset ?? 0;
  const imageSize = area ? alignUp(gfhAt + fileLength, 0x800) : fileLength;
  const w = new Writer(imageSize);

  writeGfh(w, gfhAt, fileLength, options);
  const codeStart = gfhAt + CONTENT_OFFSET;
  const blockAt = gfhAt + fileLength - SIG_LENGTH - 4 - block.length;
  fillCode(w, codeStart, blockAt, seedOf(options.fileName));
  if (options.platform !== undefined) writeRomInfo(w, codeStart + ROMINFO_CODE_OFFSET, options.platform);
  w.put(blockAt, block);
  w.u32(blockAt + block.length, block.length);
  fillCode(w, gfhAt + fileLength - SIG_LENGTH, gfhAt + fileLength, seedOf(`${options.fileName}#sig`));
  if (area && options.bootArea) writeBootArea(w, area, options.bootArea, gfhAt, imageSize);
  return w.bytes;
}

function writeGfh(w: Writer, at: number, fileLength: number, options: BuildPreloaderOptions): void {
  w.text(at, 'MMM');
  w.u8(at + 3, 1);
  w.u16(at + 4, FILE_INFO_SIZE);
  w.u16(at + 6, 0);
  w.text(at + 0x08, 'FILE_INFO');
  w.u32(at + 0x14, 1);
  w.u16(at + 0x18, ARM_BL);
  w.u8(at + 0x1a, options.bootArea === 'ufs' ? FLASH_DEV.ufs : FLASH_DEV.emmc);
  w.u8(at + 0x1b, SIG_TYPE_SINGLE_AND_PHASH);
  w.u32(at + 0x1c, options.loadAddr ?? 0x200d00);
  w.u32(at + 0x20, fileLength);
  w.u32(at + 0x24, MAX_SIZE);
  w.u32(at + 0x28, CONTENT_OFFSET);
  w.u32(at + 0x2c, SIG_LENGTH);
  w.u32(at + 0x30, CONTENT_OFFSET);
  w.u32(at + 0x34, 1); // POST_BUILD_DONE
  let next = at + FILE_INFO_SIZE;
  for (const block of CHAIN) {
    w.text(next, 'MMM');
    w.u8(next + 3, block.version);
    w.u16(next + 4, block.size);
    w.u16(next + 6, block.type);
    next += block.size;
  }
  w.u32(at + FILE_INFO_SIZE + 8, 1); // BL_INFO attr: loaded by the boot ROM
}

function writeRomInfo(w: Writer, at: number, platform: string): void {
  if (platform.length > 15) throw buildError(`platform '${platform}' longer than 15 characters`);
  w.put(at, new Uint8Array(0x40));
  w.text(at, 'AND_ROMINFO_v');
  w.u32(at + 0x10, 2);
  w.text(at + 0x14, platform);
  w.text(at + 0x24, 'CUST');
}

/**
 * The boot-area image a bare package preloader (GFH at 0) becomes on the phone: the `EMMC_BOOT`/`UFS_BOOT` header
 * and BRLYT the BROM reads first, the GFH image at 0x800 (eMMC) or 0x1000 (UFS), padded to 2 KiB (reference §5.2,
 * §4.6: a tool writing raw sectors must build this header itself).
 */
export function wrapInBootArea(gfhImage: Uint8Array, kind: 'emmc' | 'ufs'): Uint8Array {
  const area = BOOT_AREA[kind];
  const imageSize = alignUp(area.gfhOffset + gfhImage.length, 0x800);
  const w = new Writer(imageSize);
  w.put(area.gfhOffset, gfhImage);
  writeBootArea(w, area, kind, area.gfhOffset, imageSize);
  return w.bytes;
}

function writeBootArea(
  w: Writer,
  area: (typeof BOOT_AREA)[keyof typeof BOOT_AREA],
  kind: 'emmc' | 'ufs',
  gfhAt: number,
  imageSize: number,
): void {
  w.put(0, new Uint8Array(gfhAt).fill(0xff));
  w.put(0, new Uint8Array(0x14));
  w.text(0, area.identifier);
  w.u32(0x0c, 1);
  w.u32(0x10, area.headerSize);
  w.put(BRLYT_OFFSET, new Uint8Array(0x100));
  w.text(BRLYT_OFFSET, 'BRLYT');
  w.u32(BRLYT_OFFSET + 0x08, 1);
  w.u32(BRLYT_OFFSET + 0x0c, gfhAt);
  w.u32(BRLYT_OFFSET + 0x10, imageSize);
  const d = BRLYT_OFFSET + 0x14;
  w.text(d, 'BBBB');
  w.u16(d + 4, FLASH_DEV[kind]);
  w.u16(d + 6, ARM_BL);
  w.u32(d + 8, gfhAt);
  w.u32(d + 12, imageSize);
  w.u32(d + 16, 1);
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}
