import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { parseMtkHeader, parseMtkLogo } from '../../src/formats/image/mtk-header.js';
import { concat, logoHead, mtkHeader, resultOrRomctlError } from './image-fixtures.js';

describe('parseMtkHeader', () => {
  it('reads name, payload size and load address of a plain header', () => {
    const head = mtkHeader({ name: 'ROOTFS', payloadSize: 1234, loadAddress: 0x4bd00000 });
    expect(parseMtkHeader(head)).toEqual({
      name: 'ROOTFS',
      payloadSize: 1234,
      loadAddress: 0x4bd00000,
      mode: 0,
      headerSize: 512,
      alignment: null,
      imageSize: 1746,
    });
  });

  it('reads the extended header of newer build tools', () => {
    const header = parseMtkHeader(mtkHeader({ name: 'lk', payloadSize: 0x5eb40, extended: true }))!;
    expect(header).toMatchObject({ name: 'lk', headerSize: 512, alignment: 16, imageSize: 388416 });
  });

  it('finds a header at an offset and returns null where there is none', () => {
    const head = concat(new Uint8Array(2048), mtkHeader({ name: 'KERNEL', payloadSize: 1 }));
    expect(parseMtkHeader(head, 2048)?.name).toBe('KERNEL');
    expect(parseMtkHeader(head)).toBeNull();
  });

  it('rejects a cut header and an extended header smaller than itself', () => {
    const head = mtkHeader({ name: 'lk', payloadSize: 1, extended: true });
    expect(() => parseMtkHeader(head.subarray(0, 40), 0, 'lk.bin')).toThrow(RomctlError);
    new DataView(head.buffer).setUint32(0x34, 16, true);
    expect(() => parseMtkHeader(head)).toThrow(/less than the header itself/);
  });
});

describe('parseMtkLogo', () => {
  it('reads the picture table', () => {
    const logo = parseMtkLogo(logoHead([20, 100, 200], 300));
    expect(logo).toEqual({ imageCount: 3, dataSize: 300, offsets: [20, 100, 200] });
  });

  it('ignores MTK images that are not logos', () => {
    expect(parseMtkLogo(mtkHeader({ name: 'lk', payloadSize: 10 }))).toBeNull();
  });

  it('rejects tables that do not fit or are out of order', () => {
    expect(() => parseMtkLogo(logoHead([], 300))).toThrow(/0 pictures/);
    expect(() => parseMtkLogo(logoHead([16, 400], 300))).toThrow(/picture 1 starts at 0x190/);
    expect(() => parseMtkLogo(logoHead([100, 50], 300))).toThrow(/out of order/);
    expect(() => parseMtkLogo(logoHead([4], 300))).toThrow(/picture 0/);
  });

  it('returns a result or a RomctlError for mutated logos', () => {
    const valid = logoHead([24, 100, 200, 250], 300);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { maxLength: 8 }),
        fc.nat(valid.length),
        (mutations, length) => {
          const head = valid.slice(0, length);
          for (const [at, value] of mutations) if (at >= 4 && at < head.length) head[at] = value;
          resultOrRomctlError(() => parseMtkLogo(head));
          resultOrRomctlError(() => parseMtkHeader(head, 0));
        },
      ),
      { numRuns: 300 },
    );
  });
});
