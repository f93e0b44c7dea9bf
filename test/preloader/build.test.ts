import { describe, expect, it } from 'vitest';
import { RomctlError } from '../../src/errors.js';
import {
  buildBloaderBlock,
  buildPreloader,
  knownBloaderVersions,
  parsePreloader,
  type BuildEmiRecord,
} from '../../src/formats/preloader/index.js';
import { mcp, nikel } from './fixtures.js';

describe('buildPreloader → parsePreloader round trip', () => {
  it('writes a bare GFH preloader whose FILE_INFO, ROM info and v00 records read back exactly', () => {
    const bytes = buildPreloader(nikel);
    const info = parsePreloader(bytes);
    expect(info.kind).toBe('preloader');
    expect(info.warnings).toEqual([]);
    expect(info.gfh?.fileInfo).toMatchObject({
      name: 'FILE_INFO',
      fileTypeName: 'ARM_BL',
      fileLength: bytes.length,
      contentOffset: 0x300,
      sigTypeName: 'SINGLE_AND_PHASH',
      sigLength: 0x124,
    });
    expect(info.gfh?.blocks.reduce((n, b) => n + b.size, 0)).toBe(0x300);
    expect(info.romInfo).toMatchObject({ platformId: 'MT6797' });
    expect(info.bloader).toMatchObject({
      version: 0,
      project: 'nikel',
      recordCount: 3,
      recordSize: 140,
      layout: 'measured',
    });
    expect(
      info.bloader?.records.map((r) => [r.package, r.dram, r.dramVendorId, r.rankSizes?.slice(0, 2)]),
    ).toEqual(nikel.records.map((r) => [r.package, r.dram, r.dramVendorId, r.rankSizes]));
  });

  it('writes MCP records with id, id length, fw id and u64 rank sizes (v35)', () => {
    const records = parsePreloader(buildPreloader(mcp)).bloader!.records;
    expect(records[0]).toMatchObject({
      type: 0x203,
      package: 'emmc-mcp',
      idLength: 9,
      id: '90014a484247346132',
    });
    expect(records[1]).toMatchObject({ fwIdLength: 1, fwId: '01' });
    expect(records[2]).toMatchObject({ type: 0x306, package: 'ufs', dram: 'LPDDR4X', idLength: 15 });
    expect(records[2]?.rankSizes).toEqual([4n << 30n, 2n << 30n, 0n, 0n]);
  });

  it.each(['emmc', 'ufs'] as const)('wraps the same preloader as a %s boot area', (bootArea) => {
    const bare = parsePreloader(buildPreloader(mcp));
    const area = parsePreloader(buildPreloader({ ...mcp, bootArea }));
    expect(area.kind).toBe('boot-area');
    expect(area.warnings).toEqual([]);
    expect(area.bootHeader).toMatchObject({
      identifier: bootArea === 'emmc' ? 'EMMC_BOOT' : 'UFS_BOOT',
      gfhOffset: bootArea === 'emmc' ? 0x800 : 0x1000,
    });
    expect(area.bootHeader?.brlyt?.descriptors).toHaveLength(1);
    expect(area.gfh?.fileInfo.flashDevName).toBe(bootArea === 'emmc' ? 'EMMC_BOOT_REGION' : 'UFS_BOOT');
    expect(area.bloader?.records).toEqual(bare.bloader?.records);
  });

  it('pads to totalSize and refuses a size too small to hold the parts', () => {
    const bytes = buildPreloader({ ...nikel, totalSize: 0x20000 });
    expect(bytes.length).toBe(0x20000);
    expect(parsePreloader(bytes).gfh?.fileInfo.fileLength).toBe(0x20000);
    expect(() => buildPreloader({ ...nikel, totalSize: 0x400 })).toThrow(RomctlError);
  });

  it('is deterministic', () => {
    expect(buildPreloader(mcp)).toEqual(buildPreloader(mcp));
  });

  it('round-trips one record through every version it knows', () => {
    const record: BuildEmiRecord = { package: 'emmc-mcp', dram: 'LPDDR2', id: '150100' };
    for (const version of knownBloaderVersions()) {
      const info = parsePreloader(buildBloaderBlock('preloader_x.bin', version, [record]));
      expect(info.kind, `v${version}`).toBe('emi-block');
      expect(info.warnings, `v${version}`).toEqual([]);
      expect(info.bloader?.records[0], `v${version}`).toMatchObject({ package: 'emmc-mcp', dram: 'LPDDR2' });
      expect(info.bloader?.records[0]?.id, `v${version}`).toMatch(/^150100/);
    }
  });

  it('refuses fields the chosen version cannot hold, naming the record', () => {
    const cases: Array<[number, BuildEmiRecord]> = [
      [8, { package: 'discrete', dram: 'LPDDR2', rankSizes: [1n << 30n] }],
      [10, { package: 'discrete', dram: 'LPDDR2', dramVendorId: 1 }],
      [20, { package: 'discrete', dram: 'LPDDR3', rankSizes: [8n << 30n] }],
      [35, { package: 'emmc-mcp', dram: 'LPDDR3', id: '00'.repeat(17) }],
      [35, { package: 'discrete', dram: 'PCDDR3', dramVendorId: 1 }],
      [3, { package: 'discrete', dram: 'LPDDR3' }],
    ];
    for (const [version, record] of cases) {
      expect(() => buildBloaderBlock('preloader_x.bin', version, [record]), `v${version}`).toThrow(
        RomctlError,
      );
    }
  });
});
