import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectImageKind } from '../../src/formats/image-kind.js';
import { parseExt4Superblock } from '../../src/formats/image/ext4.js';
import { buildSparseImage, type SparseChunkSpec } from '../../src/formats/image/sparse-build.js';
import { expandSparse } from '../../src/formats/image/sparse-expand.js';
import { concat, ext4Head, resultOrRomctlError } from './image-fixtures.js';

describe('parseExt4Superblock', () => {
  it('gives the filesystem size from block count and block size', () => {
    expect(parseExt4Superblock(ext4Head(786432n, 2, 'system'))).toEqual({
      blockSize: 4096,
      blockCount: 786432n,
      size: 3221225472n,
      volumeName: 'system',
    });
  });

  it('uses the high block-count word of 64-bit filesystems', () => {
    expect(parseExt4Superblock(ext4Head(0x1_0000_0010n, 2))!.size).toBe(0x1_0000_0010n * 4096n);
  });

  it('returns null without the magic and rejects absurd or cut superblocks', () => {
    expect(parseExt4Superblock(new Uint8Array(4096))).toBeNull();
    expect(() => parseExt4Superblock(ext4Head(1n, 9), 'cache.img')).toThrow(/block size 2\^19/);
    expect(() => parseExt4Superblock(ext4Head(1n, 2).subarray(0, 1100))).toThrow(/cut short/);
  });

  it('returns a result or a RomctlError for mutated superblocks', () => {
    const valid = ext4Head(1000n, 2);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { maxLength: 8 }),
        fc.nat(valid.length),
        (mutations, length) => {
          const head = valid.slice(0, length);
          for (const [at, value] of mutations) if (at < head.length) head[at] = value;
          resultOrRomctlError(() => parseExt4Superblock(head));
        },
      ),
      { numRuns: 300 },
    );
  });
});

function hasMke2fs(): boolean {
  try {
    execFileSync('mke2fs', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Sparse chunks for an image the way img2simg does it: zero blocks become DONT_CARE, the rest RAW. */
function sparseChunksOf(image: Uint8Array, blockSize: number): SparseChunkSpec[] {
  const chunks: SparseChunkSpec[] = [];
  for (let at = 0; at < image.length; at += blockSize) {
    const block = image.subarray(at, at + blockSize);
    const last = chunks.at(-1);
    if (block.every((byte) => byte === 0)) {
      if (last?.type === 'dont-care') last.blocks++;
      else chunks.push({ type: 'dont-care', blocks: 1 });
    } else if (last?.type === 'raw') {
      last.data = image.subarray(at - last.data.length, at + blockSize);
    } else {
      chunks.push({ type: 'raw', data: block });
    }
  }
  return chunks;
}

describe.skipIf(!hasMke2fs())('a real ext4 image made by mke2fs (skipped when mke2fs is absent)', () => {
  it('is detected, sized from its superblock, and survives a sparse round trip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'romctl-ext4-'));
    try {
      const file = join(dir, 'vendor.img');
      execFileSync('mke2fs', ['-F', '-q', '-t', 'ext4', '-b', '4096', '-L', 'vendor', file, '16M'], {
        stdio: 'ignore',
      });
      const image = new Uint8Array(readFileSync(file));
      expect(detectImageKind(image.subarray(0, 8192))).toBe('ext4');
      expect(parseExt4Superblock(image)).toMatchObject({
        blockSize: 4096,
        size: BigInt(image.length),
        volumeName: 'vendor',
      });

      const sparse = buildSparseImage({ chunks: sparseChunksOf(image, 4096) });
      expect(sparse.length).toBeLessThan(image.length / 2);
      expect(detectImageKind(sparse.subarray(0, 8192))).toBe('sparse');
      async function* pieces(): AsyncGenerator<Uint8Array> {
        for (let at = 0; at < sparse.length; at += 65521) yield sparse.subarray(at, at + 65521);
      }
      const out: Uint8Array[] = [];
      for await (const bytes of expandSparse(pieces())) out.push(bytes.slice());
      expect(Buffer.compare(concat(...out), image)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
