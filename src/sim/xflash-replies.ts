/**
 * What the simulated XFlash DA answers to DEVICE_CTRL queries, laid out from mtkclient's readers
 * (`xflash_lib.py`: `get_emmc_info`, `get_ufs_info`, `get_nand_info`, `get_nor_info`, `get_ram_info`,
 * `get_packet_length`, `get_chip_id`) and written apart from the engine's decoders: two readings of the same
 * source that must agree byte for byte.
 */
import type { Section, StorageKind } from '../engine/da/xflash-info.js';

export interface SimStorageFacts {
  kind: StorageKind;
  blockSize: number;
  size(section: Section): number;
  /** eMMC CID / UFS id as hex */
  id: string;
  firmwareVersion: string;
}

const STORAGE_TYPE = { emmc: 0x01, ufs: 0x30 } as const;

/** u32 type, u32 block size, u64 boot1, boot2, RPMB, GP1..GP4, user; 16-byte CID; u64 firmware version */
export function emmcInfoReply(storage: SimStorageFacts): Buffer {
  const out = Buffer.alloc(96);
  if (storage.kind !== 'emmc') return out;
  out.writeUInt32LE(STORAGE_TYPE.emmc, 0);
  out.writeUInt32LE(storage.blockSize, 4);
  out.writeBigUInt64LE(BigInt(storage.size('boot1')), 8);
  out.writeBigUInt64LE(BigInt(storage.size('boot2')), 16);
  out.writeBigUInt64LE(BigInt(storage.size('user')), 64);
  Buffer.from(storage.id, 'hex').copy(out, 72, 0, 16);
  Buffer.from(storage.firmwareVersion, 'hex').copy(out, 88, 0, 8);
  return out;
}

/** u32 type, u32 block size, three u64 LU sizes (boot1, boot2, user), then the 16-byte id and its firmware version */
export function ufsInfoReply(storage: SimStorageFacts): Buffer {
  const out = Buffer.alloc(76);
  if (storage.kind !== 'ufs') return out;
  out.writeUInt32LE(STORAGE_TYPE.ufs, 0);
  out.writeUInt32LE(storage.blockSize, 4);
  out.writeBigUInt64LE(BigInt(storage.size('boot1')), 8);
  out.writeBigUInt64LE(BigInt(storage.size('boot2')), 16);
  out.writeBigUInt64LE(BigInt(storage.size('user')), 24);
  Buffer.from(storage.id, 'hex').copy(out, 32, 0, 16);
  Buffer.from(storage.firmwareVersion, 'hex').copy(out, 54, 0, 4);
  return out;
}

/** a phone without NAND: u32 type 0, page, block, spare; u64 total, available; u8 BMT; 12 id bytes */
export function nandInfoReply(): Buffer {
  return Buffer.alloc(4 * 4 + 2 * 8 + 1 + 12);
}

/** a phone without NOR: u32 type 0, u32 page size, u64 available size */
export function norInfoReply(): Buffer {
  return Buffer.alloc(16);
}

export interface SimRam {
  sramBase: number;
  sramSize: number;
  dramType: number;
  dramBase: number;
  dramSize: bigint;
}

/** the 48-byte form: six u64 — SRAM type, base, size, DRAM type, base, size */
export function ramInfoReply(ram: SimRam, dramReady: boolean): Buffer {
  const out = Buffer.alloc(48);
  out.writeBigUInt64LE(1n, 0);
  out.writeBigUInt64LE(BigInt(ram.sramBase), 8);
  out.writeBigUInt64LE(BigInt(ram.sramSize), 16);
  if (dramReady) {
    out.writeBigUInt64LE(BigInt(ram.dramType), 24);
    out.writeBigUInt64LE(BigInt(ram.dramBase), 32);
    out.writeBigUInt64LE(ram.dramSize, 40);
  }
  return out;
}

export function packetLengthReply(write: number, read: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32LE(write, 0);
  out.writeUInt32LE(read, 4);
  return out;
}

/** five big-endian u16: hw code, sub code, hw version, sw version, chip evolution */
export function chipIdReply(chip: {
  hwCode: number;
  hwSubCode: number;
  hwVersion: number;
  swVersion: number;
}): Buffer {
  const out = Buffer.alloc(10);
  [chip.hwCode, chip.hwSubCode, chip.hwVersion, chip.swVersion, 0].forEach((v, i) =>
    out.writeUInt16BE(v, i * 2),
  );
  return out;
}

export function textReply(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

export function wordReply(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0, 0);
  return out;
}
