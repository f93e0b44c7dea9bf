import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBundle, flashingKinds } from '../../src/registry/bundles.js';
import { openRegistry, requireDevice, resolveBundle, searchDevices } from '../../src/registry/index.js';
import { schemaValidator } from '../helpers/schema.js';
import { runCli } from '../helpers/run-cli.js';

const registry = await openRegistry({ env: {} });
const codenames = (query: string) => searchDevices(registry.devices(), query).map((hit) => hit.device.codename);

describe('search', () => {
  it('lists both Redmi Note 4 phones and says how they differ', async () => {
    expect(codenames('redmi note 4').slice(0, 2).sort()).toEqual(['mido', 'nikel']);
    const run = await runCli(['search', 'Redmi', 'Note', '4']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/mido vs nikel: .*Qualcomm Snapdragon 625/);
  });

  it('finds by hw code every chip that shares it, by chip, by alias and by a typo', () => {
    expect(codenames('0x6583')).toEqual(expect.arrayContaining(['P780', 'N003']));
    expect(codenames('mt6577')).toContain('iq441_3_4_5_bb');
    expect(codenames('MT6577')).not.toContain('a101');
    expect(codenames('NIKEL_GLOBAL')[0]).toBe('nikel');
    expect(codenames('nikle')[0]).toBe('nikel');
  });
});

describe('info', () => {
  it('prints the profile as JSON matching schemas/info.schema.json', async () => {
    const run = await runCli(['info', 'nikel', '--json']);
    expect(run.code).toBe(0);
    const info = JSON.parse(run.stdout) as Record<string, unknown>;
    const validate = schemaValidator('info');
    expect(validate(info), JSON.stringify(validate.errors)).toBe(true);
    expect(info).toMatchObject({ codename: 'nikel', chip: 'MT6797', hwCode: '0x279', platform: 'mtk' });
    expect((info.bundles as unknown[]).length).toBe(318);
    expect(info.lookAlikes).toEqual([expect.objectContaining({ codename: 'mido' })]);
  });

  it('says a Qualcomm phone is not an MTK phone', async () => {
    const run = await runCli(['info', 'S580']);
    expect(run.stdout).toContain('not an MTK phone');
  });

  it('exits 2 with suggestions for an unknown codename, in check --device too', async () => {
    const run = await runCli(['info', 'nikle']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("romctl: unknown device 'nikle' — did you mean nikel? (romctl search <text> finds devices)\n");
    const variant = await runCli(['check', '.', '--device', 'nikel@nope']);
    expect(variant.code).toBe(2);
    expect(variant.stderr).toMatch(/nikel has no memory variant 'nope' — known variants: lpddr3-/);
  });

  it('reports an unreachable URL registry (exit 3) and a missing folder', async () => {
    const remote = await runCli(['info', 'nikel', '--registry', 'http://127.0.0.1:1/r']);
    expect([remote.code, remote.stderr]).toEqual([3, expect.stringContaining('cannot read the signed registry')]);
    const dir = mkdtempSync(join(tmpdir(), 'romctl-noreg-'));
    try {
      expect((await runCli(['info', 'nikel', '--registry', join(dir, 'absent')])).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const nikel = await registry.entry(requireDevice(registry, 'nikel'));

describe('bundles', () => {
  it('resolves the latest, a version and a region', () => {
    expect(resolveBundle(nikel).date).toBe('2019-05-22');
    expect(resolveBundle(nikel, { version: 'V8.0.1.0.MBFCNDG' }).version).toBe('V8.0.1.0.MBFCNDG');
    expect(resolveBundle(nikel, { version: 'v8.0.1.0.mbfcndg', kind: 'fastboot' }).id).toBe('V8.0.1.0.MBFCNDG-fastboot');
    expect(resolveBundle(nikel, { region: 'global' }).region).toBe('Global');
    expect(() => resolveBundle(nikel, { version: 'V99' })).toThrow(/nikel has no bundle V99/);
  });
});

describe('the bundle fetch chooses', () => {
  it('is the kind the flashing path uses, never a recovery zip, and only one romctl can verify', () => {
    expect(flashingKinds('mtk')).toEqual(['sp-flash-tool', 'fastboot-scatter', 'fastboot']);
    const choice = chooseBundle(nikel, { region: 'Global', regionFrom: 'option' });
    expect(choice.bundle.kind).toBe('fastboot');
    expect(choice.bundle.hashes).toBe('md5');
    expect(choice.region).toBe('Global (--region)');
    const verifiable = nikel.bundles
      .filter((bundle) => bundle.kind === 'fastboot' && bundle.region === 'Global' && bundle.hashes === 'md5')
      .sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
    expect(choice.bundle.id).toBe(verifiable[0]?.id);
    // the fastboot releases known only by the md5 prefix in their file name are counted, never chosen
    expect(choice.weak).toBe(nikel.bundles.filter((b) => b.kind === 'fastboot' && b.hashes === 'md5-prefix').length);
    expect(choice.weak).toBeGreaterThan(0);
  });

  it('wants the region said when releases differ, and names them', () => {
    expect(() => chooseBundle(nikel)).toThrow(/nikel has releases for China, Global: which region is the phone's\?/);
  });

  it('takes --kind, and explains when nothing of the kind can be verified', () => {
    expect(chooseBundle(nikel, { region: 'global', kind: 'recovery-zip' }).bundle.kind).toBe('recovery-zip');
    expect(() => chooseBundle(nikel, { region: 'Global', kind: 'sp-flash-tool' })).toThrow(
      /nikel: no sp-flash-tool release for region Global that romctl can verify/,
    );
  });

  it('takes a release asked for by version as asked', () => {
    const choice = chooseBundle(nikel, { version: 'V8.0.1.0.MBFCNDG', region: 'China' });
    expect(choice.bundle.id).toBe('V8.0.1.0.MBFCNDG-fastboot');
  });
});
