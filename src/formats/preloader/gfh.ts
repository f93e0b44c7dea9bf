import { RomctlError } from '../../errors.js';
import { type ByteReader, hex } from './bytes.js';
import type { Gfh, GfhBlock, GfhFileInfo } from './types.js';

/** `MMM`, version 1, size 0x38, type 0 (FILE_INFO): how every GFH chain starts */
export const FILE_INFO_MAGIC = Uint8Array.of(0x4d, 0x4d, 0x4d, 0x01, 0x38, 0x00, 0x00, 0x00);
export const FILE_INFO_SIZE = 0x38;

// names per cyrozap/mediatek-lte-baseband-re SoC/mediatek_preloader.ksy and u-boot tools/mtk_image.h
const blockTypes: Record<number, string> = {
  0x0000: 'FILE_INFO',
  0x0001: 'BL_INFO',
  0x0002: 'ANTI_CLONE',
  0x0003: 'BL_SEC_KEY',
  0x0004: 'SCTRL_CERT',
  0x0005: 'TOOL_AUTH',
  0x0006: 'MTK_RESERVED1',
  0x0007: 'BROM_CFG',
  0x0008: 'BROM_SEC_CFG',
  0x0009: 'MTK_RESERVED2',
  0x000a: 'MTK_RESERVED3',
  0x000b: 'ROOT_CERT',
  0x000c: 'EXP_CHK',
  0x000d: 'EPP_PARAM',
  0x000e: 'CHIP_VER',
  0x000f: 'MTK_RESERVED4',
  0x0010: 'MD_SEC_CFG',
  0x0100: 'EPP_INFO',
  0x0101: 'EMI_LIST',
  0x0102: 'CMEM_ID_INFO',
  0x0103: 'CMEM_NOR_INFO',
  0x0104: 'DSP_INFO',
  0x0200: 'MAUI_INFO',
  0x0210: 'BINARY_LOCATION',
  0x0300: 'BOOT_CERT_CTRL_CONTENT',
};

const fileTypes: Record<number, string> = {
  0x0001: 'ARM_BL',
  0x0002: 'ARM_EXT_BL',
  0x0003: 'DUALMAC_DSP_BL',
  0x0004: 'SCTRL_CERT',
  0x0005: 'TOOL_AUTH',
  0x0007: 'EPP',
  0x000a: 'ROOT_CERT',
  0x000b: 'AP_BL',
};

/** 0x0C (UFS boot) only in a third-party parser; measured in UFS_BOOT/COMBO_BOOT images */
const flashDevs: Record<number, string> = {
  0: 'NONE',
  1: 'NOR',
  2: 'NAND_SEQUENTIAL',
  3: 'NAND_TTBL',
  4: 'NAND_FDM50',
  5: 'EMMC_BOOT_REGION',
  6: 'EMMC_DATA_REGION',
  7: 'SERIAL_FLASH',
  8: 'XBOOT',
  0x0c: 'UFS_BOOT',
};

/** 5 = CERT_CHAIN only per a third-party parser (low confidence) */
const sigTypes: Record<number, string> = {
  0: 'NONE',
  1: 'PHASH',
  2: 'SINGLE',
  3: 'SINGLE_AND_PHASH',
  4: 'MULTI',
  5: 'CERT_CHAIN',
};

export const ARM_BL = 0x0001;

const named = (table: Record<number, string>, value: number, width: number) =>
  table[value] ?? `unknown (${hex(value, width)})`;

export const gfhBlockTypeName = (type: number): string => named(blockTypes, type, 4);
export const flashDevName = (dev: number): string => named(flashDevs, dev, 2);

export function isFileInfoAt(reader: ByteReader, offset: number): boolean {
  return (
    reader.has(offset, FILE_INFO_MAGIC.length) && reader.find(FILE_INFO_MAGIC, offset, offset + 8) === offset
  );
}

/** Walks the GFH blocks from FILE_INFO while the `MMM` magic continues, stopping before content_offset. */
export function parseGfh(reader: ByteReader, offset: number, warnings: string[]): Gfh {
  if (!isFileInfoAt(reader, offset)) {
    throw new RomctlError(`no GFH FILE_INFO at offset ${hex(offset)}`, {
      where: reader.where,
      hint: 'a preloader starts with MMM\\x01 FILE_INFO (or with EMMC_BOOT/UFS_BOOT and a BRLYT pointing at it)',
    });
  }
  const fileInfo = parseFileInfo(reader, offset);
  const blocks: GfhBlock[] = [];
  const chainEnd = offset + Math.max(fileInfo.contentOffset, FILE_INFO_SIZE);
  let at = offset;
  while (at + 8 <= chainEnd && reader.startsWith(at, 'MMM')) {
    const size = reader.u16(at + 4, 'GFH block size');
    const type = reader.u16(at + 6, 'GFH block type');
    blocks.push({
      offset: at,
      type,
      typeName: gfhBlockTypeName(type),
      version: reader.u8(at + 3, 'GFH block'),
      size,
    });
    if (size < 8) {
      warnings.push(
        `GFH block at ${hex(at)} has size ${size}, smaller than its own header; chain walk stopped`,
      );
      break;
    }
    if (!reader.has(at, size)) {
      warnings.push(`GFH block at ${hex(at)} (size ${hex(size)}) runs past the end of the file`);
      break;
    }
    at += size;
  }
  checkFileInfo(fileInfo, offset, reader.length, warnings);
  return { offset, blocks, fileInfo };
}

function parseFileInfo(reader: ByteReader, at: number): GfhFileInfo {
  const what = 'GFH FILE_INFO';
  const fileType = reader.u16(at + 0x18, what);
  const flashDev = reader.u8(at + 0x1a, what);
  const sigType = reader.u8(at + 0x1b, what);
  return {
    name: reader.cString(at + 0x08, 12, what),
    fileVersion: reader.u32(at + 0x14, what),
    fileType,
    fileTypeName: named(fileTypes, fileType, 4),
    flashDev,
    flashDevName: flashDevName(flashDev),
    sigType,
    sigTypeName: named(sigTypes, sigType, 2),
    loadAddr: reader.u32(at + 0x1c, what),
    fileLength: reader.u32(at + 0x20, what),
    maxSize: reader.u32(at + 0x24, what),
    contentOffset: reader.u32(at + 0x28, what),
    sigLength: reader.u32(at + 0x2c, what),
    jumpOffset: reader.u32(at + 0x30, what),
    attr: reader.u32(at + 0x34, what),
  };
}

function checkFileInfo(info: GfhFileInfo, offset: number, fileSize: number, warnings: string[]): void {
  if (info.fileType !== ARM_BL) {
    warnings.push(`GFH file type is ${info.fileTypeName}, not ARM_BL (a preloader)`);
  }
  if (info.fileLength > info.maxSize) {
    warnings.push(`GFH file length ${hex(info.fileLength)} exceeds its max size ${hex(info.maxSize)}`);
  }
  if (offset + info.fileLength > fileSize) {
    warnings.push(
      `GFH file length ${hex(info.fileLength)} runs past the end of the file (${hex(fileSize - offset)} bytes from the GFH)`,
    );
  }
  if (info.contentOffset + info.sigLength > info.fileLength) {
    warnings.push(
      `GFH content offset ${hex(info.contentOffset)} + signature length ${hex(info.sigLength)} exceed the file length ${hex(info.fileLength)}`,
    );
  }
}
