import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { runCli } from '../helpers/run-cli.js';
import { schemaValidator } from '../helpers/schema.js';

const validate = schemaValidator('da');
const dir = mkdtempSync(join(tmpdir(), 'romctl-da-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface DaJson {
  v6: boolean;
  entries: Array<{
    hwCode: string;
    chip: string | null;
    protocol: string;
    regions: unknown[];
    stage1: Record<string, unknown>;
    stage2: Record<string, unknown>;
  }>;
  pick?: { entry: number | null; reason: string };
}

async function daJson(...args: string[]): Promise<{ code: number; json: DaJson }> {
  const run = await runCli(['--json', 'da', ...args]);
  expect(run.stderr).toBe('');
  const json = JSON.parse(run.stdout) as DaJson;
  expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  return { code: run.code, json };
}

describe('romctl da', () => {
  const generated = join(dir, 'DA_gen.bin');
  writeFileSync(generated, buildDaContainer({ entries: [{ hwCode: 0x6580 }, { hwCode: 0x6797 }] }));

  it('lists every entry with its chip, protocol and the region[1]/region[2] stages', async () => {
    const { code, json } = await daJson(generated);
    expect(code).toBe(0);
    expect(json.entries.map((e) => [e.hwCode, e.chip, e.protocol])).toEqual([
      ['0x6580', 'MT6580', 'legacy'],
      ['0x6797', 'MT6797', 'xflash'],
    ]);
    for (const entry of json.entries) {
      expect(entry.stage1).toEqual({ region: 1, ...(entry.regions[1] as object) });
      expect(entry.stage2).toEqual({ region: 2, ...(entry.regions[2] as object) });
    }
  });

  it('--chip says which entry a phone gets, by name or hw code; none is exit 1', async () => {
    expect((await daJson(generated, '--chip', 'MT6797')).json.pick).toMatchObject({ entry: 1 });
    expect((await daJson(generated, '--chip', '0x279')).json.pick).toMatchObject({ entry: 1 });
    const none = await daJson(generated, '--chip', 'MT6589');
    expect(none.code).toBe(1);
    expect(none.json.pick).toMatchObject({
      entry: null,
      reason: expect.stringMatching(/no DA entry for MT6589/),
    });
  });

  it('prints a table for people', async () => {
    const run = await runCli(['da', generated]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('DA_gen.bin: MTK_AllInOne_DA_v3, 2 entries, legacy/XFlash container');
    expect(lines[1]).toMatch(
      /^#\s+DA code\s+chip\s+protocol\s+hw ver\s+sw ver\s+DA1 = region\[1\]\s+DA2 = region\[2\]$/,
    );
    expect(lines[3]).toMatch(
      /^1\s+0x6797\s+MT6797\s+xflash\s+0xca00\s+0x0\s+0x\w+ @ 0x200000 sig 0x100\s+0x\w+ @ 0x40000000 sig 0x100$/,
    );
  });

  it('bad input is one line and exit 2', async () => {
    const notDa = join(dir, 'x.bin');
    writeFileSync(notDa, Buffer.alloc(0x200));
    for (const args of [[notDa], [join(dir, 'missing.bin')], [generated, '--chip', 'MT9999']]) {
      const run = await runCli(['da', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});

const corpusDa = fileURLToPath(new URL('../../../shared/corpus/da/', import.meta.url));
const entryCounts: Record<string, number> = {
  'spft_MTK_AllInOne_DA.bin': 18,
  'spft_DA_PL.bin': 17,
  'tecno_pop4air_MT6580_DA.bin': 1,
  'MTK_AllInOne_DA_mt6765_mt6785.bin': 2,
  'v6_DA_BR_1172.bin': 1,
};

describe.skipIf(!existsSync(corpusDa))(
  'romctl da on the real DA files (skipped when ../shared/corpus/da is absent)',
  () => {
    it.each(readdirSync(existsSync(corpusDa) ? corpusDa : dir).filter((f) => f.endsWith('.bin')))(
      '%s: every entry listed, stages are region[1]/region[2], only the V6 file says v6',
      async (name) => {
        const { code, json } = await daJson(corpusDa + name);
        expect(code).toBe(0);
        expect(json.entries).toHaveLength(entryCounts[name] ?? -1);
        expect(json.v6).toBe(name.startsWith('v6_'));
        for (const entry of json.entries) {
          expect(entry.stage1).toEqual({ region: 1, ...(entry.regions[1] as object) });
          expect(entry.stage2).toEqual({ region: 2, ...(entry.regions[2] as object) });
          expect(entry.protocol).toBe(json.v6 ? 'xml' : entry.protocol === 'xflash' ? 'xflash' : 'legacy');
          expect(entry.chip).not.toBeNull();
        }
      },
    );

    it("MT6589 in SP Flash Tool's DA is DA code 0x6583", async () => {
      const { json } = await daJson(corpusDa + 'spft_MTK_AllInOne_DA.bin', '--chip', 'MT6589');
      expect(json.pick?.entry).toBe(5);
      expect(json.entries[5]).toMatchObject({ hwCode: '0x6583', chip: 'MT6589', protocol: 'legacy' });
    });
  },
);
