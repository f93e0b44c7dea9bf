/**
 * The simulated phone's legacy (V3) DA, both stages, speaking the bytes of reference §4.3 and the choices
 * `src/engine/da/legacy.ts` documents where the reference is silent. It decodes what the host sends with its own
 * code: the stage-2 configuration is checked field by field against the legacy DA table (a wrong value is answered
 * with an error, as a DA that cannot use it would), and ENABLE_DRAM takes the EMI records the way the real DA1 of
 * this DA code does (legacy-da-table.ts): one record of the length it names, or a host-announced length that must
 * be whole records and at most `maxRecords` (else the DA halts, as the real one does). It takes the EMI versions
 * real preloaders of its chip carry, and trains "DRAM" only when a record it receives fits the phone's memory
 * (MediaTek's record choice, matchMemory); otherwise it answers m_ext_ram_ret 3012 and goes quiet. Refusals reuse
 * the DA status numbers of §7.4.
 */
import { OBSERVED_BLOADER_VERSIONS } from '../check/bloader-eras.js';
import { readSimDaIdentity, sha256Hex, type SimDaIdentity } from '../engine/da/container-build.js';
import { emiIntakeFor, extraBytes, legacyDaFacts } from '../engine/da/legacy-da-table.js';
import { MAX_EMI_LENGTH } from '../engine/da/legacy-dram.js';
import { LegacyLink } from '../engine/da/legacy-link.js';
import {
  Byte,
  DA_STORAGE_EMMC,
  EMI_TRAILER,
  EMI_VERSION_UNKNOWN,
  EmmcInfoAt,
  EmmcPart,
  EXT_RAM_NO_MATCH,
  extraConfigBytes,
  FlashInfoSize,
  HW_STORAGE_EMMC,
  LegacyCmd,
  Marker,
  SECTOR,
  Stage2,
  stage2ConfigLength,
  concat,
  u16be,
  u32be,
  u64be,
  u8,
} from '../engine/da/legacy-protocol.js';
import { sum16 } from '../engine/da/packets.js';
import type { Section } from '../engine/da/xflash-info.js';
import { Status } from '../engine/da/xflash-protocol.js';
import type { Transport } from '../engine/transport/types.js';
import { RomctlError } from '../errors.js';
import { BLOADER_HEADER, BLOADER_MAGIC } from '../formats/preloader/bloader.js';
import { layoutsFor } from '../formats/preloader/emi-layouts.js';
import { matchMemory, parsePreloader } from '../formats/preloader/index.js';
import { chipForHwCode } from '../knowledge/chips.js';
import { daPhoneOf, runnableDa, type DaPhone } from './da-phone.js';
import type { SimDaFaults } from './da-xflash.js';
import type { DaServer } from './phone.js';

/** How this DA build differs where real DAs do (tests): the byte order it reports the eMMC id in. */
export interface SimLegacyDaVariant {
  /** send the CID words little-endian (every 4 bytes reversed), as some DAs do (mtkclient tries both orders) */
  idWordReversed?: boolean;
}

const IDLE_TIMEOUT_MS = 10 * 60_000;
const MAX_DA2 = 16 * 1024 * 1024;
const MAX_PACKET = 16 * 1024 * 1024;
const FORMAT_STEP = 256n * 1024n * 1024n;
/** the stage-2 result for a configuration this DA cannot use: S_DA_INVALID... has no documented number, so the
 * generic STATUS_INVALID_PARAMETERS of §7.4 */
const STAGE2_REFUSED = Status.INVALID_PARAMETERS;

export const legacyDaServer: DaServer = (session) =>
  serveLegacyDa({ ...session, phone: daPhoneOf(session.phone) });

export function faultyLegacyDaServer(faults: SimDaFaults): DaServer {
  return (session) => serveLegacyDa({ ...session, phone: daPhoneOf(session.phone), faults });
}

/** Runs until FINISH, the link closes, or the host breaks the protocol. A DA1 not made for this chip never answers. */
export async function serveLegacyDa(session: {
  transport: Transport;
  phone: DaPhone;
  daImage: Uint8Array;
  /** where JUMP_DA started it; left out, the load address is not checked */
  address?: number;
  faults?: SimDaFaults;
  variant?: SimLegacyDaVariant;
}): Promise<void> {
  const identity = runnableDa(session.daImage, session.phone, 'legacy', session.address);
  if (!identity) return;
  const link = new LegacyLink(session.transport, IDLE_TIMEOUT_MS, 'simulated legacy DA');
  const da = new SimLegacyDa(link, session.phone, identity, session.faults ?? {}, session.variant ?? {});
  try {
    await da.run();
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
  }
}

interface Range {
  section: Section;
  address: bigint;
  length: bigint;
  packet: number;
}

/**
 * What is wrong with a stage-2 configuration (§4.3 step 5) for this DA code, read with this DA's own offsets;
 * null when every field holds what the legacy DA table says.
 */
export function stage2Problem(bytes: Uint8Array, daCode: number): string | null {
  const facts = legacyDaFacts(daCode);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: [string, number, number][] = [
    ['NOR chip', view.getUint16(2), Stage2.norChip],
    ['NOR chip select', view.getUint8(4), 0],
    ['NAND ACCCON', view.getUint32(5), Stage2.nandAcccon],
    ['BMT flag', view.getUint8(9), facts.bmtFlag],
    ['BMT partition size', view.getUint32(10), facts.bmtPartitionSize],
    ['force charge', view.getUint8(14), Stage2.forceCharge],
    ['reset key', view.getUint8(15), facts.resetKey],
    ['external clock', view.getUint8(16), Stage2.externalClock],
    ['MSDC boot channel', view.getUint8(17), 0],
  ];
  const wrong = fields.find(([, got, want]) => got !== want);
  if (wrong) return `${wrong[0]} 0x${wrong[1].toString(16)}, not 0x${wrong[2].toString(16)}`;
  let at = 18;
  for (const extra of facts.extras) {
    const want = extraBytes(extra);
    const got = bytes.subarray(at, at + want.length);
    if (Buffer.compare(got, want) !== 0) return `${extra.field} ${Buffer.from(got).toString('hex')}`;
    at += want.length;
  }
  return null;
}

/** the EMI versions real preloaders of this chip carry (check/bloader-eras.ts); empty when none was measured */
function takenEmiVersions(hwCode: number): number[] {
  const names = chipForHwCode(hwCode)?.names ?? [];
  return names.flatMap((name) => OBSERVED_BLOADER_VERSIONS[name.toUpperCase()] ?? []);
}

class SimLegacyDa {
  private part: Section = 'user';

  constructor(
    private readonly link: LegacyLink,
    private readonly phone: DaPhone,
    private readonly identity: SimDaIdentity,
    private readonly faults: SimDaFaults,
    private readonly variant: SimLegacyDaVariant,
  ) {}

  /** the eMMC CID as this DA reports it */
  private get id(): Uint8Array {
    const out = new Uint8Array(16);
    out.set(Buffer.from(this.phone.storage.id, 'hex').subarray(0, 16));
    if (this.variant.idWordReversed) for (let at = 0; at < 16; at += 4) out.subarray(at, at + 4).reverse();
    return out;
  }

  async run(): Promise<void> {
    const { link, phone } = this;
    await link.write(concat(u8(Byte.SYNC), u32be(Marker.NAND_INFO), u16be(0), u32be(0), this.id));
    if ((await link.u8()) !== Byte.ACK) return;
    await link.write(new Uint8Array(3));
    if (stage2Problem(await link.read(stage2ConfigLength(phone.daCode)), phone.daCode) !== null) {
      await link.write(u32be(STAGE2_REFUSED));
      return this.stuck();
    }
    if (phone.connectionAgent === 'preloader') {
      await link.write(concat(u32be(0), new Uint8Array(phone.daCode === 0x6592 ? 20 : 0)));
    } else {
      await link.write(
        concat(u32be(Marker.DRAM_NEEDED), new Uint8Array(4), this.id, u32be(Marker.NAND_INFO), u16be(0)),
      );
      if (!(await this.enableDram())) return this.stuck();
    }
    if (!(await this.receiveDa2())) return this.stuck();
    await link.write(this.flashInfo());
    for (;;) {
      const cmd = await link.u8();
      if (cmd === LegacyCmd.FINISH) {
        await link.writeByte(Byte.ACK);
        await link.u32();
        return link.writeByte(Byte.ACK);
      }
      if (!(await this.command(cmd))) return this.stuck();
    }
  }

  /** a DA that lost its way (or has no DRAM, or halted) stops answering; the host times out or pulls the cable */
  private async stuck(): Promise<void> {
    for (;;) await this.link.read(1);
  }

  /** ENABLE_DRAM (§4.3 steps 8–11) the way this DA code's real DA1 takes the records; true when DRAM came up */
  private async enableDram(): Promise<boolean> {
    const { link, phone } = this;
    if ((await link.u8()) !== LegacyCmd.ENABLE_DRAM) return false;
    const version = await link.u32();
    const versions = takenEmiVersions(phone.chip.hwCode);
    const size = (v: number) => layoutsFor(v)[0]?.size ?? null;
    const taken = versions.length > 0 ? versions.includes(version) : size(version) !== null;
    const recordSize = taken ? size(version) : null;
    const intake = emiIntakeFor(phone.daCode, version);
    let records: Uint8Array;
    if (intake.kind === 'one-record') {
      await link.writeByte(Byte.ACK);
      if (version === EMI_VERSION_UNKNOWN) {
        // no records at all; this DA has no default EMI settings of its own
        if ((await link.u32()) !== EMI_TRAILER) return false;
        return this.answerDram(version, false);
      }
      if (intake.infoBytes > 0) await link.write(new Uint8Array(intake.infoBytes));
      await link.write(u32be(recordSize ?? 0));
      if ((await link.u8()) !== Byte.ACK) return false;
      records = await link.read(recordSize ?? 0);
    } else {
      await link.writeByte(taken || version === EMI_VERSION_UNKNOWN ? Byte.ACK : Byte.NACK);
      const named = recordSize ?? size(versions[0] ?? -1) ?? 0;
      await link.write(u32be(named));
      if ((await link.u8()) !== Byte.ACK) return false;
      const length = await link.u32();
      // the real DA1 halts on a length that is not whole records or more than it holds
      if (
        named === 0 ||
        length % named !== 0 ||
        length > intake.maxRecords * named ||
        length > MAX_EMI_LENGTH
      )
        return false;
      records = await link.read(length);
    }
    await link.write(u16be(sum16(records)));
    if ((await link.u8()) !== Byte.ACK || (await link.u32()) !== EMI_TRAILER) return false;
    return this.answerDram(version, recordSize !== null && this.trainDram(version, recordSize, records));
  }

  /** ← u32 m_ext_ram_ret; when trained also u8 RAM type, u8 chip select, u64 DRAM size (v13: + 5 × u32) */
  private async answerDram(version: number, trained: boolean): Promise<boolean> {
    if (!trained) {
      await this.link.write(u32be(EXT_RAM_NO_MATCH));
      return false;
    }
    const size = (this.phone.memory.rankSizes ?? []).reduce((a, b) => a + b, 0n);
    await this.link.write(
      concat(u32be(0), u8(0x02), u8(0), u64be(size), new Uint8Array(version === 13 ? 20 : 0)),
    );
    return true;
  }

  /** rebuilds the MTK_BLOADER_INFO header around the records (zero padding dropped) and applies MediaTek's rule */
  private trainDram(version: number, recordSize: number, records: Uint8Array): boolean {
    let count = Math.floor(records.length / recordSize);
    while (count > 0 && records.subarray((count - 1) * recordSize, count * recordSize).every((b) => b === 0))
      count--;
    if (count === 0) return false;
    const block = new Uint8Array(BLOADER_HEADER.records + count * recordSize);
    block.set(Buffer.from(`MTK_BLOADER_INFO_v${String(version).padStart(2, '0')}`, 'latin1'));
    const view = new DataView(block.buffer);
    view.setUint32(BLOADER_HEADER.magic, BLOADER_MAGIC, true);
    block.set(Buffer.from('MTK_BIN\0', 'latin1'), BLOADER_HEADER.binTag);
    view.setUint32(BLOADER_HEADER.count, count, true);
    block.set(records.subarray(0, count * recordSize), BLOADER_HEADER.records);
    try {
      const bloader = parsePreloader(block).bloader;
      return !!bloader && matchMemory(bloader, this.phone.memory).verdict === 'match';
    } catch (error) {
      if (error instanceof RomctlError) return false;
      throw error;
    }
  }

  /** brom_send of DA2; DA1 holds DA2's hash, so anything else is refused */
  private async receiveDa2(): Promise<boolean> {
    const { link } = this;
    await link.u32();
    const size = await link.u32();
    const packet = await link.u32();
    if (size === 0 || size > MAX_DA2 || packet === 0 || packet > MAX_PACKET) {
      await link.refuse(Status.INVALID_PARAMETERS);
      return false;
    }
    await link.writeByte(Byte.ACK);
    const da2 = new Uint8Array(size);
    for (let at = 0; at < size; at += packet) {
      da2.set(await link.read(Math.min(packet, size - at)), at);
      await link.writeByte(Byte.ACK);
    }
    if ((await link.u8()) !== Byte.ACK) return false;
    if (sha256Hex(da2) !== this.identity.da2Sha256 || readSimDaIdentity(da2)?.stage !== 2) {
      await link.refuse(Status.DA_HASH_MISMATCH);
      return false;
    }
    await link.writeByte(Byte.ACK);
    return true;
  }

  /** DA2's flash info: only the eMMC block is filled in (offsets of the shared EmmcInfoAt layout) */
  private flashInfo(): Uint8Array {
    const s = this.phone.storage;
    const emmc = new Uint8Array(FlashInfoSize.emmc);
    const view = new DataView(emmc.buffer);
    view.setBigUint64(EmmcInfoAt.boot1, BigInt(s.size('boot1')));
    view.setBigUint64(EmmcInfoAt.boot2, BigInt(s.size('boot2')));
    view.setBigUint64(EmmcInfoAt.user, BigInt(s.size('user')));
    emmc.set(Buffer.from(s.id, 'hex').subarray(0, 16), EmmcInfoAt.cid);
    emmc.set(Buffer.from(s.firmwareVersion, 'hex').subarray(0, 8), EmmcInfoAt.firmwareVersion);
    const pass = new Uint8Array(FlashInfoSize.pass);
    pass[FlashInfoSize.pass - 1] = Byte.ACK;
    return concat(
      new Uint8Array(FlashInfoSize.nor + FlashInfoSize.nandHead + FlashInfoSize.nandTail),
      emmc,
      new Uint8Array(FlashInfoSize.sd + FlashInfoSize.config + extraConfigBytes(this.phone.daCode)),
      pass,
    );
  }

  /** one flash command; false when the host is out of step */
  private async command(cmd: number): Promise<boolean> {
    switch (cmd) {
      case LegacyCmd.SDMMC_SWITCH_PART:
        return this.switchPart();
      case LegacyCmd.SDMMC_WRITE_DATA:
        return this.writeData();
      case LegacyCmd.READ:
        return this.readData();
      case LegacyCmd.FORMAT:
        return this.format();
      default:
        await this.link.writeByte(Byte.UNKNOWN_CMD);
        return false;
    }
  }

  private async switchPart(): Promise<boolean> {
    await this.link.writeByte(Byte.ACK);
    const section = sectionOf(await this.link.u8());
    if (!section) {
      await this.link.refuse(Status.UNKNOWN_STORAGE_SECTION_TYPE);
      return true;
    }
    this.part = section;
    await this.link.writeByte(Byte.ACK);
    return true;
  }

  /** the range of a command, or the status it is refused with */
  private range(section: Section | null, address: bigint, length: bigint, packet: number): Range | number {
    if (!section) return Status.UNKNOWN_STORAGE_SECTION_TYPE;
    if (packet === 0 || packet > MAX_PACKET) return Status.INVALID_PARAMETERS;
    if (address + length > BigInt(this.phone.storage.size(section))) return Status.EXCEED_AVAILABLE_RANGE;
    return { section, address, length, packet };
  }

  private async writeData(): Promise<boolean> {
    const { link } = this;
    const param = await link.read(22);
    const view = new DataView(param.buffer, param.byteOffset, param.byteLength);
    const length = view.getBigUint64(10);
    const range =
      view.getUint8(0) !== DA_STORAGE_EMMC
        ? Status.UNKNOWN_STORAGE_TYPE
        : length % BigInt(SECTOR) !== 0n
          ? Status.INVALID_PARAMETERS
          : this.range(sectionOf(view.getUint8(1)), view.getBigUint64(2), length, view.getUint32(18));
    if (typeof range === 'number') {
      await link.refuse(range);
      return true;
    }
    await link.writeByte(Byte.ACK);
    for (let done = 0n; done < range.length;) {
      if ((await link.u8()) !== Byte.ACK) return false;
      const left = range.length - done;
      const data = await link.read(left < BigInt(range.packet) ? Number(left) : range.packet);
      if ((await link.u16()) !== sum16(data)) {
        await link.refuse(Status.CHECKSUM_ERR);
        return false;
      }
      const address = range.address + done;
      const stored = this.faults.corruptWrite?.({ section: range.section, address, data }) ?? data;
      await this.phone.storage.write(range.section, address, stored);
      done += BigInt(data.length);
      await link.writeByte(Byte.CONT);
    }
    return true;
  }

  private async readData(): Promise<boolean> {
    const { link } = this;
    const param = await link.read(22);
    const view = new DataView(param.buffer, param.byteOffset, param.byteLength);
    const range =
      view.getUint8(1) !== HW_STORAGE_EMMC
        ? Status.UNKNOWN_STORAGE_TYPE
        : this.range(this.part, view.getBigUint64(2), view.getBigUint64(10), view.getUint32(18));
    if (typeof range === 'number') {
      await link.refuse(range);
      return true;
    }
    await link.writeByte(Byte.ACK);
    for (let done = 0n; done < range.length;) {
      const left = range.length - done;
      const size = left < BigInt(range.packet) ? Number(left) : range.packet;
      const data = await this.phone.storage.read(range.section, range.address + done, size);
      await link.write(concat(data, u16be(sum16(data))));
      if ((await link.u8()) !== Byte.ACK) return false;
      done += BigInt(size);
    }
    return true;
  }

  /** FORMAT: per progress report ACK, ACK, u32 0, u8 percent, ← ACK; after 100 % ACK, ACK (§4.3) */
  private async format(): Promise<boolean> {
    const { link } = this;
    const param = await link.read(20);
    const view = new DataView(param.buffer, param.byteOffset, param.byteLength);
    const range =
      view.getUint8(0) !== HW_STORAGE_EMMC
        ? Status.UNKNOWN_STORAGE_TYPE
        : this.range(this.part, view.getBigUint64(4), view.getBigUint64(12), 1);
    if (typeof range === 'number') {
      await link.refuse(range);
      return true;
    }
    let done = 0n;
    do {
      const step = range.length - done < FORMAT_STEP ? range.length - done : FORMAT_STEP;
      await this.phone.storage.erase(range.section, range.address + done, step);
      done += step;
      const percent = range.length === 0n ? 100 : Number((done * 100n) / range.length);
      await link.write(concat(u8(Byte.ACK), u8(Byte.ACK), u32be(0), u8(percent)));
      if ((await link.u8()) !== Byte.ACK) return false;
    } while (done < range.length);
    await link.write(Uint8Array.of(Byte.ACK, Byte.ACK));
    return true;
  }
}

function sectionOf(part: number): Section | null {
  return (Object.keys(EmmcPart) as Section[]).find((s) => EmmcPart[s] === part) ?? null;
}
