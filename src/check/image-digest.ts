import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { RomctlError } from '../errors.js';
import { ByteSum16 } from '../formats/checksum-ini.js';
import { detectImageKind, IMAGE_HEAD_LENGTH, type ImageKind } from '../formats/image-kind.js';
import { SparseReader } from '../formats/sparse.js';
import type { ImageFacts } from './facts.js';

/** Preloaders are a few hundred KiB; anything kept whole beyond this is not one. */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

/**
 * Reads an image once and derives everything the rules need from the same bytes: sha256, the Checksum.ini byte
 * sum, the kind (from the first bytes), the sparse structure and expanded size. Memory stays bounded: only the
 * head (8 KiB) is held, plus the whole file when `keepWhole` asks for it (preloaders).
 */
export class ImageDigest {
  private readonly hash = createHash('sha256');
  private readonly sum = new ByteSum16();
  private size = 0n;
  private head: Uint8Array[] = [];
  private headLength = 0;
  private kind: ImageKind | null = null;
  private sparse: SparseReader | null = null;
  private sparseError: ImageFacts['sparseError'];
  private kept: Uint8Array[] | null;
  private keptLength = 0;

  constructor(
    private readonly path: string,
    keepWhole: boolean,
  ) {
    this.kept = keepWhole ? [] : null;
  }

  push(chunk: Uint8Array): void {
    this.hash.update(chunk);
    this.sum.push(chunk);
    this.size += BigInt(chunk.length);
    this.keep(chunk);
    if (this.kind === null) {
      this.head.push(chunk);
      this.headLength += chunk.length;
      if (this.headLength >= IMAGE_HEAD_LENGTH) this.decideKind();
    } else this.feedSparse(chunk);
  }

  finish(): ImageFacts {
    if (this.kind === null) this.decideKind();
    let writtenSize = this.size;
    let sentSize = this.size;
    if (this.sparse && !this.sparseError) {
      try {
        const summary = this.sparse.end();
        writtenSize = summary.expandedSize;
        sentSize = BigInt(summary.rawBlocks + summary.fillBlocks) * BigInt(summary.blockSize);
      } catch (error) {
        this.recordSparseError(error);
      }
    }
    return {
      path: this.path,
      size: this.size,
      sha256: this.hash.digest('hex'),
      byteSum16: this.sum.value,
      kind: this.kind ?? 'empty',
      writtenSize,
      sentSize,
      ...(this.sparseError ? { sparseError: this.sparseError } : {}),
      ...(this.kept ? { preloaderBytes: Buffer.concat(this.kept) } : {}),
    };
  }

  private keep(chunk: Uint8Array): void {
    if (!this.kept) return;
    this.keptLength += chunk.length;
    // too large to be a preloader: the preloader rules will say so from the size alone
    if (this.keptLength > MAX_KEPT_BYTES) this.kept = null;
    else this.kept.push(Buffer.from(chunk));
  }

  private decideKind(): void {
    const head = Buffer.concat(this.head);
    this.kind = detectImageKind(head.subarray(0, IMAGE_HEAD_LENGTH));
    this.head = [];
    if (this.kind === 'sparse') {
      this.sparse = new SparseReader({ name: this.path });
      this.feedSparse(head);
    }
  }

  private feedSparse(chunk: Uint8Array): void {
    if (!this.sparse || this.sparseError) return;
    try {
      this.sparse.push(chunk);
    } catch (error) {
      this.recordSparseError(error);
    }
  }

  private recordSparseError(error: unknown): void {
    if (!(error instanceof RomctlError)) throw error;
    this.sparseError = { message: error.where ? `${error.message} (${error.where})` : error.message };
  }
}

/** Digests a whole stream; a stream that fails midway (truncated entry) is reported, not thrown. */
export async function digestStream(
  path: string,
  stream: Readable,
  keepWhole: boolean,
  onBytes?: (bytes: number) => void,
): Promise<ImageFacts> {
  const digest = new ImageDigest(path, keepWhole);
  let read = 0;
  try {
    for await (const chunk of stream) {
      digest.push(chunk as Uint8Array);
      read += (chunk as Uint8Array).length;
      onBytes?.(read);
    }
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
    return { ...digest.finish(), readError: error.oneLine() };
  }
  return digest.finish();
}
