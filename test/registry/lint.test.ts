import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIndex, embeddedRegistryDir, lintRegistry, toYamlText, writeIndexFiles } from '../../src/registry/index.js';
import { runCli } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'romctl-registry-lint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const device = (codename: string, extra: Record<string, unknown> = {}) => ({
  codename,
  platform: 'mtk',
  chip: 'MT6797',
  hwCode: '0x279',
  storage: ['EMMC'],
  variants: [{ id: 'a', label: 'A', package: 'discrete', dram: 'LPDDR3', source: 'test' }],
  ...extra,
});
const bundle = (codename: string, id: string, extra: Record<string, unknown> = {}) => ({
  id,
  codename,
  version: id,
  kind: 'fastboot',
  files: [{ name: 'x.tgz', md5: '0'.repeat(32), urls: ['https://example.org/x.tgz'] }],
  source: 'test',
  ...extra,
});

let counter = 0;
/** A registry folder written from documents: devices by file name, bundles by `codename/id`. */
function registry(devices: Record<string, unknown>, bundles: Record<string, unknown> = {}, index = true): string {
  const dir = join(root, `r${counter++}`);
  mkdirSync(join(dir, 'devices'), { recursive: true });
  for (const [name, doc] of Object.entries(devices)) {
    writeFileSync(join(dir, 'devices', name), typeof doc === 'string' ? doc : toYamlText(doc));
  }
  for (const [name, doc] of Object.entries(bundles)) {
    mkdirSync(join(dir, 'bundles', name.split('/')[0] as string), { recursive: true });
    writeFileSync(join(dir, 'bundles', `${name}.yaml`), toYamlText(doc));
  }
  if (index) writeIndexFiles(dir, buildIndex(dir));
  return dir;
}

const messages = (dir: string) => lintRegistry(dir).map(({ file, message }) => `${file}: ${message}`);

describe('registry lint', () => {
  it('passes the shipped registry (romctl registry lint exits 0)', async () => {
    expect(lintRegistry(embeddedRegistryDir())).toEqual([]);
    const run = await runCli(['registry', 'lint']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^registry OK: \d+ devices, \d+ bundles/);
  });

  it('passes a small valid registry', () => {
    const dir = registry(
      { 'nikel.yaml': device('nikel', { lookAlikes: [{ codename: 'mido', differs: 'Qualcomm' }] }), 'mido.yaml': { codename: 'mido', platform: 'qualcomm' } },
      { 'nikel/v1': bundle('nikel', 'v1') },
    );
    expect(messages(dir)).toEqual([]);
  });

  it.each([
    ['a schema error', { 'x.yaml': device('x', { colour: 'red' }) }, {}, "devices/x.yaml: schema: / must NOT have additional properties 'colour'"],
    ['a malformed variant id', { 'x.yaml': device('x', { variants: [{ id: '-a', label: 'A', source: 'test' }] }) }, {}, 'devices/x.yaml: schema: /variants/0/id must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"'],
    ['a storage id that is not hex', { 'x.yaml': device('x', { variants: [{ id: 'a', label: 'A', package: 'emmc-mcp', storageId: '15010', source: 'test' }] }) }, {}, 'devices/x.yaml: schema: /variants/0/storageId must match pattern "^([0-9a-f]{2}){1,16}$"'],
    ['a codename that is not the file name', { 'x.yaml': device('y') }, {}, 'devices/x.yaml: codename y does not match the file name'],
    ['a hw code that disagrees with the chip', { 'x.yaml': device('x', { hwCode: '0x6583' }) }, {}, 'devices/x.yaml: hwCode 0x6583 does not agree with chip MT6797 (the chip table says 0x279)'],
    ['a variant id used twice', { 'x.yaml': device('x', { variants: [{ id: 'a', label: 'A', source: 'test' }, { id: 'a', label: 'B', source: 'test' }] }) }, {}, 'devices/x.yaml: variant id a is used twice'],
    ['a storage id on a discrete record', { 'x.yaml': device('x', { variants: [{ id: 'a', label: 'A', package: 'discrete', storageId: '15', source: 'test' }] }) }, {}, 'devices/x.yaml: variant a has a storageId but package discrete: ids belong to MCP/UFS records'],
    ['an MCP variant without its id', { 'x.yaml': device('x', { variants: [{ id: 'a', label: 'A', package: 'emmc-mcp', source: 'test' }] }) }, {}, 'devices/x.yaml: variant a is emmc-mcp but has no storageId to match'],
    ['a codename clashing with an alias', { 'x.yaml': device('x'), 'y.yaml': device('y', { aliases: ['X'] }) }, {}, 'devices/y.yaml: codename or alias X is already used by devices/x.yaml'],
    ['a look-alike not in the registry', { 'x.yaml': device('x', { lookAlikes: [{ codename: 'zz', differs: 'd' }] }) }, {}, 'devices/x.yaml: look-alike zz is not in the registry'],
    ['bundles of an unknown device', { 'x.yaml': device('x') }, { 'q/v1': bundle('q', 'v1') }, 'bundles/q: no device q for these bundles (devices/q.yaml)'],
    ['a bundle filed under another device', { 'x.yaml': device('x'), 'y.yaml': device('y') }, { 'x/v1': bundle('y', 'v1') }, 'bundles/x/v1.yaml: codename y but the bundle is filed under x'],
    ['a bundle id that is not the file name', { 'x.yaml': device('x') }, { 'x/v1': bundle('x', 'v2') }, 'bundles/x/v1.yaml: id v2 does not match the file name'],
    ['a bundle file without a hash', { 'x.yaml': device('x') }, { 'x/v1': bundle('x', 'v1', { files: [{ name: 'a.zip', urls: ['https://e.org/a.zip'] }] }) }, 'bundles/x/v1.yaml: files[0] a.zip has no hash (sha256, md5 or md5Prefix)'],
    ['a bundle with a bad md5', { 'x.yaml': device('x') }, { 'x/v1': bundle('x', 'v1', { files: [{ name: 'a', md5: 'xyz', urls: [] }] }) }, 'bundles/x/v1.yaml: schema: /files/0/md5 must match pattern "^[0-9a-f]{32}$"'],
    ['a document that is not YAML', { 'x.yaml': 'codename: [x\n' }, {}, 'devices/x.yaml: not YAML: '],
  ])('fails on %s', (_what, devices, bundles, expected) => {
    const found = messages(registry(devices, bundles, false));
    expect(found.some((line) => line.startsWith(expected)), found.join('\n')).toBe(true);
  });

  it('fails on an index.json older than the documents, and the CLI prints one line per problem', async () => {
    const dir = registry({ 'x.yaml': device('x') });
    writeFileSync(join(dir, 'devices', 'y.yaml'), toYamlText(device('y')));
    expect(messages(dir)).toEqual(['index.json: out of date with the YAML documents: run romctl registry index']);
    const run = await runCli(['registry', 'lint', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${join(dir, 'index.json')}: out of date`);
    expect((await runCli(['registry', 'index', dir])).code).toBe(0);
    expect(messages(dir)).toEqual([]);
  });
});
