import fc from 'fast-check';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildDaContainer,
  readSimDaIdentity,
  sha256Hex,
  simDaStages,
} from '../../src/engine/da/container-build.js';
import {
  daStages,
  entryProtocol,
  parseDaContainer,
  pickDaEntry,
  type DaContainer,
} from '../../src/engine/da/container.js';
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
      v6: false,
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
    expect(entry.entryRegionIndex).toBe(0);
    expect(entry.regions.map((r) => [r.length, r.loadAddress, r.signatureLength])).toEqual([
      [0x270, 0x50000000, 0],
      [expect.any(Number), 0x200000, 0x100],
      [expect.any(Number), 0x40000000, 0x100],
    ]);
    expect(Array.from(file.subarray(0x64, 0x68))).toEqual([0x99, 0x88, 0x66, 0x22]);
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

  it('marks V6 (XML) files, whose entries all speak XML', () => {
    const v6 = parseDaContainer(buildDaContainer({ identifier: 'MTK_DA_v6', entries: [{ hwCode: 0x6797 }] }));
    expect(v6.v6).toBe(true);
    expect(entryProtocol(v6, v6.entries[0]!)).toBe('xml');
  });

  it('gives legacy-era chips the entry_region_index 1 their real entries carry, and legacy DAs', () => {
    const da = parseDaContainer(buildDaContainer({ entries: [{ hwCode: 0x6583 }, { hwCode: 0x6580 }] }));
    expect(da.entries.map((e) => [e.entryRegionIndex, entryProtocol(da, e)])).toEqual([
      [1, 'legacy'],
      [0, 'legacy'],
    ]);
    expect(entryProtocol(da, { hwCode: 0x1234 })).toBe('unknown');
  });

  it('picks the entry by DA code and revision; stages carry the sim markers and the DA2 hash', () => {
    const da = parseDaContainer(file);
    const entry = pickDaEntry(da, { hwCode: 0x279, daCode: 0x6797, hwVersion: 0xca00, swVersion: 0 });
    expect(entry.index).toBe(2);
    expect(pickDaEntry(da, { hwCode: 0x279, daCode: 0x6797, hwVersion: 0xcb00, swVersion: 1 }).index).toBe(1);
    expect(pickDaEntry(da, { hwCode: 0x279, daCode: 0x6797 }).index).toBe(1);
    const { da1, da2 } = daStages(file, entry, 'xflash');
    expect(da1).toMatchObject(entry.regions[1]!);
    expect(da1.bytes.length).toBe(da1.length);
    expect(da2).toMatchObject(entry.regions[2]!);
    expect(da2.bytes.length).toBe(da2.length - da2.signatureLength);
    expect(daStages(file, entry, 'legacy').da2.bytes.length).toBe(da2.length);
    const one = readSimDaIdentity(da1.bytes);
    expect(one).toEqual({
      stage: 1,
      protocol: 'xflash',
      hwCode: 0x6797,
      loadAddress: 0x200000,
      da2Sha256: sha256Hex(da2.bytes),
      da2LoadAddress: null,
    });
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
            daStages(bytes, entry, entryProtocol(da, entry) === 'legacy' ? 'legacy' : 'xflash');
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

const corpusDa = fileURLToPath(new URL('../../../shared/corpus/da/', import.meta.url));
const realFiles = existsSync(corpusDa) ? readdirSync(corpusDa).filter((f) => f.endsWith('.bin')) : [];

/** What a real entry holds, fed back through the builder: the builder must lay it out as the real file does. */
function rebuild(bytes: Uint8Array, da: DaContainer): Uint8Array {
  return buildDaContainer({
    identifier: da.identifier,
    oldLayout: da.entrySize === 0xd8,
    entries: da.entries.map((e) => ({
      hwCode: e.hwCode,
      hwSubCode: e.hwSubCode,
      hwVersion: e.hwVersion,
      ...(e.swVersion === null ? {} : { swVersion: e.swVersion }),
      pageSize: e.pageSize,
      entryRegionIndex: e.entryRegionIndex,
      regions: e.regions.map((r) => ({
        bytes: bytes.subarray(r.offset, r.offset + r.length),
        loadAddress: r.loadAddress,
        signatureLength: r.signatureLength,
        startOffset: r.startOffset,
      })),
    })),
  });
}

/** an entry's bytes with the file offsets of its regions (m_buf) blanked: they depend on where blobs are laid */
function entryBytes(bytes: Uint8Array, da: DaContainer, index: number): number[] {
  const at = 0x6c + index * da.entrySize;
  const entry = da.entries[index]!;
  const regionsAt = da.entrySize === 0xd8 ? 0x10 : 0x14;
  const out = Array.from(bytes.subarray(at, at + regionsAt + entry.regions.length * 20));
  entry.regions.forEach((_, r) => out.fill(0, regionsAt + r * 20, regionsAt + r * 20 + 4));
  return out;
}

describe.skipIf(realFiles.length === 0)(
  'real Download Agents (skipped when ../shared/corpus/da is absent)',
  () => {
    it.each(realFiles)('%s: DA1 is region[1], DA2 region[2], as real clients upload them', (name) => {
      const bytes = new Uint8Array(readFileSync(corpusDa + name));
      const da = parseDaContainer(bytes, { fileName: name });
      expect(da.magicOk).toBe(true);
      expect(da.entries.length).toBeGreaterThan(0);
      for (const entry of da.entries) {
        expect(entry.regions).toHaveLength(3);
        const protocol = entryProtocol(da, entry);
        const { da1, da2 } = daStages(bytes, entry, protocol === 'legacy' ? 'legacy' : 'xflash');
        expect(da1.offset).toBe(entry.regions[1]!.offset);
        expect(da1.bytes.length).toBe(entry.regions[1]!.length);
        expect(da1.signatureLength).toBe(0x100);
        expect(da2.offset).toBe(entry.regions[2]!.offset);
        // region[0] is never what SEND_DA uploads: real files carry a 0x270-byte blob there (V6: DA1 again)
        expect(entry.regions[0]!.length === 0x270 || da.v6).toBe(true);
      }
    });

    it.each(realFiles)('%s: the builder lays out the same fields the same way (no drift)', (name) => {
      const bytes = new Uint8Array(readFileSync(corpusDa + name));
      const da = parseDaContainer(bytes, { fileName: name });
      const rebuilt = rebuild(bytes, da);
      const again = parseDaContainer(rebuilt);
      const withoutOffsets = (c: DaContainer) =>
        c.entries.map((e) => ({ ...e, regions: e.regions.map((r) => ({ ...r, offset: 0 })) }));
      expect({ ...again, entries: withoutOffsets(again) }).toEqual({ ...da, entries: withoutOffsets(da) });
      expect(Array.from(rebuilt.subarray(0x60, 0x6c))).toEqual(Array.from(bytes.subarray(0x60, 0x6c)));
      da.entries.forEach((_, i) => expect(entryBytes(rebuilt, da, i)).toEqual(entryBytes(bytes, da, i)));
    });

    it('the Tecno MT6580 DA: region[1] is 0x11380 bytes for 0x200000 with a 0x100 signature', () => {
      const bytes = new Uint8Array(readFileSync(corpusDa + 'tecno_pop4air_MT6580_DA.bin'));
      const da = parseDaContainer(bytes);
      const entry = pickDaEntry(da, { hwCode: 0x6580, daCode: 0x6580 });
      expect(entry.entryRegionIndex).toBe(0);
      expect(entryProtocol(da, entry)).toBe('legacy');
      const { da1, da2 } = daStages(bytes, entry, 'legacy');
      expect([da1.loadAddress, da1.bytes.length, da1.signatureLength]).toEqual([0x200000, 0x11380, 0x100]);
      expect([da2.loadAddress, da2.bytes.length]).toEqual([0x80000000, 0x39750]);
    });

    it('the V6 file is marked v6 and its entries speak XML', () => {
      const bytes = new Uint8Array(readFileSync(corpusDa + 'v6_DA_BR_1172.bin'));
      const da = parseDaContainer(bytes);
      expect(da.v6).toBe(true);
      expect(da.entries.map((e) => [e.hwCode, entryProtocol(da, e)])).toEqual([[0x1172, 'xml']]);
      const { da1, da2 } = daStages(bytes, da.entries[0]!, 'xml');
      expect([da1.loadAddress, da1.length, da1.signatureLength]).toEqual([0x2000000, 0x86540, 0x100]);
      expect([da2.loadAddress, da2.bytes.length]).toEqual([0x40000000, 0x51214 - 0x100]);
    });
  },
);
