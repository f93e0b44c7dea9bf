/**
 * Turns a sparse image stream into the bytes it stands for, holding no more than one input chunk and one 1 MiB
 * fill buffer. The flash engine writes `sparseExtents` (holes stay unwritten); `expandSparse` gives the plain
 * raw byte stream (holes as zeros), e.g. to hash what lands on the partition.
 */
import { SparseReader, type SparseSummary } from '../sparse.js';

/** Yielded buffers may be shared between yields: read them, never modify them. */
export type SparseExtent = { offset: bigint; bytes: Uint8Array } | { offset: bigint; hole: bigint };

type Pending = SparseExtent | { offset: bigint; fill: number; length: bigint };

const PIECE = 1 << 20;

export async function* sparseExtents(
  source: AsyncIterable<Uint8Array>,
  name?: string,
): AsyncGenerator<SparseExtent, SparseSummary> {
  let pending: Pending[] = [];
  let blockSize = 0n;
  let rawOffset = 0n;
  const reader = new SparseReader({
    name,
    sink: {
      header: (header) => {
        blockSize = BigInt(header.blockSize);
      },
      chunk: (chunk) => {
        const offset = BigInt(chunk.outputBlock) * blockSize;
        const length = BigInt(chunk.blocks) * blockSize;
        if (chunk.type === 'raw') rawOffset = offset;
        else if (chunk.type === 'fill' && length > 0n) pending.push({ offset, fill: chunk.value!, length });
        else if (chunk.type === 'dont-care' && length > 0n) pending.push({ offset, hole: length });
      },
      raw: (bytes) => {
        // a view of the caller's input chunk: fine to hand on, it is not reused by the reader
        pending.push({ offset: rawOffset, bytes });
        rawOffset += BigInt(bytes.length);
      },
    },
  });
  for await (const input of source) {
    reader.push(input);
    const ready = pending;
    pending = [];
    for (const item of ready) {
      if ('fill' in item) yield* fillPieces(item.offset, item.fill, item.length);
      else yield item;
    }
  }
  return reader.end();
}

/** The expanded image as a plain byte stream; resolves (via the generator's return) to the sparse summary. */
export async function* expandSparse(
  source: AsyncIterable<Uint8Array>,
  name?: string,
): AsyncGenerator<Uint8Array, SparseSummary> {
  const extents = sparseExtents(source, name);
  for (;;) {
    const next = await extents.next();
    if (next.done) return next.value;
    const extent = next.value;
    if ('bytes' in extent) yield extent.bytes;
    else yield* repeat(zeros(), extent.hole);
  }
}

function* fillPieces(offset: bigint, pattern: number, length: bigint): Generator<SparseExtent> {
  const piece = new Uint8Array(Number(length < BigInt(PIECE) ? length : BigInt(PIECE)));
  new DataView(piece.buffer).setUint32(0, pattern, true);
  for (let filled = 4; filled < piece.length; filled *= 2) piece.copyWithin(filled, 0, filled);
  let at = offset;
  for (const bytes of repeat(piece, length)) {
    yield { offset: at, bytes };
    at += BigInt(bytes.length);
  }
}

/** `length` bytes as views of `piece` (whose length divides every full step). */
function* repeat(piece: Uint8Array, length: bigint): Generator<Uint8Array> {
  const step = BigInt(piece.length);
  for (let left = length; left > 0n; left -= step)
    yield left >= step ? piece : piece.subarray(0, Number(left));
}

let zeroPiece: Uint8Array | null = null;
function zeros(): Uint8Array {
  zeroPiece ??= new Uint8Array(PIECE);
  return zeroPiece;
}
