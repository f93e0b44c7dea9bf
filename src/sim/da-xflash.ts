/**
 * The simulated phone's XFlash DA (both stages), speaking the bytes of reference §4.4. It trains "DRAM" only
 * when the uploaded EMI block holds a record for the phone's memory (MediaTek's record choice, matchMemory),
 * and works on the phone's storage in whole packets.
 */
import { randomBytes } from 'node:crypto';
import { readSimDaIdentity, sha256Hex, type SimDaIdentity } from '../engine/da/container-build.js';
import { sum16 } from '../engine/da/packets.js';
import type { Section } from '../engine/da/xflash-info.js';
import {
  ChecksumLevel,
  Cmd,
  Ctrl,
  DA_SYNC_BYTE,
  PartitionTableKind,
  RANGE_PARAM_SIZE,
  SECTOR,
  SectionCode,
  Status,
  StorageCode,
} from '../engine/da/xflash-protocol.js';
import { RomctlError } from '../errors.js';
import { matchMemory, parsePreloader } from '../formats/preloader/index.js';
import {
  daPhoneOf,
  opensDaSla,
  runnableDa,
  type DaPhone,
  type SimDaFaults,
  type SimDaSession,
} from './da-phone.js';

export type { SimDaFaults };
import type { DaServer } from './phone.js';
import { SimXFlashWire, WireBroken } from './xflash-wire.js';
import {
  chipIdReply,
  emmcInfoReply,
  nandInfoReply,
  norInfoReply,
  packetLengthReply,
  ramInfoReply,
  textReply,
  ufsInfoReply,
  wordReply,
} from './xflash-replies.js';

/** a DA left idle this long gives up, as a real one's watchdog would */
const IDLE_TIMEOUT_MS = 10 * 60_000;
export const SIM_PACKET_LENGTH = 1024 * 1024;
const MAX_EMI_BLOCK = 64 * 1024;
const MAX_DA2 = 16 * 1024 * 1024;
const FORMAT_STEP = 256n * 1024n * 1024n;

/** The SimPhone's DA server: register it as `daServer` (SimPhone.create) so JUMP_DA lands here. */
export const xflashDaServer: DaServer = (session) =>
  serveXFlashDa({ ...session, phone: daPhoneOf(session.phone) });

/** what the simulated DA reports as its version, SRAM and DRAM (shaped like real answers, invented values) */
const DA_VERSION = 'ROMCTL-SIM XFLASH 1.0';
const SRAM = { base: 0x100000, size: 0x40000 };
const DRAM_BASE = 0x40000000;
/** GET_RAM_INFO DRAM type word for a trained DRAM (reported, not interpreted by the host) */
const DRAM_TYPE_WORD = 2;

/** A DA server with injected faults (tests): a flash whose read-back differs must be reported. */
export function faultyXFlashDaServer(faults: SimDaFaults): DaServer {
  return (session) => serveXFlashDa({ ...session, phone: daPhoneOf(session.phone), faults });
}

/**
 * Runs until SHUTDOWN (after which the phone reboots), the link closes, or the host breaks the protocol (a real
 * DA then stops answering). A DA image that is not a generated XFlash DA1 for this chip never answers at all.
 */
export async function serveXFlashDa(session: SimDaSession): Promise<void> {
  const identity = runnableDa(session.daImage, session.phone, 'xflash', session.address);
  if (!identity) return;
  const da = new SimXFlashDa(
    new SimXFlashWire(session.transport, IDLE_TIMEOUT_MS),
    session.phone,
    identity,
    session.faults ?? {},
  );
  try {
    await da.run();
  } catch (error) {
    if (!(error instanceof RomctlError || error instanceof WireBroken)) throw error;
  }
}

type Dram = { state: 'untrained' } | { state: 'ready' } | { state: 'failed'; status: number };

type Range = { section: Section; address: bigint; length: bigint };

class SimXFlashDa {
  private stage: 1 | 2 = 1;
  private dram: Dram;
  private checksumLevel: number = ChecksumLevel.none;
  /** DA-level SLA: the random bytes GET_DEV_FW_INFO gave out, and whether they came back right */
  private readonly slaChallenge = randomBytes(16);
  private slaPassed = false;

  constructor(
    private readonly link: SimXFlashWire,
    private readonly phone: DaPhone,
    private readonly identity: SimDaIdentity,
    private readonly faults: SimDaFaults,
  ) {
    this.dram = phone.connectionAgent === 'preloader' ? { state: 'ready' } : { state: 'untrained' };
  }

  async run(): Promise<void> {
    const { link } = this;
    await link.transport.write(Uint8Array.of(DA_SYNC_BYTE));
    if ((await link.word()) !== Cmd.SYNC_SIGNAL) return;
    if ((await link.word()) !== Cmd.SETUP_ENVIRONMENT) return;
    // log level, log channel, host OS, UFS provisioning, reserved
    if ((await link.frame(64)).length !== 20) return;
    await this.ok();
    if ((await link.word()) !== Cmd.SETUP_HW_INIT_PARAMS) return;
    await link.frame(64);
    await this.ok();
    await link.replyWord(Cmd.SYNC_SIGNAL);
    for (;;) {
      const cmd = await link.word();
      // a DA whose DRAM setup failed still takes another EMI block, and nothing else
      if (this.dram.state === 'failed' && cmd !== Cmd.INIT_EXT_RAM) {
        await link.replyWord(this.dram.status);
        continue;
      }
      if (cmd === Cmd.SHUTDOWN) {
        await this.shutdown();
        return;
      }
      await this.dispatch(cmd);
    }
  }

  private ok(): Promise<void> {
    return this.link.replyWord(Status.OK);
  }

  private refuse(status: number): Promise<void> {
    return this.link.replyWord(status);
  }

  private async dispatch(cmd: number): Promise<void> {
    switch (cmd) {
      case Cmd.DEVICE_CTRL:
        return this.deviceCtrl();
      case Cmd.INIT_EXT_RAM:
        return this.stage === 1 ? this.initExtRam() : this.refuse(Status.UNSUPPORT_CMD);
      case Cmd.BOOT_TO:
        return this.stage === 1 ? this.bootTo() : this.refuse(Status.UNSUPPORT_CMD);
      case Cmd.WRITE_DATA:
      case Cmd.READ_DATA:
      case Cmd.FORMAT:
        if (this.stage !== 2) return this.refuse(Status.UNSUPPORT_CMD);
        if (this.phone.daSlaKey && !this.slaPassed) return this.refuse(Status.SEC_DL_FORBIDDEN);
        return this.rangeCommand(cmd);
      default:
        return this.refuse(Status.UNSUPPORT_CMD);
    }
  }

  /** → DEVICE_CTRL, ← status, → code, ← status, then ← data, ← status (GET) or → value, ← status (SET) */
  private async deviceCtrl(): Promise<void> {
    await this.ok();
    const code = await this.link.word();
    const reply = this.deviceGet(code);
    if (reply) {
      await this.ok();
      await this.link.reply(reply);
      return this.ok();
    }
    if (code === Ctrl.SET_REMOTE_SEC_POLICY) {
      await this.ok();
      this.slaPassed = opensDaSla(this.phone, this.slaChallenge, await this.link.frame(0x400));
      return this.slaPassed ? this.ok() : this.refuse(Status.SEC_DL_FORBIDDEN);
    }
    if (code === Ctrl.SET_CHECKSUM_LEVEL || code === Ctrl.SET_RESET_KEY || code === Ctrl.SET_BATTERY_OPT) {
      await this.ok();
      const value = Buffer.from(await this.link.frame(64));
      if (value.length !== 4) return this.refuse(Status.INVALID_PARAMETERS);
      if (code === Ctrl.SET_CHECKSUM_LEVEL) this.checksumLevel = value.readUInt32LE(0);
      return this.ok();
    }
    await this.refuse(Status.UNSUPPORT_CTRL_CODE);
  }

  private deviceGet(code: number): Uint8Array | null {
    const { phone } = this;
    switch (code) {
      case Ctrl.GET_CONNECTION_AGENT:
        return textReply(phone.connectionAgent);
      case Ctrl.GET_EMMC_INFO:
        return emmcInfoReply(phone.storage);
      case Ctrl.GET_UFS_INFO:
        return ufsInfoReply(phone.storage);
      case Ctrl.GET_NAND_INFO:
        return nandInfoReply();
      case Ctrl.GET_NOR_INFO:
        return norInfoReply();
      case Ctrl.GET_RAM_INFO:
        return ramInfoReply(
          {
            sramBase: SRAM.base,
            sramSize: SRAM.size,
            dramType: DRAM_TYPE_WORD,
            dramBase: DRAM_BASE,
            dramSize: phone.dramBytes,
          },
          this.dram.state === 'ready',
        );
      case Ctrl.GET_PACKET_LENGTH:
        return packetLengthReply(SIM_PACKET_LENGTH, SIM_PACKET_LENGTH);
      case Ctrl.GET_CHIP_ID:
        return chipIdReply(phone.chip);
      case Ctrl.GET_DA_VERSION:
        return textReply(DA_VERSION);
      case Ctrl.GET_RANDOM_ID:
        return randomBytes(16);
      case Ctrl.GET_USB_SPEED:
        return textReply('high-speed');
      case Ctrl.GET_EXPIRE_DATE:
        // the layout is undocumented: a 0 word, which mtkclient only prints
        return wordReply(0);
      case Ctrl.SLA_ENABLED_STATUS:
        return wordReply(phone.daSlaKey ? 1 : 0);
      case Ctrl.GET_DEV_FW_INFO:
        // a 4-byte word, then the random bytes DA-level SLA signs (mtkclient reads bytes 4..0x14)
        return Buffer.concat([wordReply(1), this.slaChallenge, Buffer.alloc(12)]);
      case Ctrl.GET_PARTITION_TBL_CATA:
        return this.stage === 2 ? wordReply(PartitionTableKind.gpt) : null;
      default:
        return null;
    }
  }

  /**
   * The DA trains DRAM with the record the preloader logic would pick; no record for this memory = failure. A
   * failed attempt can be followed by another EMI block, as on a real DA.
   */
  private async initExtRam(): Promise<void> {
    await this.ok();
    const length = await this.link.word();
    const block = await this.link.frame(MAX_EMI_BLOCK);
    const status = length === block.length ? this.trainDram(block) : Status.EMI_HDR_INVALID;
    this.dram = status === Status.OK ? { state: 'ready' } : { state: 'failed', status };
    await this.link.replyWord(status);
  }

  private trainDram(block: Uint8Array): number {
    let bloader;
    try {
      bloader = parsePreloader(block).bloader;
    } catch (error) {
      if (error instanceof RomctlError) return Status.EMI_HDR_INVALID;
      throw error;
    }
    if (!bloader || bloader.records.length === 0) return Status.EMI_HDR_INVALID;
    return matchMemory(bloader, this.phone.memory).verdict === 'match'
      ? Status.OK
      : Status.EMI_SETTING_VERSION_ERROR;
  }

  /** DA1 holds DA2's hash: anything else uploaded is refused, as on a real DA. */
  private async bootTo(): Promise<void> {
    await this.ok();
    const param = Buffer.from(await this.link.frame(16));
    const da2 = await this.link.frame(MAX_DA2);
    const declared = param.length === 16 ? param.readBigUInt64LE(8) : -1n;
    if (declared !== BigInt(da2.length)) return this.refuse(Status.INVALID_PARAMETERS);
    if (this.dram.state !== 'ready') return this.refuse(Status.EXT_RAM_EXCEPTION);
    const identity = readSimDaIdentity(da2);
    if (sha256Hex(da2) !== this.identity.da2Sha256 || identity?.stage !== 2) {
      return this.refuse(Status.DA_HASH_MISMATCH);
    }
    await this.ok();
    await this.link.replyWord(Cmd.SYNC_SIGNAL);
    this.stage = 2;
  }

  private async rangeCommand(cmd: number): Promise<void> {
    await this.ok();
    const range = this.checkRange(Buffer.from(await this.link.frame(RANGE_PARAM_SIZE)));
    if (typeof range === 'number') return this.refuse(range);
    await this.ok();
    if (cmd === Cmd.WRITE_DATA) return this.writeData(range);
    if (cmd === Cmd.READ_DATA) return this.readData(range);
    return this.format(range);
  }

  /** u32 storage, u32 section, u64 address, u64 length, then 8 × u32 NAND extension */
  private checkRange(param: Buffer): Range | number {
    if (param.length !== RANGE_PARAM_SIZE) return Status.INVALID_PARAMETERS;
    const { kind } = this.phone.storage;
    if (param.readUInt32LE(0) !== StorageCode[kind]) return Status.UNKNOWN_STORAGE_TYPE;
    const code = param.readUInt32LE(4);
    const section = (Object.keys(SectionCode[kind]) as Section[]).find((s) => SectionCode[kind][s] === code);
    if (!section) return Status.UNKNOWN_STORAGE_SECTION_TYPE;
    const address = param.readBigUInt64LE(8);
    const length = param.readBigUInt64LE(16);
    if (address + length > BigInt(this.phone.storage.size(section))) return Status.EXCEED_AVAILABLE_RANGE;
    return { section, address, length };
  }

  private async writeData(range: Range): Promise<void> {
    let done = 0n;
    while (done < range.length) {
      await this.link.word();
      const checksum = await this.link.word();
      const data = await this.link.frame(SIM_PACKET_LENGTH);
      if (data.length === 0 || data.length % SECTOR !== 0 || BigInt(data.length) > range.length - done) {
        return this.refuse(Status.PROTOCOL_ERR);
      }
      if (this.checksumLevel & ChecksumLevel.usb && sum16(data) !== checksum) {
        return this.refuse(Status.CHECKSUM_ERR);
      }
      const address = range.address + done;
      if (this.faults.hangOnWrite?.({ section: range.section, address })) {
        // a hung phone: it swallows what comes and answers nothing; the host's timeout has to notice
        return new Promise<void>((settle) => {
          const wait = () => void this.link.transport.read(1, Infinity).then(wait, () => settle());
          wait();
        });
      }
      const stored = this.faults.corruptWrite?.({ section: range.section, address, data }) ?? data;
      await this.phone.storage.write(range.section, address, stored);
      if (
        this.checksumLevel & ChecksumLevel.storage &&
        !(await this.storedIntact(range.section, address, data.length, checksum))
      ) {
        return this.refuse(Status.CHECKSUM_ERR);
      }
      done += BigInt(data.length);
      await this.ok();
    }
    await this.ok();
  }

  /** the storage-level check: the packet as the storage now holds it, read back, against the host's sum */
  private async storedIntact(
    section: Section,
    address: bigint,
    length: number,
    checksum: number,
  ): Promise<boolean> {
    return sum16(await this.phone.storage.read(section, address, length)) === checksum;
  }

  private async readData(range: Range): Promise<void> {
    await this.ok();
    for (let done = 0n; done < range.length;) {
      const left = range.length - done;
      const size = left < BigInt(SIM_PACKET_LENGTH) ? Number(left) : SIM_PACKET_LENGTH;
      await this.link.reply(await this.phone.storage.read(range.section, range.address + done, size));
      await this.link.word();
      done += BigInt(size);
    }
    await this.ok();
  }

  private async format(range: Range): Promise<void> {
    for (let done = 0n; done < range.length;) {
      const step = range.length - done < FORMAT_STEP ? range.length - done : FORMAT_STEP;
      await this.phone.storage.erase(range.section, range.address + done, step);
      done += step;
      if (done < range.length) {
        await this.link.replyWord(Status.CONTINUE);
        await this.link.replyWord(Number((done * 100n) / range.length));
        await this.link.word();
      }
    }
    await this.link.replyWord(Status.COMPLETE);
  }

  /** the session ends here; SimPhone.serve then reboots the phone, which decides again what to boot */
  private async shutdown(): Promise<void> {
    await this.ok();
    await this.link.frame(64);
    await this.ok();
  }
}
