import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { SourceError } from './source-error.js';

export interface SinkOptions {
  handle: FileHandle;
  position: number;
  /** the file offset no byte may reach: a body running past it is cut off */
  end: number;
  /** called only after the bytes are on disk, so the partial's length never runs ahead of the file */
  onWritten: (bytes: number) => void;
}

/** Writes a response body at a file position, refusing bytes beyond `end`. */
export class FileSink extends Writable {
  private position: number;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly options: SinkOptions) {
    super({ highWaterMark: 4 << 20 });
    this.position = options.position;
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.track(this.writeAll(chunks.map((entry) => entry.chunk)), callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.track(this.writeAll([chunk]), callback);
  }

  /**
   * Resolves once no write is in flight. A failed pipeline destroys the sink without waiting for the file
   * write under way; awaiting this before the next attempt keeps the partial's length exact.
   */
  settled(): Promise<void> {
    return this.inFlight;
  }

  private track(write: Promise<void>, callback: (error?: Error | null) => void): void {
    this.inFlight = write.then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    const total = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    if (this.position + total > this.options.end) {
      throw new SourceError(`server sent more than the expected ${this.options.end} bytes`, 'bad-bytes');
    }
    let written = 0;
    while (written < total) {
      const rest = written === 0 ? buffers : [Buffer.concat(buffers).subarray(written)];
      const { bytesWritten } = await this.options.handle.writev(rest, this.position + written);
      written += bytesWritten;
    }
    this.position += total;
    this.options.onWritten(total);
  }
}
