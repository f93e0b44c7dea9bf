/**
 * The simulated phone's legacy (V3) DA, both stages, speaking the bytes of reference §4.3 and the choices
 * `src/engine/da/legacy.ts` documents where the reference is silent. It trains "DRAM" only when the EMI records it
 * receives hold one for the phone's memory (MediaTek's record choice, matchMemory); otherwise it answers
 * m_ext_ram_ret 3012 and goes quiet, as a DA without DRAM does. Refusals reuse the DA status numbers of §7.4.
 */
import { readSimDaIdentity, sha256Hex, type SimDaIdentity } from '../engine/da/container-build.js';
import { MAX_EMI_LENGTH } from '../engine/da/legacy-dram.js';
import { LegacyLink } from '../engine/da/legacy-link.js';
import {
  Byte,
  DA_STORAGE_EMMC,
  EMI_TRAILER,
  EMI_VERSION_UNKNOWN,
  emiExchangeFor,
  EmmcPart,
  encodeLegacyEmmcInfo,
  EXT_RAM_NO_MATCH,
  extraConfigBytes,
  FlashInfoSize,
  HW_STORAGE_EMMC,
  LegacyCmd,
  Marker,
  SECTOR,
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
import { daPhoneOf, runnableDa, type DaPhone } from './da-phone.js';
import type { SimDaFaults } from './da-xflash.js';
import type { DaServer } from './phone.js';

const IDLE_TIMEOUT_MS = 10 * 60_000;
const MAX_DA2 = 16 * 1024 * 1024;
const MAX_PACKET = 16 * 1024 * 1024;
/** records the DA reads in the fixed-length exchanges (v10–v13, unknown) */
const FIXED_RECORDS = 8;
const FORMAT_STEP = 256n * 1024n * 1024n;

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
  faults?: SimDaFaults;
}): Promise<void> {
  const identity = runnableDa(session.daImage, session.phone, 'legacy');
  if (!identity) return;
  const link = new LegacyLink(session.transport, IDLE_TIMEOUT_MS, 'simulated legacy DA');
  const da = new SimLegacyDa(link, session.phone, identity, session.faults ?? {});
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

class SimLegacyDa {
  private part: Section = 'user';

  constructor(
    private readonly link: LegacyLink,
    private readonly phone: DaPhone,
    private readonly identity: SimDaIdentity,
    private readonly faults: SimDaFaults,
  ) {}

  private get id(): Uint8Array {
    const out = new Uint8Array(16);
    out.set(Buffer.from(this.phone.storage.id, 'hex').subarray(0, 16));
    return out;
  }

  async run(): Promise<void> {
    const { link, phone } = this;
    await link.write(concat(u8(Byte.SYNC), u32be(Marker.NAND_INFO), u16be(0), u32be(0), this.id));
    if ((await link.u8()) !== Byte.ACK) return;
    await link.write(new Uint8Array(3));
    await link.read(stage2ConfigLength(phone.daCode));
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

  /** a DA that lost its way (or has no DRAM) stops answering; the host times out or pulls the cable */
  private async stuck(): Promise<void> {
    for (;;) await this.link.read(1);
  }

  /** ENABLE_DRAM (§4.3 steps 8–11); true when DRAM came up */
  private async enableDram(): Promise<boolean> {
    const { link } = this;
    if ((await link.u8()) !== LegacyCmd.ENABLE_DRAM) return false;
    const version = await link.u32();
    const recordSize = layoutsFor(version)[0]?.size ?? null;
    if (version !== EMI_VERSION_UNKNOWN && recordSize === null) {
      await link.writeByte(Byte.NACK);
      return false;
    }
    await link.writeByte(Byte.ACK);
    const fixed = (recordSize ?? 0x100) * FIXED_RECORDS;
    let length = fixed;
    switch (emiExchangeFor(version === EMI_VERSION_UNKNOWN ? 0 : version)) {
      case 'announced':
        await link.write(u32be(recordSize ?? 0));
        if ((await link.u8()) !== Byte.ACK) return false;
        length = await link.u32();
        if (length > MAX_EMI_LENGTH) return false;
        break;
      case 'fixed-info':
        await link.write(concat(new Uint8Array(16), u32be(fixed)));
        if ((await link.u8()) !== Byte.ACK) return false;
        break;
      case 'fixed-v12':
        await link.write(u32be(fixed));
        if ((await link.u8()) !== Byte.ACK) return false;
        break;
      case 'fixed-v0':
        await link.write(u32be(fixed));
        if ((await link.u8()) !== Byte.ACK || (await link.u32()) !== fixed) return false;
        break;
    }
    const records = await link.read(length);
    await link.write(u16be(sum16(records)));
    if ((await link.u8()) !== Byte.ACK || (await link.u32()) !== EMI_TRAILER) return false;
    const trained = recordSize !== null && this.trainDram(version, recordSize, records);
    const { rankSizes } = this.phone.memory;
    const size = trained ? (rankSizes ?? []).reduce((a, b) => a + b, 0n) : 0n;
    await link.write(
      concat(
        u32be(trained ? 0 : EXT_RAM_NO_MATCH),
        u8(0x02),
        u8(0),
        u64be(size),
        new Uint8Array(version === 13 ? 20 : 0),
      ),
    );
    return trained;
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

  private flashInfo(): Uint8Array {
    const s = this.phone.storage;
    const emmc = encodeLegacyEmmcInfo({
      ret: 0,
      boot1Size: BigInt(s.size('boot1')),
      boot2Size: BigInt(s.size('boot2')),
      rpmbSize: 0n,
      userSize: BigInt(s.size('user')),
      cid: Buffer.from(this.id).toString('hex'),
      firmwareVersion: s.firmwareVersion,
    });
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

  private async format(): Promise<boolean> {
    const { link } = this;
    const param = await link.read(20);
    const view = new DataView(param.buffer, param.byteOffset, param.byteLength);
    await link.writeByte(Byte.ACK);
    const range =
      view.getUint8(0) !== HW_STORAGE_EMMC
        ? Status.UNKNOWN_STORAGE_TYPE
        : this.range(this.part, view.getBigUint64(4), view.getBigUint64(12), 1);
    if (typeof range === 'number') {
      await link.refuse(range);
      return true;
    }
    await link.writeByte(Byte.ACK);
    let done = 0n;
    do {
      const step = range.length - done < FORMAT_STEP ? range.length - done : FORMAT_STEP;
      await this.phone.storage.erase(range.section, range.address + done, step);
      done += step;
      const percent = range.length === 0n ? 100 : Number((done * 100n) / range.length);
      await link.write(concat(u32be(0), u8(percent)));
      if ((await link.u8()) !== Byte.ACK) return false;
    } while (done < range.length);
    await link.write(Uint8Array.of(Byte.ACK, Byte.ACK));
    return true;
  }
}

function sectionOf(part: number): Section | null {
  return (Object.keys(EmmcPart) as Section[]).find((s) => EmmcPart[s] === part) ?? null;
}
