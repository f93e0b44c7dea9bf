/**
 * Android boot/recovery image header (AOSP `bootimg.h` versions 0–4, reference §8.2): what the image holds and how
 * long it must be, from its first bytes. MTK's 512-byte header, which MT65xx-era images put in front of the
 * kernel, is noticed when the head reaches it.
 */
import { RomctlError } from '../errors.js';
import { ascii, cString, hex, startsWithAt, u32le } from './image/le.js';
import { type MtkHeader, parseMtkHeader } from './image/mtk-header.js';

export const ANDROID_BOOT_MAGIC = ascii('ANDROID!');
/** bytes of header each version needs (v0 legacy layout … v4) */
const HEADER_LENGTH: readonly number[] = [0x660, 0x670, 0x67c, 1580, 1584];
/** versions 3 and 4 fix the page size */
const FIXED_PAGE_SIZE = 4096;

export interface AndroidBootImage {
  headerVersion: number;
  pageSize: number;
  kernelSize: number;
  ramdiskSize: number;
  /** second-stage loader (versions 0–2) */
  secondSize: number;
  /** recovery DTBO (versions 1–2) */
  recoveryDtboSize: number;
  /** device tree blob (version 2) */
  dtbSize: number;
  /** boot signature (version 4) */
  signatureSize: number;
  /** product name field (versions 0–2), empty otherwise */
  name: string;
  /** header page plus every section padded to the page size; null for a header version romctl does not know */
  imageSize: number | null;
  /** the MTK header in front of the kernel; null when there is none, undefined when the head ends before it */
  kernelMtkHeader?: MtkHeader | null;
}

export function isAndroidBootImage(head: Uint8Array): boolean {
  return startsWithAt(head, 0, ANDROID_BOOT_MAGIC);
}

/** The header of an Android boot image, or null when `head` does not start with `ANDROID!`. */
export function parseAndroidBootImage(head: Uint8Array, name = 'boot image'): AndroidBootImage | null {
  if (!isAndroidBootImage(head)) return null;
  const fail = (message: string, offset: number): RomctlError =>
    new RomctlError(`Android boot image: ${message}`, {
      where: `${name} @ ${hex(offset)}`,
      hint: 'the boot image is damaged or truncated: unpack the package again',
    });
  if (head.length < 0x2c) throw fail(`header cut short at ${head.length} bytes`, head.length);
  const headerVersion = u32le(head, 0x28);
  const needed = HEADER_LENGTH[headerVersion] ?? 0x2c;
  if (head.length < needed)
    throw fail(`version ${headerVersion} header cut short at ${head.length} bytes`, head.length);
  const image =
    headerVersion >= 3 ? readModernHeader(head, headerVersion) : readLegacyHeader(head, headerVersion);
  if (image.pageSize < 2048 || image.pageSize > 65536 || (image.pageSize & (image.pageSize - 1)) !== 0) {
    throw fail(`page size ${image.pageSize} is not a power of two from 2048 to 65536`, 0x24);
  }
  if (headerVersion <= 2 && head.length >= image.pageSize + 4) {
    image.kernelMtkHeader = parseMtkHeader(head, image.pageSize, name);
  }
  return image;
}

function readLegacyHeader(head: Uint8Array, headerVersion: number): AndroidBootImage {
  const image: AndroidBootImage = {
    headerVersion,
    pageSize: u32le(head, 0x24),
    kernelSize: u32le(head, 0x08),
    ramdiskSize: u32le(head, 0x10),
    secondSize: u32le(head, 0x18),
    recoveryDtboSize: headerVersion >= 1 ? u32le(head, 0x660) : 0,
    dtbSize: headerVersion >= 2 ? u32le(head, 0x670) : 0,
    signatureSize: 0,
    name: cString(head, 0x30, 16),
    imageSize: null,
  };
  const sections = [
    image.kernelSize,
    image.ramdiskSize,
    image.secondSize,
    image.recoveryDtboSize,
    image.dtbSize,
  ];
  image.imageSize = pagedSize(image.pageSize, sections);
  return image;
}

function readModernHeader(head: Uint8Array, headerVersion: number): AndroidBootImage {
  const known = headerVersion <= 4;
  const image: AndroidBootImage = {
    headerVersion,
    pageSize: FIXED_PAGE_SIZE,
    kernelSize: u32le(head, 0x08),
    ramdiskSize: u32le(head, 0x0c),
    secondSize: 0,
    recoveryDtboSize: 0,
    dtbSize: 0,
    signatureSize: known && headerVersion === 4 ? u32le(head, 1580) : 0,
    name: '',
    imageSize: null,
  };
  if (known)
    image.imageSize = pagedSize(FIXED_PAGE_SIZE, [image.kernelSize, image.ramdiskSize, image.signatureSize]);
  return image;
}

/** One header page, then each section rounded up to whole pages. */
function pagedSize(pageSize: number, sections: number[]): number {
  return sections.reduce((sum, size) => sum + Math.ceil(size / pageSize) * pageSize, pageSize);
}
