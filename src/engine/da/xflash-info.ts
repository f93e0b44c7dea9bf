/**
 * Payloads of the XFlash DEVICE_CTRL queries as the client decodes them (reference §4.4, mtkclient `get_emmc_info`,
 * `get_ufs_info`, `get_chip_id`); little-endian but for the chip id. The simulated DA encodes them with its own code
 * (src/sim/xflash-replies.ts).
 */
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

/** GET_CHIP_ID: five big-endian u16, unlike the other payloads (mtkclient `get_chip_id` unpacks `>HHHHH`) */
export function decodeChipId(payload: Uint8Array, where: string): ChipId {
  if (payload.length < 10) throw protocolError(`chip-id reply of ${payload.length} bytes`, where);
  const v = (i: number) => viewOf(payload).getUint16(i * 2, false);
  return { hwCode: v(0), hwSubCode: v(1), hwVersion: v(2), swVersion: v(3), chipEvolution: v(4) };
}
