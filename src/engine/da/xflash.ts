/**
 * Host side of the XFlash (V5) DA protocol, reference §4.4, over any Transport. Bring-up order (see `bringUp`):
 * DA1 sync and setup → storage info (eMMC CID / UFS id, which DA1 answers before DRAM is up) → the caller's
 * memory check → INIT_EXT_RAM with the package preloader's EMI block → BOOT_TO (DA2) → flash operations.
 */
import type { KeyObject } from 'node:crypto';
import { ExitCode, RomctlError } from '../../errors.js';
import { daSlaAnswer } from '../sla.js';
import { DEFAULT_READ_TIMEOUT_MS, type Transport } from '../transport/types.js';
import {
  type Da2Image,
  type DaClient,
  type ProgressFn,
  readAllWith,
  readGptWith,
  requireSectorAligned,
  roundUpToSector,
  sha256With,
  type SparseWriteOptions,
  stageError,
  writeSparseWith,
} from './client.js';
import { DaStatusError } from './da-status.js';
import type { GptTable } from './gpt.js';
import { packets, sum16 } from './packets.js';
import {
  decodeChipId,
  decodeEmmcInfo,
  decodePacketLengths,
  decodeUfsInfo,
  type ChipId,
  type PacketLengths,
  type Section,
  type StorageInfo,
} from './xflash-info.js';
import { protocolError, readU32le, u32le, XFlashLink } from './xflash-link.js';
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
} from './xflash-protocol.js';

export type { Section, StorageInfo, PacketLengths, ChipId } from './xflash-info.js';

export type { Progress, ProgressFn, Da2Image } from './client.js';
export { memorySpecOf } from './client.js';

export interface XFlashOptions {
  /** wait for one reply; default 5 s */
  timeoutMs?: number;
  /** wait for a step that works on the storage (erase, a written packet); default 60 s */
  longTimeoutMs?: number;
  /** the BROM client already read DA1's 0xC0 sync byte after JUMP_DA */
  syncByteConsumed?: boolean;
  /** the entry's DA code: some DAs need their acks framed differently (MT6781) */
  daCode?: number;
  /** answers a DA that has SLA on after DA2 starts (reference §4.4 step 9) */
  slaKey?: KeyObject | null;
}

/**
 * DA codes whose DA takes an ack's header and payload in one USB write; the others need two
 * (mtkclient `xflash_lib.py` `ack`: one write for 0x6781, two "needed for 0x6750, 0x6762, 0x6785, 0x6761, 0x6771").
 */
/** the step name DA-level SLA failures carry (the flash session turns them into a security refusal) */
export const DA_SLA_STEP = 'DA SLA (SET_REMOTE_SEC_POLICY)';

export const ONE_WRITE_ACK_DA_CODES: ReadonlySet<number> = new Set([0x6781]);

export type ConnectionAgent = 'brom' | 'preloader';

export class XFlashClient implements DaClient {
  private stage: 1 | 2 = 1;
  private storage: StorageInfo | null = null;
  private lengths: PacketLengths | null = null;
  private agent: ConnectionAgent = 'brom';

  private constructor(
    private readonly link: XFlashLink,
    private readonly longTimeoutMs: number,
  ) {}

  /** DA1 handshake right after JUMP_DA (steps 1–6 of the reference bring-up). */
  static async start(transport: Transport, options: XFlashOptions = {}): Promise<XFlashClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    const link = new XFlashLink(transport, timeoutMs, `XFlash DA on ${transport.description}`, {
      oneWriteU32: options.daCode !== undefined && ONE_WRITE_ACK_DA_CODES.has(options.daCode),
    });
    if (!options.syncByteConsumed) {
      const sync = await transport.read(1, timeoutMs);
      if (sync[0] !== DA_SYNC_BYTE) {
        throw protocolError(`DA1 sent 0x${sync[0]!.toString(16)} instead of its 0xC0 sync byte`, link.where);
      }
    }
    await link.sendU32(Cmd.SYNC_SIGNAL);
    await link.sendU32(Cmd.SETUP_ENVIRONMENT);
    // log level 2, log channel UART, host OS Linux, no UFS provisioning
    await link.send(u32s(2, 1, 1, 0, 0));
    await link.expectOk('SETUP_ENVIRONMENT');
    await link.sendU32(Cmd.SETUP_HW_INIT_PARAMS);
    await link.sendU32(0);
    await link.expectOk('SETUP_HW_INIT_PARAMS');
    const ready = await link.readU32('DA1 ready signal');
    if (ready !== Cmd.SYNC_SIGNAL)
      throw protocolError(`DA1 ready signal is 0x${ready.toString(16)}, not SYNC`, link.where);
    const client = new XFlashClient(link, options.longTimeoutMs ?? 60_000);
    await client.deviceSet(Ctrl.SET_RESET_KEY, u32le(0x68));
    // level 0 as mtkclient and penumbra set it: no public source documents what level 1 makes a real DA check
    await client.deviceSet(Ctrl.SET_CHECKSUM_LEVEL, u32le(ChecksumLevel.none));
    const agent = Buffer.from(await client.deviceGet(Ctrl.GET_CONNECTION_AGENT)).toString('latin1');
    const name = agent.replace(/\0.*$/s, '');
    if (name !== 'brom' && name !== 'preloader')
      throw protocolError(`unknown connection agent '${name}'`, link.where);
    client.agent = name;
    return client;
  }

  /** who loaded DA1: 'brom' means DRAM is not initialised and INIT_EXT_RAM is needed */
  get connectionAgent(): ConnectionAgent {
    return this.agent;
  }

  get where(): string {
    return this.link.where;
  }

  /** true until DA2 runs; flash operations need DA2 */
  get inStage1(): boolean {
    return this.stage === 1;
  }

  /** INIT_EXT_RAM is needed only when the boot ROM (not a preloader) loaded DA1 */
  get needsDramInit(): boolean {
    return this.agent === 'brom';
  }

  /** DEVICE_CTRL GET: → DEVICE_CTRL, ← status, → code, ← status, ← data, ← status */
  async deviceGet(code: number, maxLength = 0x1000): Promise<Uint8Array> {
    await this.deviceCtrl(code);
    const data = await this.link.readFrame(maxLength);
    await this.link.expectOk(`DEVICE_CTRL 0x${code.toString(16)}`);
    return data;
  }

  /** DEVICE_CTRL SET: → DEVICE_CTRL, ← status, → code, ← status, → parameter, ← status */
  async deviceSet(code: number, parameter: Uint8Array): Promise<void> {
    await this.deviceCtrl(code);
    await this.link.send(parameter);
    await this.link.expectOk(`DEVICE_CTRL 0x${code.toString(16)}`);
  }

  private async deviceCtrl(code: number): Promise<void> {
    await this.link.sendU32(Cmd.DEVICE_CTRL);
    await this.link.expectOk('DEVICE_CTRL');
    await this.link.sendU32(code);
    await this.link.expectOk(`DEVICE_CTRL 0x${code.toString(16)}`);
  }

  /**
   * eMMC or UFS facts, including the id the preloader's EMI records are matched against. DA1 answers this before
   * INIT_EXT_RAM (mtkclient reads the CID at exactly that point to pick a preloader), so the memory check can run
   * before DRAM is touched and long before anything is written.
   */
  async storageInfo(): Promise<StorageInfo> {
    if (this.storage) return this.storage;
    const emmc = decodeEmmcInfo(await this.deviceGet(Ctrl.GET_EMMC_INFO), this.where);
    const info = emmc ?? decodeUfsInfo(await this.deviceGet(Ctrl.GET_UFS_INFO), this.where);
    if (!info) {
      throw new RomctlError('the DA found neither eMMC nor UFS storage', {
        exitCode: ExitCode.device,
        where: this.where,
        hint: 'NAND/NOR phones are not supported; otherwise the storage is not responding (hardware fault)',
      });
    }
    this.storage = info;
    return info;
  }

  async chipId(): Promise<ChipId> {
    return decodeChipId(await this.deviceGet(Ctrl.GET_CHIP_ID), this.where);
  }

  /**
   * INIT_EXT_RAM: → cmd, ← status, → u32 length, → the MTK_BLOADER_INFO block, ← status. A DA whose memory is
   * not in the block answers with a failure status (e.g. STATUS_EMI_SETTING_VERSION_ERROR 0xC0040050).
   */
  async initExtRam(emiBlock: Uint8Array): Promise<void> {
    this.requireStage(1, 'INIT_EXT_RAM');
    await this.link.sendU32(Cmd.INIT_EXT_RAM);
    await this.link.expectOk('INIT_EXT_RAM');
    await this.link.sendU32(emiBlock.length);
    await this.link.send(emiBlock);
    const status = await this.link.readStatus(this.longTimeoutMs);
    if (status !== Status.OK) {
      throw new DaStatusError(
        status,
        'INIT_EXT_RAM (DRAM setup with the preloader EMI settings)',
        this.where,
        "the preloader's EMI records do not fit this phone's memory: use the preloader made for this exact variant " +
          '(S_FT_ENABLE_DRAM_FAIL in SP Flash Tool)',
      );
    }
  }

  /** BOOT_TO: → cmd, ← status, → u64 address + u64 length, → DA2 (without signature), ← status, ← SYNC or 0 */
  async bootTo(da2: Da2Image): Promise<void> {
    this.requireStage(1, 'BOOT_TO');
    await this.link.sendU32(Cmd.BOOT_TO);
    await this.link.expectOk('BOOT_TO');
    const param = new Uint8Array(16);
    new DataView(param.buffer).setBigUint64(0, BigInt(da2.loadAddress), true);
    new DataView(param.buffer).setBigUint64(8, BigInt(da2.bytes.length), true);
    await this.link.send(param);
    await this.link.send(da2.bytes);
    await this.link.expectOk('BOOT_TO (DA2 upload)', this.longTimeoutMs);
    const second = await this.link.readStatus(this.longTimeoutMs);
    if (second !== Cmd.SYNC_SIGNAL && second !== Status.OK)
      throw new DaStatusError(second, 'BOOT_TO (DA2 start)', this.where);
    this.stage = 2;
  }

  /**
   * The whole bring-up. `checkMemory` sees the storage info (build a MemorySpec with `memorySpecOf` and run the
   * preloader EMI rule) and throws to stop before INIT_EXT_RAM: a wrong preloader is refused before DRAM setup,
   * DA2 or any write.
   */
  static async bringUp(
    transport: Transport,
    options: XFlashOptions & {
      emiBlock: Uint8Array;
      da2: Da2Image;
      checkMemory: (info: StorageInfo) => void | Promise<void>;
    },
  ): Promise<XFlashClient> {
    const client = await XFlashClient.start(transport, options);
    await options.checkMemory(await client.storageInfo());
    if (client.needsDramInit) await client.initExtRam(options.emiBlock);
    await client.bootTo(options.da2);
    await client.answerSla(options.slaKey ?? null);
    return client;
  }

  /**
   * DA-level SLA (reference §4.4 step 9; mtkclient `handle_sla`, `generate_da_sla_signature`): when
   * SLA_ENABLED_STATUS says so, bytes 4..0x14 of GET_DEV_FW_INFO are encrypted with the vendor key, RSA-OAEP with
   * SHA-256, and given back with SET_REMOTE_SEC_POLICY. False when the DA has SLA off (or does not know the query).
   */
  async answerSla(key: KeyObject | null): Promise<boolean> {
    const enabled = await this.deviceGet(Ctrl.SLA_ENABLED_STATUS).then(
      (reply) => reply.length >= 4 && readU32le(reply) !== 0,
      (error: unknown) => {
        if (error instanceof DaStatusError && error.status === Status.UNSUPPORT_CTRL_CODE) return false;
        throw error;
      },
    );
    if (!enabled) return false;
    if (!key) {
      throw new DaStatusError(
        Status.SEC_AUTH_FILE_NEEDED,
        DA_SLA_STEP,
        this.where,
        'give the vendor SLA key (--sla-key)',
      );
    }
    const info = await this.deviceGet(Ctrl.GET_DEV_FW_INFO);
    const answer = daSlaAnswer(key, info.subarray(4, 0x14));
    await this.deviceCtrl(Ctrl.SET_REMOTE_SEC_POLICY);
    await this.link.send(answer);
    const status = await this.link.readStatus();
    if (status !== Status.OK) throw new DaStatusError(status, DA_SLA_STEP, this.where);
    return true;
  }

  async packetLengths(): Promise<PacketLengths> {
    this.lengths ??= decodePacketLengths(await this.deviceGet(Ctrl.GET_PACKET_LENGTH), this.where);
    return this.lengths;
  }

  /** GPT from the user area (header at LBA 1, then its entry array); null on a device without one. */
  async partitionTable(): Promise<GptTable | null> {
    this.requireStage(2, 'reading the partition table');
    const kind = readU32le(await this.deviceGet(Ctrl.GET_PARTITION_TBL_CATA));
    if (kind !== PartitionTableKind.gpt) {
      throw new RomctlError(
        `the DA reports partition-table kind 0x${kind.toString(16)} (PMT); only GPT is supported`,
        {
          exitCode: ExitCode.device,
          where: this.where,
        },
      );
    }
    return readGptWith(this, (await this.storageInfo()).blockSize);
  }

  /**
   * WRITE_DATA of `length` bytes at a sector-aligned byte `address`: → cmd, ← status, → parameters, ← status;
   * per packet → u32 0, → u32 16-bit sum, → data (the last zero-padded to 512 bytes), ← status; ← final status.
   */
  async write(
    section: Section,
    address: bigint,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    length: bigint,
    onProgress?: ProgressFn,
  ): Promise<void> {
    this.requireStage(2, 'writing');
    const where = `${this.where}, ${section} @ 0x${address.toString(16)}`;
    requireSectorAligned(address, where);
    if (length === 0n) return;
    const { write: packetLength } = await this.packetLengths();
    const padded = roundUpToSector(length);
    await this.rangeCommand(Cmd.WRITE_DATA, 'WRITE_DATA', section, address, padded);
    const source = packets(data, length, packetLength, where);
    // stop-and-wait (each packet's status comes before the next is sent, as mtkclient and SP Flash Tool do); the
    // next packet is read, hashed by the caller's stream and summed while the DA stores this one and answers
    const prepare = async () => {
      const next = await source.next();
      if (next.done) return null;
      const packet = next.value;
      const body =
        packet.length % SECTOR === 0 ? packet : padTo(packet, Number(roundUpToSector(BigInt(packet.length))));
      return { body, length: packet.length, sum: sum16(body) };
    };
    let done = 0n;
    for (let packet = await prepare(); packet !== null;) {
      await this.link.sendU32(0);
      await this.link.sendU32(packet.sum);
      await this.link.send(packet.body);
      const next = prepare();
      // a failed status below ends the write; the preparation's own failure is then of no interest
      next.catch(() => undefined);
      await this.link.expectOk(`WRITE_DATA packet at +0x${done.toString(16)}`, this.longTimeoutMs);
      done += BigInt(packet.length);
      onProgress?.({ done, total: length });
      packet = await next;
    }
    await this.link.expectOk('WRITE_DATA (completion)', this.longTimeoutMs);
  }

  /**
   * Has the DA check every written packet on the phone: SET_CHECKSUM_LEVEL USB + storage (SPFT's level names;
   * mtkclient and penumbra leave it at 0). The host already sends each packet's 16-bit sum; with USB the DA
   * compares it with the packet as received, with storage with the packet as read back from the storage after
   * writing, and answers a mismatch with STATUS_CHECKSUM_ERR in place of the packet's OK. Null when the DA
   * refuses the level (the caller then reads every byte back).
   */
  async checkWritesOnPhone(): Promise<string | null> {
    try {
      await this.deviceSet(Ctrl.SET_CHECKSUM_LEVEL, u32le(ChecksumLevel.usbStorage));
    } catch (error) {
      if (error instanceof DaStatusError) return null;
      throw error;
    }
    return 'the DA compared every packet with its 16-bit sum as received and as read back from the storage';
  }

  writeSparse(
    section: Section,
    address: bigint,
    source: AsyncIterable<Uint8Array>,
    options: SparseWriteOptions = {},
  ): Promise<bigint> {
    return writeSparseWith(this, section, address, source, options);
  }

  /**
   * READ_DATA: → cmd, ← status, → parameters, ← status, ← status; then ← data frame, → ack (u32 0) until
   * `length` bytes arrived (a 4-byte frame instead is the DA's completion flag); ← final status.
   */
  async *read(
    section: Section,
    address: bigint,
    length: bigint,
    onProgress?: ProgressFn,
  ): AsyncGenerator<Uint8Array> {
    this.requireStage(2, 'reading');
    if (length === 0n) return;
    const { read: packetLength } = await this.packetLengths();
    await this.rangeCommand(Cmd.READ_DATA, 'READ_DATA', section, address, length);
    await this.link.expectOk('READ_DATA');
    let done = 0n;
    while (done < length) {
      const frame = await this.link.readFrame(Math.max(packetLength, 8), this.longTimeoutMs);
      if (frame.length === 4 || frame.length === 2) {
        const flag = frame.length === 4 ? readU32le(frame) : frame[0]! | (frame[1]! << 8);
        throw flag === 0
          ? protocolError(`READ_DATA ended after ${done} of ${length} bytes`, this.where)
          : new DaStatusError(flag, 'READ_DATA', this.where);
      }
      if (BigInt(frame.length) > length - done) {
        throw protocolError(
          `READ_DATA sent ${frame.length} bytes, only ${length - done} were left`,
          this.where,
        );
      }
      await this.link.sendU32(0);
      done += BigInt(frame.length);
      onProgress?.({ done, total: length });
      yield frame;
    }
    await this.link.expectOk('READ_DATA (completion)');
  }

  readAll(section: Section, address: bigint, length: bigint): Promise<Uint8Array> {
    return readAllWith(this, section, address, length);
  }

  sha256(section: Section, address: bigint, length: bigint, onProgress?: ProgressFn): Promise<string> {
    return sha256With(this, section, address, length, onProgress);
  }

  /**
   * FORMAT (erase): → cmd, ← status, → parameters, ← status, ← S; while S is STATUS_CONTINUE: ← progress
   * frame, → ack, ← S; success is STATUS_COMPLETE.
   */
  async format(section: Section, address: bigint, length: bigint, onProgress?: ProgressFn): Promise<void> {
    this.requireStage(2, 'formatting');
    await this.rangeCommand(Cmd.FORMAT, 'FORMAT', section, address, length);
    for (;;) {
      const status = await this.link.readStatus(this.longTimeoutMs);
      if (status === Status.COMPLETE) break;
      if (status !== Status.CONTINUE) throw new DaStatusError(status, 'FORMAT', this.where);
      const percent = await this.link.readU32('FORMAT progress', this.longTimeoutMs);
      await this.link.sendU32(0);
      if (percent <= 100) onProgress?.({ done: (length * BigInt(percent)) / 100n, total: length });
    }
    onProgress?.({ done: length, total: length });
  }

  /** SHUTDOWN: → cmd, ← status, → 8 × u32 (flags, wdt, async, boot mode, dl bit, rtc, usb, 0), ← status */
  async shutdown(bootMode: 'normal' | 'home' | 'fastboot' = 'normal'): Promise<void> {
    const mode = { normal: 0, home: 1, fastboot: 2 }[bootMode];
    await this.link.sendU32(Cmd.SHUTDOWN);
    await this.link.expectOk('SHUTDOWN');
    await this.link.send(u32s(mode === 0 ? 0 : 1, 0, 0, mode, 0, 0, 0, 0));
    await this.link.expectOk('SHUTDOWN');
  }

  /** → cmd, ← status, → storage/section/address/length + NAND extension, ← status */
  private async rangeCommand(cmd: number, name: string, section: Section, address: bigint, length: bigint) {
    const { kind } = await this.storageInfo();
    const param = new Uint8Array(RANGE_PARAM_SIZE);
    const view = new DataView(param.buffer);
    view.setUint32(0, StorageCode[kind], true);
    view.setUint32(4, SectionCode[kind][section], true);
    view.setBigUint64(8, address, true);
    view.setBigUint64(16, length, true);
    await this.link.sendU32(cmd);
    await this.link.expectOk(name);
    await this.link.send(param);
    await this.link.expectOk(`${name} ${section} 0x${address.toString(16)}+0x${length.toString(16)}`);
  }

  private requireStage(stage: 1 | 2, what: string): void {
    if (this.stage !== stage) throw stageError(stage, what, this.where);
  }
}

function u32s(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v, true));
  return out;
}

function padTo(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(bytes);
  return out;
}
