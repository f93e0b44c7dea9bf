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
  const size =
    header.fileHeaderSize +
    spec.chunks.reduce((sum, chunk) => sum + header.chunkHeaderSize + dataSize(chunk), 0);
  const out = new Uint8Array(size);
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
  let at = header.fileHeaderSize;
  for (const chunk of spec.chunks) {
    view.setUint16(at, SPARSE_CHUNK_TYPES[chunk.type], true);
    view.setUint32(at + 4, blocksOf(chunk), true);
    view.setUint32(at + 8, header.chunkHeaderSize + dataSize(chunk), true);
    at += header.chunkHeaderSize;
    if (chunk.type === 'raw') out.set(chunk.data, at);
    else if (chunk.type === 'fill') view.setUint32(at, chunk.pattern, true);
    else if (chunk.type === 'crc32') view.setUint32(at, chunk.crc, true);
    at += dataSize(chunk);
  }
  return out;
}
