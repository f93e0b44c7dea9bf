import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { buildSparseImage, type SparseChunkSpec } from '../../src/formats/image/sparse-build.js';
import { expandSparse, type SparseExtent, sparseExtents } from '../../src/formats/image/sparse-expand.js';
import { concat, splitAt } from './image-fixtures.js';

const BLOCK = 64;

async function* stream(pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const piece of pieces) yield piece;
}

/** What the chunks stand for, computed the obvious way. */
function model(chunks: SparseChunkSpec[]): Uint8Array {
  const parts = chunks.map((chunk) => {
    if (chunk.type === 'raw') return chunk.data;
    if (chunk.type === 'crc32') return new Uint8Array(0);
    const out = new Uint8Array(chunk.blocks * BLOCK);
    if (chunk.type === 'fill') {
      const view = new DataView(out.buffer);
      for (let i = 0; i < out.length; i += 4) view.setUint32(i, chunk.pattern, true);
    }
    return out;
  });
  return concat(...parts);
}

async function collect(pieces: Uint8Array[]): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for await (const bytes of expandSparse(stream(pieces))) out.push(bytes.slice());
  return concat(...out);
}

const chunkSpec: fc.Arbitrary<SparseChunkSpec> = fc.oneof(
  fc.uint8Array({ maxLength: 3 * BLOCK }).map((bytes) => ({
    type: 'raw' as const,
    data: bytes.subarray(0, bytes.length - (bytes.length % BLOCK)),
  })),
  fc.record({
    type: fc.constant('fill' as const),
    blocks: fc.integer({ min: 0, max: 5 }),
    pattern: fc.nat(),
  }),
  fc.record({ type: fc.constant('dont-care' as const), blocks: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ type: fc.constant('crc32' as const), crc: fc.nat() }),
);

describe('expandSparse', () => {
  it('expands every chunk type into the raw bytes, however the input is split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(chunkSpec, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (chunks, cuts) => {
          const image = buildSparseImage({ chunks, blockSize: BLOCK });
          expect(await collect(splitAt(image, cuts))).toEqual(model(chunks));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('expands fills and holes larger than its 1 MiB piece', async () => {
    const chunks: SparseChunkSpec[] = [
      { type: 'fill', blocks: 300, pattern: 0x01020304 },
      { type: 'dont-care', blocks: 300 },
    ];
    const image = buildSparseImage({ chunks, blockSize: 4096 });
    const out = await collect([image]);
    expect(out.length).toBe(600 * 4096);
    expect(Array.from(out.subarray(0, 8))).toEqual([4, 3, 2, 1, 4, 3, 2, 1]);
    expect(Array.from(out.subarray(300 * 4096 - 4, 300 * 4096 + 4))).toEqual([4, 3, 2, 1, 0, 0, 0, 0]);
  });

  it('returns the summary when done', async () => {
    const image = buildSparseImage({ chunks: [{ type: 'fill', blocks: 2, pattern: 1 }], blockSize: BLOCK });
    const expansion = expandSparse(stream([image]));
    let next = await expansion.next();
    while (!next.done) next = await expansion.next();
    expect(next.value.expandedSize).toBe(128n);
  });

  it('fails with a RomctlError when the image is truncated', async () => {
    const image = buildSparseImage({
      chunks: [{ type: 'raw', data: new Uint8Array(2 * BLOCK) }],
      blockSize: BLOCK,
    });
    await expect(collect([image.subarray(0, image.length - 1)])).rejects.toThrow(RomctlError);
  });
});

describe('sparseExtents', () => {
  it('gives data with offsets and leaves DONT_CARE as holes', async () => {
    const chunks: SparseChunkSpec[] = [
      { type: 'raw', data: new Uint8Array(BLOCK).fill(7) },
      { type: 'dont-care', blocks: 3 },
      { type: 'fill', blocks: 1, pattern: 0 },
    ];
    const extents: SparseExtent[] = [];
    for await (const extent of sparseExtents(stream([buildSparseImage({ chunks, blockSize: BLOCK })]))) {
      extents.push('bytes' in extent ? { offset: extent.offset, bytes: extent.bytes.slice() } : extent);
    }
    expect(extents).toEqual([
      { offset: 0n, bytes: new Uint8Array(BLOCK).fill(7) },
      { offset: 64n, hole: 192n },
      { offset: 256n, bytes: new Uint8Array(BLOCK) },
    ]);
  });
});
