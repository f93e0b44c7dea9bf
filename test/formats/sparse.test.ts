import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { buildSparseImage, type SparseChunkSpec } from '../../src/formats/image/sparse-build.js';
import { type SparseChunk, SparseReader, type SparseSummary } from '../../src/formats/sparse.js';
import { resultOrRomctlError, splitAt } from './image-fixtures.js';
import { errorOf } from '../helpers/errors.js';

const BLOCK = 4096;
const rawBlocks = (count: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: count * BLOCK }, (_, i) => (i * 31 + seed) & 0xff);

const SAMPLE: SparseChunkSpec[] = [
  { type: 'raw', data: rawBlocks(2) },
  { type: 'fill', blocks: 3, pattern: 0xdeadbeef },
  { type: 'dont-care', blocks: 5 },
  { type: 'crc32', crc: 0x12345678 },
  { type: 'raw', data: rawBlocks(1, 7) },
];

function read(pieces: Uint8Array[], name?: string): SparseSummary {
  const reader = new SparseReader(name === undefined ? {} : { name });
  for (const piece of pieces) reader.push(piece);
  return reader.end();
}

describe('SparseReader', () => {
  it('summarises a well-formed image', () => {
    const image = buildSparseImage({ chunks: SAMPLE });
    const summary = read([image]);
    expect(summary).toMatchObject({
      majorVersion: 1,
      blockSize: BLOCK,
      totalBlocks: 11,
      totalChunks: 5,
      chunks: 5,
      rawBlocks: 3,
      fillBlocks: 3,
      dontCareBlocks: 5,
      crcChunks: 1,
      sparseSize: image.length,
      trailingBytes: 0,
    });
    expect(summary.expandedSize).toBe(11n * 4096n);
  });

  it('accepts an empty image (no chunks, no blocks)', () => {
    expect(read([buildSparseImage({ chunks: [] })]).expandedSize).toBe(0n);
  });

  it('honours file and chunk header sizes larger than 28 and 12', () => {
    const image = buildSparseImage({ chunks: SAMPLE, override: { fileHeaderSize: 40, chunkHeaderSize: 20 } });
    expect(read([image])).toMatchObject({
      fileHeaderSize: 40,
      chunkHeaderSize: 20,
      totalBlocks: 11,
      chunks: 5,
    });
  });

  it('reports chunks to a sink in file order and passes RAW data as views of the input, not copies', () => {
    const image = buildSparseImage({ chunks: SAMPLE });
    const chunks: SparseChunk[] = [];
    const raw: Uint8Array[] = [];
    const reader = new SparseReader({ sink: { chunk: (c) => chunks.push(c), raw: (b) => raw.push(b) } });
    reader.push(image);
    reader.end();
    expect(chunks.map((c) => [c.type, c.outputBlock, c.blocks, c.value])).toEqual([
      ['raw', 0, 2, null],
      ['fill', 2, 3, 0xdeadbeef],
      ['dont-care', 5, 5, null],
      ['crc32', 10, 0, 0x12345678],
      ['raw', 10, 1, null],
    ]);
    expect(chunks.map((c) => c.fileOffset)).toEqual([
      28,
      28 + 12 + 8192,
      28 + 12 + 8192 + 16,
      28 + 12 + 8192 + 28,
      28 + 12 + 8192 + 44,
    ]);
    expect(raw.every((piece) => piece.buffer === image.buffer)).toBe(true);
    expect(raw.reduce((sum, piece) => sum + piece.length, 0)).toBe(3 * BLOCK);
  });

  it('counts bytes after the last chunk as trailing', () => {
    const image = buildSparseImage({ chunks: SAMPLE });
    expect(read([image, new Uint8Array(100)]).trailingBytes).toBe(100);
  });

  it('rejects a wrong magic, a newer major version and a bad block size', () => {
    const image = buildSparseImage({ chunks: SAMPLE });
    const notSparse = image.slice();
    notSparse[0] = 0;
    expect(errorOf(() => read([notSparse])).message).toMatch(/not an Android sparse image/);
    expect(
      errorOf(() => read([buildSparseImage({ chunks: [], override: { majorVersion: 2 } })])).message,
    ).toMatch(/major version 2/);
    expect(errorOf(() => read([buildSparseImage({ chunks: [], blockSize: 4094 })])).message).toMatch(
      /block size 4094/,
    );
    expect(
      errorOf(() => read([buildSparseImage({ chunks: [], override: { chunkHeaderSize: 8 } })])).message,
    ).toMatch(/chunk header size 8/);
  });

  it('names the chunk and its byte offset when a chunk lies about its size', () => {
    const image = buildSparseImage({ chunks: SAMPLE });
    const fillAt = 28 + 12 + 2 * BLOCK;
    new DataView(image.buffer).setUint32(fillAt + 8, 20, true);
    const error = errorOf(() => read([image], 'system.img'));
    expect(error.message).toMatch(/chunk 1 \(fill, 3 blocks\) declares 20 bytes, expected 16/);
    expect(error.where).toBe(`system.img @ 0x${fillAt.toString(16)}`);
    expect(error.hint).toBeTruthy();
  });

  it('rejects an unknown chunk type', () => {
    const image = buildSparseImage({ chunks: SAMPLE });
    new DataView(image.buffer).setUint16(28, 0xcac9, true);
    expect(errorOf(() => read([image])).message).toMatch(/chunk 0 has unknown type 0xcac9 \(byte 0x1c\)/);
  });

  it('rejects chunks that run past the declared total or fall short of it', () => {
    const over = buildSparseImage({ chunks: SAMPLE, override: { totalBlocks: 8 } });
    expect(errorOf(() => read([over])).message).toMatch(/chunk 2 reaches block 10, past the 8 blocks/);
    const short = buildSparseImage({ chunks: SAMPLE, override: { totalBlocks: 12 } });
    expect(errorOf(() => read([short])).message).toMatch(/cover 11 blocks, the header declares 12/);
  });

  it('rejects truncation in the header and inside a chunk', () => {
    const image = buildSparseImage({ chunks: SAMPLE });
    expect(errorOf(() => read([image.subarray(0, 10)])).message).toMatch(
      /inside the file header: 18 more bytes/,
    );
    expect(errorOf(() => read([image.subarray(0, 28 + 12 + 100)])).message).toMatch(
      /inside chunk 0 of 5: 8092 more bytes/,
    );
    const fewerChunks = buildSparseImage({ chunks: SAMPLE, override: { totalChunks: 6 } });
    expect(errorOf(() => read([fewerChunks])).message).toMatch(/inside chunk 5 of 6/);
  });

  it('keeps failing once it has failed', () => {
    const reader = new SparseReader();
    const bad = new Uint8Array(28);
    const first = errorOf(() => reader.push(bad));
    expect(errorOf(() => reader.push(new Uint8Array(1)))).toBe(first);
    expect(errorOf(() => reader.end())).toBe(first);
  });
});

const chunkSpec: fc.Arbitrary<SparseChunkSpec> = fc.oneof(
  fc.integer({ min: 0, max: 3 }).map((n) => ({ type: 'raw' as const, data: rawBlocks(n, n) })),
  fc.record({
    type: fc.constant('fill' as const),
    blocks: fc.integer({ min: 0, max: 9 }),
    pattern: fc.nat(),
  }),
  fc.record({ type: fc.constant('dont-care' as const), blocks: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ type: fc.constant('crc32' as const), crc: fc.nat() }),
);

describe('SparseReader properties', () => {
  it('gives the same result however the input is split', () => {
    fc.assert(
      fc.property(
        fc.array(chunkSpec, { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (chunks, cuts) => {
          const image = buildSparseImage({ chunks, blockSize: BLOCK });
          expect(read(splitAt(image, cuts))).toEqual(read([image]));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('returns a summary or a RomctlError for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        resultOrRomctlError(() => read([bytes]));
      }),
      { numRuns: 300 },
    );
  });

  it('returns a summary or a RomctlError, the same one however split, for mutated images', () => {
    fc.assert(
      fc.property(
        fc.array(chunkSpec, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.nat(),
        (chunks, mutations, cuts, cut) => {
          const image = buildSparseImage({ chunks, blockSize: BLOCK });
          // mutations land in the headers most of the time: that is where the structure is
          const headerBytes = 28 + chunks.length * 12;
          for (const [at, value] of mutations) image[at % Math.min(image.length, headerBytes + 64)] = value;
          const truncated = image.subarray(0, image.length - (cut % 3 === 0 ? cut % image.length : 0));
          const whole = resultOrRomctlError(() => read([truncated]));
          const split = resultOrRomctlError(() => read(splitAt(truncated, cuts)));
          if (whole instanceof RomctlError) expect((split as RomctlError).message).toBe(whole.message);
          else expect(split).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });
});
