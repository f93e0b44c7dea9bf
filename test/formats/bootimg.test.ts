import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import { parseAndroidBootImage } from '../../src/formats/bootimg.js';
import { bootImageHead, resultOrRomctlError } from './image-fixtures.js';

describe('parseAndroidBootImage', () => {
  it('reads a version 0 MT65xx-style image with an MTK header in front of the kernel', () => {
    const head = bootImageHead({
      version: 0,
      kernelSize: 5000,
      ramdiskSize: 3000,
      name: 'mt6589',
      mtkKernel: true,
    });
    const image = parseAndroidBootImage(head)!;
    expect(image).toMatchObject({
      headerVersion: 0,
      pageSize: 2048,
      kernelSize: 5000,
      ramdiskSize: 3000,
      name: 'mt6589',
    });
    // header page + kernel (3 pages) + ramdisk (2 pages)
    expect(image.imageSize).toBe(2048 * 6);
    expect(image.kernelMtkHeader).toMatchObject({ name: 'KERNEL', payloadSize: 4488, imageSize: 5000 });
  });

  it('says there is no MTK kernel header, or that the head ends before it', () => {
    const head = bootImageHead({ version: 0, kernelSize: 100, ramdiskSize: 100 });
    expect(parseAndroidBootImage(head)!.kernelMtkHeader).toBeNull();
    expect(parseAndroidBootImage(head.subarray(0, 2048))!.kernelMtkHeader).toBeUndefined();
  });

  it('adds the recovery DTBO (v1) and DTB (v2) sections', () => {
    const v2 = bootImageHead({
      version: 2,
      pageSize: 4096,
      kernelSize: 1,
      ramdiskSize: 1,
      secondSize: 1,
      recoveryDtboSize: 1,
      dtbSize: 4097,
    });
    expect(parseAndroidBootImage(v2)).toMatchObject({ headerVersion: 2, dtbSize: 4097, imageSize: 4096 * 7 });
    const v1 = bootImageHead({ version: 1, kernelSize: 2048, ramdiskSize: 0, recoveryDtboSize: 10 });
    expect(parseAndroidBootImage(v1)!.imageSize).toBe(2048 * 3);
  });

  it('reads versions 3 and 4 with their fixed 4096-byte pages', () => {
    const v3 = bootImageHead({ version: 3, kernelSize: 4097, ramdiskSize: 10 });
    expect(parseAndroidBootImage(v3)).toMatchObject({ pageSize: 4096, imageSize: 4096 * 4, name: '' });
    const v4 = bootImageHead({ version: 4, kernelSize: 4096, ramdiskSize: 4096, signatureSize: 4096 });
    expect(parseAndroidBootImage(v4)).toMatchObject({ signatureSize: 4096, imageSize: 4096 * 4 });
    expect(parseAndroidBootImage(v4)!.kernelMtkHeader).toBeUndefined();
  });

  it('leaves the size open for a header version it does not know', () => {
    const head = bootImageHead({ version: 9, kernelSize: 1, ramdiskSize: 1 });
    expect(parseAndroidBootImage(head)).toMatchObject({ headerVersion: 9, imageSize: null });
  });

  it('returns null for other data', () => {
    expect(parseAndroidBootImage(new Uint8Array(4096))).toBeNull();
    expect(parseAndroidBootImage(new Uint8Array(0))).toBeNull();
  });

  it('rejects a bad page size and a cut header', () => {
    const bad = bootImageHead({ version: 0, pageSize: 3000, kernelSize: 1, ramdiskSize: 1 });
    expect(() => parseAndroidBootImage(bad, 'boot.img')).toThrow(/page size 3000/);
    const v2 = bootImageHead({ version: 2, kernelSize: 1, ramdiskSize: 1 });
    expect(() => parseAndroidBootImage(v2.subarray(0, 0x400))).toThrow(RomctlError);
    expect(() => parseAndroidBootImage(v2.subarray(0, 0x20))).toThrow(/cut short at 32 bytes/);
  });

  it('returns a result or a RomctlError for random and mutated heads', () => {
    const valid = bootImageHead({ version: 2, kernelSize: 5000, ramdiskSize: 300, mtkKernel: true });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }).map((bytes) => {
            const out = new Uint8Array(bytes.length + 8);
            out.set([0x41, 0x4e, 0x44, 0x52, 0x4f, 0x49, 0x44, 0x21]);
            out.set(bytes, 8);
            return out;
          }),
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { maxLength: 8 }),
              fc.nat(valid.length),
            )
            .map(([mutations, length]) => {
              const out = valid.slice(0, Math.max(8, length));
              for (const [at, value] of mutations) if (at >= 8 && at < out.length) out[at] = value;
              return out;
            }),
        ),
        (head) => {
          resultOrRomctlError(() => parseAndroidBootImage(head));
        },
      ),
      { numRuns: 300 },
    );
  });
});
