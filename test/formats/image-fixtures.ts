/** Generated image heads for the format tests: boot images, MTK headers, ext4 superblocks, GFH preloaders. */
import { RomctlError } from '../../src/errors.js';

function le32(out: Uint8Array, offset: number, value: number): void {
  new DataView(out.buffer, out.byteOffset).setUint32(offset, value >>> 0, true);
}

function text(out: Uint8Array, offset: number, value: string): void {
  out.set(
    Array.from(value, (char) => char.charCodeAt(0)),
    offset,
  );
}

export interface MtkHeaderSpec {
  name: string;
  payloadSize: number;
  /** add the extended header at 0x30 (header size 512, alignment 16) */
  extended?: boolean;
  loadAddress?: number;
}

export function mtkHeader(spec: MtkHeaderSpec): Uint8Array {
  const out = new Uint8Array(512).fill(0xff);
  out.fill(0, 0, 0x28);
  le32(out, 0, 0x58881688);
  le32(out, 4, spec.payloadSize);
  text(out, 8, spec.name);
  le32(out, 0x28, spec.loadAddress ?? 0xffffffff);
  le32(out, 0x2c, 0);
  if (spec.extended) {
    out.fill(0, 0x30, 0x50);
    le32(out, 0x30, 0x58891689);
    le32(out, 0x34, 512);
    le32(out, 0x38, 1);
    le32(out, 0x44, 16);
  }
  return out;
}

/** A logo.bin head: MTK header `logo`, then count, data size and the offset table. */
export function logoHead(offsets: number[], dataSize: number): Uint8Array {
  const table = new Uint8Array(8 + 4 * offsets.length);
  le32(table, 0, offsets.length);
  le32(table, 4, dataSize);
  offsets.forEach((offset, i) => le32(table, 8 + 4 * i, offset));
  return concat(mtkHeader({ name: 'logo', payloadSize: dataSize, extended: true }), table);
}

export interface BootSpec {
  version: 0 | 1 | 2 | 3 | 4 | number;
  pageSize?: number;
  kernelSize: number;
  ramdiskSize: number;
  secondSize?: number;
  recoveryDtboSize?: number;
  dtbSize?: number;
  signatureSize?: number;
  name?: string;
  /** put an MTK `KERNEL` header at the start of the kernel (versions 0–2) */
  mtkKernel?: boolean;
}

/** The head of an Android boot image: header page (+ the kernel's MTK header when asked). */
export function bootImageHead(spec: BootSpec): Uint8Array {
  const modern = spec.version >= 3;
  const pageSize = modern ? 4096 : (spec.pageSize ?? 2048);
  const out = new Uint8Array(pageSize + 512);
  text(out, 0, 'ANDROID!');
  le32(out, 0x08, spec.kernelSize);
  le32(out, 0x28, spec.version);
  if (modern) {
    le32(out, 0x0c, spec.ramdiskSize);
    le32(out, 0x14, spec.version === 4 ? 1584 : 1580);
    if (spec.version === 4) le32(out, 1580, spec.signatureSize ?? 0);
  } else {
    le32(out, 0x10, spec.ramdiskSize);
    le32(out, 0x18, spec.secondSize ?? 0);
    le32(out, 0x24, pageSize);
    text(out, 0x30, spec.name ?? '');
    if (spec.version >= 1) le32(out, 0x660, spec.recoveryDtboSize ?? 0);
    if (spec.version >= 2) le32(out, 0x670, spec.dtbSize ?? 0);
    if (spec.mtkKernel) out.set(mtkHeader({ name: 'KERNEL', payloadSize: spec.kernelSize - 512 }), pageSize);
  }
  return out;
}

/** The first 4 KiB of an ext4 image with the given geometry. */
export function ext4Head(blockCount: bigint, logBlockSize: number, volumeName = ''): Uint8Array {
  const out = new Uint8Array(4096);
  const sb = 1024;
  le32(out, sb + 0x04, Number(blockCount & 0xffffffffn));
  le32(out, sb + 0x18, logBlockSize);
  out[sb + 0x38] = 0x53;
  out[sb + 0x39] = 0xef;
  if (blockCount > 0xffffffffn) {
    le32(out, sb + 0x60, 0x80);
    le32(out, sb + 0x150, Number(blockCount >> 32n));
  }
  text(out, sb + 0x78, volumeName);
  return out;
}

/** A bare GFH FILE_INFO block as package preloaders start (file type 1 = ARM_BL unless said). */
export function gfhHead(fileType = 1): Uint8Array {
  const out = new Uint8Array(0x400);
  out.set([0x4d, 0x4d, 0x4d, 0x01, 0x38, 0x00, 0x00, 0x00]);
  text(out, 8, 'FILE_INFO');
  out[0x18] = fileType;
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Splits `bytes` at the given cut points (any order, duplicates fine). */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  return pieces;
}

/** Runs a parser on hostile input: it must return or throw a RomctlError; anything else fails the test. */
export function resultOrRomctlError<T>(run: () => T): T | RomctlError {
  try {
    return run();
  } catch (error) {
    if (error instanceof RomctlError) return error;
    throw error;
  }
}
