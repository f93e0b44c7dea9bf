/**
 * Legacy (V3) DA protocol constants and the byte layouts both the host client and the simulated DA use, reference
 * §4.3 (mtkclient `dalegacy_lib.py`, `dalegacy_param.py`, `dalegacy_flash_param.py`). Integers are big-endian.
 */
import { extraBytes, legacyDaFacts } from './legacy-da-table.js';
import type { Section } from './xflash-info.js';

export const Byte = {
  SYNC: 0xc0,
  ACK: 0x5a,
  NACK: 0xa5,
  CONT: 0x69,
  STOP: 0x96,
  UNKNOWN_CMD: 0xbb,
} as const;

export const LegacyCmd = {
  SDMMC_SWITCH_PART: 0x60,
  SDMMC_WRITE_DATA: 0x62,
  READ: 0xd6,
  FORMAT: 0xd4,
  FINISH: 0xd9,
  ENABLE_DRAM: 0xe8,
} as const;

/** u32 step markers of the bring-up (§4.3 steps 2 and 6) */
export const Marker = { NAND_INFO: 0xbc4, DRAM_NEEDED: 0xbc3 } as const;
/** → u32 after the EMI blob's checksum (step 10) */
export const EMI_TRAILER = 0x80000001;
/** m_ext_ram_ret when no EMI record fits the memory: 3012 (= 0xBC4, mtkclient issue #243) */
export const EXT_RAM_NO_MATCH = 3012;
export const PACKET_SIZE = 0x100000;
export const DA2_PACKET_SIZE = 0x1000;
export const SECTOR = 512;
export const DA_STORAGE_EMMC = 0x01;
export const HW_STORAGE_EMMC = 0x02;
export const HOST_OS_LINUX = 0x0c;
export const EmmcPart: Record<Section, number> = { boot1: 1, boot2: 2, user: 8 };

/** fixed part of the stage-2 configuration (§4.3 step 5), before the chip-specific extras */
export const Stage2 = {
  /** u8 BROM version, u8 BL version, u16 NOR chip, u8 NOR chip select, u32 NAND ACCCON, u8 BMT flag, u32 BMT
   * partition size, u8 force charge, u8 reset key, u8 external clock, u8 MSDC boot channel */
  baseLength: 1 + 1 + 2 + 1 + 4 + 1 + 4 + 1 + 1 + 1 + 1,
  norChip: 0x0008,
  nandAcccon: 0x7007ffff,
  /** FC_TYPE FORCE_CHARGE_ON (SP Flash Tool `flashtool_handle.h`: 0 off/with battery, 1 on/USB-powered, 2 auto);
   * 1 is what mtkclient's `set_stage2_config` sends to every legacy DA */
  forceCharge: 0x01,
  /** EXT_26M */
  externalClock: 0x02,
} as const;

/** Byte count of the stage-2 configuration the DA reads for a chip (its DA code): base + chip extras. */
export function stage2ConfigLength(daCode: number): number {
  return legacyDaFacts(daCode).extras.reduce((n, extra) => n + extraBytes(extra).length, Stage2.baseLength);
}

/** §4.3 step 5, host → DA, with the DA code's values from the legacy DA table. */
export function encodeStage2Config(
  daCode: number,
  versions: { brom: number; bootloader: number },
): Uint8Array {
  const facts = legacyDaFacts(daCode);
  const head = new Uint8Array(Stage2.baseLength);
  const view = new DataView(head.buffer);
  view.setUint8(0, versions.brom);
  view.setUint8(1, versions.bootloader);
  view.setUint16(2, Stage2.norChip);
  view.setUint8(4, 0); // NOR chip select CS_0
  view.setUint32(5, Stage2.nandAcccon);
  view.setUint8(9, facts.bmtFlag);
  view.setUint32(10, facts.bmtPartitionSize);
  view.setUint8(14, Stage2.forceCharge);
  view.setUint8(15, facts.resetKey);
  view.setUint8(16, Stage2.externalClock);
  view.setUint8(17, 0); // MSDC boot channel
  return concat(head, ...facts.extras.map(extraBytes));
}

/** the "unknown EMI version" of step 8 (no EMI block): one-record DAs then skip the records (legacy-da-table.ts) */
export const EMI_VERSION_UNKNOWN = 0xffffffff;

/**
 * DA2's flash info (§4.3 step 13). The reference gives sizes, the eMMC layout and the pass block's final ACK; the
 * NAND block's id count is taken as its last u16 (our choice; the simulated DA reports 0 ids).
 */
export const FlashInfoSize = {
  nor: 0x1c,
  nandHead: 0x11,
  nandTail: 9,
  emmc: 0x5c,
  sd: 0x1c,
  config: 0x26,
  pass: 0x0a,
} as const;

export const extraConfigBytes = (daCode: number) => (daCode === 0x8127 || daCode === 0x8163 ? 4 : 0);

export interface LegacyEmmcInfo {
  /** 0 = S_DONE (an eMMC answered) */
  ret: number;
  boot1Size: bigint;
  boot2Size: bigint;
  rpmbSize: bigint;
  userSize: bigint;
  /** 16 bytes, hex, in the order EMI records hold it */
  cid: string;
  /** 8 bytes, hex */
  firmwareVersion: string;
}

/**
 * DA2's eMMC info block, big-endian (mtkclient `dalegacy_flash_param.py` `Legacy_EmmcInfo`): u32 ret, u64 boot1,
 * boot2 and RPMB sizes, 4 × u64 GP sizes, u64 user size, 2 × u64 CID, 8 bytes firmware version; byte offsets.
 */
export const EmmcInfoAt = {
  ret: 0,
  boot1: 4,
  boot2: 12,
  rpmb: 20,
  gp: 28,
  user: 60,
  cid: 68,
  firmwareVersion: 84,
  end: FlashInfoSize.emmc,
} as const;

export function decodeLegacyEmmcInfo(bytes: Uint8Array): LegacyEmmcInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hex = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('hex');
  return {
    ret: view.getUint32(EmmcInfoAt.ret),
    boot1Size: view.getBigUint64(EmmcInfoAt.boot1),
    boot2Size: view.getBigUint64(EmmcInfoAt.boot2),
    rpmbSize: view.getBigUint64(EmmcInfoAt.rpmb),
    userSize: view.getBigUint64(EmmcInfoAt.user),
    cid: hex(EmmcInfoAt.cid, EmmcInfoAt.firmwareVersion),
    firmwareVersion: hex(EmmcInfoAt.firmwareVersion, EmmcInfoAt.end),
  };
}

export function u8(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff);
}

export function u16be(value: number): Uint8Array {
  return Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
}

export function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

export function u64be(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}
