import { Worker } from 'node:worker_threads';

/**
 * The worker: hashes a file from byte 0 up to a frontier the main thread moves forward as bytes land on disk,
 * and posts the digest once told the final length. It reads the bytes back (from the page cache) rather than
 * receiving them, so nothing is copied between threads and the digest is of what was really written.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = createHash(workerData.algorithm);
const fd = openSync(workerData.path, 'r');
const buffer = Buffer.allocUnsafe(4 << 20);
let hashed = 0;
let frontier = 0;
let final = -1;
parentPort.on('message', (message) => {
  frontier = Math.max(frontier, message.frontier);
  if (message.final) final = message.frontier;
  try {
    while (hashed < frontier) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, frontier - hashed), hashed);
      if (read === 0) throw new Error('the partial file is shorter than the bytes written to it');
      hash.update(read === buffer.length ? buffer : buffer.subarray(0, read));
      hashed += read;
    }
    if (final === hashed) {
      closeSync(fd);
      parentPort.postMessage({ digest: hash.digest('hex') });
    }
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

const postEvery = 4 << 20;

/** One digest of a growing file, computed on another core while the download goes on. */
export class BackgroundDigest {
  private readonly worker: Worker;
  private readonly result: Promise<string>;
  private posted = 0;

  constructor(path: string, algorithm: 'sha256' | 'md5') {
    this.worker = new Worker(workerSource, { eval: true, workerData: { path, algorithm } });
    this.worker.unref();
    this.result = new Promise<string>((resolve, reject) => {
      this.worker.on('message', (message: { digest?: string; error?: string }) => {
        if (message.digest !== undefined) resolve(message.digest);
        else reject(new Error(`hashing failed: ${message.error ?? 'unknown error'}`));
        void this.worker.terminate();
      });
      this.worker.on('error', reject);
    });
    this.result.catch(() => undefined);
  }

  /** Bytes [0, frontier) of the file are final and may be hashed. */
  advance(frontier: number): void {
    if (frontier - this.posted < postEvery) return;
    this.posted = frontier;
    this.worker.postMessage({ frontier, final: false });
  }

  async finish(length: number): Promise<string> {
    this.worker.postMessage({ frontier: length, final: true });
    return this.result;
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** sha256 always, md5 too when the vendor checksum is all there is: each on its own thread. */
export class FileDigests {
  private readonly sha256: BackgroundDigest;
  private readonly md5: BackgroundDigest | undefined;

  constructor(path: string, wantMd5: boolean) {
    this.sha256 = new BackgroundDigest(path, 'sha256');
    this.md5 = wantMd5 ? new BackgroundDigest(path, 'md5') : undefined;
  }

  advance(frontier: number): void {
    this.sha256.advance(frontier);
    this.md5?.advance(frontier);
  }

  async finish(length: number): Promise<{ sha256: string; md5?: string }> {
    const [sha256, md5] = await Promise.all([this.sha256.finish(length), this.md5?.finish(length)]);
    return md5 === undefined ? { sha256 } : { sha256, md5 };
  }

  async stop(): Promise<void> {
    await Promise.all([this.sha256.stop(), this.md5?.stop()]);
  }
}
