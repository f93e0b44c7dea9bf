import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import {
  ByteSum16,
  checksumFor,
  parseChecksumIni,
  writeChecksumIni,
} from '../../src/formats/checksum-ini.js';
import { resultOrRomctlError, splitAt } from './image-fixtures.js';

const naiveSum = (bytes: Uint8Array): number => bytes.reduce((sum, byte) => (sum + byte) & 0xffff, 0);

describe('parseChecksumIni', () => {
  it('reads switch, version, tool and per-partition values', () => {
    const ini = parseChecksumIni(
      '[VERSION]\nVERSION=V1\nTOOL=v5.1912.00\n[IsEnableChecksum]\nCHECKSUM_SWITCH=1\n[CheckSum]\npreloader=0xCB45\nsystem_a=0x886\n',
    );
    expect(ini).toMatchObject({ version: 'V1', tool: 'v5.1912.00', enabled: true, warnings: [] });
    expect(ini.entries).toEqual([
      { name: 'preloader', value: 0xcb45, text: '0xCB45', line: 7 },
      { name: 'system_a', value: 0x886, text: '0x886', line: 8 },
    ]);
    expect(checksumFor(ini, 'PRELOADER')?.value).toBe(0xcb45);
    expect(checksumFor(ini, 'boot')).toBeUndefined();
  });

  it('tolerates a BOM, CRLF, comments, blank lines and quoted values', () => {
    const ini = parseChecksumIni(
      '\uFEFF; made by hand\r\n[IsEnableChecksum]\r\n\r\nCHECKSUM_SWITCH = "true"\r\n# note\r\n[CheckSum]\r\nlk = 0x5FFB\r\n',
    );
    expect(ini.enabled).toBe(true);
    expect(ini.entries).toMatchObject([{ name: 'lk', value: 0x5ffb, line: 7 }]);
    expect(ini.warnings).toEqual([]);
  });

  it('reads the switch as Qt does and parses numbers with base auto-detection', () => {
    for (const [text, enabled] of [
      ['0', false],
      ['false', false],
      ['FALSE', false],
      ['', false],
      ['yes', true],
    ] as const) {
      expect(parseChecksumIni(`[IsEnableChecksum]\nCHECKSUM_SWITCH=${text}\n[CheckSum]\n`).enabled).toBe(
        enabled,
      );
    }
    const ini = parseChecksumIni(
      '[IsEnableChecksum]\nCHECKSUM_SWITCH=1\n[CheckSum]\na=0x10\nb=010\nc=10\nd=0\n',
    );
    expect(ini.entries.map((e) => e.value)).toEqual([16, 8, 10, 0]);
  });

  it('reports garbage, stray keys, bad and over-wide values and duplicates as warnings with line numbers', () => {
    const ini = parseChecksumIni(
      'stray=1\n[IsEnableChecksum]\nCHECKSUM_SWITCH=1\n[CheckSum]\nthis is junk\nboot=0xZZ\nlogo=0x12345\nboot=0x1\n=0x2\n',
    );
    expect(ini.warnings.map((w) => w.line)).toEqual([1, 5, 6, 7, 8, 9]);
    expect(ini.warnings[3]!.message).toMatch(/wider than the 16-bit checksum/);
    expect(ini.warnings[4]!.message).toMatch(/listed again \(first on line 6\)/);
    expect(checksumFor(ini, 'boot')).toMatchObject({ value: 1, line: 8 });
    expect(ini.entries.map((e) => e.name)).toEqual(['logo', 'boot']);
  });

  it('warns when the switch or the [CheckSum] section is missing, and keeps unknown sections', () => {
    const ini = parseChecksumIni(
      '[VERSION]\nVERSION=V2\n[CheckSum_V2]\nboot=d41d8cd98f00b204e9800998ecf8427e\n',
    );
    expect(ini.enabled).toBe(false);
    expect(ini.warnings.map((w) => [w.line, w.message.slice(0, 20)])).toEqual([
      [0, 'no [IsEnableChecksum'],
      [0, 'no [CheckSum] sectio'],
    ]);
    expect(ini.other).toEqual([
      { section: 'CheckSum_V2', key: 'boot', value: 'd41d8cd98f00b204e9800998ecf8427e', line: 4 },
    ]);
  });

  it('refuses binary data, naming the line, and absurdly large files', () => {
    const bytes = new TextEncoder().encode('[CheckSum]\nboot=0x1\n\u0000\u0001garbage\n');
    const error = (() => {
      try {
        parseChecksumIni(bytes, 'pkg/Checksum.ini');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).where).toBe('pkg/Checksum.ini:3');
    expect(() => parseChecksumIni(new Uint8Array(2 << 20).fill(0x41))).toThrow(/far too large/);
  });

  it('reads back what writeChecksumIni writes', () => {
    const entries = [
      { name: 'preloader', value: 0x7ead },
      { name: 'system', value: 0x9ed },
    ];
    const text = writeChecksumIni(entries);
    expect(text).toContain('\r\nsystem=0x9ED\r\n');
    const ini = parseChecksumIni(text);
    expect(ini).toMatchObject({ enabled: true, version: 'V1', warnings: [] });
    expect(ini.entries.map(({ name, value }) => ({ name, value }))).toEqual(entries);
    expect(parseChecksumIni(writeChecksumIni(entries, { enabled: false, lineEnding: '\n' })).enabled).toBe(
      false,
    );
  });

  it('returns a result or a RomctlError for random and mutated text', () => {
    const valid = writeChecksumIni([{ name: 'boot', value: 0x1234 }]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }),
          fc
            .array(fc.tuple(fc.nat(valid.length - 1), fc.string({ minLength: 1, maxLength: 3 })), {
              maxLength: 5,
            })
            .map((edits) =>
              edits.reduce((text, [at, insert]) => text.slice(0, at) + insert + text.slice(at + 1), valid),
            ),
        ),
        (input) => {
          const result = resultOrRomctlError(() => parseChecksumIni(input));
          if (!(result instanceof RomctlError)) expect(Array.isArray(result.warnings)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

const corpus = fileURLToPath(new URL('../../../shared/corpus/checksum/', import.meta.url));
describe.skipIf(!existsSync(corpus))(
  'corpus Checksum.ini files (skipped when ../shared/corpus is absent)',
  () => {
    it('all parse without warnings, enabled, with 16-bit values', () => {
      const files = readdirSync(corpus);
      expect(files.length).toBe(3);
      for (const file of files) {
        const ini = parseChecksumIni(readFileSync(corpus + file), file);
        expect([file, ini.warnings]).toEqual([file, []]);
        expect(ini.enabled).toBe(true);
        expect(ini.version).toBe('V1');
        expect(ini.entries.length).toBeGreaterThanOrEqual(10);
        expect(ini.entries.every((e) => e.value !== null && e.value <= 0xffff)).toBe(true);
      }
    });

    it('MT6737M file has the values of its package', () => {
      const ini = parseChecksumIni(readFileSync(corpus + 'MT6737M_x5511b_65dc99d6.ini'));
      expect(checksumFor(ini, 'preloader')?.value).toBe(0x7ead);
      expect(checksumFor(ini, 'userdata')).toMatchObject({ value: 0xb1e1, line: 18 });
    });
  },
);

describe('ByteSum16', () => {
  it('is the sum of all bytes modulo 2^16', () => {
    const sum = new ByteSum16();
    sum.push(Uint8Array.from({ length: 256 }, (_, i) => i));
    expect(sum.value).toBe(32640);
    sum.push(new Uint8Array(300).fill(0xff));
    expect(sum.value).toBe((32640 + 300 * 255) & 0xffff);
    expect(new ByteSum16().value).toBe(0);
  });

  it('matches a byte-by-byte sum for any data, alignment and chunking', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 0, max: 7 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (data, shift, cuts) => {
          // copy into a buffer at an odd offset so the word loop sees unaligned starts too
          const backing = new Uint8Array(data.length + 8);
          backing.set(data, shift);
          const bytes = backing.subarray(shift, shift + data.length);
          const sum = new ByteSum16();
          for (const piece of splitAt(bytes, cuts)) sum.push(piece);
          expect(sum.value).toBe(naiveSum(data));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not overflow its lanes on long runs of 0xff', () => {
    const data = new Uint8Array(1 << 20).fill(0xff);
    const sum = new ByteSum16();
    sum.push(data);
    sum.push(data);
    expect(sum.value).toBe(((2 << 20) * 255) % 65536);
  });
});
