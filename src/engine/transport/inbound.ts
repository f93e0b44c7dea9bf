import { TransportError } from './types.js';

interface PendingRead {
  length: number;
  resolve(bytes: Uint8Array): void;
  reject(error: TransportError): void;
  timer: NodeJS.Timeout | undefined;
}

const CLOSED_HINT =
  'the link went away (cable pulled, phone rebooted or port closed): reconnect and start again';

/**
 * Bytes that have arrived on a link and not been read yet, with exact-length reads served in order. Every
 * transport pushes what it receives here, so timeouts and close behave the same on serial, pty and memory links.
 * Bytes that arrived before the link closed can still be read.
 */
export class Inbound {
  private chunks: Uint8Array[] = [];
  /** read position inside chunks[0] */
  private head = 0;
  private buffered = 0;
  private readonly pending: PendingRead[] = [];
  private closedWhy: string | null = null;

  constructor(private readonly where: string) {}

  get closed(): boolean {
    return this.closedWhy !== null;
  }

  /**
   * Takes ownership of `bytes` (the caller never changes them afterwards). A piece that continues the last one in
   * the same memory (successive reads into one read pool) extends it, so a frame that arrived in many small reads
   * is usually handed out as one view, without a copy.
   */
  push(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    const last = this.chunks.at(-1);
    if (last && last.buffer === bytes.buffer && last.byteOffset + last.byteLength === bytes.byteOffset) {
      this.chunks[this.chunks.length - 1] = new Uint8Array(
        last.buffer,
        last.byteOffset,
        last.byteLength + bytes.byteLength,
      );
    } else this.chunks.push(bytes);
    this.buffered += bytes.length;
    this.serve();
  }

  read(length: number, timeoutMs: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`read length ${length}`);
    if (this.pending.length === 0 && this.buffered >= length) return Promise.resolve(this.take(length));
    if (this.closedWhy !== null) return Promise.reject(this.closedError(length, this.closedWhy));
    return new Promise((resolve, reject) => {
      const read: PendingRead = { length, resolve, reject, timer: undefined };
      if (Number.isFinite(timeoutMs)) {
        read.timer = setTimeout(() => {
          this.pending.splice(this.pending.indexOf(read), 1);
          reject(
            new TransportError(
              'timeout',
              `no reply: waited ${timeoutMs} ms for ${length} byte(s), ${this.buffered} came`,
              {
                where: this.where,
                hint: 'the phone stopped answering: check the cable and the phone mode (romctl detect), then retry',
              },
            ),
          );
        }, timeoutMs);
      }
      this.pending.push(read);
    });
  }

  discard(): void {
    this.chunks = [];
    this.head = 0;
    this.buffered = 0;
  }

  /** fails every read the buffered bytes cannot satisfy */
  close(why: string): void {
    if (this.closedWhy !== null) return;
    this.closedWhy = why;
    for (const read of this.pending.splice(0)) {
      clearTimeout(read.timer);
      read.reject(this.closedError(read.length, why));
    }
  }

  private closedError(length: number, why: string): TransportError {
    return new TransportError('closed', `${why} while waiting for ${length} byte(s)`, {
      where: this.where,
      hint: CLOSED_HINT,
    });
  }

  private serve(): void {
    while (this.pending.length > 0 && this.buffered >= (this.pending[0] as PendingRead).length) {
      const read = this.pending.shift() as PendingRead;
      clearTimeout(read.timer);
      read.resolve(this.take(read.length));
    }
  }

  /** a view when the bytes lie in one piece, else a copy of the pieces they span */
  private take(length: number): Uint8Array {
    this.buffered -= length;
    const first = this.chunks[0];
    if (first && first.length - this.head >= length) return this.advance(length);
    const out = new Uint8Array(length);
    for (let filled = 0; filled < length;) {
      const piece = this.advance(
        Math.min(length - filled, (this.chunks[0] as Uint8Array).length - this.head),
      );
      out.set(piece, filled);
      filled += piece.length;
    }
    return out;
  }

  /** the next `n` bytes of chunks[0] (n fits in it), consumed */
  private advance(n: number): Uint8Array {
    const chunk = this.chunks[0] as Uint8Array;
    const piece = chunk.subarray(this.head, this.head + n);
    this.head += n;
    if (this.head === chunk.length) {
      this.chunks.shift();
      this.head = 0;
    }
    return piece;
  }
}

export function closedLinkError(where: string, what: string): TransportError {
  return new TransportError('closed', `${what}: the link is closed`, { where, hint: CLOSED_HINT });
}
