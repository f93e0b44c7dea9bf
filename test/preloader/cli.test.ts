import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPreloader } from '../../src/formats/preloader/index.js';
import { runCli } from '../helpers/run-cli.js';
import { schemaValidator } from '../helpers/schema.js';
import { corpusDir, corpusFiles } from './corpus-helpers.js';
import { mcp, nikel } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'romctl-preloader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const nikelPath = file('preloader_nikel.bin', buildPreloader(nikel));
const mcpAreaPath = file('preloader.img', buildPreloader({ ...mcp, bootArea: 'emmc' }));
const validate = schemaValidator('preloader');

describe('romctl preloader', () => {
  it('lists the memories a preloader can boot', async () => {
    const run = await runCli(['preloader', mcpAreaPath]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/boot-area read-back \(EMMC_BOOT\)/);
    expect(run.stdout).toMatch(/MTK_BLOADER_INFO v35: preloader_k62v1_64_bsp\.bin \(project k62v1_64_bsp\)/);
    expect(run.stdout).toContain(
      'eMMC-MCP LPDDR3, id 90014a484247346132 (Hynix HBG4a2), DRAM vendor 0x06 (SK hynix), 2 GiB + 1 GiB',
    );
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('prints JSON that the schema accepts, ids as hex and sizes as 0x strings', async () => {
    const run = await runCli(['--json', 'preloader', nikelPath]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.kind).toBe('preloader');
    expect(json.gfh.fileInfo.fileTypeName).toBe('ARM_BL');
    expect(json.bloader.records[1]).toEqual({
      index: 1,
      type: '0x0003',
      package: 'discrete',
      dram: 'LPDDR3',
      idLength: 0,
      id: '',
      fwId: '',
      rankSizes: ['0x60000000', '0x60000000', '0x0', '0x0'],
      dramVendorId: 1,
    });
  });

  it('checks a memory with --memory: match exits 0, no-match exits 1', async () => {
    const yes = await runCli(['preloader', nikelPath, '--memory', 'dram:lpddr3,mr5=0x01,2x1.5G']);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(/Memory check: match/);
    const no = await runCli(['--json', 'preloader', nikelPath, '--memory', 'dram:lpddr3,mr5=0x03,2x1G']);
    expect(no.code).toBe(1);
    const json = JSON.parse(no.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.memoryMatch.verdict).toBe('no-match');
  });

  it.each([
    ['a PNG image', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])],
    ['empty file', new Uint8Array()],
    ['a scatter file', '- general: MTK_PLATFORM_CFG\n  info:\n    - config_version: V1.1.2\n'],
  ])('refuses %s with exit 2 and one line saying what it is and what was expected', async (what, bytes) => {
    const run = await runCli(['preloader', file(`not-${what.replace(/\W/g, '')}.bin`, bytes)]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(what);
    expect(lines[0]).toMatch(/expected a preloader/);
  });

  it('refuses a bad --memory spec with exit 2', async () => {
    const run = await runCli(['preloader', nikelPath, '--memory', 'lpddr9']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/memory 'lpddr9'/);
  });

  it('names a missing file', async () => {
    const run = await runCli(['preloader', join(dir, 'nope.bin')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such preloader/);
  });
});

describe.skipIf(corpusDir('preloader') === null)('romctl preloader --json on real files', () => {
  const picks = [
    ...corpusFiles('preloader').filter((f) =>
      /x5511b|pd2135f|MT6261_preloader|MT8173_preloader_8173|MT6573/.test(f.name),
    ),
    ...corpusFiles('emi').filter((f) => /lcsh6797|huaqin75|camellia|benrui71/.test(f.name)),
  ];
  it.each(picks.map((f) => [f.name, f] as const))('%s validates against the schema', async (name, f) => {
    const run = await runCli(['--json', 'preloader', file(name, f.bytes())]);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  });
});
