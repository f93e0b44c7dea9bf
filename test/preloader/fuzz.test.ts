import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import {
  buildPreloader,
  parseMemorySpec,
  parsePreloader,
  matchMemory,
} from '../../src/formats/preloader/index.js';
import { corpusFiles } from './corpus-helpers.js';
import { mcp, nikel } from './fixtures.js';

/** a result or a RomctlError; anything else fails the property */
function parsesCleanly(bytes: Uint8Array): boolean {
  try {
    const info = parsePreloader(bytes);
    matchMemory(info.bloader, {
      storage: { kind: 'emmc', id: '90014a48' },
      dram: 'LPDDR3',
      dramVendorId: 6,
      rankSizes: null,
    });
    return true;
  } catch (error) {
    if (error instanceof RomctlError) return true;
    throw error;
  }
}

const samples: Array<[string, Uint8Array]> = [
  ['built v00 preloader', buildPreloader(nikel)],
  ['built v35 UFS boot area', buildPreloader({ ...mcp, bootArea: 'ufs' })],
  ...corpusFiles('preloader')
    .filter((f) => /MT6737M_preloader_x5511b|MT6893_preloader_k6893/.test(f.name))
    .map((f): [string, Uint8Array] => [f.name, f.bytes()]),
  ...corpusFiles('emi')
    .filter((f) => /lcsh6797|cereus|huaqin75/.test(f.name))
    .map((f): [string, Uint8Array] => [f.name, f.bytes()]),
];

describe('parsePreloader fuzz', () => {
  it.each(samples)('%s truncated at sampled offsets', (_name, bytes) => {
    const step = Math.max(1, Math.floor(bytes.length / 400));
    for (let end = 0; end <= bytes.length; end += step)
      expect(parsesCleanly(bytes.subarray(0, end))).toBe(true);
    // every offset around the headers and the EMI table, where a cut changes the most
    const tag = Buffer.from(bytes).indexOf('MTK_BLOADER_INFO_v');
    for (const start of [0, Math.max(0, tag)]) {
      for (let end = start; end < Math.min(bytes.length, start + 0x200); end++) {
        expect(parsesCleanly(bytes.subarray(0, end))).toBe(true);
      }
    }
  });

  it.each(samples)('%s with random bytes overwritten', (_name, bytes) => {
    const tag = Math.max(0, Buffer.from(bytes).indexOf('MTK_BLOADER_INFO_v'));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), {
          minLength: 1,
          maxLength: 8,
        }),
        (edits) => {
          const copy = bytes.slice();
          // half the edits land in the first 0x1100 bytes or the EMI block, where the length/count fields are
          for (const [at, value, nearFields] of edits) {
            const region = nearFields ? (at % 2 === 0 ? 0 : tag) : 0;
            const span = nearFields ? Math.min(0x1100, copy.length - region) : copy.length;
            if (span > 0) copy[region + (at % span)] = value;
          }
          return parsesCleanly(copy);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('survives lying length and count fields', () => {
    const bytes = buildPreloader(mcp);
    const info = parsePreloader(bytes);
    const gfh = info.gfh!.offset;
    const countAt = info.bloader!.offset + 0x6c;
    const lengthWord = gfh + info.gfh!.fileInfo.fileLength - info.gfh!.fileInfo.sigLength - 4;
    fc.assert(
      fc.property(
        fc.constantFrom(gfh + 0x20, gfh + 0x28, gfh + 0x2c, gfh + 0x3c, countAt, lengthWord),
        fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff), fc.nat()),
        (at, value) => {
          const copy = bytes.slice();
          new DataView(copy.buffer).setUint32(at, value >>> 0, true);
          return parsesCleanly(copy);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('takes random bytes, also behind real magics', () => {
    const prefixes = ['', 'MMM\x01\x38\x00\x00\x00', 'EMMC_BOOT\x00', 'UFS_BOOT\x00', 'MTK_BLOADER_INFO_v35'];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ maxLength: 3000 }), (prefix, tail) =>
        parsesCleanly(Uint8Array.from([...Buffer.from(prefix, 'latin1'), ...tail])),
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseMemorySpec fuzz', () => {
  it('returns a spec or throws a RomctlError for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .array(
              fc.constantFrom(
                'emmc:90014a',
                'ufs:name=X',
                'lpddr3',
                'mr5=',
                '0x',
                '2x',
                '1.5G',
                '+',
                ',',
                'dram:',
                'x',
              ),
              {
                maxLength: 8,
              },
            )
            .map((parts) => parts.join('')),
        ),
        (text) => {
          try {
            parseMemorySpec(text);
          } catch (error) {
            if (!(error instanceof RomctlError)) throw error;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
