/**
 * XML (V6) DA framing over a Transport (reference §4.5): XFlash's 12-byte frame header (xflash-link.ts) around a
 * NUL-terminated text — a document, a short reply (`OK`, `OK@0x…`, `ERR!…`, `OK!EOT`) — or raw data. DT_MESSAGE
 * frames (u32 priority + a log line, the header length counting both) can come before any flow frame: they are
 * consumed and handed to the log.
 */
import type { Transport } from '../transport/types.js';
import { parseDaDocument, type DaDocument } from './xml-documents.js';
import { Reply } from './xml-protocol.js';
import {
  decodeFrameHeader,
  encodeFrameHeader,
  MAX_FRAME_PAYLOAD,
  protocolError,
  readU32le,
} from './xflash-link.js';
import { DataType, FRAME_HEADER_SIZE } from './xflash-protocol.js';

/** a DA log line is short; a longer message frame means the stream is garbage */
const MAX_LOG_FRAME = 64 * 1024;
/** replies and documents are short; the largest is a DA file such as the hardware info */
export const MAX_TEXT_FRAME = 0x200000;

export type XmlReply =
  | { kind: 'ok'; value: bigint | null }
  | { kind: 'error'; text: string }
  | { kind: 'eot' }
  | { kind: 'progress'; percent: number | null; text: string }
  | { kind: 'document'; document: DaDocument };

export type DaLogSink = (priority: number, line: string) => void;

/** The text of a flow frame: UTF-8 up to the first NUL. */
export function frameText(payload: Uint8Array): string {
  const end = payload.indexOf(0);
  return Buffer.from(payload.buffer, payload.byteOffset, end < 0 ? payload.length : end).toString('utf8');
}

/** Reads one DA reply or document (the decoder the fuzz tests drive). */
export function decodeReply(payload: Uint8Array, where: string): XmlReply {
  const text = frameText(payload).trim();
  if (text.startsWith('<')) return { kind: 'document', document: parseDaDocument(text, where) };
  if (text === Reply.OK) return { kind: 'ok', value: null };
  if (text.startsWith(`${Reply.OK}@`)) {
    const value = text.slice(3);
    if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(value))
      throw protocolError(`the DA replied '${shorten(text)}': not a number after OK@`, where);
    return { kind: 'ok', value: BigInt(value) };
  }
  if (text === Reply.EOT) return { kind: 'eot' };
  if (text.startsWith(Reply.PROGRESS_PREFIX)) {
    const percent = Number(text.slice(Reply.PROGRESS_PREFIX.length));
    return { kind: 'progress', percent: Number.isInteger(percent) ? percent : null, text };
  }
  if (text.startsWith('OK!')) return { kind: 'progress', percent: null, text };
  if (text.startsWith(Reply.ERROR_PREFIX)) return { kind: 'error', text };
  throw protocolError(`the DA sent '${shorten(text)}' where a reply or document belongs`, where);
}

export function shorten(text: string, max = 80): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

const encoder = new TextEncoder();

/**
 * A host ack: `OK` or `OK@0x<hex>` (mtkclient `ack`, `ack_value`). mtkclient's texts already end in a NUL and its
 * `xsend` adds the terminator again, so its acks go out as `OK\0\0` (4 bytes): we send the same bytes.
 */
export function encodeAck(value?: bigint | number): Uint8Array {
  const text = value === undefined ? Reply.OK : `${Reply.OK}@0x${value.toString(16)}`;
  return encoder.encode(`${text}\0\0`);
}

/** a command document as sent: its UTF-8 text and one terminating NUL (mtkclient `xsend` of a str) */
export function encodeText(text: string): Uint8Array {
  return encoder.encode(`${text}\0`);
}

export class XmlLink {
  constructor(
    readonly transport: Transport,
    /** per reply; long steps pass their own */
    readonly timeoutMs: number,
    readonly where: string,
    private readonly log: DaLogSink = () => {},
  ) {}

  async send(payload: Uint8Array): Promise<void> {
    await this.transport.write(Buffer.concat([encodeFrameHeader(payload.length), payload]));
  }

  sendText(text: string): Promise<void> {
    return this.send(encodeText(text));
  }

  ack(value?: bigint | number): Promise<void> {
    return this.send(encodeAck(value));
  }

  /** the next DT_PROTOCOL_FLOW payload; log frames before it are consumed */
  async readFlow(maxLength: number, timeoutMs = this.timeoutMs): Promise<Uint8Array> {
    for (;;) {
      const header = await this.transport.read(FRAME_HEADER_SIZE, timeoutMs);
      const { type, length } = decodeFrameHeader(header, this.where, MAX_FRAME_PAYLOAD);
      if (type === DataType.message) {
        if (length < 4 || length > MAX_LOG_FRAME)
          throw protocolError(`a DA log frame of ${length} bytes`, this.where);
        const body = await this.transport.read(length, timeoutMs);
        this.log(readU32le(body), frameText(body.subarray(4)).trimEnd());
        continue;
      }
      if (length > maxLength)
        throw protocolError(`frame of ${length} bytes exceeds the ${maxLength} expected`, this.where);
      return length === 0 ? new Uint8Array(0) : this.transport.read(length, timeoutMs);
    }
  }

  async readReply(timeoutMs = this.timeoutMs): Promise<XmlReply> {
    return decodeReply(await this.readFlow(MAX_TEXT_FRAME, timeoutMs), this.where);
  }
}
