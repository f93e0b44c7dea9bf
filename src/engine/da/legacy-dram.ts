/**
 * The legacy DA's DRAM step and DA2's flash info, host side (reference §4.3 steps 7–11 and 13; §5.4 for which
 * bytes of the preloader's MTK_BLOADER_INFO block are sent: the records array only).
 */
import { ExitCode, RomctlError } from '../../errors.js';
import { matchMemory, parsePreloader, type BloaderInfo } from '../../formats/preloader/index.js';
import { memorySpecOf } from './client.js';
import { DaStatusError } from './da-status.js';
import { emiIntakeFor, type EmiIntake } from './legacy-da-table.js';
import type { LegacyLink } from './legacy-link.js';
import {
  Byte,
  decodeLegacyEmmcInfo,
  EMI_TRAILER,
  EMI_VERSION_UNKNOWN,
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

const RECORDS_AT = 0x70;
/** a records area the DA names larger than this is garbage */
export const MAX_EMI_LENGTH = 64 * 1024;

/** The package preloader's EMI records as the legacy DA takes them, and which one fits the phone (if known). */
export interface LegacyEmi {
  /** NN of MTK_BLOADER_INFO_vNN; EMI_VERSION_UNKNOWN without a readable block */
  version: number;
  recordSize: number;
  /** the records array, exactly count × recordSize bytes (trailing bytes of the block dropped) */
  records: Uint8Array;
  bloader: BloaderInfo | null;
}

export function legacyEmiOf(emiBlock: Uint8Array): LegacyEmi {
  let bloader: BloaderInfo | null = null;
  try {
    bloader = emiBlock.length >= RECORDS_AT ? parsePreloader(emiBlock).bloader : null;
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
  }
  if (!bloader || bloader.recordSize === null || bloader.offset !== 0) {
    return { version: EMI_VERSION_UNKNOWN, recordSize: 0, records: new Uint8Array(0), bloader: null };
  }
  const length = Math.min(bloader.recordCount * bloader.recordSize, emiBlock.length - RECORDS_AT);
  const whole = length - (length % bloader.recordSize);
  return {
    version: bloader.version,
    recordSize: bloader.recordSize,
    records: emiBlock.subarray(RECORDS_AT, RECORDS_AT + whole),
    bloader,
  };
}

/** the 16-byte id with every 4-byte word byte-reversed */
export function wordReversed(idHex: string): string {
  const bytes = Buffer.from(idHex, 'hex');
  for (let at = 0; at + 4 <= bytes.length; at += 4) bytes.subarray(at, at + 4).reverse();
  return bytes.toString('hex');
}

/**
 * The device id the DA reports, in the byte order the EMI records hold it. Legacy DAs send the eMMC CID as four
 * words; mtkclient's `set_stage2_config` looks for its first 9 bytes in preloaders both raw and with every word
 * byte-reversed, because DAs differ. Raw is kept unless only the reversed id matches a record. Also returns the
 * first record that matches (MediaTek's rule, §5.5), the one a DA that takes a single record must get.
 */
export function resolveDeviceId(rawHex: string, emi: LegacyEmi): { id: string; recordIndex: number | null } {
  if (!emi.bloader) return { id: rawHex, recordIndex: null };
  for (const id of [rawHex, wordReversed(rawHex)]) {
    const match = matchMemory(emi.bloader, memorySpecOf({ kind: 'emmc', id }));
    if (match.verdict === 'match') return { id, recordIndex: match.matched[0]?.index ?? null };
  }
  return { id: rawHex, recordIndex: null };
}

function refusedEmi(link: LegacyLink, version: number, why: string): DaStatusError {
  return new DaStatusError(
    Byte.NACK,
    `ENABLE_DRAM (EMI settings v${version === EMI_VERSION_UNKNOWN ? '?' : version} not accepted: ${why})`,
    link.where,
    "this DA does not take the preloader's EMI settings: use the preloader and DA of the same package",
  );
}

/** ← u32 record length; anything but the preloader's own record size means the DA would misread the records */
async function checkRecordLength(link: LegacyLink, emi: LegacyEmi): Promise<void> {
  const length = await link.u32();
  if (length === 0) throw refusedEmi(link, emi.version, 'the DA reads 0 bytes of them');
  if (length > MAX_EMI_LENGTH)
    throw protocolError(`the DA asks for ${length} bytes of EMI records`, link.where);
  if (emi.recordSize !== 0 && length !== emi.recordSize) {
    throw refusedEmi(
      link,
      emi.version,
      `the DA reads ${length}-byte records, the preloader's are ${emi.recordSize} bytes`,
    );
  }
}

const recordAt = (emi: LegacyEmi, index: number) =>
  emi.records.subarray(index * emi.recordSize, (index + 1) * emi.recordSize);

/** the records a DA taking at most `max` gets: all of them, or the one that fits the phone */
function recordsFor(emi: LegacyEmi, max: number, recordIndex: number | null, link: LegacyLink): Uint8Array {
  const count = emi.recordSize === 0 ? 0 : emi.records.length / emi.recordSize;
  if (count <= max) return emi.records;
  if (recordIndex === null) {
    throw new RomctlError(
      `the preloader carries ${count} EMI records and this DA takes at most ${max}; none is known to fit the phone`,
      {
        exitCode: ExitCode.refused,
        where: link.where,
        hint: "use the preloader made for this phone's exact variant (or its vendor DA); nothing was written",
      },
    );
  }
  return recordAt(emi, recordIndex);
}

/**
 * ENABLE_DRAM: → E8, → u32 EMI version, ← ACK; then the DA's intake (legacy-da-table.ts): a one-record DA names
 * the record length and reads that one record (the one that fits the phone, else the first, as mtkclient sends
 * it); an announced DA names the record length and reads → u32 length + the records. ← u16 sum, → ACK,
 * → u32 0x80000001. Returns the EMI version sent.
 */
export async function sendEmiRecords(
  link: LegacyLink,
  emi: LegacyEmi,
  daCode: number,
  recordIndex: number | null,
): Promise<number> {
  const { version } = emi;
  await link.write(concat(u8(LegacyCmd.ENABLE_DRAM), u32be(version)));
  const answer = await link.u8();
  if (answer === Byte.NACK) throw refusedEmi(link, version, 'the DA answered NACK');
  if (answer !== Byte.ACK) throw protocolError(`ENABLE_DRAM answered 0x${answer.toString(16)}`, link.where);
  const intake: EmiIntake = emiIntakeFor(daCode, version);
  if (intake.kind === 'one-record' && version === EMI_VERSION_UNKNOWN) {
    // such a DA skips the records for the unknown version and falls back to its own default EMI settings
    await link.write(u32be(EMI_TRAILER));
    return version;
  }
  let blob: Uint8Array;
  if (intake.kind === 'one-record') {
    if (intake.infoBytes > 0) await link.read(intake.infoBytes);
    await checkRecordLength(link, emi);
    if (emi.records.length === 0) throw refusedEmi(link, version, 'the preloader has no EMI records');
    blob = Uint8Array.from(recordAt(emi, recordIndex ?? 0));
    // mtkclient marks v12/v13 records this way (dalegacy_lib.py, set_stage2_config)
    if ((version === 12 || version === 13) && blob.length >= 4) blob.set(u32be(0x100), 0);
    await link.writeByte(Byte.ACK);
  } else {
    await checkRecordLength(link, emi);
    blob = recordsFor(emi, intake.maxRecords, recordIndex, link);
    await link.write(concat(u8(Byte.ACK), u32be(blob.length)));
  }
  await link.write(blob);
  const checksum = await link.u16();
  if (checksum !== sum16(blob))
    throw protocolError('the DA received the EMI records with a wrong checksum', link.where);
  await link.write(concat(u8(Byte.ACK), u32be(EMI_TRAILER)));
  return version;
}

/**
 * ← u32 m_ext_ram_ret; only when it is 0 (S_DONE): ← u8 RAM type, ← u8 chip select, ← u64 DRAM size (v13: + 5 ×
 * u32). A real DA1 sends nothing after a failure: 3012 from its DRAM setup, 3002 when its check of the received
 * records fails (then it halts); mtkclient likewise stops reading there.
 */
export async function receiveEmiAnswer(link: LegacyLink, version: number, timeoutMs: number): Promise<void> {
  const status = await link.u32(timeoutMs);
  if (status === 0) await link.read(1 + 1 + 8 + (version === 13 ? 20 : 0));
  else {
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
