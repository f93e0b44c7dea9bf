import { describe, expect, it } from 'vitest';
import {
  knownBloaderVersions,
  parsePreloader,
  type PreloaderInfo,
} from '../../src/formats/preloader/index.js';
import { corpusDir, corpusFiles } from './corpus-helpers.js';

const POWER_OF_TWO_MULTIPLE = 32n << 20n; // every real rank is a multiple of 32 MiB

function checkConsistent(info: PreloaderInfo): void {
  const bloader = info.bloader;
  if (!bloader) return;
  expect(bloader.fileName.length).toBeGreaterThan(0);
  if (bloader.layout === 'unknown') {
    expect(info.warnings.some((w) => w.includes('layout is unknown'))).toBe(true);
    return;
  }
  const cutShort = info.warnings.some((w) => w.includes('cut short'));
  if (!cutShort) expect(bloader.records).toHaveLength(bloader.recordCount);
  else expect(bloader.records.length).toBeLessThan(bloader.recordCount);
  for (const record of bloader.records) {
    expect(record.type).not.toBeNull();
    if (record.idLength !== null && record.id !== null) {
      expect(record.idLength).toBeLessThanOrEqual(16);
      expect(record.id).toHaveLength(record.idLength * 2);
    }
    for (const rank of record.rankSizes ?? []) {
      expect(rank === 0n || (rank % POWER_OF_TWO_MULTIPLE === 0n && rank <= 32n << 30n), `rank ${rank}`).toBe(
        true,
      );
    }
    if (record.dram === 'unknown' || record.package === 'unknown') {
      expect(info.warnings.some((w) => w.includes(`EMI record ${record.index} has type`))).toBe(true);
    }
    if (record.dramVendorId !== null) expect(record.dram.startsWith('LPDDR')).toBe(true);
  }
}

const summary = new Map<string, { files: number; clean: number; warned: number }>();
function count(key: string, info: PreloaderInfo): void {
  const entry = summary.get(key) ?? { files: 0, clean: 0, warned: 0 };
  entry.files++;
  if (info.warnings.length === 0) entry.clean++;
  else entry.warned++;
  summary.set(key, entry);
}

for (const sub of ['preloader', 'emi'] as const) {
  const files = corpusFiles(sub);
  const title = corpusDir(sub) ? `corpus/${sub}` : `corpus/${sub} (skipped: ../shared/corpus/${sub} absent)`;
  describe.skipIf(corpusDir(sub) === null)(title, () => {
    it.each(files.map((f) => [f.name, f] as const))(
      '%s parses with self-consistent records',
      (_name, file) => {
        const info = parsePreloader(file.bytes(), { fileName: file.name });
        checkConsistent(info);
        const version = info.bloader ? `v${String(info.bloader.version).padStart(2, '0')}` : 'no bloader';
        count(`${sub}\t${info.kind}\t${version}`, info);
      },
    );
  });
}

describe.skipIf(corpusDir('preloader') === null)('corpus/preloader specifics', () => {
  const byName = (prefix: string) => {
    const file = corpusFiles('preloader').find((f) => f.name.startsWith(prefix));
    if (!file) throw new Error(`corpus file ${prefix}* missing`);
    return parsePreloader(file.bytes(), { fileName: file.name });
  };

  it('reads a UFS_BOOT read-back: header, BRLYT and the GFH at 0x1000', () => {
    const info = byName('MT6893_preloader_pd2135f');
    expect(info.kind).toBe('boot-area');
    expect(info.bootHeader).toMatchObject({ identifier: 'UFS_BOOT', gfhOffset: 0x1000 });
    expect(info.bootHeader?.brlyt?.descriptors[0]).toMatchObject({
      flashDev: 0x0c,
      fileType: 1,
      begin: 0x1000,
    });
    expect(info.gfh?.fileInfo).toMatchObject({ fileTypeName: 'ARM_BL', sigType: 5, sigLength: 0x66c });
    expect(info.bloader?.fileName).toBe('preloader_k6893v1_64.bin');
    expect(info.bloader?.project).toBe('k6893v1_64');
  });

  it('reads the same preloader as the bare package file with identical records', () => {
    const bare = byName('MT6893_preloader_k6893v1_64');
    const area = byName('MT6893_preloader_pd2135f');
    expect(bare.kind).toBe('preloader');
    expect(bare.bloader?.records).toEqual(area.bloader?.records);
  });

  it('reads an EMMC_BOOT read-back with its GFH at 0x800', () => {
    const info = byName('MT6737M_preloader_x5511b');
    expect(info.bootHeader).toMatchObject({ identifier: 'EMMC_BOOT', headerSize: 0x200, gfhOffset: 0x800 });
    expect(info.gfh?.blocks.map((b) => b.typeName)).toEqual([
      'FILE_INFO',
      'BL_INFO',
      'BROM_CFG',
      'BL_SEC_KEY',
      'ANTI_CLONE',
      'BROM_SEC_CFG',
    ]);
  });

  it('reports a feature-phone preloader without an EMI table as a warning, not a failure', () => {
    const info = byName('MT6261_preloader_gfp');
    expect(info.bootHeader?.identifier).toBe('SF_BOOT');
    expect(info.bloader).toBeNull();
    expect(info.warnings.join('\n')).toMatch(/no MTK_BLOADER_INFO/);
  });

  it('finds the EMI table in a raw MT8173 image without GFH, with a warning', () => {
    const info = byName('MT8173_preloader_8173');
    expect(info.gfh).toBeNull();
    expect(info.bloader).toMatchObject({
      version: 0,
      fileName: 'preloader_mt6575_evb.bin',
      layout: 'unknown',
    });
    expect(info.warnings.join('\n')).toMatch(/raw code image/);
    expect(info.warnings.join('\n')).toMatch(/padded with spaces/);
  });
});

describe.skipIf(corpusDir('emi') === null)('corpus/emi specifics', () => {
  const emi = (name: string) => {
    const file = corpusFiles('emi').find((f) => f.name === name);
    if (!file) throw new Error(`corpus file ${name} missing`);
    return parsePreloader(file.bytes(), { fileName: name });
  };

  it("decodes nikel's v00 MT6797 table: seven discrete LPDDR3 records of 140 bytes", () => {
    const info = emi('preloader_lcsh6797_6c_lw_m.bin');
    expect(info.kind).toBe('emi-block');
    expect(info.warnings).toEqual([]);
    const bloader = info.bloader!;
    expect(bloader).toMatchObject({
      version: 0,
      recordCount: 7,
      recordSize: 140,
      project: 'lcsh6797_6c_lw_m',
    });
    expect(bloader.records.map((r) => [r.package, r.dram])).toEqual(Array(7).fill(['discrete', 'LPDDR3']));
    expect(bloader.records.map((r) => r.dramVendorId)).toEqual([6, 1, 3, 6, 0xff, 6, 1]);
    expect(bloader.records[1]?.rankSizes).toEqual([0x60000000n, 0x60000000n, 0n, 0n]);
  });

  it('decodes a v35 eMMC-MCP record: CID prefix, id length and u64 rank sizes', () => {
    const record = emi('0766_preloader_cereus_3C2D76D046.bin').bloader!.records[0]!;
    expect(record).toMatchObject({ type: 0x203, package: 'emmc-mcp', dram: 'LPDDR3', idLength: 9 });
    expect(record.id).toBe('90014a484247346132');
    expect(record.rankSizes).toEqual([0x80000000n, 0x40000000n, 0n, 0n]);
  });

  it('warns about a v08 block that says 4 records but holds fewer', () => {
    const info = emi('preloader_huaqin75_cu_jb_6575.bin');
    expect(info.bloader?.records).toHaveLength(1);
    expect(info.warnings.join('\n')).toMatch(/cut short/);
  });

  it('every version in the corpus has a layout', () => {
    const versions = new Set(corpusFiles('emi').map((f) => parsePreloader(f.bytes()).bloader?.version));
    for (const v of versions) if (v !== undefined) expect(knownBloaderVersions()).toContain(v);
  });
});

describe('corpus summary', () => {
  it('prints files per kind / bloader version and how many decode without warnings', () => {
    const rows = [...summary.entries()].sort(([a], [b]) => a.localeCompare(b));
    if (rows.length === 0) return;
    console.log(
      [
        'corpus\tkind\tversion\tfiles\tclean\twarned',
        ...rows.map(([k, v]) => `${k}\t${v.files}\t${v.clean}\t${v.warned}`),
      ].join('\n'),
    );
    expect(rows.reduce((n, [, v]) => n + v.files, 0)).toBeGreaterThan(0);
  });
});
