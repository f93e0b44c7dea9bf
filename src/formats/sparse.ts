/**
 * Android sparse image (libsparse `sparse_format.h`, reference §8.1), read incrementally: bytes are pushed in any
 * chunk sizes, the structure is validated as it streams by, and RAW payloads are passed on (or skipped), never
 * buffered — so a 2 GiB system.img costs a few dozen bytes of state.
 */
import { RomctlError } from '../errors.js';
import { hex, u16le, u32le } from './image/le.js';

export const SPARSE_MAGIC = 0xed26ff3a;
export const SPARSE_HEADER_SIZE = 28;
export const SPARSE_CHUNK_HEADER_SIZE = 12;

export const SPARSE_CHUNK_TYPES = {
  raw: 0xcac1,
  fill: 0xcac2,
  'dont-care': 0xcac3,
  crc32: 0xcac4,
} as const;

export type SparseChunkType = keyof typeof SPARSE_CHUNK_TYPES;

const TYPE_BY_CODE = new Map<number, SparseChunkType>(
  Object.entries(SPARSE_CHUNK_TYPES).map(([name, code]) => [code, name as SparseChunkType]),
);

export interface SparseHeader {
  majorVersion: number;
  minorVersion: number;
  fileHeaderSize: number;
  chunkHeaderSize: number;
  blockSize: number;
  totalBlocks: number;
  totalChunks: number;
  /** CRC32 of the expanded data as the header states it (usually 0: unused) */
  imageChecksum: number;
}

export interface SparseChunk {
  /** 0-based position in the file */
  index: number;
  type: SparseChunkType;
  /** output blocks this chunk covers (CRC32 chunks cover none) */
  blocks: number;
  /** first output block */
  outputBlock: number;
  /** byte offset of the chunk header in the sparse file */
  fileOffset: number;
  /** the FILL pattern or the CRC32 value (little-endian u32); null for RAW and DONT_CARE */
  value: number | null;
}

/**
 * What a consumer of the parsed stream hears, in file order: the header once validated; `chunk` comes once the chunk is known to be well
 * formed (for FILL/CRC32 after its 4-byte value); RAW payload bytes follow through `raw` in pieces that are views
 * of the pushed input (valid only during the call).
 */
export interface SparseSink {
  header?(header: SparseHeader): void;
  chunk?(chunk: SparseChunk): void;
  raw?(bytes: Uint8Array): void;
}

export interface SparseSummary extends SparseHeader {
  /** totalBlocks × blockSize: the size the image has once written */
  expandedSize: bigint;
  chunks: number;
  rawBlocks: number;
  fillBlocks: number;
  dontCareBlocks: number;
  crcChunks: number;
  /** bytes up to the end of the last chunk */
  sparseSize: number;
  /** bytes after the last declared chunk (flashing ignores them; a checker may warn) */
  trailingBytes: number;
}

export interface SparseReaderOptions {
  /** file name for error locations */
  name?: string;
  sink?: SparseSink;
}

type Phase =
  | 'file-header'
  | 'file-header-extra'
  | 'chunk-header'
  | 'chunk-header-extra'
  | 'chunk-data'
  | 'chunk-value'
  | 'done';

const HINT = 'the sparse image is damaged or truncated: download or unpack the package again';

export class SparseReader {
  private readonly name: string;
  private readonly sink: SparseSink;
  private phase: Phase = 'file-header';
  /** small fields are gathered here; at most 28 bytes are ever held */
  private readonly field = new Uint8Array(SPARSE_HEADER_SIZE);
  private need = SPARSE_HEADER_SIZE;
  private have = 0;
  /** bytes to pass over in the current skipping phase */
  private skip = 0;
  /** byte offset in the sparse file of the next byte pushed */
  private offset = 0;
  private header: SparseHeader | null = null;
  private current: SparseChunk | null = null;
  private chunkCount = 0;
  private nextBlock = 0;
  private readonly blocksByType: Record<SparseChunkType, number> = {
    raw: 0,
    fill: 0,
    'dont-care': 0,
    crc32: 0,
  };
  private crcChunks = 0;
  private sparseSize = 0;
  private trailingBytes = 0;
  private failure: RomctlError | null = null;

  constructor(options: SparseReaderOptions = {}) {
    this.name = options.name ?? 'sparse image';
    this.sink = options.sink ?? {};
  }

  push(bytes: Uint8Array): void {
    if (this.failure) throw this.failure;
    try {
      this.consume(bytes);
    } catch (error) {
      if (error instanceof RomctlError) this.failure = error;
      throw error;
    }
  }

  /** Declares the input complete; throws if the image is truncated or its chunks do not add up. */
  end(): SparseSummary {
    if (this.failure) throw this.failure;
    if (this.phase !== 'done') throw this.truncated();
    const header = this.header!;
    return {
      ...header,
      expandedSize: BigInt(header.totalBlocks) * BigInt(header.blockSize),
      chunks: this.chunkCount,
      rawBlocks: this.blocksByType.raw,
      fillBlocks: this.blocksByType.fill,
      dontCareBlocks: this.blocksByType['dont-care'],
      crcChunks: this.crcChunks,
      sparseSize: this.sparseSize,
      trailingBytes: this.trailingBytes,
    };
  }

  private consume(bytes: Uint8Array): void {
    let pos = 0;
    while (pos < bytes.length) {
      const left = bytes.length - pos;
      if (this.phase === 'done') {
        this.trailingBytes += left;
        this.offset += left;
        return;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, left);
        if (this.phase === 'chunk-data') this.sink.raw?.(bytes.subarray(pos, pos + n));
        this.skip -= n;
        pos += n;
        this.offset += n;
        if (this.skip === 0) this.afterSkip();
        continue;
      }
      const n = Math.min(this.need - this.have, left);
      this.field.set(bytes.subarray(pos, pos + n), this.have);
      this.have += n;
      pos += n;
      this.offset += n;
      if (this.have === this.need) this.afterField();
    }
  }

  private collect(phase: Phase, size: number): void {
    this.phase = phase;
    this.need = size;
    this.have = 0;
  }

  /** Enters a skipping phase; a zero-length one is finished at once. */
  private skipOver(phase: Phase, size: number): void {
    this.phase = phase;
    this.skip = size;
    if (size === 0) this.afterSkip();
  }

  private afterField(): void {
    if (this.phase === 'file-header') {
      this.header = this.parseHeader();
      this.sink.header?.(this.header);
      this.skipOver('file-header-extra', this.header.fileHeaderSize - SPARSE_HEADER_SIZE);
    } else if (this.phase === 'chunk-header') {
      this.readChunkHeader();
    } else {
      const chunk = this.current!;
      chunk.value = u32le(this.field, 0);
      this.finishChunk(chunk);
    }
  }

  private afterSkip(): void {
    if (this.phase === 'file-header-extra') this.nextChunkOrDone();
    else if (this.phase === 'chunk-header-extra') this.startChunkData();
    else this.finishChunk(this.current!);
  }

  private nextChunkOrDone(): void {
    const header = this.header!;
    if (this.chunkCount < header.totalChunks) {
      this.collect('chunk-header', SPARSE_CHUNK_HEADER_SIZE);
      return;
    }
    this.phase = 'done';
    this.sparseSize = this.offset;
    if (this.nextBlock !== header.totalBlocks) {
      throw this.error(
        `its ${header.totalChunks} chunks cover ${this.nextBlock} blocks, the header declares ${header.totalBlocks}`,
        this.offset,
      );
    }
  }

  private parseHeader(): SparseHeader {
    const f = this.field;
    const magic = u32le(f, 0);
    if (magic !== SPARSE_MAGIC) {
      throw this.error(`not an Android sparse image (magic ${hex(magic)}, expected ${hex(SPARSE_MAGIC)})`, 0);
    }
    const header: SparseHeader = {
      majorVersion: u16le(f, 4),
      minorVersion: u16le(f, 6),
      fileHeaderSize: u16le(f, 8),
      chunkHeaderSize: u16le(f, 10),
      blockSize: u32le(f, 12),
      totalBlocks: u32le(f, 16),
      totalChunks: u32le(f, 20),
      imageChecksum: u32le(f, 24),
    };
    if (header.majorVersion !== 1) throw this.error(`unsupported major version ${header.majorVersion}`, 4);
    if (header.fileHeaderSize < SPARSE_HEADER_SIZE) {
      throw this.error(`file header size ${header.fileHeaderSize} is below ${SPARSE_HEADER_SIZE}`, 8);
    }
    if (header.chunkHeaderSize < SPARSE_CHUNK_HEADER_SIZE) {
      throw this.error(
        `chunk header size ${header.chunkHeaderSize} is below ${SPARSE_CHUNK_HEADER_SIZE}`,
        10,
      );
    }
    if (header.blockSize === 0 || header.blockSize % 4 !== 0) {
      throw this.error(`block size ${header.blockSize} is not a positive multiple of 4`, 12);
    }
    return header;
  }

  private readChunkHeader(): void {
    const header = this.header!;
    const f = this.field;
    const index = this.chunkCount;
    const fileOffset = this.offset - SPARSE_CHUNK_HEADER_SIZE;
    const code = u16le(f, 0);
    const type = TYPE_BY_CODE.get(code);
    const where = `chunk ${index}`;
    if (type === undefined) throw this.error(`${where} has unknown type ${hex(code)}`, fileOffset);
    const blocks = u32le(f, 4);
    const totalSize = u32le(f, 8);
    const dataSize = totalSize - header.chunkHeaderSize;
    const expected = type === 'raw' ? blocks * header.blockSize : type === 'fill' || type === 'crc32' ? 4 : 0;
    if (dataSize !== expected) {
      throw this.error(
        `${where} (${type}, ${blocks} blocks) declares ${totalSize} bytes, expected ${expected + header.chunkHeaderSize}`,
        fileOffset,
      );
    }
    const covered = type === 'crc32' ? 0 : blocks;
    if (this.nextBlock + covered > header.totalBlocks) {
      throw this.error(
        `${where} reaches block ${this.nextBlock + covered}, past the ${header.totalBlocks} blocks the header declares`,
        fileOffset,
      );
    }
    this.current = { index, type, blocks: covered, outputBlock: this.nextBlock, fileOffset, value: null };
    this.skipOver('chunk-header-extra', header.chunkHeaderSize - SPARSE_CHUNK_HEADER_SIZE);
  }

  private startChunkData(): void {
    const chunk = this.current!;
    if (chunk.type === 'fill' || chunk.type === 'crc32') {
      this.collect('chunk-value', 4);
      return;
    }
    if (chunk.type === 'raw') this.sink.chunk?.(chunk);
    const size = chunk.type === 'raw' ? chunk.blocks * this.header!.blockSize : 0;
    this.skipOver('chunk-data', size);
  }

  private finishChunk(chunk: SparseChunk): void {
    if (chunk.type !== 'raw') this.sink.chunk?.(chunk);
    this.blocksByType[chunk.type] += chunk.blocks;
    if (chunk.type === 'crc32') this.crcChunks++;
    this.nextBlock += chunk.blocks;
    this.chunkCount++;
    this.current = null;
    this.nextChunkOrDone();
  }

  private truncated(): RomctlError {
    const inside =
      this.phase === 'file-header' || this.phase === 'file-header-extra'
        ? 'the file header'
        : `chunk ${this.chunkCount} of ${this.header!.totalChunks}`;
    const missing = this.skip > 0 ? this.skip : this.need - this.have;
    return this.error(`truncated inside ${inside}: ${missing} more bytes expected`, this.offset);
  }

  private error(message: string, offset: number): RomctlError {
    return new RomctlError(`sparse image: ${message} (byte ${hex(offset)})`, {
      where: `${this.name} @ ${hex(offset)}`,
      hint: HINT,
    });
  }
}
