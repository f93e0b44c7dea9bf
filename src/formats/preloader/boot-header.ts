import { type ByteReader, hex } from './bytes.js';
import type { BootHeader, Brlyt, BrlytDescriptor } from './types.js';

/** identifiers at offset 0 of a boot area (u-boot `mtk_image.h`, mtkclient; COMBO_BOOT measured on an MT6833) */
export const BOOT_IDENTIFIERS = ['EMMC_BOOT', 'SDMMC_BOOT', 'UFS_BOOT', 'COMBO_BOOT', 'SF_BOOT'] as const;
/** measured on every corpus boot area (eMMC, UFS, COMBO, NOR alike), whatever the header's u32 at 0x10 says */
export const BRLYT_OFFSET = 0x200;
const DESCRIPTOR_MAGIC = 'BBBB';
const MAX_DESCRIPTORS = 8;

export function bootIdentifierAt0(reader: ByteReader): string | null {
  for (const id of BOOT_IDENTIFIERS) {
    if (reader.startsWith(0, id) && (!reader.has(id.length, 1) || reader.bytes[id.length] === 0)) return id;
  }
  return null;
}

export function parseBootHeader(reader: ByteReader, identifier: string, warnings: string[]): BootHeader {
  const version = reader.u32(0x0c, 'boot header');
  const headerSize = reader.u32(0x10, 'boot header');
  const brlytAt = [BRLYT_OFFSET, headerSize].find((at) => reader.startsWith(at, 'BRLYT'));
  if (brlytAt === undefined) {
    warnings.push(`${identifier} header without a BRLYT at ${hex(BRLYT_OFFSET)}; GFH located by scanning`);
    return { identifier, version, headerSize, brlyt: null, gfhOffset: null };
  }
  const brlyt = parseBrlyt(reader, brlytAt);
  return { identifier, version, headerSize, brlyt, gfhOffset: null };
}

function parseBrlyt(reader: ByteReader, at: number): Brlyt {
  const descriptors: BrlytDescriptor[] = [];
  for (
    let i = 0, d = at + 0x14;
    i < MAX_DESCRIPTORS && reader.startsWith(d, DESCRIPTOR_MAGIC);
    i++, d += 20
  ) {
    descriptors.push({
      flashDev: reader.u16(d + 4, 'BRLYT descriptor'),
      fileType: reader.u16(d + 6, 'BRLYT descriptor'),
      begin: reader.u32(d + 8, 'BRLYT descriptor'),
      boundary: reader.u32(d + 12, 'BRLYT descriptor'),
      attr: reader.u32(d + 16, 'BRLYT descriptor'),
    });
  }
  return {
    offset: at,
    version: reader.u32(at + 0x08, 'BRLYT'),
    bootRegionAddr: reader.u32(at + 0x0c, 'BRLYT'),
    mainRegionAddr: reader.u32(at + 0x10, 'BRLYT'),
    descriptors,
  };
}
