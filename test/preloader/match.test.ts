import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import {
  buildBloaderBlock,
  buildPreloader,
  decodeEmmcCid,
  describeMemory,
  describeRecord,
  matchMemory,
  parseMemorySpec,
  parsePreloader,
} from '../../src/formats/preloader/index.js';
import { corpusDir, corpusFiles } from './corpus-helpers.js';
import { mcp, nikel } from './fixtures.js';

const bloaderOf = (options: Parameters<typeof buildPreloader>[0]) =>
  parsePreloader(buildPreloader(options)).bloader;

describe('parseMemorySpec', () => {
  it('reads an eMMC id, DRAM type and equal ranks', () => {
    expect(parseMemorySpec('emmc:90014a484247346132,lpddr3,2x1G')).toEqual({
      storage: { kind: 'emmc', id: '90014a484247346132' },
      dram: 'LPDDR3',
      dramVendorId: null,
      rankSizes: [1n << 30n, 1n << 30n],
    });
  });

  it('reads a discrete DRAM description with MR5 and fractional or listed rank sizes', () => {
    expect(parseMemorySpec('dram:lpddr3,mr5=0x01,2x1.5G')).toMatchObject({
      dram: 'LPDDR3',
      dramVendorId: 1,
      rankSizes: [0x60000000n, 0x60000000n],
    });
    expect(parseMemorySpec('LPDDR4X, 2G+1GiB').rankSizes).toEqual([2n << 30n, 1n << 30n]);
    expect(parseMemorySpec('ufs:name=KM2V8001CM-B707').storage?.id).toBe(
      Buffer.from('KM2V8001CM-B707').toString('hex'),
    );
  });

  it.each([
    ['', /empty item/],
    ['emmc:9001x', /hex digits/],
    ['lpddr9', /not a storage id/],
    ['dram:sdram', /not a DRAM type/],
    ['mr5=0x100', /not a byte/],
    ['5x1G', /1 to 4 ranks/],
    ['2x1.3M', /whole number of bytes/],
    ['lpddr3,lpddr4', /given twice/],
    ['emmc:name=abc', /only for UFS/],
  ])('rejects %j with a RomctlError naming what was expected', (text, message) => {
    const error = (() => {
      try {
        parseMemorySpec(text);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).message).toMatch(message);
    expect((error as RomctlError).hint).toMatch(/expected/);
  });
});

describe('matchMemory on MCP records (v35)', () => {
  const bloader = bloaderOf(mcp);

  it('matches by the first id_length bytes of the eMMC CID and the rank sizes', () => {
    const result = matchMemory(
      bloader,
      parseMemorySpec('emmc:90014a48424734613212345678abcdef,lpddr3,2G+1G'),
    );
    expect(result.verdict).toBe('match');
    expect(result.matched.map((r) => r.index)).toEqual([0]);
    expect(result.reason).toMatch(/record 0/);
  });

  it('matches a UFS id given as its product name', () => {
    expect(matchMemory(bloader, parseMemorySpec('ufs:name=KM2V8001CM-B707,4G+2G')).verdict).toBe('match');
  });

  it('refuses an eMMC whose id is not in the table, or whose rank sizes differ', () => {
    expect(matchMemory(bloader, parseMemorySpec('emmc:150100474436424d43,2x1G')).verdict).toBe('no-match');
    const ranks = matchMemory(bloader, parseMemorySpec('emmc:90014a484247346132,2x2G'));
    expect(ranks.verdict).toBe('no-match');
    expect(ranks.reason).toMatch(/rank sizes differ/);
  });

  it('cannot decide without a storage id, or with fewer id bytes than the record compares', () => {
    expect(matchMemory(bloader, parseMemorySpec('lpddr3,2x1G')).verdict).toBe('cannot-decide');
    const short = matchMemory(bloader, parseMemorySpec('emmc:9001'));
    expect(short.verdict).toBe('cannot-decide');
    expect(short.reason).toMatch(/only 2 given/);
  });
});

describe('matchMemory on v00 discrete records (nikel)', () => {
  const bloader = bloaderOf(nikel);

  it('matches by DRAM type, MR5 vendor id and rank sizes', () => {
    const result = matchMemory(bloader, parseMemorySpec('dram:lpddr3,mr5=0x01,2x1.5G'));
    expect(result.verdict).toBe('match');
    expect(result.matched.map((r) => r.index)).toEqual([1]);
  });

  it('refuses another vendor, another DRAM type or other rank sizes', () => {
    for (const spec of [
      'dram:lpddr3,mr5=0x03,2x1G',
      'dram:lpddr4,mr5=0x01,2x1.5G',
      'dram:lpddr3,mr5=0x06,2x2G',
    ]) {
      expect(matchMemory(bloader, parseMemorySpec(spec)).verdict, spec).toBe('no-match');
    }
  });

  it('cannot decide without the MR5 vendor id, since the records differ by it', () => {
    const result = matchMemory(bloader, parseMemorySpec('emmc:150100,lpddr3,2x1G'));
    expect(result.verdict).toBe('cannot-decide');
    expect(result.reason).toMatch(/vendor id/);
  });

  it('uses a single discrete record without checks', () => {
    const single = bloaderOf({ ...nikel, records: nikel.records.slice(0, 1) });
    expect(matchMemory(single, parseMemorySpec('dram:lpddr4')).verdict).toBe('match');
  });
});

describe('matchMemory where the layout is not known well enough', () => {
  it('cannot decide for a version without a known layout or a preloader without a table', () => {
    const block = buildBloaderBlock('preloader_x.bin', 35, [
      { package: 'emmc-mcp', dram: 'LPDDR3', id: '9001' },
    ]);
    block.set(Buffer.from('53'), 18); // relabel as v53, a version we have no layout for
    const info = parsePreloader(block);
    expect(info.bloader?.layout).toBe('unknown');
    expect(info.warnings.join()).toMatch(/v53 record layout is unknown/);
    expect(matchMemory(info.bloader, parseMemorySpec('emmc:9001')).verdict).toBe('cannot-decide');
    expect(matchMemory(null, parseMemorySpec('emmc:9001')).verdict).toBe('cannot-decide');
  });
});

describe('matchMemory on the MT6575/77 (v08) and MT6589 (v10) tables', () => {
  const v08 = parsePreloader(
    buildBloaderBlock('preloader_x.bin', 8, [
      { package: 'emmc-mcp', dram: 'LPDDR2', id: '90014a2058494e5948' },
      { package: 'emmc-mcp', dram: 'LPDDR2', id: '150100474436424d42' },
      { package: 'nand-mcp', dram: 'DDR1', id: 'adbc905554' },
    ]),
  ).bloader;

  it('v08 records carry no id length: a fixed 9 eMMC CID bytes (5 NAND id bytes) are compared', () => {
    const right = matchMemory(v08, parseMemorySpec('emmc:90014a2058494e594807a1b2c3d4e5f1,lpddr2,2x512M'));
    expect(right.verdict).toBe('match');
    expect(right.reason).toMatch(/first 9 id bytes equal \(v08 compares a fixed 9\)/);
    expect(matchMemory(v08, parseMemorySpec('emmc:90014a2058494e5949')).verdict).toBe('no-match');
    expect(matchMemory(v08, parseMemorySpec('nand:adbc905554')).verdict).toBe('match');
    const short = matchMemory(v08, parseMemorySpec('emmc:90014a20'));
    expect(short.verdict).toBe('cannot-decide');
    expect(short.reason).toMatch(/compares 9 id bytes, only 4 given/);
  });

  it('records without rank sizes match by id with or without the sizes given (their preloader does not compare them)', () => {
    const v10 = parsePreloader(
      buildBloaderBlock('preloader_x.bin', 10, [
        { package: 'emmc-mcp', dram: 'LPDDR2', id: '45010053454d303847' },
      ]),
    ).bloader;
    for (const spec of ['emmc:45010053454d303847', 'emmc:45010053454d30384701020304,lpddr2,2x512M']) {
      const match = matchMemory(v10, parseMemorySpec(spec));
      expect(match.verdict).toBe('match');
      expect(match.reason).toMatch(/carries no rank sizes; its preloader does not compare them|not given/);
    }
  });
});

describe.skipIf(corpusDir('emi') === null)('matchMemory on the real nikel table (corpus/emi)', () => {
  const file = corpusFiles('emi').find((f) => f.name === 'preloader_lcsh6797_6c_lw_m.bin');
  it('finds the Samsung 2 × 1.5 GiB record and refuses a Micron 2 × 1 GiB part', () => {
    const bloader = parsePreloader(file!.bytes()).bloader;
    expect(matchMemory(bloader, parseMemorySpec('dram:lpddr3,mr5=0x01,2x1.5G'))).toMatchObject({
      verdict: 'match',
    });
    expect(matchMemory(bloader, parseMemorySpec('dram:lpddr3,mr5=0xff,2x1G')).verdict).toBe('no-match');
  });
});

describe('descriptions', () => {
  it('describes an eMMC-MCP record with manufacturer and product name', () => {
    const record = bloaderOf(mcp)!.records[0]!;
    expect(describeRecord(record)).toBe(
      'eMMC-MCP LPDDR3, id 90014a484247346132 (Hynix HBG4a2), DRAM vendor 0x06 (SK hynix), 2 GiB + 1 GiB',
    );
    expect(describeRecord(bloaderOf(mcp)!.records[2]!)).toMatch(
      /^UFS LPDDR4X, id 4b4d.* \('KM2V8001CM-B707'\), 4 GiB \+ 2 GiB$/,
    );
  });

  it('describes a discrete record and a memory spec', () => {
    expect(describeRecord(bloaderOf(nikel)!.records[1]!)).toBe(
      'discrete LPDDR3, DRAM vendor 0x01 (Samsung), 2 × 1.5 GiB',
    );
    expect(describeMemory(parseMemorySpec('emmc:150100474436424d42,lpddr3,2x1G'))).toBe(
      'eMMC id 150100474436424d42 (Samsung GD6BMB), LPDDR3, 2 × 1 GiB',
    );
  });

  it('decodes the eMMC manufacturer and leaves an unreadable product name out', () => {
    expect(decodeEmmcCid('90014a484247346132')).toEqual({ manufacturer: 'Hynix', productName: 'HBG4a2' });
    expect(decodeEmmcCid('4201000001')).toEqual({ manufacturer: null, productName: null });
  });
});
