import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildDaContainer,
  readSimDaIdentity,
  sha256Hex,
  simDaStages,
} from '../../src/engine/da/container-build.js';
import { daStages, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { RomctlError } from '../../src/errors.js';

const file = buildDaContainer({
  entries: [
    { hwCode: 0x6755 },
    { hwCode: 0x6797, hwVersion: 0xcb00, swVersion: 1 },
    { hwCode: 0x6797, hwVersion: 0xca00, swVersion: 0 },
  ],
});

describe('DA container', () => {
  it('round-trips header, entries and regions', () => {
    const da = parseDaContainer(file);
    expect(da).toMatchObject({
      identifier: 'MTK_AllInOne_DA_v3',
      xml: false,
      formatVersion: 4,
      magicOk: true,
      entrySize: 0xdc,
    });
    expect(da.entries.map((e) => [e.hwCode, e.hwVersion, e.swVersion])).toEqual([
      [0x6755, 0xca00, 0],
      [0x6797, 0xcb00, 1],
      [0x6797, 0xca00, 0],
    ]);
    const entry = da.entries[1]!;
    expect(entry.entryRegionIndex).toBe(1);
    expect(entry.regions.map((r) => [r.loadAddress, r.signatureLength])).toEqual([
      [0, 0],
      [0x200000, 0x100],
      [0x40000000, 0x100],
    ]);
    expect(entry.regions[1]!.startOffset).toBe(entry.regions[1]!.length - 0x100);
  });

  it('reads the old 0xD8-byte entry layout', () => {
    const old = parseDaContainer(
      buildDaContainer({ oldLayout: true, entries: [{ hwCode: 0x6580 }, { hwCode: 0x6735 }] }),
    );
    expect(old.entrySize).toBe(0xd8);
    expect(old.entries.map((e) => [e.hwCode, e.swVersion, e.regions.length])).toEqual([
      [0x6580, null, 3],
      [0x6735, null, 3],
    ]);
  });

  it('marks V6 (XML) files', () => {
    expect(
      parseDaContainer(buildDaContainer({ identifier: 'MTK_DA_v6', entries: [{ hwCode: 0x1208 }] })).xml,
    ).toBe(true);
  });

  it('picks the entry by DA code and revision; stages carry the sim markers and the DA2 hash', () => {
    const da = parseDaContainer(file);
    const entry = pickDaEntry(da, { hwCode: 0x279, daCode: 0x6797, hwVersion: 0xca00, swVersion: 0 });
    expect(entry.index).toBe(2);
    expect(pickDaEntry(da, { hwCode: 0x279, daCode: 0x6797, hwVersion: 0xcb00, swVersion: 1 }).index).toBe(1);
    expect(pickDaEntry(da, { hwCode: 0x279, daCode: 0x6797 }).index).toBe(1);
    const { da1, da2 } = daStages(file, entry);
    expect(da1.bytes.length).toBe(da1.length);
    expect(da2.bytes.length).toBe(da2.length - da2.signatureLength);
    const one = readSimDaIdentity(da1.bytes);
    expect(one).toEqual({ stage: 1, protocol: 'xflash', hwCode: 0x6797, da2Sha256: sha256Hex(da2.bytes) });
    expect(readSimDaIdentity(da2.bytes)).toMatchObject({ stage: 2, hwCode: 0x6797 });
    expect(readSimDaIdentity(simDaStages(0x6589, 'legacy').da1)).toMatchObject({
      protocol: 'legacy',
      hwCode: 0x6589,
    });
    expect(readSimDaIdentity(new Uint8Array(64))).toBeNull();
  });

  it('says which chip has no entry', () => {
    const da = parseDaContainer(buildDaContainer({ entries: [{ hwCode: 0x6755 }, { hwCode: 0x6757 }] }));
    const error = (() => {
      try {
        pickDaEntry(da, { hwCode: 0x279, daCode: 0x6797, name: 'MT6797' }, 'DA_6755.bin');
      } catch (e) {
        return e as RomctlError;
      }
    })();
    expect(error).toBeInstanceOf(RomctlError);
    expect(error?.oneLine()).toMatch(
      /^DA_6755\.bin: no DA entry for MT6797 \(0x279\) in this file \(it has entries for 0x6755, 0x6757\)/,
    );
    expect(error?.exitCode).toBe(1);
  });

  it('refuses entries that need a newer chip revision', () => {
    const da = parseDaContainer(buildDaContainer({ entries: [{ hwCode: 0x6797, hwVersion: 0xcb00 }] }));
    expect(() => pickDaEntry(da, { hwCode: 0x279, daCode: 0x6797, hwVersion: 0xca00 })).toThrow(
      /newer chip revision/,
    );
  });

  it('rejects non-DA files, impossible counts and regions outside the file', () => {
    expect(() => parseDaContainer(new Uint8Array(0x200))).toThrow(/not a DA file/);
    const bad = file.slice();
    new DataView(bad.buffer).setUint32(0x68, 5000, true);
    expect(() => parseDaContainer(bad)).toThrow(/declares 5000 entries/);
    expect(() => parseDaContainer(file.subarray(0, file.length - 10), { fileName: 'DA.bin' })).toThrow(
      /outside the file/,
    );
    const noMagic = file.slice();
    noMagic[0x6c + 0xdc] = 0;
    expect(() => parseDaContainer(noMagic)).toThrow(/0xDADA magic/);
  });

  it('fuzz: random and mutated input gives a container or a RomctlError', () => {
    const check = (bytes: Uint8Array) => {
      try {
        const da = parseDaContainer(bytes);
        for (const entry of da.entries) {
          try {
            daStages(bytes, entry);
          } catch (e) {
            if (!(e instanceof RomctlError)) throw e;
          }
        }
      } catch (e) {
        if (!(e instanceof RomctlError)) throw e;
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 0x400 }), check), { numRuns: 200 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
        fc.nat(file.length),
        (edits, cut) => {
          const bytes = file.slice(0, Math.max(cut, 0x6c));
          for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
          check(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });
});
