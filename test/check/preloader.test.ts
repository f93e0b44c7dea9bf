import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPackage } from '../../src/check/index.js';
import { parseMemorySpec } from '../../src/formats/preloader/index.js';
import { runCli } from '../helpers/run-cli.js';
import { romWorkspace } from './helpers.js';

const work = romWorkspace('preloader-rules');
const codes = (report: { findings: { code: string }[] }) => report.findings.map((finding) => finding.code);
const memory = (text: string) => [{ label: `--memory ${text}`, spec: parseMemorySpec(text) }];

describe('preloader memory coverage', () => {
  it('refuses a package whose preloader lacks the phone’s memory and passes one that has it', async () => {
    const rom = await work.rom('coverage');
    const missing = await runCli(['check', rom.dir, '--memory', 'lpddr3,mr5=0x03,2x1G']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/preloader\.emi-no-match/);
    expect(missing.stdout).toMatch(/Elpida/);
    expect(missing.stdout).toMatch(/It can boot: #0 discrete LPDDR3/);
    expect(missing.stdout).toMatch(/S_FT_ENABLE_DRAM_FAIL \(4032\)/);
    const present = await runCli(['check', rom.dir, '--memory', 'lpddr3,mr5=0x06,2x1G']);
    expect(present.code).toBe(0);
    expect(present.stdout).toMatch(/PASS — 0 errors, 0 warnings/);
  });

  it('warns, never passes silently, when the records cannot decide', async () => {
    const rom = await work.rom('undecided');
    const report = await checkPackage(rom.dir, { memories: memory('emmc:150100444836424433') });
    expect(report.verdict).toBe('warn');
    expect(codes(report)).toEqual(['preloader.emi-undecided']);
  });

  it('names the memories another package’s preloader boots and this one does not', async () => {
    const narrow = await work.rom('narrow', (spec) => {
      spec.preloader.records = spec.preloader.records.slice(0, 1);
    });
    const wide = await work.rom('wide');
    const lost = await checkPackage(narrow.dir, { preloaderFrom: wide.dir });
    expect(lost.findings).toEqual([
      expect.objectContaining({
        code: 'preloader.coverage-lost',
        message: expect.stringMatching(/2 memories/),
      }),
    ]);
    const same = await checkPackage(wide.dir, {
      preloaderFrom: `${wide.dir}/preloader_lcsh6797_6c_lw_m.bin`,
    });
    expect(codes(same)).toEqual(['preloader.coverage-compared']);
  });
});

describe('preloader structure', () => {
  it('refuses a preloader without MTK_BLOADER_INFO (SP Flash Tool error 5054)', async () => {
    const rom = await work.rom('no-bloader');
    const path = `${rom.dir}/preloader_lcsh6797_6c_lw_m.bin`;
    const bytes = readFileSync(path);
    const tag = bytes.indexOf('MTK_BLOADER_INFO');
    bytes.write('XXX_BLOADER_INFO', tag, 'latin1');
    writeFileSync(path, bytes);
    const report = await checkPackage(rom.dir, { mode: 'download' });
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        code: 'preloader.no-bloader-info',
        symptoms: ['S_DL_GET_DRAM_SETTING_FAIL (5054)'],
      }),
    );
    // the scatter's checksum now differs too; the preloader finding is what matters here
    expect(report.verdict).toBe('refuse');
  });

  it('refuses a file that is no preloader in the preloader slot', async () => {
    const rom = await work.rom('raw-preloader', (spec) => {
      const preloader = spec.partitions.find((partition) => partition.name === 'preloader')!;
      Object.assign(preloader, { image: { kind: 'raw', size: 8192 }, type: 'SV5_BL_BIN' });
    });
    const report = await checkPackage(rom.dir);
    expect(codes(report)).toEqual(expect.arrayContaining(['image.type-mismatch', 'preloader.invalid-gfh']));
  });

  it('warns when the preloader names another build than the scatter', async () => {
    const rom = await work.rom('renamed', (spec) => {
      spec.preloader.fileName = 'preloader_other_board.bin';
    });
    expect(codes(await checkPackage(rom.dir))).toEqual(['preloader.name-mismatch']);
  });

  it('refuses a preloader built for another chip', async () => {
    const rom = await work.rom('other-chip', (spec) => {
      spec.preloader.platform = 'MT6765';
    });
    const report = await checkPackage(rom.dir);
    expect(report.findings).toEqual([
      expect.objectContaining({
        code: 'preloader.chip-mismatch',
        severity: 'error',
        message: expect.stringMatching(/built for MT6765, the scatter is for MT6797/),
      }),
    ]);
  });

  it('accepts a preloader of the same chip family (MT6589T package, MT6589 preloader)', async () => {
    const rom = await work.rom('family', (spec) => {
      spec.platform = 'MT6589T';
      spec.preloader.platform = 'MT6589';
    });
    expect(codes(await checkPackage(rom.dir))).not.toContain('preloader.chip-mismatch');
  });

  it('warns when the EMI table belongs to another chip generation', async () => {
    const rom = await work.rom('old-table', (spec) => {
      spec.preloader.bloaderVersion = 12;
      spec.preloader.records = [{ package: 'emmc-mcp', dram: 'LPDDR2', id: '90014a484147346132' }];
    });
    const report = await checkPackage(rom.dir);
    expect(report.findings).toEqual([
      expect.objectContaining({
        code: 'preloader.emi-version',
        message: expect.stringMatching(/v12 is unusual for MT6797: its preloaders carry v00/),
      }),
    ]);
  });
});
