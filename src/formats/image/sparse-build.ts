/** Writes Android sparse images from a chunk list: fixtures for tests and the ROM builder. */
import { ExitCode, RomctlError } from '../../errors.js';
import {
  SPARSE_CHUNK_HEADER_SIZE,
  SPARSE_CHUNK_TYPES,
  SPARSE_HEADER_SIZE,
  SPARSE_MAGIC,
  type SparseHeader,
} from '../sparse.js';

export type SparseChunkSpec =
  | { type: 'raw'; data: Uint8Array }
  | { type: 'fill'; blocks: number; pattern: number }
  | { type: 'dont-care'; blocks: number }
  | { type: 'crc32'; crc: number };

export interface SparseImageSpec {
  /** default 4096 */
  blockSize?: number;
  chunks: SparseChunkSpec[];
  /** header fields to state differently from what the chunks imply (for damaged fixtures) */
  override?: Partial<SparseHeader>;
}

/** RAW data must be a whole number of blocks; larger header sizes are padded with zeros. */
export function buildSparseImage(spec: SparseImageSpec): Uint8Array {
  const blockSize = spec.blockSize ?? 4096;
  const blocksOf = (chunk: SparseChunkSpec): number =>
    chunk.type === 'raw' ? chunk.data.length / blockSize : chunk.type === 'crc32' ? 0 : chunk.blocks;
  for (const chunk of spec.chunks) {
    if (!Number.isInteger(blocksOf(chunk))) {
      throw new RomctlError('RAW chunk data is not a whole number of blocks', {
        exitCode: ExitCode.internal,
      });
    }
  }
  const header: SparseHeader = {
    majorVersion: 1,
    minorVersion: 0,
    fileHeaderSize: SPARSE_HEADER_SIZE,
    chunkHeaderSize: SPARSE_CHUNK_HEADER_SIZE,
    blockSize,
    totalBlocks: spec.chunks.reduce((sum, chunk) => sum + blocksOf(chunk), 0),
    totalChunks: spec.chunks.length,
    imageChecksum: 0,
    ...spec.override,
  };
  const dataSize = (chunk: SparseChunkSpec): number =>
    chunk.type === 'raw' ? chunk.data.length : chunk.type === 'dont-care' ? 0 : 4;
  const parts: Uint8Array[] = [encodeSparseHeader(header)];
  for (const chunk of spec.chunks) {
    parts.push(encodeChunkHeader(chunk.type, blocksOf(chunk), dataSize(chunk), header.chunkHeaderSize));
    if (chunk.type === 'raw') parts.push(chunk.data);
    else if (chunk.type !== 'dont-care') {
      const value = new Uint8Array(4);
      new DataView(value.buffer).setUint32(0, chunk.type === 'fill' ? chunk.pattern : chunk.crc, true);
      parts.push(value);
    }
  }
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The file header (padded to `fileHeaderSize`), for writers that stream chunk data themselves. */
export function encodeSparseHeader(header: SparseHeader): Uint8Array {
  const out = new Uint8Array(header.fileHeaderSize);
  const view = new DataView(out.buffer);
  view.setUint32(0, SPARSE_MAGIC, true);
  view.setUint16(4, header.majorVersion, true);
  view.setUint16(6, header.minorVersion, true);
  view.setUint16(8, header.fileHeaderSize, true);
  view.setUint16(10, header.chunkHeaderSize, true);
  view.setUint32(12, header.blockSize, true);
  view.setUint32(16, header.totalBlocks, true);
  view.setUint32(20, header.totalChunks, true);
  view.setUint32(24, header.imageChecksum, true);
  return out;
}

/** One chunk header (padded to `chunkHeaderSize`); `dataSize` is the bytes that follow it in the file. */
export function encodeChunkHeader(
  type: keyof typeof SPARSE_CHUNK_TYPES,
  blocks: number,
  dataSize: number,
  chunkHeaderSize = SPARSE_CHUNK_HEADER_SIZE,
): Uint8Array {
  const out = new Uint8Array(chunkHeaderSize);
  const view = new DataView(out.buffer);
  view.setUint16(0, SPARSE_CHUNK_TYPES[type], true);
  view.setUint32(4, blocks, true);
  view.setUint32(8, chunkHeaderSize + dataSize, true);
  return out;
}
