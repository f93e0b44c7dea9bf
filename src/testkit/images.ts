import { encodeChunkHeader, encodeSparseHeader } from '../formats/image/sparse-build.js';
import { SPARSE_CHUNK_HEADER_SIZE, SPARSE_HEADER_SIZE } from '../formats/sparse.js';
import { BLOCK, pseudoRandomBytes, pseudoRandomChunks } from './content.js';

/** What a generated image holds. Sizes are bytes; sparse images describe their expanded size. */
export type ImageSpec =
  | { kind: 'raw'; size: number; seed?: number }
  /** an Android sparse image of `expandedSize` bytes holding `dataBytes` of data, the rest DONT_CARE */
  | { kind: 'sparse'; expandedSize: number; dataBytes: number; seed?: number }
  /** a raw ext4-headed image (superblock only, rest data) */
  | { kind: 'ext4'; size: number; seed?: number }
  /** an Android boot image whose kernel and ramdisk carry MTK 512-byte headers */
  | { kind: 'boot'; size: number; seed?: number }
  | { kind: 'bytes'; data: Uint8Array };

const SPARSE_BLOCK = 4096;
const EXT4_SUPERBLOCK = 1024;

/** The image's bytes as a stream of chunks, never holding more than 1 MiB at once. */
export function* imageChunks(spec: ImageSpec, seed: number): Generator<Uint8Array> {
  switch (spec.kind) {
    case 'bytes':
      yield spec.data;
      return;
    case 'raw':
      yield* pseudoRandomChunks(spec.size, spec.seed ?? seed);
      return;
    case 'ext4':
      yield* ext4Chunks(spec.size, spec.seed ?? seed);
      return;
    case 'boot':
      yield bootImage(spec.size, spec.seed ?? seed);
      return;
    case 'sparse':
      yield* sparseChunks(spec.expandedSize, spec.dataBytes, spec.seed ?? seed);
  }
}

function* ext4Chunks(size: number, seed: number): Generator<Uint8Array> {
  let first = true;
  for (const chunk of pseudoRandomChunks(size, seed)) {
    if (first && chunk.length >= EXT4_SUPERBLOCK + 0x100) {
      const view = new DataView(chunk.buffer, chunk.byteOffset);
      chunk.fill(0, 0, EXT4_SUPERBLOCK);
      view.setUint32(EXT4_SUPERBLOCK + 0x04, Math.floor(size / 4096), true); // s_blocks_count_lo
      view.setUint32(EXT4_SUPERBLOCK + 0x18, 2, true); // s_log_block_size: 1024 << 2 = 4096
      view.setUint16(EXT4_SUPERBLOCK + 0x38, 0xef53, true); // s_magic
    }
    first = false;
    yield chunk;
  }
}

/**
 * Sparse layout: RAW chunks of up to 1 MiB alternating with DONT_CARE gaps so that the data lands spread over the
 * expanded size; `dataBytes` (rounded down to blocks) is the RAW payload, the rest of `expandedSize` is holes.
 */
function* sparseChunks(expandedSize: number, dataBytes: number, seed: number): Generator<Uint8Array> {
  const totalBlocks = Math.floor(expandedSize / SPARSE_BLOCK);
  const dataBlocks = Math.min(Math.floor(dataBytes / SPARSE_BLOCK), totalBlocks);
  const perChunk = BLOCK / SPARSE_BLOCK;
  const rawChunks = Math.ceil(dataBlocks / perChunk);
  const gap = rawChunks === 0 ? totalBlocks : Math.floor((totalBlocks - dataBlocks) / rawChunks);
  const plan: { raw: number; gap: number }[] = [];
  let placed = 0;
  for (let i = 0; i < rawChunks; i++) {
    const raw = Math.min(perChunk, dataBlocks - placed);
    placed += raw;
    plan.push({ raw, gap: i === rawChunks - 1 ? 0 : gap });
  }
  const usedBlocks = plan.reduce((sum, step) => sum + step.raw + step.gap, 0);
  const tail = totalBlocks - usedBlocks;
  const chunkCount = plan.reduce((n, step) => n + 1 + (step.gap > 0 ? 1 : 0), 0) + (tail > 0 ? 1 : 0);
  yield encodeSparseHeader({
    majorVersion: 1,
    minorVersion: 0,
    fileHeaderSize: SPARSE_HEADER_SIZE,
    chunkHeaderSize: SPARSE_CHUNK_HEADER_SIZE,
    blockSize: SPARSE_BLOCK,
    totalBlocks,
    totalChunks: chunkCount,
    imageChecksum: 0,
  });
  const data = pseudoRandomChunks(dataBlocks * SPARSE_BLOCK, seed);
  for (const step of plan) {
    yield encodeChunkHeader('raw', step.raw, step.raw * SPARSE_BLOCK);
    yield data.next().value as Uint8Array;
    if (step.gap > 0) yield encodeChunkHeader('dont-care', step.gap, 0);
  }
  if (tail > 0) yield encodeChunkHeader('dont-care', tail, 0);
}

const PAGE = 2048;
const MTK_HEADER = 512;

function mtkHeaded(name: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(MTK_HEADER + payload.length).fill(0xff, 0, MTK_HEADER);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x58881688, true);
  view.setUint32(4, payload.length, true);
  out.fill(0, 8, 40);
  out.set(new TextEncoder().encode(name), 8);
  out.set(payload, MTK_HEADER);
  return out;
}

/** A legacy (v0) Android boot image: header page, MTK-headed kernel, MTK-headed ramdisk, padded to `size`. */
function bootImage(size: number, seed: number): Uint8Array {
  const room = Math.max(size - 3 * PAGE, 2 * MTK_HEADER + 2);
  const kernel = mtkHeaded('KERNEL', pseudoRandomBytes(Math.floor(room / 2) - MTK_HEADER, seed));
  const ramdisk = mtkHeaded('ROOTFS', pseudoRandomBytes(Math.floor(room / 4) - MTK_HEADER, seed + 1));
  const pad = (n: number) => Math.ceil(n / PAGE) * PAGE;
  const out = new Uint8Array(Math.max(size, PAGE + pad(kernel.length) + pad(ramdisk.length)));
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode('ANDROID!'), 0);
  view.setUint32(0x08, kernel.length, true);
  view.setUint32(0x0c, 0x40008000, true);
  view.setUint32(0x10, ramdisk.length, true);
  view.setUint32(0x14, 0x44000000, true);
  view.setUint32(0x20, 0x4e000000, true);
  view.setUint32(0x24, PAGE, true);
  out.set(kernel, PAGE);
  out.set(ramdisk, PAGE + pad(kernel.length));
  return out;
}
