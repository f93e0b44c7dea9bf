/**
 * Legacy (V3) DA protocol constants and the byte layouts both the host client and the simulated DA use, reference
 * §4.3 (mtkclient `dalegacy_lib.py`, `dalegacy_param.py`, `dalegacy_flash_param.py`). Integers are big-endian.
 */
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
const STAGE2_BASE = 1 + 1 + 2 + 1 + 4 + 1 + 4 + 1 + 1 + 1 + 1;

/** Byte count of the stage-2 configuration the DA reads for a chip (its DA code): base + chip extras. */
export function stage2ConfigLength(daCode: number): number {
  if (daCode === 0x6592 || daCode === 0x6583 || daCode === 0x6582) return STAGE2_BASE + 4;
  if (daCode === 0x6580 || daCode === 0x8163) return STAGE2_BASE + 4 + 20;
  if (daCode === 0x8127) return STAGE2_BASE + 8 + 20;
  return STAGE2_BASE;
}

/** §4.3 step 5, host → DA. The BMT partition size is chip-specific in mtkclient; eMMC phones have no BMT, so 0. */
export function encodeStage2Config(
  daCode: number,
  versions: { brom: number; bootloader: number },
): Uint8Array {
  const out = new Uint8Array(stage2ConfigLength(daCode));
  const view = new DataView(out.buffer);
  let at = 0;
  const u8 = (v: number) => view.setUint8(at++, v);
  const u32 = (v: number) => {
    view.setUint32(at, v >>> 0);
    at += 4;
  };
  u8(versions.brom);
  u8(versions.bootloader);
  view.setUint16(at, 0x0008);
  at += 2;
  u8(0); // NOR chip select
  u32(0x7007ffff); // NAND ACCCON
  u8(0); // BMT flag
  u32(0); // BMT partition size
  u8(0x02); // force charge: auto
  u8(daCode === 0x6583 ? 0x00 : 0x01); // reset key
  u8(0x02); // external clock EXT_26M
  u8(0); // MSDC boot channel
  if (daCode === 0x6592)
    u32(0); // is_gpt_solution
  else if (daCode === 0x6583)
    u32(0); // force_dram (MT6583/MT6589)
  else if (daCode === 0x6582)
    u32(1); // new_combo
  else if (daCode === 0x6580 || daCode === 0x8163 || daCode === 0x8127) {
    if (daCode === 0x8127) u32(0); // is_gpt
    u32(1); // slc_percent; the 20 fixed bytes stay zero
  }
  return out;
}

/**
 * How the EMI records' length is agreed for a `MTK_BLOADER_INFO_vNN` version (§4.3 step 9). The reference names
 * v10–v21; newer legacy-era versions (v14, v18, v19, v22 …) are not documented, so they take the v15 exchange
 * ("announced": the DA names its record size, the host announces the blob length), the most common one.
 * `fixed`: the DA names the length it reads and the host sends exactly that many bytes (records cut or zero-padded).
 */
export type EmiExchange = 'announced' | 'fixed-info' | 'fixed-v12' | 'fixed-v0';

export function emiExchangeFor(version: number): EmiExchange {
  if (version === 10 || version === 11) return 'fixed-info';
  if (version === 12 || version === 13) return 'fixed-v12';
  if (version === 0) return 'fixed-v0';
  return 'announced';
}

/** MT8127's DA skips the host's length announcement in the v15 exchange */
export const skipsLengthAnnouncement = (daCode: number) => daCode === 0x8127;

/** the "unknown EMI version" value of step 8; its exchange is v0 */
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

/** u32 ret, u64 boot1, boot2, RPMB, 4 × GP, user, 2 × u64 CID, 8 bytes FW version */
export function encodeLegacyEmmcInfo(info: LegacyEmmcInfo): Uint8Array {
  const out = new Uint8Array(FlashInfoSize.emmc);
  const view = new DataView(out.buffer);
  view.setUint32(0, info.ret);
  [info.boot1Size, info.boot2Size, info.rpmbSize, 0n, 0n, 0n, 0n, info.userSize].forEach((size, i) =>
    view.setBigUint64(4 + i * 8, size),
  );
  out.set(Buffer.from(info.cid, 'hex').subarray(0, 16), 68);
  out.set(Buffer.from(info.firmwareVersion, 'hex').subarray(0, 8), 84);
  return out;
}

export function decodeLegacyEmmcInfo(bytes: Uint8Array): LegacyEmmcInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hex = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('hex');
  return {
    ret: view.getUint32(0),
    boot1Size: view.getBigUint64(4),
    boot2Size: view.getBigUint64(12),
    rpmbSize: view.getBigUint64(20),
    userSize: view.getBigUint64(60),
    cid: hex(68, 84),
    firmwareVersion: hex(84, 92),
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
