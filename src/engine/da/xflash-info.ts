/**
 * Payloads of the XFlash DEVICE_CTRL queries (reference §4.4, mtkclient `get_emmc_info`/`get_ufs_info`), encoded by
 * the simulated DA and decoded by the client. Little-endian.
 */
import { StorageCode } from './xflash-protocol.js';
import { protocolError } from './xflash-link.js';

export type StorageKind = 'emmc' | 'ufs';
export type Section = 'boot1' | 'boot2' | 'user';

export interface StorageInfo {
  kind: StorageKind;
  blockSize: number;
  boot1Size: bigint;
  boot2Size: bigint;
  /** eMMC only (0 on UFS) */
  rpmbSize: bigint;
  userSize: bigint;
  /** eMMC CID (16 bytes, in the byte order preloader EMI records use) or UFS id, lowercase hex */
  id: string;
  /** eMMC: u64 firmware version; UFS: 4 bytes at +22 of the id area; hex */
  firmwareVersion: string;
}

export const EMMC_INFO_SIZE = 4 + 4 + 8 * 8 + 16 + 8;
/** type, block size, three LU sizes, then the id area (16-byte id, fw version at +22, serial at +30) */
export const UFS_INFO_SIZE = 4 + 4 + 3 * 8 + 44;

const toHex = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeEmmcInfo(info: StorageInfo | null): Uint8Array {
  const out = new Uint8Array(EMMC_INFO_SIZE);
  if (!info) return out;
  const view = viewOf(out);
  view.setUint32(0, StorageCode.emmc, true);
  view.setUint32(4, info.blockSize, true);
  [info.boot1Size, info.boot2Size, info.rpmbSize, 0n, 0n, 0n, 0n, info.userSize].forEach((size, i) =>
    view.setBigUint64(8 + i * 8, size, true),
  );
  out.set(Buffer.from(info.id, 'hex').subarray(0, 16), 72);
  out.set(Buffer.from(info.firmwareVersion, 'hex').subarray(0, 8), 88);
  return out;
}

/** null when the DA reports no eMMC (user size 0) */
export function decodeEmmcInfo(payload: Uint8Array, where: string): StorageInfo | null {
  if (payload.length < EMMC_INFO_SIZE)
    throw protocolError(`eMMC info of ${payload.length} bytes is too short`, where);
  const view = viewOf(payload);
  const userSize = view.getBigUint64(64, true);
  if (userSize === 0n) return null;
  return {
    kind: 'emmc',
    blockSize: view.getUint32(4, true),
    boot1Size: view.getBigUint64(8, true),
    boot2Size: view.getBigUint64(16, true),
    rpmbSize: view.getBigUint64(24, true),
    userSize,
    id: toHex(payload.subarray(72, 88)),
    firmwareVersion: toHex(payload.subarray(88, 96)),
  };
}

export function encodeUfsInfo(info: StorageInfo | null): Uint8Array {
  const out = new Uint8Array(UFS_INFO_SIZE);
  if (!info) return out;
  const view = viewOf(out);
  view.setUint32(0, StorageCode.ufs, true);
  view.setUint32(4, info.blockSize, true);
  [info.boot1Size, info.boot2Size, info.userSize].forEach((size, i) =>
    view.setBigUint64(8 + i * 8, size, true),
  );
  out.set(Buffer.from(info.id, 'hex').subarray(0, 16), 32);
  out.set(Buffer.from(info.firmwareVersion, 'hex').subarray(0, 4), 32 + 22);
  return out;
}

/**
 * null when the DA reports no UFS (block size 0). mtkclient labels the three sizes lu2, lu1, lu0 and uses the
 * third as the user capacity; we read them as boot1, boot2, user (inferred from that use).
 */
export function decodeUfsInfo(payload: Uint8Array, where: string): StorageInfo | null {
  if (payload.length < UFS_INFO_SIZE)
    throw protocolError(`UFS info of ${payload.length} bytes is too short`, where);
  const view = viewOf(payload);
  const blockSize = view.getUint32(4, true);
  if (blockSize === 0) return null;
  const id = payload.subarray(32, 48);
  const end = id.indexOf(0);
  return {
    kind: 'ufs',
    blockSize,
    boot1Size: view.getBigUint64(8, true),
    boot2Size: view.getBigUint64(16, true),
    rpmbSize: 0n,
    userSize: view.getBigUint64(24, true),
    // UFS ids are product-name strings: trailing NULs are padding, not id bytes
    id: toHex(end < 0 ? id : id.subarray(0, end)),
    firmwareVersion: toHex(payload.subarray(32 + 22, 32 + 26)),
  };
}

export interface PacketLengths {
  write: number;
  read: number;
}

export function encodePacketLengths(lengths: PacketLengths): Uint8Array {
  const out = new Uint8Array(8);
  viewOf(out).setUint32(0, lengths.write, true);
  viewOf(out).setUint32(4, lengths.read, true);
  return out;
}

export function decodePacketLengths(payload: Uint8Array, where: string): PacketLengths {
  if (payload.length < 8) throw protocolError(`packet-length reply of ${payload.length} bytes`, where);
  const lengths = { write: viewOf(payload).getUint32(0, true), read: viewOf(payload).getUint32(4, true) };
  if (lengths.write === 0 || lengths.write % 512 !== 0 || lengths.read === 0) {
    throw protocolError(
      `DA reports unusable packet lengths write ${lengths.write} / read ${lengths.read}`,
      where,
    );
  }
  return lengths;
}

export interface ChipId {
  hwCode: number;
  hwSubCode: number;
  hwVersion: number;
  swVersion: number;
  chipEvolution: number;
}

export function encodeChipId(chip: ChipId): Uint8Array {
  const out = new Uint8Array(10);
  [chip.hwCode, chip.hwSubCode, chip.hwVersion, chip.swVersion, chip.chipEvolution].forEach((v, i) =>
    viewOf(out).setUint16(i * 2, v, true),
  );
  return out;
}

export function decodeChipId(payload: Uint8Array, where: string): ChipId {
  if (payload.length < 10) throw protocolError(`chip-id reply of ${payload.length} bytes`, where);
  const v = (i: number) => viewOf(payload).getUint16(i * 2, true);
  return { hwCode: v(0), hwSubCode: v(1), hwVersion: v(2), swVersion: v(3), chipEvolution: v(4) };
}
