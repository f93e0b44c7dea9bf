import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const readSize = 4 << 20;

/**
 * The sha256 (and md5) of a file being written, from byte 0 in order. Bytes written at the hashed frontier are
 * hashed from memory as they are written, so a plain download is hashed in the same pass that writes it. Bytes
 * already on disk ahead of the frontier — a kept prefix on resume, parallel ranges that arrived early — are read
 * back once, when the frontier reaches them. A write that lands on bytes already hashed (a range retried from its
 * start, or racing a read-back) makes the digest start over from the file, so it always describes what is on disk.
 */
export class PrefixDigest {
  private sha256: Hash = createHash('sha256');
  private md5: Hash | undefined;
  /** bytes [0, hashed) are in the hashes */
  private hashed = 0;
  /** written extents beyond the frontier, as [start, end) runs, sorted and merged */
  private extents: [number, number][] = [];
  /** the read-back in progress and its range, if any */
  private reading: Promise<void> | undefined;
  private readingRange: [number, number] | undefined;
  private stale = false;
  private stopped = false;
  private failure: unknown;
  private buffer: Buffer | undefined;
  /** bytes read back from the file instead of hashed as they were written */
  readBack = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly wantMd5: boolean,
  ) {
    this.md5 = wantMd5 ? createHash('md5') : undefined;
  }

  /** Bytes [start, end) are on disk already (kept by an earlier run): they are read back when reached. */
  have(start: number, end: number): void {
    if (end > start) this.addExtent(start, end);
  }

  /** `buffers` were just written at `position`. */
  wrote(position: number, buffers: readonly Buffer[]): void {
    let length = 0;
    for (const buffer of buffers) length += buffer.length;
    const end = position + length;
    const range = this.readingRange;
    if (position < this.hashed || (range !== undefined && position < range[1] && end > range[0])) {
      this.stale = true;
    }
    if (position === this.hashed && this.reading === undefined && !this.stale) {
      for (const buffer of buffers) this.update(buffer);
      this.hashed = end;
      this.absorbExtents();
      return;
    }
    this.addExtent(position, end);
  }

  /**
   * Starts reading back, in the background, whatever contiguous bytes lie ahead of the frontier; the promise
   * (which never rejects: a failure is thrown by `finish`) settles when this read is done.
   */
  catchUp(): Promise<void> {
    if (this.reading !== undefined || this.failure !== undefined || this.stopped) return Promise.resolve();
    if (this.stale) this.restart();
    const target = this.contiguousEnd();
    if (target <= this.hashed) return Promise.resolve();
    this.readingRange = [this.hashed, target];
    const reading = this.readTo(target)
      .catch((error: unknown) => {
        this.failure = error;
      })
      .finally(() => {
        this.reading = undefined;
        this.readingRange = undefined;
        this.absorbExtents();
        void this.catchUp();
      });
    this.reading = reading;
    return reading;
  }

  /** The digests of bytes [0, length), every one of which is now on disk. */
  async finish(length: number): Promise<{ sha256: string; md5?: string }> {
    while (this.reading !== undefined) await this.reading;
    if (this.failure !== undefined) throw this.failure;
    if (this.stale || this.hashed > length) this.restart();
    this.readingRange = [this.hashed, length];
    await this.readTo(length);
    this.readingRange = undefined;
    const sha256 = this.sha256.digest('hex');
    return this.md5 === undefined ? { sha256 } : { sha256, md5: this.md5.digest('hex') };
  }

  /** Stops reading back and waits for a read under way, so the file can be truncated or closed. */
  async settled(): Promise<void> {
    this.stopped = true;
    while (this.reading !== undefined) await this.reading;
  }

  private async readTo(target: number): Promise<void> {
    this.buffer ??= Buffer.allocUnsafe(readSize);
    while (this.hashed < target) {
      const want = Math.min(this.buffer.length, target - this.hashed);
      const { bytesRead } = await this.handle.read(this.buffer, 0, want, this.hashed);
      if (bytesRead === 0) throw new Error('the partial file is shorter than the bytes written to it');
      this.update(this.buffer.subarray(0, bytesRead));
      this.hashed += bytesRead;
      this.readBack += bytesRead;
    }
  }

  private update(bytes: Buffer): void {
    this.sha256.update(bytes);
    this.md5?.update(bytes);
  }

  /** Forgets everything hashed: the file is read again from byte 0. */
  private restart(): void {
    this.sha256 = createHash('sha256');
    this.md5 = this.wantMd5 ? createHash('md5') : undefined;
    if (this.hashed > 0) this.addExtent(0, this.hashed);
    this.hashed = 0;
    this.stale = false;
  }

  /** The end of the written bytes running on without a gap from the frontier. */
  private contiguousEnd(): number {
    let end = this.hashed;
    for (const [start, stop] of this.extents) {
      if (start > end) break;
      end = Math.max(end, stop);
    }
    return end;
  }

  private absorbExtents(): void {
    this.extents = this.extents
      .filter(([, stop]) => stop > this.hashed)
      .map(([start, stop]) => [Math.max(start, this.hashed), stop]);
  }

  private addExtent(start: number, end: number): void {
    const merged: [number, number][] = [];
    let current: [number, number] = [start, end];
    for (const extent of this.extents) {
      if (extent[1] < current[0] || extent[0] > current[1]) merged.push(extent);
      else current = [Math.min(extent[0], current[0]), Math.max(extent[1], current[1])];
    }
    merged.push(current);
    this.extents = merged.sort((a, b) => a[0] - b[0]);
  }
}
