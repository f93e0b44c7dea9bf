import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { parseByteSize, parseDuration } from '../../src/cli/quantities.js';

describe('sizes and durations on the command line', () => {
  it('reads sizes in powers of 1024 and durations in their units', () => {
    expect(parseByteSize('1048576', '--keep-free')).toBe(1048576);
    expect(parseByteSize('64k', '--keep-free')).toBe(65536);
    expect(parseByteSize('512M', '--keep-free')).toBe(512 * 1024 ** 2);
    expect(parseByteSize('1.5GiB', '--keep-free')).toBe(1.5 * 1024 ** 3);
    expect(parseDuration('90m', '--deadline')).toBe(5_400_000);
    expect(parseDuration('45s', '--deadline')).toBe(45_000);
  });

  it('refuses anything else with a one-line error naming the option', () => {
    expect(() => parseByteSize('-5M', '--keep-free')).toThrow('--keep-free -5M: expected a size');
    expect(() => parseDuration('soon', '--deadline')).toThrow(
      '--deadline soon: expected a number and a unit',
    );
  });

  it('never throws anything but a RomctlError, whatever the text (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^\d{1,30}(\.\d{1,5})?[kmgtKMGT]?i?[bB]?$/)),
        (text) => {
          for (const parse of [parseByteSize, parseDuration]) {
            try {
              const value = parse(text, '--x');
              expect(Number.isFinite(value) && value >= 0).toBe(true);
            } catch (error) {
              expect(error).toBeInstanceOf(RomctlError);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
