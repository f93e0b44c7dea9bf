/**
 * The simulated phone's XML (V6) DA, both stages, speaking reference §4.5 as mtkclient and penumbra drive real V6
 * DAs. Texts go in frames of type 1 with a trailing NUL; the DA's log lines are type-2 frames a host skips.
 *
 * - After JUMP_DA: ← CMD:START, → OK. Each command: → `<da>` document; ← `OK`, or ← `ERR!<TEXT>` when it is
 *   refused as sent; then DA-driven steps; ← CMD:END `<result>OK|ERR</result>[<message>STATUS_…</message>]`,
 *   → OK; ← CMD:START, → OK. A later failure ends with CMD:END ERR only, or ← `ERR!<TEXT>` in place of a data
 *   packet's OK first.
 * - Steps: FILE-SYS-OPERATION FILE-SIZE (→ OK, → OK@0x<size>); PROGRESS-REPORT (→ OK, then ← OK!PROGRESS@<n> /
 *   → OK … ← OK!EOT, → OK; only when the host listed it); DOWNLOAD-FILE (→ OK, → OK@0x<total>, ← OK, per
 *   packet → OK@0x<sum16 or 0>, ← OK, → data, ← OK); UPLOAD-FILE (→ OK, ← OK@0x<total>, → OK, per packet ← OK,
 *   → OK, ← data, → OK).
 * - DA1: SET-RUNTIME-PARAMETER, HOST-SUPPORTED-COMMANDS, NOTIFY-INIT-HW (progress; DRAM comes up only on a phone
 *   whose preloader already started it: no public V6 source uploads EMI settings), SET-HOST-INFO, BOOT-TO
 *   (address and SHA-256 of DA2 checked against DA1), GET-HW-INFO/GET-DA-INFO/GET-SYS-PROPERTY (uploads), REBOOT.
 *   DA2 adds READ-PARTITION-TABLE, WRITE-FLASH (FILE-SIZE, pre-erase progress, DOWNLOAD-FILE), READ-FLASH,
 *   READ-PARTITION, ERASE-FLASH, ERASE-PARTITION.
 */
import { randomBytes } from 'node:crypto';
import { readSimDaIdentity, sha256Hex, type SimDaIdentity } from '../engine/da/container-build.js';
import { gptEntriesLength, parseGptEntries, parseGptHeader, type GptPartition } from '../engine/da/gpt.js';
import { sum16 } from '../engine/da/packets.js';
import type { Section } from '../engine/da/xflash-info.js';
import { RomctlError } from '../errors.js';
import {
  daPhoneOf,
  opensDaSla,
  runnableDa,
  type DaPhone,
  type SimDaFaults,
  type SimDaSession,
} from './da-phone.js';
import type { DaServer } from './phone.js';
import {
  daInfoDocument,
  hwInfoDocument,
  partitionTableDocument,
  slaInfoDocument,
  sysPropertyDocument,
} from './xml-da-documents.js';
import { hostDocument, memFileLength, numberArg, readHostCommand, type HostCommand } from './xml-doc.js';
import { DA2_ADDRESS_INVALID, XML_DA_ERRORS as E, XmlDaRefusal, type XmlDaError } from './xml-da-errors.js';
import { SimXmlWire, WireBroken } from './xml-wire.js';

/** a DA left idle this long gives up, as a real one's watchdog would */
const IDLE_TIMEOUT_MS = 10 * 60_000;
/** mtkclient's max_xml_data_length: no command document is longer */
const MAX_DOCUMENT = 0x200000;
/** the packet_length the DA asks for: DA2 as in mtkclient's trace, flash data in 1 MiB packets */
export const SIM_XML_DA2_PACKET = 0x1000;
export const SIM_XML_PACKET_LENGTH = 0x100000;
const MAX_DA2 = 16 * 1024 * 1024;
const MAX_SLA_ANSWER = 0x1000n;
/** what DA-level SLA keeps closed until it is passed */
const STORAGE_COMMANDS: ReadonlySet<string> = new Set([
  'READ-PARTITION-TABLE',
  'WRITE-FLASH',
  'READ-FLASH',
  'READ-PARTITION',
  'ERASE-FLASH',
  'ERASE-PARTITION',
]);
const ERASE_STEP = 256n * 1024n * 1024n;
/** byte offsets must be whole 512-byte sectors */
const ALIGN = 512n;
const DA_VERSION = 'ROMCTL-SIM XML 1.0';
const CHECKSUM_LEVELS = ['NONE', 'USB', 'STORAGE', 'USB-STORAGE'] as const;
type ChecksumLevel = (typeof CHECKSUM_LEVELS)[number];

export const xmlDaServer: DaServer = (session) => serveXmlDa({ ...session, phone: daPhoneOf(session.phone) });

/** The same with injected faults (tests): a corrupted packet or a phone that hangs mid-write. */
export function faultyXmlDaServer(faults: SimDaFaults): DaServer {
  return (session) => serveXmlDa({ ...session, phone: daPhoneOf(session.phone), faults });
}

/**
 * Runs until REBOOT (after which the phone reboots), the link closes, or the host breaks the framing (the DA says
 * `ERR!PROTOCOL` once and stops). A DA image that is not a generated XML DA1 for this chip, or one started at the
 * wrong address, never answers at all.
 */
export async function serveXmlDa(session: SimDaSession): Promise<void> {
  const identity = runnableDa(session.daImage, session.phone, 'xml', session.address);
  if (!identity) return;
  const wire = new SimXmlWire(session.transport, IDLE_TIMEOUT_MS);
  const da = new SimXmlDa(wire, session.phone, identity, session.faults ?? {});
  try {
    await da.run();
  } catch (error) {
    if (error instanceof WireBroken) {
      await wire.sendText(`ERR!${E.protocol.text}`).catch(() => {});
      return;
    }
    if (!(error instanceof RomctlError)) throw error;
  }
}

/** where a command reads or writes: a hardware partition, or a GPT partition inside the user area */
interface Target {
  section: Section;
  /** a GPT partition, not a whole hardware partition */
  named: boolean;
  /** byte offset of the target in its section */
  base: bigint;
  size: bigint;
}

type Outcome = 'next' | 'end';

class SimXmlDa {
  private stage: 1 | 2 = 1;
  private dramReady: boolean;
  private checksumLevel: ChecksumLevel = 'NONE';
  private hostCapabilities = new Set<string>();
  /** the command's OK went out: a refusal now ends it with CMD:END only */
  private accepted = false;
  /** DA-level SLA: the random bytes SECURITY-GET-DEV-FW-INFO gave out, and whether they came back right */
  private readonly slaChallenge = randomBytes(16);
  private slaPassed = false;

  constructor(
    private readonly wire: SimXmlWire,
    private readonly phone: DaPhone,
    private readonly identity: SimDaIdentity,
    private readonly faults: SimDaFaults,
  ) {
    this.dramReady = false;
  }

  async run(): Promise<void> {
    await this.wire.log(`DA1 (${DA_VERSION}) running for hw code 0x${this.phone.daCode.toString(16)}`);
    for (;;) {
      await this.start();
      const outcome = await this.command(await this.wire.text(MAX_DOCUMENT));
      if (outcome === 'end') return;
    }
  }

  /** `CMD:START`: the DA is idle; anything but the host's OK gets `ERR!PROTOCOL` and the DA waits on */
  private async start(): Promise<void> {
    await this.wire.sendText(hostDocument('START'));
    while ((await this.wire.text(MAX_DOCUMENT)) !== 'OK') await this.wire.sendText(`ERR!${E.protocol.text}`);
  }

  private async command(text: string): Promise<Outcome> {
    this.accepted = false;
    try {
      const command = readHostCommand(text);
      if (typeof command === 'string') throw new XmlDaRefusal(E.invalidParameters);
      const outcome = await this.dispatch(command);
      if (outcome === 'end') return 'end';
      await this.end('OK');
    } catch (error) {
      if (!(error instanceof XmlDaRefusal)) throw error;
      if (!this.accepted && !error.told) await this.wire.sendText(`ERR!${error.error.text}`);
      await this.end('ERR', error.error.status);
    }
    return 'next';
  }

  private async accept(): Promise<void> {
    await this.wire.sendText('OK');
    this.accepted = true;
  }

  /** `CMD:END` with the result, a log line before it; whatever the host answers, CMD:START comes next */
  private async end(result: string, message?: string): Promise<void> {
    await this.wire.log(`command done: ${message ?? result}`);
    const args: Array<[string, string]> = [['result', result]];
    if (message) args.push(['message', message]);
    await this.wire.sendText(hostDocument('END', args));
    await this.wire.text(MAX_DOCUMENT);
  }

  private async expectOk(): Promise<void> {
    if ((await this.wire.text(MAX_DOCUMENT)) !== 'OK') throw new XmlDaRefusal(E.protocol);
  }

  /** the host's `OK@0x<hex>` */
  private async expectValue(): Promise<bigint> {
    const m = /^OK@0x([0-9a-f]{1,16})$/i.exec(await this.wire.text(MAX_DOCUMENT));
    if (!m) throw new XmlDaRefusal(E.protocol);
    return BigInt(`0x${m[1] as string}`);
  }

  private dispatch(command: HostCommand): Promise<Outcome | void> {
    const { args } = command;
    switch (command.name) {
      case 'SET-RUNTIME-PARAMETER':
        return this.setRuntimeParameter(command);
      case 'HOST-SUPPORTED-COMMANDS':
        return this.hostSupportedCommands(args['host_capability']);
      case 'NOTIFY-INIT-HW':
        return this.notifyInitHw();
      case 'SET-HOST-INFO':
      case 'SET-BOOT-MODE':
        return this.accept();
      case 'GET-HW-INFO':
        return this.sendDocument(
          'da_hw_info',
          hwInfoDocument(this.phone.storage, this.dramReady ? this.phone.dramBytes : 0n, randomBytes(16)),
          args['target_file'],
        );
      case 'GET-DA-INFO':
        return this.sendDocument('da_info', daInfoDocument(DA_VERSION, this.stage), args['target_file']);
      case 'GET-SYS-PROPERTY':
        return this.sysProperty(args['key'], args['target_file']);
      case 'REBOOT':
        return this.reboot(args['action']);
      default:
        return this.stage === 1 ? this.stageOne(command) : this.stageTwo(command);
    }
  }

  private stageOne(command: HostCommand): Promise<Outcome | void> {
    if (command.name === 'BOOT-TO') return this.bootTo(command.args);
    throw new XmlDaRefusal(E.unsupported);
  }

  private stageTwo(command: HostCommand): Promise<void> {
    const { args } = command;
    switch (command.name) {
      case 'SECURITY-GET-DEV-FW-INFO':
        return this.sendDocument(
          'sla',
          slaInfoDocument(this.slaChallenge, this.phone.meId, this.phone.socId),
          args['target_file'],
        );
      case 'SECURITY-SET-FLASH-POLICY':
        return this.setFlashPolicy(args['source_file']);
    }
    // with DA-level SLA on, storage stays closed until the host has answered the challenge
    if (this.phone.daSlaKey && !this.slaPassed && STORAGE_COMMANDS.has(command.name))
      throw new XmlDaRefusal(E.slaRequired);
    switch (command.name) {
      case 'READ-PARTITION-TABLE':
        return this.readPartitionTable(args['target_file']);
      case 'WRITE-FLASH':
        return this.writeFlash(args);
      case 'READ-FLASH':
        return this.readFlash(args, true);
      case 'READ-PARTITION':
        return this.readFlash(args, false);
      case 'ERASE-FLASH':
        return this.erase(args, true);
      case 'ERASE-PARTITION':
        return this.erase(args, false);
      default:
        throw new XmlDaRefusal(E.unsupported);
    }
  }

  private async setRuntimeParameter(command: HostCommand): Promise<void> {
    const level = command.args['checksum_level'];
    const dram = command.adv['initialize_dram'];
    if (level !== undefined && !(CHECKSUM_LEVELS as readonly string[]).includes(level))
      throw new XmlDaRefusal(E.invalidParameters);
    if (dram !== undefined && dram !== 'YES' && dram !== 'NO') throw new XmlDaRefusal(E.invalidParameters);
    await this.accept();
    if (level !== undefined) this.checksumLevel = level as ChecksumLevel;
  }

  private async hostSupportedCommands(capability: string | undefined): Promise<void> {
    if (capability === undefined) throw new XmlDaRefusal(E.invalidParameters);
    await this.accept();
    // `CMD:DOWNLOAD-FILE^1@CMD:FILE-SYS-OPERATION^1@…`: name ^ version, separated by @
    this.hostCapabilities = new Set(
      capability
        .split('@')
        .map((item) => item.split('^')[0] ?? '')
        .filter((name) => name.startsWith('CMD:'))
        .map((name) => name.slice(4)),
    );
  }

  /**
   * DA1 brings DRAM up: on a phone its preloader already started (it booted with an EMI record for its memory) that
   * works; from BROM this DA has no EMI settings for the phone's memory and fails, as V6 DAs from BROM do without one.
   */
  private async notifyInitHw(): Promise<void> {
    await this.accept();
    await this.progress('init-hw', async (report) => {
      await this.wire.log('init-hw: DRAM');
      await report(50);
    });
    if (this.stage === 1 && !this.dramReady) {
      if (this.phone.connectionAgent !== 'preloader') throw new XmlDaRefusal(E.dram);
      this.dramReady = true;
    }
  }

  private async bootTo(args: Readonly<Record<string, string>>): Promise<Outcome | void> {
    const at = numberArg(args['at_address']);
    const jump = numberArg(args['jmp_address']);
    const length = memFileLength(args['source_file']);
    if (at === null || jump === null || length === null) throw new XmlDaRefusal(E.invalidParameters);
    await this.accept();
    if (!this.dramReady) throw new XmlDaRefusal(E.dram);
    const wanted = BigInt(this.identity.da2LoadAddress ?? -1);
    if (at !== wanted || jump !== wanted) {
      await this.wire.sendText(hostDocument('END', [['result', DA2_ADDRESS_INVALID]]));
      await this.wire.text(MAX_DOCUMENT);
      return 'end';
    }
    const da2 = await this.downloadWhole('2nd-DA', args['source_file'] as string, BigInt(MAX_DA2));
    const identity = readSimDaIdentity(da2);
    if (sha256Hex(da2) !== this.identity.da2Sha256 || identity?.stage !== 2 || identity.protocol !== 'xml')
      throw new XmlDaRefusal(E.hashMismatch);
    this.stage = 2;
    await this.wire.log('DA2 running');
  }

  /**
   * DOWNLOAD-FILE: ← document, → OK, → OK@0x<total>, ← OK, then per packet → OK@0x<checksum or 0>, ← OK, → data,
   * ← OK. With a checksum level other than NONE the document says CHK_YES and the value before each packet must be
   * the packet's 16-bit byte sum (inferred: mtkclient carries a `<checksum>` field and sends OK@0x0 there).
   */
  private async download(
    info: string,
    source: string,
    packetLength: number,
    limit: bigint,
    store: (data: Uint8Array, at: bigint) => Promise<void>,
  ): Promise<bigint> {
    const checked = this.checksumLevel !== 'NONE';
    await this.wire.sendText(
      hostDocument('DOWNLOAD-FILE', [
        ['checksum', checked ? 'CHK_YES' : 'CHK_NO'],
        ['info', info],
        ['source_file', source],
        ['packet_length', `0x${packetLength.toString(16)}`],
      ]),
    );
    await this.expectOk();
    const total = await this.expectValue();
    if (total > limit) await this.tell(E.exceedRange);
    await this.wire.sendText('OK');
    let done = 0n;
    while (done < total) {
      const checksum = await this.expectValue();
      await this.wire.sendText('OK');
      const data = await this.wire.frame(packetLength);
      if (data.length === 0 || done + BigInt(data.length) > total) await this.tell(E.protocol);
      if (checked && BigInt(sum16(data)) !== checksum) await this.tell(E.checksum);
      await store(data, done);
      done += BigInt(data.length);
      await this.wire.sendText('OK');
    }
    return total;
  }

  /** a small DOWNLOAD-FILE (DA2, an SLA answer) kept in memory */
  private async downloadWhole(info: string, source: string, limit: bigint): Promise<Buffer> {
    const pieces: Uint8Array[] = [];
    await this.download(info, source, SIM_XML_DA2_PACKET, limit, (data) => {
      pieces.push(Uint8Array.from(data));
      return Promise.resolve();
    });
    return Buffer.concat(pieces);
  }

  /** an `ERR!` text where the host waits for a packet's OK, then the command ends */
  private async tell(error: XmlDaError): Promise<never> {
    await this.wire.sendText(`ERR!${error.text}`);
    throw new XmlDaRefusal(error, true);
  }

  /**
   * UPLOAD-FILE: ← document, → OK, ← OK@0x<total>, → OK, then per packet ← OK, → OK, ← data, → OK
   * (penumbra `upload_file`; mtkclient `download_raw` reads the same bytes).
   */
  private async upload(
    info: string,
    target: string,
    total: bigint,
    read: (at: bigint, length: number) => Promise<Uint8Array>,
  ): Promise<void> {
    await this.wire.sendText(
      hostDocument('UPLOAD-FILE', [
        ['checksum', 'CHK_NO'],
        ['info', info],
        ['target_file', target],
        ['packet_length', `0x${SIM_XML_PACKET_LENGTH.toString(16)}`],
      ]),
    );
    await this.expectOk();
    await this.wire.sendText(`OK@0x${total.toString(16)}`);
    await this.expectOk();
    for (let done = 0n; done < total;) {
      const left = total - done;
      const size = left < BigInt(SIM_XML_PACKET_LENGTH) ? Number(left) : SIM_XML_PACKET_LENGTH;
      await this.wire.sendText('OK');
      await this.expectOk();
      await this.wire.sendData(await read(done, size));
      await this.expectOk();
      done += BigInt(size);
    }
  }

  /** PROGRESS-REPORT: ← document, → OK, then ← `OK!PROGRESS@<percent>` / → OK … ← `OK!EOT`, → OK */
  private async progress(
    message: string,
    work: (report: (percent: number) => Promise<void>) => Promise<void>,
  ) {
    if (!this.hostCapabilities.has('PROGRESS-REPORT')) return work(() => Promise.resolve());
    await this.wire.sendText(hostDocument('PROGRESS-REPORT', [['message', message]]));
    await this.expectOk();
    await work(async (percent) => {
      await this.wire.sendText(`OK!PROGRESS@${percent}`);
      await this.expectOk();
    });
    await this.wire.sendText(`OK!PROGRESS@100`);
    await this.expectOk();
    await this.wire.sendText('OK!EOT');
    await this.expectOk();
  }

  /** FILE-SYS-OPERATION FILE-SIZE: ← document, → OK, → OK@0x<size> */
  private async fileSize(path: string): Promise<bigint> {
    await this.wire.sendText(
      hostDocument('FILE-SYS-OPERATION', [
        ['key', 'FILE-SIZE'],
        ['file_path', path],
      ]),
    );
    await this.expectOk();
    return this.expectValue();
  }

  private async sendDocument(root: string, body: string, target: string | undefined): Promise<void> {
    await this.accept();
    const bytes = Buffer.from(body, 'utf8');
    await this.upload(root, target ?? 'MEM://0x0:0x0', BigInt(bytes.length), (at, length) =>
      Promise.resolve(bytes.subarray(Number(at), Number(at) + length)),
    );
  }

  /** SECURITY-SET-FLASH-POLICY: the DA pulls the host's answer to its SLA challenge with DOWNLOAD-FILE */
  private async setFlashPolicy(source: string | undefined): Promise<void> {
    if (source === undefined) throw new XmlDaRefusal(E.invalidParameters);
    await this.accept();
    const answer = await this.downloadWhole('SecurityPolicy', source, MAX_SLA_ANSWER);
    this.slaPassed = opensDaSla(this.phone, this.slaChallenge, answer);
    if (!this.slaPassed) throw new XmlDaRefusal(E.slaRequired);
  }

  private async sysProperty(key: string | undefined, target: string | undefined): Promise<void> {
    if (key !== 'DA.SLA') throw new XmlDaRefusal(E.invalidParameters);
    const value = this.phone.daSlaKey ? 'ENABLED' : 'DISABLED';
    await this.sendDocument('sys_property', sysPropertyDocument(key, value), target);
  }

  /** REBOOT IMMEDIATE / DISCONNECT: the command ends, then the DA resets the phone */
  private async reboot(action: string | undefined): Promise<Outcome> {
    if (action !== 'IMMEDIATE' && action !== 'DISCONNECT') throw new XmlDaRefusal(E.invalidParameters);
    await this.accept();
    await this.end('OK');
    return 'end';
  }

  /** the GPT in the user area, none when there is no valid one (a new or wiped phone) */
  private async partitions(): Promise<GptPartition[]> {
    const { storage } = this.phone;
    const block = storage.blockSize;
    try {
      const header = parseGptHeader(await storage.read('user', BigInt(block), block), block, 'sim user area');
      if (!header) return [];
      const entries = await storage.read('user', header.entriesLba * BigInt(block), gptEntriesLength(header));
      return parseGptEntries(header, entries, 'sim user area').partitions;
    } catch (error) {
      if (error instanceof RomctlError) return [];
      throw error;
    }
  }

  private async readPartitionTable(target: string | undefined): Promise<void> {
    await this.sendDocument('partition_table', partitionTableDocument(await this.partitions()), target);
  }

  /** `EMMC-USER`, `UFS-LUA2` … (the phone's own storage only) or a GPT partition name */
  private async target(partition: string | undefined): Promise<Target> {
    if (partition === undefined) throw new XmlDaRefusal(E.invalidParameters);
    const { storage } = this.phone;
    const sections: Record<string, [Section, 'emmc' | 'ufs']> = {
      'EMMC-USER': ['user', 'emmc'],
      'EMMC-BOOT1': ['boot1', 'emmc'],
      'EMMC-BOOT2': ['boot2', 'emmc'],
      'UFS-LUA0': ['boot1', 'ufs'],
      'UFS-LUA1': ['boot2', 'ufs'],
      'UFS-LUA2': ['user', 'ufs'],
    };
    const hardware = sections[partition];
    if (hardware) {
      if (hardware[1] !== storage.kind) throw new XmlDaRefusal(E.unknownSection);
      return { section: hardware[0], named: false, base: 0n, size: BigInt(storage.size(hardware[0])) };
    }
    if (/^(EMMC|UFS|NAND|NOR)-/.test(partition)) throw new XmlDaRefusal(E.unknownSection);
    const named = (await this.partitions()).find((p) => p.name === partition);
    if (!named) throw new XmlDaRefusal(E.partitionNotFound);
    return { section: 'user', named: true, base: named.start, size: named.size };
  }

  /** offset (and length) inside the target, or a refusal: not numbers, unaligned, or past its end */
  private static range(target: Target, offset: bigint | null, length: bigint | null): void {
    if (offset === null || length === null || offset % ALIGN !== 0n)
      throw new XmlDaRefusal(E.invalidParameters);
    if (offset + length > target.size) throw new XmlDaRefusal(E.exceedRange);
  }

  /** WRITE-FLASH: → OK, FILE-SIZE, PROGRESS-REPORT (pre-erase), DOWNLOAD-FILE; by name the offset may be left out */
  private async writeFlash(args: Readonly<Record<string, string>>): Promise<void> {
    const target = await this.target(args['partition']);
    const source = args['source_file'];
    const offset = args['offset'] === undefined && target.named ? 0n : numberArg(args['offset']);
    if (source === undefined) throw new XmlDaRefusal(E.invalidParameters);
    SimXmlDa.range(target, offset, 0n);
    await this.accept();
    const size = await this.fileSize(source);
    SimXmlDa.range(target, offset, size);
    await this.progress('pre-erase', (report) => report(100));
    const start = target.base + (offset as bigint);
    await this.download('WriteFlash', source, SIM_XML_PACKET_LENGTH, size, async (data, at) => {
      const address = start + at;
      if (this.faults.hangOnWrite?.({ section: target.section, address })) await this.hang();
      const stored = this.faults.corruptWrite?.({ section: target.section, address, data }) ?? data;
      await this.phone.storage.write(target.section, address, stored);
    });
  }

  /** a hung phone: it swallows what comes and answers nothing until the host hangs up */
  private hang(): Promise<never> {
    return new Promise<never>((_, fail) => {
      const wait = () => void this.wire.transport.read(1, Infinity).then(wait, fail);
      wait();
    });
  }

  /**
   * The byte range a READ/ERASE command names: section or name with offset and length (`ranged`), or a whole GPT
   * partition; checked, then the command is accepted.
   */
  private async acceptRange(
    args: Readonly<Record<string, string>>,
    ranged: boolean,
  ): Promise<{ section: Section; start: bigint; length: bigint }> {
    const target = await this.target(args['partition']);
    const offset = ranged ? numberArg(args['offset']) : 0n;
    const length = ranged ? numberArg(args['length']) : target.size;
    SimXmlDa.range(target, offset, length);
    await this.accept();
    return { section: target.section, start: target.base + (offset as bigint), length: length as bigint };
  }

  /** READ-FLASH (section or name, offset, length) or READ-PARTITION (a whole GPT partition) */
  private async readFlash(args: Readonly<Record<string, string>>, ranged: boolean): Promise<void> {
    const { section, start, length } = await this.acceptRange(args, ranged);
    await this.upload('ReadFlash', args['target_file'] ?? 'ROM_0', length, (at, size) =>
      this.phone.storage.read(section, start + at, size),
    );
  }

  /** ERASE-FLASH (section or name, offset, length) or ERASE-PARTITION (name), with a progress report */
  private async erase(args: Readonly<Record<string, string>>, ranged: boolean): Promise<void> {
    const { section, start, length: total } = await this.acceptRange(args, ranged);
    await this.progress('erase', async (report) => {
      for (let done = 0n; done < total;) {
        const step = total - done < ERASE_STEP ? total - done : ERASE_STEP;
        await this.phone.storage.erase(section, start + done, step);
        done += step;
        if (done < total) await report(Number((done * 100n) / total));
      }
    });
  }
}
