/**
 * MediaTek's 512-byte image header (`lk_hdr`, reference §8.2) in front of lk, logo, tee, and on MT65xx-era boot
 * images in front of the kernel and ramdisk; plus the logo.bin table that follows the header of a `LOGO` image.
 */
import { RomctlError } from '../../errors.js';
import { cString, hex, u32le } from './le.js';

export const MTK_HEADER_MAGIC = 0x58881688;
export const MTK_HEADER_SIZE = 512;
/** second header at 0x30 written by newer MTK build tools (measured on lk.bin/logo.bin/trustzone.bin, MT6737M) */
export const MTK_EXTENDED_HEADER_MAGIC = 0x58891689;
const EXTENDED_AT = 0x30;
const EXTENDED_LENGTH = 0x20;

export interface MtkHeader {
  /** `KERNEL`, `ROOTFS`, `RECOVERY`, `LOGO`, `lk`, `logo`, `atf` … as written */
  name: string;
  /** bytes after the header */
  payloadSize: number;
  /** 0xffffffff when the image does not say */
  loadAddress: number;
  mode: number;
  /** the extended header's size field, else 512 */
  headerSize: number;
  /** alignment the build tool padded the file to (extended header), else null */
  alignment: number | null;
  /** header + payload: the file may be longer (alignment padding, an appended signature), never shorter */
  imageSize: number;
}

export function isMtkHeader(head: Uint8Array, offset = 0): boolean {
  return head.length >= offset + 4 && u32le(head, offset) === MTK_HEADER_MAGIC;
}

/** The MTK header at `offset`, or null when there is none; throws when the header is there but cut or absurd. */
export function parseMtkHeader(head: Uint8Array, offset = 0, name = 'image'): MtkHeader | null {
  if (!isMtkHeader(head, offset)) return null;
  if (head.length < offset + EXTENDED_AT + EXTENDED_LENGTH) {
    throw new RomctlError(`MTK image header cut short: ${head.length - offset} bytes`, {
      where: `${name} @ ${hex(offset)}`,
      hint: 'the image file is truncated: unpack the package again',
    });
  }
  const payloadSize = u32le(head, offset + 4);
  const extended = u32le(head, offset + EXTENDED_AT) === MTK_EXTENDED_HEADER_MAGIC;
  const headerSize = extended ? u32le(head, offset + EXTENDED_AT + 4) : MTK_HEADER_SIZE;
  if (headerSize < EXTENDED_AT + EXTENDED_LENGTH) {
    throw new RomctlError(
      `MTK image header states its size as ${headerSize} bytes, less than the header itself`,
      {
        where: `${name} @ ${hex(offset + EXTENDED_AT + 4)}`,
        hint: 'the image is damaged: unpack the package again',
      },
    );
  }
  return {
    name: cString(head, offset + 8, 32),
    payloadSize,
    loadAddress: u32le(head, offset + 0x28),
    mode: u32le(head, offset + 0x2c),
    headerSize,
    alignment: extended ? u32le(head, offset + EXTENDED_AT + 0x14) : null,
    imageSize: headerSize + payloadSize,
  };
}

export interface MtkLogo {
  /** number of pictures in the table */
  imageCount: number;
  /** the table's own size field (equal to the header's payload size in measured files) */
  dataSize: number;
  /** offsets of the pictures from the start of the payload, as far as the head reaches */
  offsets: number[];
}

/** The picture table of a logo.bin (`LOGO`/`logo` header), or null for other MTK images. */
export function parseMtkLogo(head: Uint8Array, name = 'logo.bin'): MtkLogo | null {
  const header = parseMtkHeader(head, 0, name);
  if (header?.name.toLowerCase() !== 'logo') return null;
  const at = header.headerSize;
  const fail = (message: string, offset: number): RomctlError =>
    new RomctlError(`logo image: ${message}`, {
      where: `${name} @ ${hex(offset)}`,
      hint: 'the logo image is damaged: unpack the package again',
    });
  if (head.length < at + 8) throw fail('picture table cut short', head.length);
  const imageCount = u32le(head, at);
  const dataSize = u32le(head, at + 4);
  const tableEnd = 8 + imageCount * 4;
  if (imageCount === 0 || tableEnd > header.payloadSize || dataSize > header.payloadSize) {
    throw fail(
      `${imageCount} pictures and ${dataSize} data bytes do not fit a ${header.payloadSize}-byte payload`,
      at,
    );
  }
  const offsets: number[] = [];
  for (let i = 0; i < imageCount && at + 8 + 4 * i + 4 <= head.length; i++) {
    const offset = u32le(head, at + 8 + 4 * i);
    if (offset < tableEnd || offset >= dataSize || offset < (offsets.at(-1) ?? 0)) {
      throw fail(
        `picture ${i} starts at ${hex(offset)}, outside ${hex(tableEnd)}..${hex(dataSize)} or out of order`,
        at + 8 + 4 * i,
      );
    }
    offsets.push(offset);
  }
  return { imageCount, dataSize, offsets };
}
