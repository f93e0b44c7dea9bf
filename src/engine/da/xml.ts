/**
 * Host side of the XML (V6) DA protocol, reference §4.5 (mtkclient `xmlflash/xml_lib.py`; penumbra `da/xml`).
 *
 * Every command is one transaction: → command document, ← `OK` (or `ERR!…`), then the sub-exchanges the DA asks
 * for (FILE-SYS-OPERATION, DOWNLOAD-FILE, UPLOAD-FILE, PROGRESS-REPORT), ← CMD:END with its result, → OK,
 * ← CMD:START, → OK. The DA drives the order; `transact` serves whatever it asks within one command.
 *
 * Bring-up (`bringUp`): ← CMD:START after JUMP_DA; SET-RUNTIME-PARAMETER (checksum level NONE, DRAM set-up by the
 * DA); HOST-SUPPORTED-COMMANDS; NOTIFY-INIT-HW; SET-HOST-INFO; BOOT-TO (DA2 without its signature through
 * DOWNLOAD-FILE); in DA2 HOST-SUPPORTED-COMMANDS and NOTIFY-INIT-HW again (as mtkclient and penumbra do);
 * GET-SYS-PROPERTY DA.SLA (and the DA-level SLA answer when on); GET-HW-INFO → the caller's memory check.
 */
import type { KeyObject } from 'node:crypto';
import { ExitCode, RomctlError } from '../../errors.js';
import { entryForDaText } from '../../knowledge/index.js';
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
import type { GptTable } from './gpt.js';
import { packets } from './packets.js';
import {
  commandDocument,
  parseDevFwRandom,
  parseHwInfo,
  parseSafeNumber,
  parseSlaProperty,
  type DaDocument,
  type XmlFields,
} from './xml-documents.js';
import { shorten, XmlLink, type DaLogSink, type XmlReply } from './xml-link.js';
import {
  AREA_NAMES,
  ChecksumLevelName,
  DaCmd,
  HOST_CAPABILITY,
  memFile,
  NO_CHECKSUM,
  READ_TARGET,
  DA_RESET_RESULT,
  Reply,
  SLA_PROPERTY,
  XmlCmd,
} from './xml-protocol.js';
import type { Section, StorageInfo } from './xflash-info.js';
import { protocolError } from './xflash-link.js';

/** the step name DA-level SLA failures carry (the flash session turns them into a security refusal) */
export const XML_SLA_STEP = 'DA SLA (SECURITY-SET-FLASH-POLICY)';
/** the step in which the DA sets up DRAM and storage */
export const XML_INIT_HW_STEP = 'NOTIFY-INIT-HW';

/** no packet the DA asks for comes near this (mtkclient's XML buffers are 2 MiB); larger means garbage */
const MAX_PACKET_LENGTH = 64 * 1024 * 1024;

/** A DA that answered a command with `ERR!…` or a CMD:END result other than OK. */
export class XmlDaError extends RomctlError {
  constructor(
    /** the DA's own words: `ERR!UNSUPPORTED`, a CMD:END `<message>` or `<result>` */
    readonly text: string,
    readonly step: string,
    where: string,
    hint?: string,
    /** the CMD:END message that followed an `ERR!…` reply, when it says more */
    detail?: string,
  ) {
    const entry = entryForDaText(text) ?? (detail === undefined ? undefined : entryForDaText(detail));
    const said =
      detail && detail !== text
        ? `'${shorten(text, 80)}' — '${shorten(detail, 80)}'`
        : `'${shorten(text, 120)}'`;
    super(`DA refused ${step}: ${said}${entry ? ` (${entry.name})` : ''}`, {
      exitCode: ExitCode.device,
      where,
      hint: hint ?? entry?.remedy ?? `romctl explain '${shorten(text, 60)}' says what is known about it`,
    });
    this.name = 'XmlDaError';
  }

  get unsupported(): boolean {
    return this.text === Reply.UNSUPPORTED;
  }
}

export interface XmlOptions {
  /** wait for one reply; default 5 s */
  timeoutMs?: number;
  /** wait for a step that works on the storage (erase, a written packet, DRAM set-up); default 60 s */
  longTimeoutMs?: number;
  /** the session already read (not acked) the DA's first CMD:START */
  startConsumed?: boolean;
  /** answers a DA that has SLA on after DA2 starts */
  slaKey?: KeyObject | null;
  /** the DA's log lines (DT_MESSAGE frames) */
  onLog?: DaLogSink;
}

interface Exchange {
  /** the answer to FILE-SYS-OPERATION FILE-SIZE */
  fileSize?: bigint;
  /** what DOWNLOAD-FILE streams to the DA */
  download?: { data: Uint8Array | AsyncIterable<Uint8Array>; length: bigint; onProgress?: ProgressFn };
  /** PROGRESS-REPORT percentages */
  onPercent?: (percent: number) => void;
  /** the DA resets after this command (REBOOT): its CMD:START may never come */
  last?: boolean;
}

export class XmlDaClient implements DaClient {
  /** V6 DAs set up DRAM themselves (NOTIFY-INIT-HW); no public source describes an EMI upload (reference §4.5) */
  readonly needsDramInit = false;
  private stage: 1 | 2 = 1;
  private storage: StorageInfo | null = null;
  /** a transaction broke off mid-way: the link is out of step */
  private broken = false;

  private constructor(
    private readonly link: XmlLink,
    private readonly longTimeoutMs: number,
  ) {}

  get where(): string {
    return this.link.where;
  }

  /** true until DA2 runs; flash operations need DA2 */
  get inStage1(): boolean {
    return this.stage === 1;
  }

  /** Waits for the DA's CMD:START (the first thing it sends after JUMP_DA); anything else is a protocol error. */
  static async awaitStart(link: Pick<XmlLink, 'readReply' | 'where'>, timeoutMs?: number): Promise<void> {
    const reply = await link.readReply(timeoutMs);
    if (reply.kind !== 'document' || reply.document.command !== DaCmd.START)
      throw protocolError(`the DA sent ${describe(reply)} instead of CMD:START`, link.where);
  }

  /** DA1 set-up right after JUMP_DA (bring-up steps 1–5). */
  static async start(transport: Transport, options: XmlOptions = {}): Promise<XmlDaClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
    const link = new XmlLink(transport, timeoutMs, `XML DA on ${transport.description}`, options.onLog);
    const client = new XmlDaClient(link, options.longTimeoutMs ?? 60_000);
    if (!options.startConsumed) await XmlDaClient.awaitStart(link);
    await link.ack();
    // checksum level NONE, as mtkclient and penumbra send it: no public source documents the per-packet checksum
    // of the other levels, and every written range is read back and compared (SHA-256) instead
    await client.run(
      XmlCmd.SET_RUNTIME_PARAMETER,
      [
        ['checksum_level', ChecksumLevelName.none],
        ['battery_exist', 'AUTO-DETECT'],
        ['da_log_level', 'INFO'],
        ['log_channel', 'UART'],
        ['system_os', 'LINUX'],
      ],
      {},
      { version: '1.1', adv: [['initialize_dram', 'YES']] },
    );
    await client.hostSupportedCommands();
    await client.initHardware();
    await client.run(XmlCmd.SET_HOST_INFO, [['info', 'romctl']]);
    return client;
  }

  /**
   * The whole bring-up. `checkMemory` sees the storage info (GET-HW-INFO, a DA2 command) and throws to stop
   * before anything is written.
   */
  static async bringUp(
    transport: Transport,
    options: XmlOptions & {
      da2: Da2Image;
      checkMemory: (info: StorageInfo) => void | Promise<void>;
    },
  ): Promise<XmlDaClient> {
    const client = await XmlDaClient.start(transport, options);
    await client.bootTo(options.da2);
    await client.answerSla(options.slaKey ?? null);
    await options.checkMemory(await client.storageInfo());
    return client;
  }

  /** BOOT-TO: DA2 (without its signature) through DOWNLOAD-FILE, then DA2's own HOST-SUPPORTED-COMMANDS and init */
  async bootTo(da2: Da2Image): Promise<void> {
    this.requireStage(1, 'BOOT-TO');
    const address = `0x${da2.loadAddress.toString(16)}`;
    const length = BigInt(da2.bytes.length);
    await this.run(
      XmlCmd.BOOT_TO,
      [
        ['at_address', address],
        ['jmp_address', address],
        ['source_file', memFile(length)],
      ],
      { download: { data: da2.bytes, length } },
    );
    this.stage = 2;
    await this.hostSupportedCommands();
    await this.initHardware();
  }

  /** a DA that does not know HOST-SUPPORTED-COMMANDS answers ERR!UNSUPPORTED, which mtkclient and penumbra ignore */
  private async hostSupportedCommands(): Promise<void> {
    await this.run(XmlCmd.HOST_SUPPORTED_COMMANDS, [['host_capability', HOST_CAPABILITY]]).catch(
      (error: unknown) => {
        if (!(error instanceof XmlDaError && error.unsupported)) throw error;
      },
    );
  }

  private initHardware(): Promise<void> {
    return this.run(XmlCmd.NOTIFY_INIT_HW, [], {}, { step: XML_INIT_HW_STEP });
  }

  /**
   * DA-level SLA (mtkclient `check_sla`, `handle_sla`): GET-SYS-PROPERTY DA.SLA; when on, the random bytes of
   * SECURITY-GET-DEV-FW-INFO are encrypted with the vendor key (RSA-OAEP, SHA-256) and sent with
   * SECURITY-SET-FLASH-POLICY. False when the DA has SLA off.
   */
  async answerSla(key: KeyObject | null): Promise<boolean> {
    const property = await this.fetchText(XmlCmd.GET_SYS_PROPERTY, [
      ['key', SLA_PROPERTY],
      ['target_file', memFile(0x200000)],
    ]);
    if (!parseSlaProperty(property, SLA_PROPERTY, this.where)) return false;
    if (!key) {
      throw new XmlDaError(
        'SLA is on and no key was given',
        XML_SLA_STEP,
        this.where,
        'give the vendor SLA key (--sla-key)',
      );
    }
    const info = await this.fetchText(XmlCmd.SECURITY_GET_DEV_FW_INFO, [['target_file', memFile(0x100000)]]);
    const answer = daSlaAnswer(key, parseDevFwRandom(info, this.where));
    const length = BigInt(answer.length);
    await this.run(
      XmlCmd.SECURITY_SET_FLASH_POLICY,
      [['source_file', memFile(length)]],
      {
        download: { data: answer, length },
      },
      { step: XML_SLA_STEP },
    );
    return true;
  }

  /** GET-HW-INFO (a DA2 command): storage kind, sizes and the eMMC CID / UFS id */
  async storageInfo(): Promise<StorageInfo> {
    if (this.storage) return this.storage;
    this.requireStage(2, 'GET-HW-INFO');
    const text = await this.fetchText(XmlCmd.GET_HW_INFO, [['target_file', memFile(0x200000)]]);
    this.storage = parseHwInfo(text, this.where);
    return this.storage;
  }

  /** GPT from the user area (LU2 on UFS), read with READ-FLASH as mtkclient's partition code does */
  async partitionTable(): Promise<GptTable | null> {
    this.requireStage(2, 'reading the partition table');
    return readGptWith(this, (await this.storageInfo()).blockSize);
  }

  /**
   * WRITE-FLASH of `length` bytes at a sector-aligned byte `address`: the DA asks FILE-SIZE (→ the length padded
   * to 512 bytes, as mtkclient pads it), may report its pre-erase, then DOWNLOAD-FILE: → OK@0x<length>, ← OK; per
   * packet → OK@0x0 (the checksum slot: 0 at level NONE), ← OK, → data, ← OK.
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
    const padded = roundUpToSector(length);
    const body = padded === length ? data : padStream(data, padded - length);
    await this.run(
      XmlCmd.WRITE_FLASH,
      [
        ['partition', await this.area(section)],
        ['offset', hex(address)],
        ['source_file', memFile(padded)],
      ],
      {
        fileSize: padded,
        download: {
          data: body,
          length: padded,
          onProgress:
            onProgress && ((p) => onProgress({ done: p.done > length ? length : p.done, total: length })),
        },
      },
    );
  }

  writeSparse(
    section: Section,
    address: bigint,
    source: AsyncIterable<Uint8Array>,
    options: SparseWriteOptions = {},
  ): Promise<bigint> {
    // expanded on the host: the sparse handling of V6 DAs is known only from status names (reference §4.6)
    return writeSparseWith(this, section, address, source, options);
  }

  /** READ-FLASH: UPLOAD-FILE ← OK@0x<length>, → OK; per packet ← OK, → OK, ← data, → OK */
  async *read(
    section: Section,
    address: bigint,
    length: bigint,
    onProgress?: ProgressFn,
  ): AsyncGenerator<Uint8Array> {
    this.requireStage(2, 'reading');
    if (length === 0n) return;
    const args: XmlFields = [
      ['partition', await this.area(section)],
      ['offset', hex(address)],
      ['length', hex(length)],
      ['target_file', READ_TARGET],
    ];
    let done = 0n;
    for await (const piece of this.transact(XmlCmd.READ_FLASH, args, {})) {
      if (BigInt(piece.length) > length - done)
        throw protocolError(
          `READ-FLASH sent ${piece.length} bytes, only ${length - done} were left`,
          this.where,
        );
      done += BigInt(piece.length);
      onProgress?.({ done, total: length });
      yield piece;
    }
    if (done !== length) throw protocolError(`READ-FLASH ended after ${done} of ${length} bytes`, this.where);
  }

  readAll(section: Section, address: bigint, length: bigint): Promise<Uint8Array> {
    return readAllWith(this, section, address, length);
  }

  sha256(section: Section, address: bigint, length: bigint, onProgress?: ProgressFn): Promise<string> {
    return sha256With(this, section, address, length, onProgress);
  }

  /** ERASE-FLASH: the DA reports its progress (PROGRESS-REPORT) until OK!EOT, then CMD:END */
  async format(section: Section, address: bigint, length: bigint, onProgress?: ProgressFn): Promise<void> {
    this.requireStage(2, 'erasing');
    await this.run(
      XmlCmd.ERASE_FLASH,
      [
        ['partition', await this.area(section)],
        ['offset', hex(address)],
        ['length', hex(length)],
      ],
      {
        onPercent: (percent) => {
          if (percent >= 0 && percent <= 100)
            onProgress?.({ done: (length * BigInt(percent)) / 100n, total: length });
        },
      },
    );
    onProgress?.({ done: length, total: length });
  }

  /**
   * REBOOT IMMEDIATE (mtkclient `shutdown`, penumbra `shutdown`); fastboot first sets the boot mode with
   * SET-BOOT-MODE. The phone leaves download mode: no CMD:START is waited for after the REBOOT (as penumbra).
   */
  async shutdown(bootMode: 'normal' | 'home' | 'fastboot' = 'normal'): Promise<void> {
    if (bootMode === 'fastboot') {
      await this.run(XmlCmd.SET_BOOT_MODE, [
        ['mode', 'FASTBOOT'],
        ['connect_type', 'USB'],
        ['mobile_log', 'OFF'],
        ['adb', 'OFF'],
      ]);
    }
    await this.run(XmlCmd.REBOOT, [['action', 'IMMEDIATE']], { last: true });
  }

  private async area(section: Section): Promise<string> {
    return AREA_NAMES[(await this.storageInfo()).kind][section];
  }

  /** a command whose result is a small file the DA uploads (GET-HW-INFO, GET-SYS-PROPERTY …), as text */
  private async fetchText(name: string, args: XmlFields): Promise<string> {
    const pieces: Uint8Array[] = [];
    for await (const piece of this.transact(name, args, {})) pieces.push(piece);
    return Buffer.concat(pieces).toString('utf8').replace(/\0+$/, '');
  }

  /** a command that uploads nothing back */
  private async run(
    name: string,
    args: XmlFields,
    exchange: Exchange = {},
    options: { version?: string; adv?: XmlFields; step?: string } = {},
  ): Promise<void> {
    for await (const piece of this.transact(name, args, exchange, options)) {
      throw protocolError(`${name}: the DA uploaded ${piece.length} bytes nobody asked for`, this.where);
    }
  }

  /** One command from its document to the DA's next CMD:START; yields what the DA uploads. */
  private async *transact(
    name: string,
    args: XmlFields,
    exchange: Exchange,
    options: { version?: string; adv?: XmlFields; step?: string } = {},
  ): AsyncGenerator<Uint8Array> {
    if (this.broken)
      throw protocolError(`${name}: an earlier command broke off, the DA is out of step`, this.where);
    const step = options.step ?? name;
    this.broken = true;
    await this.link.sendText(commandDocument(name, args, options));
    const first = await this.link.readReply();
    if (first.kind !== 'ok') await this.failed(step, first);
    for (;;) {
      const reply = await this.link.readReply(this.longTimeoutMs);
      if (reply.kind !== 'document') throw this.unexpected(step, reply);
      const { command, fields } = reply.document;
      if (command === DaCmd.END) {
        await this.link.ack();
        const result = fields.result ?? '';
        if (result !== Reply.OK) {
          await this.awaitIdle(exchange.last || resets(result));
          throw new XmlDaError(fields.message || result || '(no result)', step, this.where);
        }
        await this.awaitIdle(exchange.last);
        return;
      }
      await this.link.ack();
      if (command === DaCmd.FILE_SYS_OPERATION) await this.answerFileSystem(step, reply.document, exchange);
      else if (command === DaCmd.PROGRESS_REPORT) await this.followProgress(exchange);
      else if (command === DaCmd.DOWNLOAD_FILE) await this.download(step, reply.document, exchange);
      else if (command === DaCmd.UPLOAD_FILE) yield* this.upload(step);
      else
        throw protocolError(`${step}: the DA sent ${command}, which this host did not announce`, this.where);
    }
  }

  /** after CMD:END: ← CMD:START, → OK — the DA is idle again */
  private async awaitIdle(last = false): Promise<void> {
    if (last) {
      this.broken = true;
      return;
    }
    await XmlDaClient.awaitStart(this.link, this.longTimeoutMs);
    await this.link.ack();
    this.broken = false;
  }

  /** `ERR!…` where an OK belongs: the DA ends the command (CMD:END, → OK, CMD:START, → OK) and the error is thrown */
  private async failed(step: string, reply: XmlReply): Promise<never> {
    if (reply.kind === 'document' && reply.document.command === DaCmd.END) {
      await this.link.ack();
      await this.awaitIdle();
      throw new XmlDaError(
        reply.document.fields.message || reply.document.fields.result || '(no result)',
        step,
        this.where,
      );
    }
    if (reply.kind !== 'error') throw this.unexpected(step, reply);
    const end = await this.link.readReply(this.longTimeoutMs);
    if (end.kind === 'document' && end.document.command === DaCmd.END) {
      await this.link.ack();
      await this.awaitIdle();
    }
    throw new XmlDaError(reply.text, step, this.where);
  }

  private async expectOk(step: string): Promise<bigint | null> {
    const reply = await this.link.readReply(this.longTimeoutMs);
    if (reply.kind === 'ok') return reply.value;
    return this.failed(step, reply);
  }

  private unexpected(step: string, reply: XmlReply): RomctlError {
    return protocolError(`${step}: the DA sent ${describe(reply)} out of turn`, this.where);
  }

  /** FILE-SYS-OPERATION: only FILE-SIZE is asked for the commands this host sends; → OK@0x<size> */
  private async answerFileSystem(step: string, document: DaDocument, exchange: Exchange): Promise<void> {
    const key = document.fields.key ?? '';
    if (key !== 'FILE-SIZE' || exchange.fileSize === undefined)
      throw protocolError(`${step}: the DA asked the file-system operation '${shorten(key)}'`, this.where);
    await this.link.ack(exchange.fileSize);
  }

  /** PROGRESS-REPORT: each line acknowledged until OK!EOT */
  private async followProgress(exchange: Exchange): Promise<void> {
    for (;;) {
      const line = await this.link.readReply(this.longTimeoutMs);
      await this.link.ack();
      if (line.kind === 'eot') return;
      if (line.kind === 'progress' && line.percent !== null) exchange.onPercent?.(line.percent);
      else if (line.kind !== 'progress' && line.kind !== 'ok')
        throw protocolError(`progress report: the DA sent ${describe(line)}`, this.where);
    }
  }

  private async download(step: string, document: DaDocument, exchange: Exchange): Promise<void> {
    const { download } = exchange;
    if (!download)
      throw protocolError(`${step}: the DA asked for a file this command has none of`, this.where);
    const checksum = document.fields.checksum ?? NO_CHECKSUM;
    if (checksum !== NO_CHECKSUM) {
      throw protocolError(
        `${step}: the DA asks for checksum '${shorten(checksum)}' though the level was set to NONE`,
        this.where,
      );
    }
    const packetLength = parseSafeNumber(
      document.fields.packet_length,
      'packet_length',
      this.where,
      MAX_PACKET_LENGTH,
    );
    if (packetLength === 0) throw protocolError(`${step}: the DA asks for packets of 0 bytes`, this.where);
    await this.link.ack(download.length);
    await this.expectOk(step);
    let done = 0n;
    for await (const packet of packets(download.data, download.length, packetLength, this.where)) {
      await this.link.ack(0);
      await this.expectOk(step);
      await this.link.send(packet);
      await this.expectOk(`${step} packet at +0x${done.toString(16)}`);
      done += BigInt(packet.length);
      download.onProgress?.({ done, total: download.length });
    }
  }

  private async *upload(step: string): AsyncGenerator<Uint8Array> {
    const total = await this.expectOk(step);
    if (total === null)
      throw protocolError(`${step}: the DA announced an upload without its length`, this.where);
    await this.link.ack();
    let done = 0n;
    while (done < total) {
      await this.expectOk(step);
      await this.link.ack();
      const data = await this.link.readFlow(MAX_PACKET_LENGTH, this.longTimeoutMs);
      await this.link.ack();
      if (data.length === 0) throw protocolError(`${step}: the DA sent an empty data packet`, this.where);
      done += BigInt(data.length);
      if (done > total)
        throw protocolError(`${step}: the DA sent more than the ${total} bytes announced`, this.where);
      yield data;
    }
  }

  private requireStage(stage: 1 | 2, what: string): void {
    if (this.stage !== stage) throw stageError(stage, what, this.where);
  }
}

function describe(reply: XmlReply): string {
  if (reply.kind === 'document') return reply.document.command;
  if (reply.kind === 'ok') return reply.value === null ? "'OK'" : `'OK@0x${reply.value.toString(16)}'`;
  if (reply.kind === 'eot') return "'OK!EOT'";
  return `'${shorten(reply.text)}'`;
}

const hex = (value: bigint) => `0x${value.toString(16)}`;

/** a result after which the DA resets instead of sending CMD:START (mtkclient stops on exactly this one) */
const resets = (said: string) => said.trim() === DA_RESET_RESULT;

async function* padStream(
  data: Uint8Array | AsyncIterable<Uint8Array>,
  padding: bigint,
): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) yield data;
  else yield* data;
  yield new Uint8Array(Number(padding));
}
