import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daStages, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { RomctlError } from '../../src/errors.js';
import { parsePreloader } from '../../src/formats/preloader/index.js';
import { openRegistry, requireDevice } from '../../src/registry/index.js';
import type { DeviceProfile } from '../../src/registry/model.js';
import { buildRomFolder, DA_FILE_NAME, romSpecForDevice } from '../../src/testkit/rom-builder.js';
import { runCli } from '../helpers/run-cli.js';

const registry = await openRegistry({ env: {} });
const nikel = await registry.device(requireDevice(registry, 'nikel'));
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-rom-for-device-'));
  await buildRomFolder(romSpecForDevice(nikel, { da: true }), join(dir, 'nikel'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('romSpecForDevice', () => {
  it('makes a nikel package that passes check --device nikel, for every memory variant', async () => {
    const all = await runCli(['check', join(dir, 'nikel'), '--device', 'nikel', '--json']);
    expect(all.code).toBe(0);
    expect((JSON.parse(all.stdout) as { verdict: string }).verdict).toBe('pass');
    for (const variant of nikel.variants ?? []) {
      const one = await runCli(['check', join(dir, 'nikel'), '--device', `nikel@${variant.id}`]);
      expect([variant.id, one.code]).toEqual([variant.id, 0]);
    }
  });

  it('gives the preloader one v00 discrete record per memory variant', async () => {
    const preloader = parsePreloader(await readFile(join(dir, 'nikel', 'preloader_lcsh6797_6c_lw_m.bin')));
    expect(preloader.bloader?.version).toBe(0);
    const records = preloader.bloader?.records ?? [];
    expect(records).toHaveLength(nikel.variants?.length ?? -1);
    expect(records.every((record) => record.package === 'discrete' && record.dram === 'LPDDR3')).toBe(true);
  });

  it('writes a DA file with an XFlash entry for the chip (MT6797, hw code 0x279)', async () => {
    const file = new Uint8Array(await readFile(join(dir, 'nikel', DA_FILE_NAME)));
    const entry = pickDaEntry(parseDaContainer(file), { hwCode: 0x279, daCode: 0x6797 });
    const text = Buffer.from(daStages(file, entry, 'xflash').da1.bytes).toString('latin1');
    expect(text).toContain('XFLASH hw=0x6797');
  });

  it('refuses a device it cannot build for', () => {
    const qualcomm: DeviceProfile = { codename: 'mido', platform: 'qualcomm', chip: 'MSM8953' };
    expect(() => romSpecForDevice(qualcomm)).toThrow(RomctlError);
    expect(() => romSpecForDevice({ ...nikel, layouts: [] })).toThrow(/no eMMC or UFS layout/);
  });
});
