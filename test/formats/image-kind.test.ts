import { existsSync, openSync, readSync, closeSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSparseImage } from '../../src/formats/image/sparse-build.js';
import {
  declaredTypeAccepts,
  detectImageKind,
  IMAGE_HEAD_LENGTH,
  type ImageKind,
} from '../../src/formats/image-kind.js';
import { bootImageHead, concat, ext4Head, gfhHead, mtkHeader } from './image-fixtures.js';

function withAt(length: number, offset: number, bytes: number[] | string): Uint8Array {
  const out = new Uint8Array(length);
  out.set(typeof bytes === 'string' ? Array.from(bytes, (c) => c.charCodeAt(0)) : bytes, offset);
  return out;
}

const SAMPLES: [ImageKind, Uint8Array][] = [
  ['sparse', buildSparseImage({ chunks: [{ type: 'dont-care', blocks: 1 }] })],
  ['ext4', ext4Head(100n, 2)],
  ['f2fs', withAt(4096, 1024, [0x10, 0x20, 0xf5, 0xf2])],
  ['android-super', withAt(8192, 4096, 'gDla')],
  ['android-boot', bootImageHead({ version: 0, kernelSize: 1, ramdiskSize: 1 })],
  ['android-vendor-boot', withAt(4096, 0, 'VNDRBOOT')],
  ['mtk-header', mtkHeader({ name: 'lk', payloadSize: 10, extended: true })],
  ['gfh-preloader', gfhHead()],
  ['gfh-other', gfhHead(0x0b)],
  ['boot-area-preloader', withAt(4096, 0, 'EMMC_BOOT\0')],
  ['boot-area-preloader', withAt(4096, 0, 'UFS_BOOT\0')],
  ['vbmeta', withAt(4096, 0, 'AVB0')],
  ['dtbo', withAt(4096, 0, [0xd7, 0xb7, 0xab, 0x1e])],
  ['ubi', withAt(4096, 0, 'UBI#')],
  ['fat', concat(withAt(510, 0x36, 'FAT16   '), new Uint8Array([0x55, 0xaa]))],
  ['mbr', concat(new Uint8Array(510), new Uint8Array([0x55, 0xaa]))],
  ['blank', new Uint8Array(4096)],
  ['blank', new Uint8Array(4096).fill(0xff)],
  ['empty', new Uint8Array(0)],
  ['raw', withAt(4096, 0, [0x04, 0x00, 0x00, 0xea])],
];

describe('detectImageKind', () => {
  it.each(SAMPLES.map(([kind, head], i) => [i, kind, head] as const))('sample %i is %s', (_, kind, head) => {
    expect(detectImageKind(head)).toBe(kind);
  });

  it('asks for enough bytes to see a raw super image', () => {
    expect(IMAGE_HEAD_LENGTH).toBeGreaterThanOrEqual(4096 + 4);
  });

  it('never throws on random heads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: IMAGE_HEAD_LENGTH }), (head) => {
        expect(typeof detectImageKind(head)).toBe('string');
      }),
      { numRuns: 200 },
    );
  });
});

describe('declaredTypeAccepts', () => {
  it.each([
    ['EXT4_IMG', 'sparse', true],
    ['EXT4_IMG', 'ext4', true],
    ['ext4_img', 'ext4', true],
    ['EXT4_IMG', 'gfh-preloader', false],
    ['EXT4_IMG', 'raw', false],
    ['SV5_BL_BIN', 'gfh-preloader', true],
    ['SV5_BL_BIN', 'boot-area-preloader', true],
    ['SV5_BL_BIN', 'sparse', false],
    ['SV5_BL_BIN', 'gfh-other', false],
    ['NORMAL_ROM', 'gfh-preloader', true],
    ['NORMAL_ROM', 'raw', true],
    ['F2FS_IMG', 'f2fs', true],
    ['F2FS_IMG', 'ext4', false],
    ['UBI_IMG', 'ubi', true],
    ['UBI_IMG', 'sparse', false],
    ['YAFFS_IMG', 'raw', true],
    ['YAFFS_IMG', 'ext4', false],
    ['FAT_IMG', 'fat', true],
    ['MBR_BIN', 'mbr', true],
  ] as const)('%s with %s → %s', (type, kind, accepts) => {
    expect(declaredTypeAccepts(type, kind)).toMatchObject({ accepts, known: true });
  });

  it('explains a mismatch in words', () => {
    expect(declaredTypeAccepts('SV5_BL_BIN', 'sparse').reason).toBe(
      'SV5_BL_BIN expects a preloader (GFH or boot-area image), but the file is an Android sparse image',
    );
  });

  it('lets unknown types pass but says so', () => {
    expect(declaredTypeAccepts('WEIRD_IMG', 'raw')).toMatchObject({ accepts: true, known: false });
    expect(declaredTypeAccepts('__proto__', 'raw').known).toBe(false);
  });
});

const corpus = fileURLToPath(new URL('../../../shared/corpus/preloader/', import.meta.url));
describe.skipIf(!existsSync(corpus))('corpus preloaders (skipped when ../shared/corpus is absent)', () => {
  it('are recognised as preloaders and fit SV5_BL_BIN, except the one header-less image', () => {
    const kinds = readdirSync(corpus).map((file) => {
      const head = new Uint8Array(IMAGE_HEAD_LENGTH);
      const fd = openSync(corpus + file, 'r');
      const length = readSync(fd, head, 0, head.length, 0);
      closeSync(fd);
      return [file, detectImageKind(head.subarray(0, length))] as const;
    });
    const raw = kinds.filter(([, kind]) => kind === 'raw').map(([file]) => file);
    expect(raw.length).toBeLessThanOrEqual(1);
    for (const [file, kind] of kinds) {
      if (kind !== 'raw')
        expect([file, declaredTypeAccepts('SV5_BL_BIN', kind).accepts]).toEqual([file, true]);
    }
    expect(kinds.length).toBeGreaterThan(40);
  });
});
