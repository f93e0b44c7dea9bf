/**
 * The legacy DA's DRAM step and DA2's flash info, host side (reference §4.3 steps 8–11 and 13; §5.4 for which
 * bytes of the preloader's MTK_BLOADER_INFO block are sent: the records array only).
 */
import { DaStatusError } from './da-status.js';
import type { LegacyLink } from './legacy-link.js';
import {
  Byte,
  decodeLegacyEmmcInfo,
  EMI_TRAILER,
  EMI_VERSION_UNKNOWN,
  emiExchangeFor,
  extraConfigBytes,
  FlashInfoSize,
  LegacyCmd,
  u32be,
  u8,
  concat,
  type LegacyEmmcInfo,
} from './legacy-protocol.js';
import { sum16 } from './packets.js';
import { protocolError } from './xflash-link.js';

const TAG = 'MTK_BLOADER_INFO_v';
const RECORDS_AT = 0x70;
/** a records area the DA names larger than this is garbage */
export const MAX_EMI_LENGTH = 64 * 1024;

/** EMI version NN and the records array of an MTK_BLOADER_INFO block; an unreadable block is version "unknown". */
function emiRecordsOf(block: Uint8Array): { version: number; records: Uint8Array } {
  const head = Buffer.from(block.subarray(0, TAG.length + 2)).toString('latin1');
  const digits = head.startsWith(TAG) ? head.slice(TAG.length) : '';
  if (!/^\d\d$/.test(digits) || block.length < RECORDS_AT)
    return { version: EMI_VERSION_UNKNOWN, records: block };
  return { version: Number(digits), records: block.subarray(RECORDS_AT) };
}

/** the records cut or zero-padded to the length the DA reads */
function fitted(records: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(records.subarray(0, length));
  return out;
}

async function fixedLength(link: LegacyLink): Promise<number> {
  const length = await link.u32();
  if (length > MAX_EMI_LENGTH)
    throw protocolError(`the DA asks for ${length} bytes of EMI records`, link.where);
  return length;
}

/**
 * ENABLE_DRAM: → E8, → u32 EMI version, ← ACK; the version's length exchange (step 9); → the records, ← u16 sum,
 * → ACK, → u32 0x80000001. Returns the EMI version sent.
 */
export async function sendEmiRecords(link: LegacyLink, emiBlock: Uint8Array): Promise<number> {
  const { version, records } = emiRecordsOf(emiBlock);
  await link.write(concat(u8(LegacyCmd.ENABLE_DRAM), u32be(version)));
  const answer = await link.u8();
  if (answer === Byte.NACK) {
    throw new DaStatusError(
      Byte.NACK,
      `ENABLE_DRAM (EMI settings v${version === EMI_VERSION_UNKNOWN ? '?' : version} not accepted)`,
      link.where,
      "this DA does not take the preloader's EMI settings: use the preloader and DA of the same package",
    );
  }
  if (answer !== Byte.ACK) throw protocolError(`ENABLE_DRAM answered 0x${answer.toString(16)}`, link.where);
  let blob: Uint8Array;
  switch (emiExchangeFor(version === EMI_VERSION_UNKNOWN ? 0 : version)) {
    case 'announced':
      await link.u32(); // the record size the DA expects (observed 0xBC)
      await link.write(concat(u8(Byte.ACK), u32be(records.length)));
      blob = records;
      break;
    case 'fixed-info': {
      await link.read(16);
      blob = fitted(records, await fixedLength(link));
      await link.writeByte(Byte.ACK);
      break;
    }
    case 'fixed-v12': {
      blob = fitted(records, await fixedLength(link));
      if (blob.length >= 4) blob.set(u32be(0x100), 0);
      await link.writeByte(Byte.ACK);
      break;
    }
    case 'fixed-v0': {
      const length = await fixedLength(link);
      blob = fitted(records, length);
      await link.write(concat(u8(Byte.ACK), u32be(length)));
      break;
    }
  }
  await link.write(blob);
  const checksum = await link.u16();
  if (checksum !== sum16(blob))
    throw protocolError('the DA received the EMI records with a wrong checksum', link.where);
  await link.write(concat(u8(Byte.ACK), u32be(EMI_TRAILER)));
  return version;
}

/** ← u32 m_ext_ram_ret, ← u8 RAM type, ← u8 chip select, ← u64 DRAM size (v13: + 5 × u32) */
export async function receiveEmiAnswer(link: LegacyLink, version: number, timeoutMs: number): Promise<void> {
  const status = await link.u32(timeoutMs);
  await link.read(1 + 1 + 8 + (version === 13 ? 20 : 0));
  if (status !== 0) {
    throw new DaStatusError(
      status,
      'ENABLE_DRAM (DRAM setup with the preloader EMI settings)',
      link.where,
      "the preloader's EMI records do not fit this phone's memory: use the preloader made for this exact variant " +
        '(S_FT_ENABLE_DRAM_FAIL in SP Flash Tool)',
    );
  }
}

/** DA2's flash info: NOR, NAND (+ ids + 9 bytes), eMMC, SD, config, pass block ending in ACK; the eMMC part kept. */
export async function readLegacyFlashInfo(link: LegacyLink, daCode: number): Promise<LegacyEmmcInfo> {
  await link.read(FlashInfoSize.nor);
  const nand = await link.read(FlashInfoSize.nandHead);
  const ids = (nand[FlashInfoSize.nandHead - 2]! << 8) | nand[FlashInfoSize.nandHead - 1]!;
  if (ids > 64) throw protocolError(`DA2 reports ${ids} NAND ids`, link.where);
  await link.read(ids * 2 + FlashInfoSize.nandTail);
  const emmc = decodeLegacyEmmcInfo(await link.read(FlashInfoSize.emmc));
  await link.read(FlashInfoSize.sd + FlashInfoSize.config + extraConfigBytes(daCode));
  const pass = await link.read(FlashInfoSize.pass);
  if (pass[FlashInfoSize.pass - 1] !== Byte.ACK)
    throw protocolError("DA2's flash info does not end in ACK", link.where);
  return emmc;
}
