/**
 * What an image file is, from its first bytes, and whether that fits the `type` its scatter entry declares — so a
 * preloader slot holding a system image (or the reverse) is caught before anything is written.
 */
import { isAndroidBootImage } from './bootimg.js';
import { isExt4 } from './image/ext4.js';
import { ascii, startsWithAt, u16le, u32le } from './image/le.js';
import { isMtkHeader } from './image/mtk-header.js';
import { SPARSE_MAGIC } from './sparse.js';

/** How many leading bytes `detectImageKind` wants (fewer is fine for short files). */
export const IMAGE_HEAD_LENGTH = 8192;

export type ImageKind =
  | 'sparse'
  | 'ext4'
  | 'f2fs'
  | 'android-super'
  | 'android-boot'
  | 'android-vendor-boot'
  | 'mtk-header'
  | 'gfh-preloader'
  | 'gfh-other'
  | 'boot-area-preloader'
  | 'vbmeta'
  | 'dtbo'
  | 'ubi'
  | 'fat'
  | 'mbr'
  | 'blank'
  | 'empty'
  | 'raw';

export const IMAGE_KIND_LABELS: Readonly<Record<ImageKind, string>> = {
  sparse: 'an Android sparse image',
  ext4: 'a raw ext4 filesystem',
  f2fs: 'a raw F2FS filesystem',
  'android-super': 'a raw dynamic-partitions (super) image',
  'android-boot': 'an Android boot image',
  'android-vendor-boot': 'an Android vendor_boot image',
  'mtk-header': 'an MTK-headed image (lk, logo, tee …)',
  'gfh-preloader': 'a GFH preloader',
  'gfh-other': 'a GFH image that is not a preloader',
  'boot-area-preloader': 'a boot-area preloader image (EMMC_BOOT/UFS_BOOT header)',
  vbmeta: 'an AVB vbmeta image',
  dtbo: 'a DTBO table',
  ubi: 'a UBI image',
  fat: 'a FAT filesystem',
  mbr: 'an MBR/EBR sector',
  blank: 'blank data (all 0x00 or all 0xFF)',
  empty: 'an empty file',
  raw: 'data of no recognised format',
};

/** GFH FILE_INFO block header: `MMM`, version 1, size 0x38, type 0 (reference §5.1). */
const GFH_FILE_INFO = [0x4d, 0x4d, 0x4d, 0x01, 0x38, 0x00, 0x00, 0x00];
const GFH_ARM_BL = 1;
/** device boot-area headers a preloader read back from the chip starts with (reference §5.2, corpus README) */
const BOOT_AREA_TAGS = [
  'EMMC_BOOT\0',
  'UFS_BOOT\0',
  'SDMMC_BOOT\0',
  'SF_BOOT\0',
  'COMBO_BOOT\0',
  'BOOTLOADER!',
].map(ascii);
const F2FS_MAGIC = 0xf2f52010;
const LP_GEOMETRY_MAGIC = 0x616c4467; // 'gDla' at 4096 in a raw super image

export function detectImageKind(head: Uint8Array): ImageKind {
  const at = (offset: number, text: string): boolean => startsWithAt(head, offset, ascii(text));
  const u32At = (offset: number): number | null => (head.length >= offset + 4 ? u32le(head, offset) : null);
  if (head.length === 0) return 'empty';
  if (u32At(0) === SPARSE_MAGIC) return 'sparse';
  if (isAndroidBootImage(head)) return 'android-boot';
  if (at(0, 'VNDRBOOT')) return 'android-vendor-boot';
  if (isMtkHeader(head)) return 'mtk-header';
  if (startsWithAt(head, 0, GFH_FILE_INFO)) {
    return head.length >= 0x1a && u16le(head, 0x18) === GFH_ARM_BL ? 'gfh-preloader' : 'gfh-other';
  }
  if (BOOT_AREA_TAGS.some((tag) => startsWithAt(head, 0, tag))) return 'boot-area-preloader';
  if (at(0, 'AVB0')) return 'vbmeta';
  if (startsWithAt(head, 0, [0xd7, 0xb7, 0xab, 0x1e])) return 'dtbo';
  if (at(0, 'UBI#')) return 'ubi';
  if (isExt4(head)) return 'ext4';
  if (u32At(1024) === F2FS_MAGIC) return 'f2fs';
  if (u32At(4096) === LP_GEOMETRY_MAGIC) return 'android-super';
  if (head.length >= 512 && head[510] === 0x55 && head[511] === 0xaa) {
    return at(0x36, 'FAT') || at(0x52, 'FAT32') ? 'fat' : 'mbr';
  }
  const first = head[0];
  if ((first === 0x00 || first === 0xff) && head.every((byte) => byte === first)) return 'blank';
  return 'raw';
}

export interface TypeFit {
  accepts: boolean;
  /** false for a scatter type romctl has no rule for (then `accepts` is true) */
  known: boolean;
  reason: string;
}

/** The kinds each scatter `type` (reference §6.2, SPFT `ROM_TYPE`) may hold; null = anything. */
const ACCEPTED = new Map<string, { expects: string; kinds: readonly ImageKind[] | null }>([
  ['NORMAL_ROM', { expects: 'any data, written byte for byte', kinds: null }],
  ['FTL20_IMG', { expects: 'an FTL image (no signature known)', kinds: null }],
  ['NONE', { expects: 'nothing (not downloaded)', kinds: null }],
  [
    'SV5_BL_BIN',
    { expects: 'a preloader (GFH or boot-area image)', kinds: ['gfh-preloader', 'boot-area-preloader'] },
  ],
  ['EXT4_IMG', { expects: 'an ext4 filesystem, raw or sparse', kinds: ['sparse', 'ext4', 'android-super'] }],
  ['F2FS_IMG', { expects: 'an F2FS filesystem, raw or sparse', kinds: ['sparse', 'f2fs'] }],
  ['FAT_IMG', { expects: 'a FAT filesystem, raw or sparse', kinds: ['sparse', 'fat'] }],
  ['UBI_IMG', { expects: 'a UBI image', kinds: ['ubi'] }],
  ['YAFFS_IMG', { expects: 'a YAFFS2 image (no signature of its own)', kinds: ['raw', 'blank'] }],
  ['MBR_BIN', { expects: 'an MBR/EBR sector', kinds: ['mbr'] }],
]);

export function declaredTypeAccepts(scatterType: string, kind: ImageKind): TypeFit {
  const type = scatterType.trim().toUpperCase();
  const rule = ACCEPTED.get(type);
  const found = IMAGE_KIND_LABELS[kind];
  if (rule === undefined) {
    return {
      accepts: true,
      known: false,
      reason: `type ${type} is unknown to romctl; found ${found}, not checked`,
    };
  }
  const accepts = rule.kinds === null || rule.kinds.includes(kind);
  return {
    accepts,
    known: true,
    reason: `${type} expects ${rule.expects}${accepts ? '; found' : ', but the file is'} ${found}`,
  };
}
