/**
 * The BROM / preloader wire protocol (reference §2): shared by the client (src/engine/brom.ts) and the simulated
 * phone's server (src/sim/brom-server.ts). Big-endian on the wire.
 */

/** sent one byte at a time; each is answered by its bitwise NOT (reference §2.1) */
export const HANDSHAKE = [0xa0, 0x0a, 0x50, 0x05] as const;

export const BromCommand = {
  READ16: 0xd0,
  READ32: 0xd1,
  WRITE16: 0xd2,
  WRITE32: 0xd4,
  JUMP_DA: 0xd5,
  SEND_DA: 0xd7,
  GET_TARGET_CONFIG: 0xd8,
  GET_ME_ID: 0xe1,
  /** DAA: the vendor's auth file, uploaded like a DA (reference §2.3) */
  SEND_AUTH: 0xe2,
  /** SLA: the BROM's challenge, answered with the vendor key's signature */
  SLA: 0xe3,
  GET_SOC_ID: 0xe7,
  GET_HW_SW_VER: 0xfc,
  GET_HW_CODE: 0xfd,
  /** not echoed; the answer is 0xFE itself from BROM, the preloader's version from a preloader */
  GET_BL_VER: 0xfe,
  /** not echoed; the answer is the BROM version byte */
  GET_VERSION: 0xff,
} as const;

export type BromCommandName = keyof typeof BromCommand;

export function commandName(byte: number): string {
  const found = Object.entries(BromCommand).find(([, value]) => value === byte);
  return found ? found[0] : `command 0x${byte.toString(16).padStart(2, '0')}`;
}

/** The status words this code produces or reacts to (reference §2.6); any value ≤ 0xFF means success. */
export const BromStatus = {
  OK: 0x0000,
  INVALID_ADDRESS: 0x1d02,
  NO_AUTH_NEEDED: 0x1d0c,
  SLA_ERROR: 0x1d0d,
  DA_INVALID_JUMP_ADDR: 0x1d0f,
  DA_INVALID_ADDR_AND_LEN: 0x1d12,
  DA_LEN_IS_ZERO: 0x1d13,
  DA_SIG_LEN_EXCEED_DA_LEN: 0x1d14,
  DA_SIG_LEN_IS_ZERO_AND_DAA_ACTIVE: 0x1d15,
  DA_NOT_EXIST: 0x1d16,
  DA_BLOCKS_INCONSISTENT_WITH_TOOL_AUTH: 0x1d17,
  ERR_SIG_CHK_FAIL: 0x6005,
  /** the answer to SLA (0xE3) on a phone without SLA (mtkclient reads it as "not needed") */
  SLA_NOT_NEEDED: 0x7017,
} as const;

export function isSuccessStatus(status: number): boolean {
  return status <= 0xff;
}

/** SEND_DA upload checksum: XOR of the little-endian 16-bit words, an odd length padded with one zero byte */
export function xor16Checksum(bytes: Uint8Array): number {
  let sum = 0;
  const pairs = bytes.length >> 1;
  for (let i = 0; i < pairs; i++) sum ^= (bytes[2 * i] as number) | ((bytes[2 * i + 1] as number) << 8);
  if (bytes.length & 1) sum ^= bytes[bytes.length - 1] as number;
  return sum;
}

/** GET_TARGET_CONFIG bits (reference §2.5) */
export interface TargetConfig {
  raw: number;
  /** secure boot check: BROM verifies preloader and DA signatures */
  sbc: boolean;
  /** serial link authorization: a challenge/response before DA upload */
  sla: boolean;
  /** download agent authentication: the DA must be signed */
  daa: boolean;
  eppParam: boolean;
  rootCertRequired: boolean;
  memoryReadAuth: boolean;
  memoryWriteAuth: boolean;
  cmdC8Blocked: boolean;
}

export const TargetConfigBit = {
  sbc: 0x01,
  sla: 0x02,
  daa: 0x04,
  eppParam: 0x08,
  rootCertRequired: 0x10,
  memoryReadAuth: 0x20,
  memoryWriteAuth: 0x40,
  cmdC8Blocked: 0x80,
} as const;

export function decodeTargetConfig(raw: number): TargetConfig {
  const has = (bit: number) => (raw & bit) !== 0;
  return {
    raw,
    sbc: has(TargetConfigBit.sbc),
    sla: has(TargetConfigBit.sla),
    daa: has(TargetConfigBit.daa),
    eppParam: has(TargetConfigBit.eppParam),
    rootCertRequired: has(TargetConfigBit.rootCertRequired),
    memoryReadAuth: has(TargetConfigBit.memoryReadAuth),
    memoryWriteAuth: has(TargetConfigBit.memoryWriteAuth),
    cmdC8Blocked: has(TargetConfigBit.cmdC8Blocked),
  };
}

/** big-endian u32 as 4 bytes */
export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

export function u16(value: number): Uint8Array {
  return Uint8Array.of((value >>> 8) & 0xff, value & 0xff);
}

export function be16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
}

export function be32(bytes: Uint8Array, at: number): number {
  return ((be16(bytes, at) << 16) | be16(bytes, at + 2)) >>> 0;
}
