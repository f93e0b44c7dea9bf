import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chooseBundle } from '../../src/registry/bundles.js';
import { openRegistry, requireDevice, toYamlText, type Bundle } from '../../src/registry/index.js';
import { runCli } from '../helpers/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'romctl-add-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A registry whose one nikel release is known, as the vendor publishes it, only by the md5 prefix in its name. */
function setup(name: string, knownFile: Partial<Bundle['files'][number]>) {
  const dir = mkdtempSync(join(root, 'registry-'));
  mkdirSync(join(dir, 'devices'));
  mkdirSync(join(dir, 'bundles', 'nikel'), { recursive: true });
  writeFileSync(join(dir, 'devices', 'nikel.yaml'), toYamlText({ codename: 'nikel', platform: 'mtk', chip: 'MT6797' }));
  const bundle: Bundle = {
    id: 'V1-fastboot',
    codename: 'nikel',
    version: 'V1',
    kind: 'fastboot',
    region: 'Global',
    date: '2019-01-01',
    files: [{ name, urls: ['https://example.org/' + name], ...knownFile }],
    source: 'test',
  };
  const file = join(dir, 'bundles', 'nikel', 'V1-fastboot.yaml');
  writeFileSync(file, toYamlText(bundle));
  return { dir, file };
}

const bytes = Buffer.from('a fastboot package, as downloaded\n'.repeat(1000));
const md5 = createHash('md5').update(bytes).digest('hex');
const sha256 = createHash('sha256').update(bytes).digest('hex');
const name = `nikel_global_images_V1_${md5.slice(0, 10)}.tgz`;
const download = join(root, name);
writeFileSync(download, bytes);

describe('romctl registry add --from-file', () => {
  it('verifies a download against the md5 prefix and records its sha256 and size, so fetch can choose it', async () => {
    const { dir, file } = setup(name, { md5Prefix: md5.slice(0, 10) });
    const before = await openRegistry({ dir });
    const known = await before.entry(requireDevice(before, 'nikel'));
    expect(() => chooseBundle(known)).toThrow(/no sp-flash-tool or fastboot-scatter or fastboot release that romctl can verify/);
    const run = await runCli(['registry', 'add', 'nikel', download, '--from-file', '--registry', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("checked against the md5 prefix in the vendor's file name");
    const bundle = parse(readFileSync(file, 'utf8')) as Bundle;
    expect(bundle.files[0]).toMatchObject({ sha256, md5, size: bytes.length, md5Prefix: md5.slice(0, 10) });
    expect((await runCli(['registry', 'index', dir])).code).toBe(0);
    const after = await openRegistry({ dir });
    const choice = chooseBundle(await after.entry(requireDevice(after, 'nikel')));
    expect([choice.bundle.id, choice.bundle.hashes]).toEqual(['V1-fastboot', 'sha256']);
  });

  it('refuses a file that is not the one the vendor published, and writes nothing', async () => {
    const { dir, file } = setup(name, { md5: 'f'.repeat(32) });
    const before = readFileSync(file, 'utf8');
    const run = await runCli(['registry', 'add', 'nikel', download, '--from-file', '--registry', dir]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/not the file nikel\/V1-fastboot lists: md5 [0-9a-f]{32}, the vendor says f{32}/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses a file nothing can vouch for, and one no bundle lists', async () => {
    const { dir, file } = setup(name, {});
    const before = readFileSync(file, 'utf8');
    const unverifiable = await runCli(['registry', 'add', 'nikel', download, '--from-file', '--registry', dir]);
    expect(unverifiable.code).toBe(1);
    expect(unverifiable.stdout).toContain('the registry knows no hash of');
    expect(readFileSync(file, 'utf8')).toBe(before);
    const other = join(root, 'renamed.tgz');
    writeFileSync(other, bytes);
    const unlisted = await runCli(['registry', 'add', 'nikel', other, '--from-file', '--registry', dir]);
    expect(unlisted.code).toBe(2);
    expect(unlisted.stderr).toContain('no bundle of nikel lists a file named renamed.tgz');
  });
});
