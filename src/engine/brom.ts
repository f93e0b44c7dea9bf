import { ExitCode, RomctlError } from '../errors.js';
import { ERROR_ENTRIES } from '../knowledge/index.js';
import {
  BromCommand,
  BromStatus,
  HANDSHAKE,
  be16,
  be32,
  decodeTargetConfig,
  isSuccessStatus,
  u16,
  u32,
  xor16Checksum,
  type TargetConfig,
} from './brom-protocol.js';
import { chipForHwCode, type ChipInfo, type RegisterWrite } from '../knowledge/chips.js';
import { DEFAULT_READ_TIMEOUT_MS, TransportError, type Transport } from './transport/types.js';

export type BromMode = 'brom' | 'preloader';

export interface HandshakeOptions {
  /** the port is a preloader port (0e8d:2000): send one lone 0xA0 first, as mtkclient does */
  preloaderPort?: boolean;
  /** full restarts allowed before giving up */
  attempts?: number;
  /** wait for each reply byte */
  byteTimeoutMs?: number;
}

export interface HwSwVersion {
  hwSubCode: number;
  hwVersion: number;
  swVersion: number;
}

/** What the phone says about itself right after the handshake (the sequence of reference §2.8). */
export interface BromIdentity {
  mode: BromMode;
  hwCode: number;
  chip: ChipInfo | null;
  hwSubCode: number;
  hwVersion: number;
  swVersion: number;
  targetConfig: TargetConfig;
  /** BROM version byte (0xFF); asked in BROM mode only */
  bromVersion: number | null;
  /** preloader version (0xFE); null in BROM mode */
  preloaderVersion: number | null;
  meId: Uint8Array;
  /** asked only on chips that have one */
  socId: Uint8Array | null;
  /** the watchdog writes that were made */
  watchdogDisabled: boolean;
  /**
   * the status the BROM refused the watchdog write with (phones whose target config wants authorised memory
   * writes); real clients log it and go on, and so does romctl
   */
  watchdogRefusal: number | null;
}

/** `0x1d02 INVALID_ADDRESS` when the knowledge base knows the word, else the word alone */
export function formatBromStatus(status: number): string {
  const word = `0x${status.toString(16).padStart(4, '0')}`;
  const entry = ERROR_ENTRIES.find((e) => e.numbers.brom === status);
  return entry ? `${word} ${entry.name}` : word;
}

/** A BROM command answered with an error status word; exit code 4. */
export class BromStatusError extends RomctlError {
  constructor(
    readonly command: string,
    readonly status: number,
    where: string,
  ) {
    const entry = ERROR_ENTRIES.find((e) => e.numbers.brom === status);
    const word = `0x${status.toString(16).padStart(4, '0')}`;
    super(`${command} failed with BROM status ${word}${entry ? ` ${entry.name}: ${entry.meaning}` : ''}`, {
      exitCode: ExitCode.device,
      where,
      hint: entry ? entry.remedy : `see romctl explain ${word}`,
    });
    this.name = 'BromStatusError';
  }
}

const BYTE_TIMEOUT_MS = 500;
const HANDSHAKE_ATTEMPTS = 20;
/** MediaTek's own host code sends DA data in 1024-byte packets (reference §2.4) */
const UPLOAD_PACKET = 1024;
/** a zero-length packet every 0x2000 bytes and one at the end (reference §1.3, §2.4) */
const ZLP_INTERVAL = 0x2000;

/**
 * The host side of the BROM / preloader protocol (reference §2), byte-exact: every command byte and parameter is
 * echoed, numbers are big-endian, status words ≤ 0xFF mean success.
 */
export class BromClient {
  constructor(
    readonly transport: Transport,
    private readonly timeoutMs = DEFAULT_READ_TIMEOUT_MS,
  ) {}

  /**
   * Sends A0 0A 50 05 one byte at a time, each answered by its complement; on a wrong reply it drops whatever
   * arrived and starts again from A0.
   */
  async handshake(options: HandshakeOptions = {}): Promise<void> {
    const byteTimeout = options.byteTimeoutMs ?? BYTE_TIMEOUT_MS;
    const attempts = options.attempts ?? HANDSHAKE_ATTEMPTS;
    if (options.preloaderPort) {
      await this.transport.write(Uint8Array.of(HANDSHAKE[0]));
      await this.transport.read(1, byteTimeout).catch(ignoreTimeout);
      this.transport.discardInput();
    }
    let last = 'no reply';
    for (let attempt = 0; attempt < attempts; attempt++) {
      let index = 0;
      while (index < HANDSHAKE.length) {
        const sent = HANDSHAKE[index] as number;
        await this.transport.write(Uint8Array.of(sent));
        const reply = await this.transport.read(1, byteTimeout).catch(ignoreTimeout);
        if (reply !== null && reply[0] === (~sent & 0xff)) {
          index++;
          continue;
        }
        last =
          reply === null
            ? `no reply to 0x${hex2(sent)}`
            : `0x${hex2(reply[0] as number)} in reply to 0x${hex2(sent)}`;
        await pause(20);
        this.transport.discardInput();
        break;
      }
      if (index === HANDSHAKE.length) return;
    }
    throw new TransportError(
      'timeout',
      `no BROM/preloader handshake after ${attempts} attempts (last: ${last})`,
      {
        where: this.transport.description,
        hint:
          'for BROM mode hold volume up/down (or all buttons) while plugging the cable in; for preloader mode plug in ' +
          'the switched-off phone without buttons; check the port with romctl detect',
      },
    );
  }

  /** 0xFD; the second word is what mtkclient stores as "hw version" (0 on most chips) */
  async getHwCode(): Promise<{ hwCode: number; hwVersion: number }> {
    await this.command('GET_HW_CODE');
    const reply = await this.readBytes(4, 'GET_HW_CODE');
    return { hwCode: be16(reply, 0), hwVersion: be16(reply, 2) };
  }

  /** 0xFC */
  async getHwSwVersion(): Promise<HwSwVersion> {
    await this.command('GET_HW_SW_VER');
    const reply = await this.readBytes(8, 'GET_HW_SW_VER');
    this.checkStatus('GET_HW_SW_VER', be16(reply, 6));
    return { hwSubCode: be16(reply, 0), hwVersion: be16(reply, 2), swVersion: be16(reply, 4) };
  }

  /** 0xFF, not echoed */
  async getBromVersion(): Promise<number> {
    await this.transport.write(Uint8Array.of(BromCommand.GET_VERSION));
    return (await this.readBytes(1, 'GET_VERSION'))[0] as number;
  }

  /** 0xFE, not echoed: the byte 0xFE itself means BROM answered, anything else is the preloader's version */
  async getBlVersion(): Promise<{ mode: BromMode; preloaderVersion: number | null }> {
    await this.transport.write(Uint8Array.of(BromCommand.GET_BL_VER));
    const byte = (await this.readBytes(1, 'GET_BL_VER'))[0] as number;
    return byte === BromCommand.GET_BL_VER
      ? { mode: 'brom', preloaderVersion: null }
      : { mode: 'preloader', preloaderVersion: byte };
  }

  /** 0xD8 */
  async getTargetConfig(): Promise<TargetConfig> {
    await this.command('GET_TARGET_CONFIG');
    const reply = await this.readBytes(6, 'GET_TARGET_CONFIG');
    this.checkStatus('GET_TARGET_CONFIG', be16(reply, 4));
    return decodeTargetConfig(be32(reply, 0));
  }

  /** 0xD1 (0xD0 with width 16): `count` words from `address` */
  async read(address: number, count: number, width: 16 | 32 = 32): Promise<number[]> {
    const name = width === 32 ? 'READ32' : 'READ16';
    await this.command(name);
    await this.echo(u32(address), name);
    await this.echo(u32(count), name);
    this.checkStatus(name, await this.readStatus(name));
    const size = width / 8;
    const data = await this.readBytes(count * size, name);
    this.checkStatus(name, await this.readStatus(name));
    return Array.from({ length: count }, (_, i) => (width === 32 ? be32(data, i * 4) : be16(data, i * 2)));
  }

  /** 0xD4 (0xD2 with width 16): each value is echoed, one status word at the end */
  async write(address: number, values: readonly number[], width: 16 | 32 = 32): Promise<void> {
    const name = width === 32 ? 'WRITE32' : 'WRITE16';
    await this.command(name);
    await this.echo(u32(address), name);
    await this.echo(u32(values.length), name);
    this.checkStatus(name, await this.readStatus(name));
    for (const value of values) await this.echo(width === 32 ? u32(value) : u16(value), name);
    this.checkStatus(name, await this.readStatus(name));
  }

  /** the chip's watchdog-disable writes (reference §2.7); false when the chip keeps its watchdog */
  async disableWatchdog(chip: ChipInfo): Promise<boolean> {
    const writes: readonly RegisterWrite[] = chip.watchdogDisable;
    for (const w of writes) await this.write(w.address, [w.value], w.width);
    return writes.length > 0;
  }

  /** disableWatchdog, with a refused write (a status before any value was sent) reported instead of thrown */
  private async tryDisableWatchdog(
    chip: ChipInfo,
  ): Promise<{ watchdogDisabled: boolean; watchdogRefusal: number | null }> {
    try {
      return { watchdogDisabled: await this.disableWatchdog(chip), watchdogRefusal: null };
    } catch (error) {
      if (!(error instanceof BromStatusError)) throw error;
      return { watchdogDisabled: false, watchdogRefusal: error.status };
    }
  }

  /** 0xE1 */
  getMeId(): Promise<Uint8Array> {
    return this.readIdBlob('GET_ME_ID');
  }

  /** 0xE7 */
  getSocId(): Promise<Uint8Array> {
    return this.readIdBlob('GET_SOC_ID');
  }

  /**
   * 0xD7: uploads `data` (DA body followed by its `signatureLength`-byte signature) to `address` and checks the
   * XOR-16 checksum the phone computed.
   */
  async sendDa(address: number, data: Uint8Array, signatureLength = 0): Promise<void> {
    const name = 'SEND_DA';
    await this.command(name);
    await this.echo(u32(address), name);
    await this.echo(u32(data.length), name);
    await this.echo(u32(signatureLength), name);
    this.checkStatus(name, await this.readStatus(name));
    await this.upload(name, data);
  }

  /**
   * 0xE2: the DAA auth file, uploaded like a DA. Returns false when the phone says none is needed (0x1D0C); a
   * refused file is a BromStatusError (ERR_SIG_CHK_FAIL 0x6005 and its kin).
   */
  async sendAuth(file: Uint8Array): Promise<boolean> {
    const name = 'SEND_AUTH';
    await this.command(name);
    await this.echo(u32(file.length), name);
    const status = await this.readStatus(name);
    if (status === BromStatus.NO_AUTH_NEEDED) return false;
    this.checkStatus(name, status);
    await this.upload(name, file);
    return true;
  }

  /**
   * 0xE3: ← status (SLA_NOT_NEEDED: done), ← u32 challenge length, ← challenge, → u32 response length
   * (little-endian, as mtkclient sends it), ← u32 length, ← status, → response, ← u32 status. Returns false when
   * the phone needs no SLA.
   */
  async answerSla(respond: (challenge: Uint8Array) => Uint8Array): Promise<boolean> {
    const name = 'SLA';
    await this.command(name);
    const first = await this.readStatus(name);
    if (first === BromStatus.SLA_NOT_NEEDED) return false;
    this.checkStatus(name, first);
    const length = be32(await this.readBytes(4, name), 0);
    if (length === 0 || length > 0x400)
      throw this.syncError(name, `the phone announced a ${length}-byte challenge`);
    const response = respond(await this.readBytes(length, name));
    const announced = new Uint8Array(4);
    new DataView(announced.buffer).setUint32(0, response.length, true);
    await this.transport.write(announced);
    await this.readBytes(4, name);
    this.checkStatus(name, await this.readStatus(name));
    await this.transport.write(response);
    this.checkStatus(name, be32(await this.readBytes(4, name), 0));
    return true;
  }

  /** the data phase of SEND_DA and SEND_AUTH: packets, zero-length packets, ← u16 checksum, ← u16 status */
  private async upload(name: string, data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += UPLOAD_PACKET) {
      await this.transport.write(data.subarray(at, Math.min(at + UPLOAD_PACKET, data.length)));
      const sent = Math.min(at + UPLOAD_PACKET, data.length);
      if (sent % ZLP_INTERVAL === 0 && sent < data.length) await this.transport.sendZeroLengthPacket?.();
    }
    await this.transport.sendZeroLengthPacket?.();
    const reply = await this.readBytes(4, name);
    const checksum = be16(reply, 0);
    this.checkStatus(name, be16(reply, 2));
    const expected = xor16Checksum(data);
    // a phone answering 0 does not report its checksum (mtkclient ignores it too)
    if (checksum !== 0 && checksum !== expected) {
      throw new RomctlError(
        `${name}: the phone computed checksum 0x${hex4(checksum)}, the data sent has 0x${hex4(expected)}`,
        {
          exitCode: ExitCode.device,
          where: this.transport.description,
          hint: 'bytes were lost or changed on the way: use another cable or port and start again',
        },
      );
    }
  }

  /** 0xD5: the address goes out unechoed and comes back as a u32 that must match, then a status word */
  async jumpDa(address: number): Promise<void> {
    const name = 'JUMP_DA';
    await this.command(name);
    await this.transport.write(u32(address));
    const reply = await this.readBytes(4, name);
    if (be32(reply, 0) !== address >>> 0) {
      throw this.syncError(
        name,
        `sent address 0x${hex8(address)}, the phone answered 0x${hex8(be32(reply, 0))}`,
      );
    }
    this.checkStatus(name, await this.readStatus(name));
  }

  /**
   * The usual identification sequence (reference §2.8): hw code → watchdog off → target config → BROM or
   * preloader → BROM version (BROM only) → sub code / versions → ME id → SoC id (chips that have one).
   */
  async identify(options: { disableWatchdog?: boolean } = {}): Promise<BromIdentity> {
    const { hwCode } = await this.getHwCode();
    const chip = chipForHwCode(hwCode);
    const watchdog =
      chip !== null && options.disableWatchdog !== false
        ? await this.tryDisableWatchdog(chip)
        : { watchdogDisabled: false, watchdogRefusal: null };
    const targetConfig = await this.getTargetConfig();
    const { mode, preloaderVersion } = await this.getBlVersion();
    const bromVersion = mode === 'brom' ? await this.getBromVersion() : null;
    const versions = await this.getHwSwVersion();
    const meId = await this.getMeId();
    const socId =
      chip && (chip.socIdAddress !== null || chip.daProtocol === 'xml') ? await this.getSocId() : null;
    return {
      mode,
      hwCode,
      chip,
      ...versions,
      targetConfig,
      bromVersion,
      preloaderVersion,
      meId,
      socId,
      ...watchdog,
    };
  }

  private async readIdBlob(name: 'GET_ME_ID' | 'GET_SOC_ID'): Promise<Uint8Array> {
    await this.command(name);
    const length = be32(await this.readBytes(4, name), 0);
    if (length > 0x100) throw this.syncError(name, `the phone announced a ${length}-byte id`);
    const id = await this.readBytes(length, name);
    // mtkclient decodes this status little-endian; success is 0 either way
    this.checkStatus(name, await this.readStatus(name));
    return id;
  }

  private async command(name: keyof typeof BromCommand): Promise<void> {
    await this.echo(Uint8Array.of(BromCommand[name]), name);
  }

  private async echo(bytes: Uint8Array, name: string): Promise<void> {
    await this.transport.write(bytes);
    const back = await this.readBytes(bytes.length, name);
    if (!back.every((b, i) => b === bytes[i])) {
      throw this.syncError(name, `sent ${hexBytes(bytes)}, the phone echoed ${hexBytes(back)}`);
    }
  }

  private async readBytes(length: number, name: string): Promise<Uint8Array> {
    try {
      return await this.transport.read(length, this.timeoutMs);
    } catch (error) {
      if (error instanceof TransportError) {
        throw new TransportError(error.failure, `${name}: ${error.message}`, {
          where: this.transport.description,
          hint: error.hint,
          cause: error,
        });
      }
      throw error;
    }
  }

  private async readStatus(name: string): Promise<number> {
    return be16(await this.readBytes(2, name), 0);
  }

  private checkStatus(name: string, status: number): void {
    if (!isSuccessStatus(status)) throw new BromStatusError(name, status, this.transport.description);
  }

  private syncError(name: string, detail: string): RomctlError {
    return new RomctlError(`${name}: protocol out of step: ${detail}`, {
      exitCode: ExitCode.device,
      where: this.transport.description,
      hint: 'unplug the phone, plug it in again in BROM or preloader mode and start again',
    });
  }
}

function ignoreTimeout(error: unknown): null {
  if (error instanceof TransportError && error.failure === 'timeout') return null;
  throw error;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const hex2 = (v: number) => v.toString(16).padStart(2, '0');
const hex4 = (v: number) => v.toString(16).padStart(4, '0');
const hex8 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, hex2).join(' ');
}
