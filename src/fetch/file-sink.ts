import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { SourceError } from './source-error.js';

export interface SinkOptions {
  handle: FileHandle;
  position: number;
  /** the file offset no byte may reach: a body running past it is cut off */
  end: number;
  /**
   * called only after the bytes are on disk, with the very buffers written, so the partial's length never runs
   * ahead of the file and the digest is of the bytes that were written
   */
  onWritten: (position: number, buffers: readonly Buffer[], bytes: number) => void;
}

/** Network chunks are gathered up to this much and written with one writev… */
const writeAtLeast = 1 << 20;
/** …or written once no chunk came for this long, so a stalled body's bytes are on disk, not in memory. */
const idleFlushMs = 20;

/** Writes a response body at a file position in large writes, refusing bytes beyond `end`. */
export class FileSink extends Writable {
  private position: number;
  private accepted: number;
  private gathered: Buffer[] = [];
  private gatheredBytes = 0;
  /** the writes, one after another: each takes everything gathered when its turn comes */
  private inFlight: Promise<void> = Promise.resolve();
  private idle: NodeJS.Timeout | undefined;
  /** a write failed: later bytes would land after a gap, so nothing more is written */
  private failure: Error | undefined;

  constructor(private readonly options: SinkOptions) {
    super({ highWaterMark: 4 << 20 });
    this.position = options.position;
    this.accepted = options.position;
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.gather(
      chunks.map((entry) => entry.chunk),
      callback,
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.gather([chunk], callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    void this.queueFlush().then(() => callback(this.failure));
  }

  /** A body cut off mid-way still keeps what arrived: the gathered bytes are written before the sink closes. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.queueFlush().then(() => callback(error ?? this.failure));
  }

  /**
   * Resolves once no write is in flight. A failed pipeline destroys the sink without waiting for the file
   * write under way; awaiting this before the next attempt keeps the partial's length exact.
   */
  settled(): Promise<void> {
    return this.inFlight;
  }

  private gather(buffers: Buffer[], callback: (error?: Error | null) => void): void {
    if (this.failure !== undefined) {
      callback(this.failure);
      return;
    }
    for (const buffer of buffers) this.accepted += buffer.length;
    if (this.accepted > this.options.end) {
      callback(new SourceError(`server sent more than the expected ${this.options.end} bytes`, 'bad-bytes'));
      return;
    }
    this.gathered.push(...buffers);
    for (const buffer of buffers) this.gatheredBytes += buffer.length;
    if (this.gatheredBytes >= writeAtLeast) {
      void this.queueFlush().then(() => callback(this.failure));
      return;
    }
    this.idle ??= setTimeout(() => void this.queueFlush(), idleFlushMs);
    callback();
  }

  private queueFlush(): Promise<void> {
    clearTimeout(this.idle);
    this.idle = undefined;
    this.inFlight = this.inFlight.then(() => this.flush());
    return this.inFlight;
  }

  /** Writes everything gathered; never rejects (a failure is kept and stops every later write). */
  private async flush(): Promise<void> {
    const buffers = this.gathered;
    const total = this.gatheredBytes;
    this.gathered = [];
    this.gatheredBytes = 0;
    if (total === 0 || this.failure !== undefined) return;
    // a trickle of tiny chunks is copied into one buffer rather than handed to writev piece by piece
    const pieces = buffers.length > 64 ? [Buffer.concat(buffers, total)] : buffers;
    try {
      let written = 0;
      while (written < total) {
        const rest = written === 0 ? pieces : [Buffer.concat(pieces).subarray(written)];
        const { bytesWritten } = await this.options.handle.writev(rest, this.position + written);
        written += bytesWritten;
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      return;
    }
    const at = this.position;
    this.position += total;
    this.options.onWritten(at, pieces, total);
  }
}
