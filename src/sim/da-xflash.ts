/**
 * The simulated phone's XFlash DA (both stages), speaking the bytes of reference §4.4. It trains "DRAM" only
 * when the uploaded EMI block holds a record for the phone's memory (MediaTek's record choice, matchMemory),
 * and works on the phone's storage in whole packets.
 */
import { readSimDaIdentity, sha256Hex, type SimDaIdentity } from '../engine/da/container-build.js';
import { sum16 } from '../engine/da/packets.js';
import {
  encodeChipId,
  encodeEmmcInfo,
  encodePacketLengths,
  encodeUfsInfo,
  type Section,
  type StorageInfo,
} from '../engine/da/xflash-info.js';
import { readU32le, u32le, XFlashLink } from '../engine/da/xflash-link.js';
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
import type { Transport } from '../engine/transport/types.js';
import { daPhoneOf, runnableDa, type DaPhone } from './da-phone.js';
import type { DaServer } from './phone.js';

/** a DA left idle this long gives up, as a real one's watchdog would */
const IDLE_TIMEOUT_MS = 10 * 60_000;
export const SIM_PACKET_LENGTH = 1024 * 1024;
const MAX_EMI_BLOCK = 64 * 1024;
const MAX_DA2 = 16 * 1024 * 1024;
const FORMAT_STEP = 256n * 1024n * 1024n;

/**
 * Test-only faults: `corruptWrite` sees every packet the DA is about to store and returns what it stores;
 * `hangOnWrite` true makes the DA stop answering at that packet (a hung phone) until the host hangs up.
 */
export interface SimDaFaults {
  corruptWrite?: (write: { section: Section; address: bigint; data: Uint8Array }) => Uint8Array;
  hangOnWrite?: (write: { section: Section; address: bigint }) => boolean;
}

/** The SimPhone's DA server: register it as `daServer` (SimPhone.create) so JUMP_DA lands here. */
export const xflashDaServer: DaServer = (session) =>
  serveXFlashDa({ ...session, phone: daPhoneOf(session.phone) });

/** A DA server with injected faults (tests): a flash whose read-back differs must be reported. */
export function faultyXFlashDaServer(faults: SimDaFaults): DaServer {
  return (session) => serveXFlashDa({ ...session, phone: daPhoneOf(session.phone), faults });
}

/**
 * Runs until SHUTDOWN (after which the phone reboots), the link closes, or the host breaks the protocol (a real
 * DA then stops answering). A DA image that is not a generated XFlash DA1 for this chip never answers at all.
 */
export async function serveXFlashDa(session: {
  transport: Transport;
  phone: DaPhone;
  daImage: Uint8Array;
  faults?: SimDaFaults;
}): Promise<void> {
  const identity = runnableDa(session.daImage, session.phone, 'xflash');
  if (!identity) return;
  const da = new SimXFlashDa(
    new XFlashLink(session.transport, IDLE_TIMEOUT_MS, 'simulated XFlash DA'),
    session.phone,
    identity,
    session.faults ?? {},
  );
  try {
    await da.run();
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
  }
}

type Dram = { state: 'untrained' } | { state: 'ready' } | { state: 'failed'; status: number };

class SimXFlashDa {
  private stage: 1 | 2 = 1;
  private dram: Dram;
  private checksumLevel: number = ChecksumLevel.none;

  constructor(
    private readonly link: XFlashLink,
    private readonly phone: DaPhone,
    private readonly identity: SimDaIdentity,
    private readonly faults: SimDaFaults,
  ) {
    this.dram = phone.connectionAgent === 'preloader' ? { state: 'ready' } : { state: 'untrained' };
  }

  async run(): Promise<void> {
    const { link } = this;
    await link.transport.write(Uint8Array.of(DA_SYNC_BYTE));
    if ((await link.readU32('sync')) !== Cmd.SYNC_SIGNAL) return;
    if ((await link.readU32('setup')) !== Cmd.SETUP_ENVIRONMENT) return;
    await link.readFrame(64);
    await this.ok();
    if ((await link.readU32('hw init')) !== Cmd.SETUP_HW_INIT_PARAMS) return;
    await link.readFrame(64);
    await this.ok();
    await link.sendU32(Cmd.SYNC_SIGNAL);
    for (;;) {
      const cmd = await link.readU32('command');
      if (this.dram.state === 'failed') {
        await link.sendU32(this.dram.status);
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
    return this.link.sendU32(Status.OK);
  }

  private async dispatch(cmd: number): Promise<void> {
    switch (cmd) {
      case Cmd.DEVICE_CTRL:
        return this.deviceCtrl();
      case Cmd.INIT_EXT_RAM:
        return this.stage === 1 ? this.initExtRam() : this.link.sendU32(Status.UNSUPPORT_CMD);
      case Cmd.BOOT_TO:
        return this.stage === 1 ? this.bootTo() : this.link.sendU32(Status.UNSUPPORT_CMD);
      case Cmd.WRITE_DATA:
      case Cmd.READ_DATA:
      case Cmd.FORMAT:
        return this.stage === 2 ? this.rangeCommand(cmd) : this.link.sendU32(Status.UNSUPPORT_CMD);
      default:
        return this.link.sendU32(Status.UNSUPPORT_CMD);
    }
  }

  private async deviceCtrl(): Promise<void> {
    await this.ok();
    const code = await this.link.readU32('control code');
    const reply = this.deviceGet(code);
    if (reply) {
      await this.ok();
      await this.link.send(reply);
      return this.ok();
    }
    if (code === Ctrl.SET_CHECKSUM_LEVEL || code === Ctrl.SET_RESET_KEY || code === Ctrl.SET_BATTERY_OPT) {
      await this.ok();
      const value = await this.link.readFrame(64);
      if (code === Ctrl.SET_CHECKSUM_LEVEL && value.length === 4) this.checksumLevel = readU32le(value);
      return this.ok();
    }
    await this.link.sendU32(Status.UNSUPPORT_CTRL_CODE);
  }

  private deviceGet(code: number): Uint8Array | null {
    const info = this.storageInfo();
    switch (code) {
      case Ctrl.GET_CONNECTION_AGENT:
        return Buffer.from(this.phone.connectionAgent, 'latin1');
      case Ctrl.GET_EMMC_INFO:
        return encodeEmmcInfo(info.kind === 'emmc' ? info : null);
      case Ctrl.GET_UFS_INFO:
        return encodeUfsInfo(info.kind === 'ufs' ? info : null);
      case Ctrl.GET_PACKET_LENGTH:
        return encodePacketLengths({ write: SIM_PACKET_LENGTH, read: SIM_PACKET_LENGTH });
      case Ctrl.GET_CHIP_ID:
        return encodeChipId({ ...this.phone.chip, chipEvolution: 0 });
      case Ctrl.GET_PARTITION_TBL_CATA:
        return this.stage === 2 ? u32le(PartitionTableKind.gpt) : null;
      default:
        return null;
    }
  }

  private storageInfo(): StorageInfo {
    const s = this.phone.storage;
    return {
      kind: s.kind,
      blockSize: s.blockSize,
      boot1Size: BigInt(s.size('boot1')),
      boot2Size: BigInt(s.size('boot2')),
      rpmbSize: 0n,
      userSize: BigInt(s.size('user')),
      id: s.id,
      firmwareVersion: s.firmwareVersion,
    };
  }

  /** The DA trains DRAM with the record the preloader logic would pick; no record for this memory = failure. */
  private async initExtRam(): Promise<void> {
    await this.ok();
    const length = await this.link.readU32('EMI length');
    const block = await this.link.readFrame(MAX_EMI_BLOCK);
    const status = length === block.length ? this.trainDram(block) : Status.EMI_HDR_INVALID;
    this.dram = status === Status.OK ? { state: 'ready' } : { state: 'failed', status };
    await this.link.sendU32(status);
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
    const param = await this.link.readFrame(16);
    const da2 = await this.link.readFrame(MAX_DA2);
    const declared =
      param.length === 16 ? new DataView(param.buffer, param.byteOffset).getBigUint64(8, true) : -1n;
    if (declared !== BigInt(da2.length)) return this.link.sendU32(Status.INVALID_PARAMETERS);
    if (this.dram.state !== 'ready') return this.link.sendU32(Status.EXT_RAM_EXCEPTION);
    const identity = readSimDaIdentity(da2);
    if (sha256Hex(da2) !== this.identity.da2Sha256 || identity?.stage !== 2) {
      return this.link.sendU32(Status.DA_HASH_MISMATCH);
    }
    await this.ok();
    await this.link.sendU32(Cmd.SYNC_SIGNAL);
    this.stage = 2;
  }

  private async rangeCommand(cmd: number): Promise<void> {
    await this.ok();
    const param = await this.link.readFrame(RANGE_PARAM_SIZE);
    const range = this.checkRange(param);
    if (typeof range === 'number') return this.link.sendU32(range);
    await this.ok();
    if (cmd === Cmd.WRITE_DATA) return this.writeData(range);
    if (cmd === Cmd.READ_DATA) return this.readData(range);
    return this.format(range);
  }

  private checkRange(param: Uint8Array): { section: Section; address: bigint; length: bigint } | number {
    if (param.length !== RANGE_PARAM_SIZE) return Status.INVALID_PARAMETERS;
    const view = new DataView(param.buffer, param.byteOffset, param.byteLength);
    const { kind } = this.phone.storage;
    if (view.getUint32(0, true) !== StorageCode[kind]) return Status.UNKNOWN_STORAGE_TYPE;
    const code = view.getUint32(4, true);
    const section = (Object.keys(SectionCode[kind]) as Section[]).find((s) => SectionCode[kind][s] === code);
    if (!section) return Status.UNKNOWN_STORAGE_SECTION_TYPE;
    const address = view.getBigUint64(8, true);
    const length = view.getBigUint64(16, true);
    if (address + length > BigInt(this.phone.storage.size(section))) return Status.EXCEED_AVAILABLE_RANGE;
    return { section, address, length };
  }

  private async writeData(range: { section: Section; address: bigint; length: bigint }): Promise<void> {
    let done = 0n;
    while (done < range.length) {
      await this.link.readU32('packet flag');
      const checksum = await this.link.readU32('packet checksum');
      const data = await this.link.readFrame(SIM_PACKET_LENGTH);
      if (data.length === 0 || data.length % SECTOR !== 0 || BigInt(data.length) > range.length - done) {
        return this.link.sendU32(Status.PROTOCOL_ERR);
      }
      if (this.checksumLevel & ChecksumLevel.usb && sum16(data) !== checksum) {
        return this.link.sendU32(Status.CHECKSUM_ERR);
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
      done += BigInt(data.length);
      await this.ok();
    }
    await this.ok();
  }

  private async readData(range: { section: Section; address: bigint; length: bigint }): Promise<void> {
    await this.ok();
    for (let done = 0n; done < range.length;) {
      const left = range.length - done;
      const size = left < BigInt(SIM_PACKET_LENGTH) ? Number(left) : SIM_PACKET_LENGTH;
      await this.link.send(await this.phone.storage.read(range.section, range.address + done, size));
      await this.link.readU32('read ack');
      done += BigInt(size);
    }
    await this.ok();
  }

  private async format(range: { section: Section; address: bigint; length: bigint }): Promise<void> {
    for (let done = 0n; done < range.length;) {
      const step = range.length - done < FORMAT_STEP ? range.length - done : FORMAT_STEP;
      await this.phone.storage.erase(range.section, range.address + done, step);
      done += step;
      if (done < range.length) {
        await this.link.sendU32(Status.CONTINUE);
        await this.link.sendU32(Number((done * 100n) / range.length));
        await this.link.readU32('format ack');
      }
    }
    await this.link.sendU32(Status.COMPLETE);
  }

  /** the session ends here; SimPhone.serve then reboots the phone, which decides again what to boot */
  private async shutdown(): Promise<void> {
    await this.ok();
    await this.link.readFrame(64);
    await this.ok();
  }
}
