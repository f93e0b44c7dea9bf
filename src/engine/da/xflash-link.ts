/**
 * XFlash framing over a Transport: every transfer is a 12-byte header (magic 0xFEEEEEEF, data type, payload
 * length; little-endian) and the payload. Used by the host client and by the simulated phone's DA alike.
 */
import { ExitCode, RomctlError } from '../../errors.js';
import type { Transport } from '../transport/types.js';
import { DaStatusError } from './da-status.js';
import { DataType, FRAME_HEADER_SIZE, Status, XFLASH_MAGIC } from './xflash-protocol.js';

/** no legitimate frame (DA2, a data packet) comes near this; a larger length means the stream is garbage */
export const MAX_FRAME_PAYLOAD = 64 * 1024 * 1024;

export function protocolError(message: string, where: string, cause?: unknown): RomctlError {
  return new RomctlError(message, {
    exitCode: ExitCode.device,
    where,
    hint: 'the DA link is out of step: unplug the phone, hold the download-mode keys and start again',
    cause,
  });
}

export function encodeFrameHeader(length: number, type: number = DataType.protocolFlow): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_SIZE);
  const view = new DataView(header.buffer);
  view.setUint32(0, XFLASH_MAGIC, true);
  view.setUint32(4, type, true);
  view.setUint32(8, length, true);
  return header;
}

/** Checks a received header; anything but the magic, a known data type and a sane length is a protocol error. */
export function decodeFrameHeader(
  header: Uint8Array,
  where: string,
  maxLength = MAX_FRAME_PAYLOAD,
): { type: number; length: number } {
  if (header.length !== FRAME_HEADER_SIZE)
    throw protocolError(`short frame header (${header.length} bytes)`, where);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== XFLASH_MAGIC) {
    throw protocolError(
      `bad frame magic 0x${magic.toString(16).padStart(8, '0')} (expected 0xfeeeeeef)`,
      where,
    );
  }
  const type = view.getUint32(4, true);
  if (type !== DataType.protocolFlow && type !== DataType.message)
    throw protocolError(`unknown frame type ${type}`, where);
  const length = view.getUint32(8, true);
  if (length > maxLength)
    throw protocolError(`frame of ${length} bytes exceeds the ${maxLength} expected`, where);
  return { type, length };
}

export function u32le(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return bytes;
}

export function readU32le(bytes: Uint8Array, at = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
}

export interface XFlashLinkOptions {
  /** u32 frames (commands, acks) go out as one write of header + payload instead of two */
  oneWriteU32?: boolean;
}

export class XFlashLink {
  constructor(
    readonly transport: Transport,
    /** per reply; long steps pass their own */
    readonly timeoutMs: number,
    readonly where: string,
    private readonly options: XFlashLinkOptions = {},
  ) {}

  async send(payload: Uint8Array, type: number = DataType.protocolFlow): Promise<void> {
    await this.transport.write(encodeFrameHeader(payload.length, type));
    if (payload.length > 0) await this.transport.write(payload);
  }

  sendU32(value: number): Promise<void> {
    if (!this.options.oneWriteU32) return this.send(u32le(value));
    return this.transport.write(Buffer.concat([encodeFrameHeader(4), u32le(value)]));
  }

  async readFrame(maxLength = MAX_FRAME_PAYLOAD, timeoutMs = this.timeoutMs): Promise<Uint8Array> {
    const { length } = decodeFrameHeader(
      await this.transport.read(FRAME_HEADER_SIZE, timeoutMs),
      this.where,
      maxLength,
    );
    return length === 0 ? new Uint8Array(0) : this.transport.read(length, timeoutMs);
  }

  /** A status frame: u16 or u32, 0 = OK (mtkclient also takes the magic itself as OK). */
  async readStatus(timeoutMs = this.timeoutMs): Promise<number> {
    const payload = await this.readFrame(8, timeoutMs);
    return statusOf(payload, this.where);
  }

  async expectOk(step: string, timeoutMs = this.timeoutMs): Promise<void> {
    const status = await this.readStatus(timeoutMs);
    if (status !== Status.OK) throw new DaStatusError(status, step, this.where);
  }

  async readU32(what: string, timeoutMs = this.timeoutMs): Promise<number> {
    const payload = await this.readFrame(8, timeoutMs);
    if (payload.length !== 4)
      throw protocolError(`${what}: expected a 4-byte frame, got ${payload.length}`, this.where);
    return readU32le(payload);
  }
}

export function statusOf(payload: Uint8Array, where: string): number {
  if (payload.length === 2) return payload[0]! | (payload[1]! << 8);
  if (payload.length === 4) {
    const value = readU32le(payload);
    return value === XFLASH_MAGIC ? Status.OK : value;
  }
  throw protocolError(`expected a 2- or 4-byte status frame, got ${payload.length} bytes`, where);
}
