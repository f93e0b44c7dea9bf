import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gptEntriesLength, parseGptEntries, parseGptHeader } from '../../src/engine/da/gpt.js';
import { buildGpt } from '../../src/engine/da/gpt-build.js';
import {
  decodeEmmcInfo,
  decodeUfsInfo,
  decodePacketLengths,
  decodeChipId,
} from '../../src/engine/da/xflash-info.js';
import {
  decodeFrameHeader,
  encodeFrameHeader,
  statusOf,
  XFlashLink,
} from '../../src/engine/da/xflash-link.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { RomctlError } from '../../src/errors.js';
import { cleanly } from '../helpers/errors.js';

describe('XFlash frames', () => {
  it('encodes the 12-byte little-endian header', () => {
    expect(Buffer.from(encodeFrameHeader(0x10, 1)).toString('hex')).toBe('efeeeefe0100000010000000');
    expect(decodeFrameHeader(encodeFrameHeader(4, 2), 'x')).toEqual({ type: 2, length: 4 });
    expect(() => decodeFrameHeader(encodeFrameHeader(4, 3), 'x')).toThrow(/unknown frame type 3/);
    expect(() => decodeFrameHeader(encodeFrameHeader(100), 'x', 8)).toThrow(/exceeds/);
  });

  it('reads u16 and u32 statuses; the magic counts as OK', () => {
    expect(statusOf(Uint8Array.of(0, 0), 'x')).toBe(0);
    expect(statusOf(Uint8Array.of(0x50, 0, 4, 0xc0), 'x')).toBe(0xc0040050);
    expect(statusOf(Uint8Array.of(0xef, 0xee, 0xee, 0xfe), 'x')).toBe(0);
    expect(() => statusOf(new Uint8Array(3), 'x')).toThrow(RomctlError);
  });

  it('fuzz: any 12 bytes decode to a header or a RomctlError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 16 }), (b) =>
        cleanly(() => decodeFrameHeader(b, 'x')),
      ),
      {
        numRuns: 500,
      },
    );
  });

  it('fuzz: a byte stream read as frames gives payloads or RomctlErrors, never a hang', async () => {
    const valid = fc.tuple(fc.constantFrom(1, 2), fc.uint8Array({ maxLength: 40 })).map(([type, payload]) => {
      const out = new Uint8Array(12 + payload.length);
      out.set(encodeFrameHeader(payload.length, type));
      out.set(payload, 12);
      return out;
    });
    const streams = fc.array(fc.oneof(valid, fc.uint8Array({ maxLength: 20 })), { maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(streams, async (parts) => {
        const [a, b] = createMemoryPair();
        for (const part of parts) await b.write(part);
        const link = new XFlashLink(a, 5, 'fuzz');
        for (let i = 0; i < 8; i++) {
          try {
            await link.readFrame(64);
          } catch (e) {
            if (!(e instanceof RomctlError)) throw e;
            break;
          }
        }
        await a.close();
      }),
      { numRuns: 60 },
    );
  });

  it('fuzz: info payload decoders and the GPT parser give a result or a RomctlError', () => {
    const gpt = buildGpt({
      diskSize: 1n << 24n,
      partitions: [{ name: 'boot', start: 0x8000n, size: 0x10000n }],
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        cleanly(() => decodeEmmcInfo(b, 'x'));
        cleanly(() => decodeUfsInfo(b, 'x'));
        cleanly(() => decodePacketLengths(b, 'x'));
        cleanly(() => decodeChipId(b, 'x'));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(gpt.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        (edits) => {
          const bytes = gpt.slice();
          for (const [at, value] of edits) bytes[at] = value;
          cleanly(() => {
            const header = parseGptHeader(bytes.subarray(512, 1024), 512, 'x');
            if (header)
              parseGptEntries(
                header,
                bytes.subarray(1024, 1024 + Math.min(gptEntriesLength(header), 16384)),
                'x',
              );
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
