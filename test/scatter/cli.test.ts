import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { parseScatter } from '../../src/formats/scatter/index.js';
import { comparable, legacyText, v1Text, v2Text } from './fixtures.js';
import { schemaValidator } from '../helpers/schema.js';

const romctl = (...args: string[]) => runCli(args);

const dir = mkdtempSync(join(tmpdir(), 'romctl-scatter-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('romctl scatter', () => {
  const v1 = file('MT6765_Android_scatter.txt', v1Text());

  it('shows a header line and a partition table', async () => {
    const { code, stdout, stderr } = await romctl('scatter', v1);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('platform MT6765  project demo_bsp  storage EMMC  format v1 V1.1.2  6 partitions');
    expect(lines[1]).toMatch(/^#\s+name\s+region\s+start\s+size\s+file\s+download\s+operation$/);
    expect(lines[2]).toMatch(
      /^0\s+preloader\s+EMMC_BOOT1_BOOT2\s+0x0\s+0x40000\s+preloader_demo\.bin\s+yes\s+BOOTLOADERS$/,
    );
    expect(lines).toHaveLength(2 + 6);
    expect(stderr).toBe('');
  });

  it('shows one table per layout for a multi-storage scatter', async () => {
    const { code, stdout } = await romctl('scatter', file('v2.txt', v2Text()));
    expect(code).toBe(0);
    expect(stdout.match(/^platform MT6893 .*storage (EMMC|UFS)/gm)).toHaveLength(2);
  });

  it('--json prints the model, valid against schemas/scatter.schema.json', async () => {
    const { code, stdout } = await romctl('scatter', v1, '--json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout) as {
      format: string;
      layouts: { partitions: { size: string | null }[] }[];
    };
    expect(json.format).toBe('v1');
    expect(json.layouts[0]!.partitions[4]!.size).toBe('0x300000000');
    const validate = schemaValidator('scatter');
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect((await romctl('--json', 'scatter', v1)).stdout).toBe(stdout);
    expect((await romctl('scatter', v1, '--to', 'json')).stdout).toBe(stdout);
  });

  it('--to yaml writes V1.1.x that parses back to the same model', async () => {
    const { code, stdout } = await romctl('scatter', v1, '--to', 'yaml');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^#+\n/);
    expect(comparable(parseScatter(stdout))).toEqual(comparable(parseScatter(v1Text())));
  });

  it('--to yaml --storage picks a layout and notes the choice on stderr', async () => {
    const { code, stdout, stderr } = await romctl(
      'scatter',
      file('v2b.txt', v2Text()),
      '--to',
      'yaml',
      '--storage',
      'UFS',
    );
    expect(code).toBe(0);
    expect(parseScatter(stdout).layouts[0]!.storage).toBe('UFS');
    expect(stderr).toContain('wrote the UFS layout; the file also has EMMC');
    expect((await romctl('--quiet', 'scatter', file('v2c.txt', v2Text()), '--to', 'yaml')).stderr).toBe('');
  });

  it('legacy files: notes on stderr, derived and implied values marked', async () => {
    const { code, stdout, stderr } = await romctl(
      'scatter',
      file('MT6589_Android_scatter_emmc.txt', legacyText()),
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^platform MT6589 {2}project \? {2}storage EMMC {2}format legacy/);
    expect(stdout).toMatch(/PRELOADER\s+-\s+0x0\s+~0x600000\s+preloader\.bin \*/);
    expect(stderr).toContain('note: platform MT6589 taken from the file name');
  });

  it.each([
    [
      'a PNG',
      'logo.png',
      Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0', 'latin1'),
      'this is a PNG image, not an MTK scatter file',
    ],
    ['an empty file', 'empty.txt', '', 'this is an empty file, not an MTK scatter file'],
    [
      'a Qualcomm rawprogram0.xml',
      'rawprogram0.xml',
      '<?xml version="1.0"?>\n<data>\n  <program SECTOR_SIZE_IN_BYTES="4096" filename="boot.img" label="boot_a"/>\n</data>\n',
      'this is a Qualcomm rawprogram XML (QFIL/EDL), not an MTK scatter file',
    ],
    [
      'an SP Flash Tool flashtool-config',
      'config.xml',
      '<?xml version="1.0" encoding="utf-8"?>\n<flashtool-config version="2.0">\n  <download-rom-item partition="boot" file="boot.img"/>\n</flashtool-config>\n',
      'this is an SP Flash Tool download configuration (flashtool-config XML), not an MTK scatter file',
    ],
  ])('refuses %s with exit 2 and one line saying what it is', async (_what, name, content, message) => {
    const path = file(name, content);
    const { code, stdout, stderr } = await romctl('scatter', path);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${path}: ${message} — expected an SP Flash Tool scatter`);
  });

  it('a broken scatter exits 2 naming the line', async () => {
    const path = file('broken.txt', v1Text().replace('  type: EXT4_IMG', '  type EXT4_IMG'));
    const { code, stderr } = await romctl('scatter', path);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(`^romctl: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: expected \`key: value\``),
    );
  });

  it('rejects an unknown --to and a missing file with exit 2', async () => {
    expect((await romctl('scatter', v1, '--to', 'xml')).code).toBe(2);
    const missing = await romctl('scatter', join(dir, 'nope.txt'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such scatter file');
  });
});
