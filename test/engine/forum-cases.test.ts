/**
 * The forum thread's bricked phones, played through on the simulated phone: what romctl does where the users'
 * tools bricked them, and what it tells them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildPreloader } from '../../src/formats/preloader/index.js';
import type { SimPhone } from '../../src/sim/index.js';
import { p780Phone, foreignRecords } from './da-legacy-helpers.js';
import { workspace } from './flash-helpers.js';
import { flashP780 } from './p780-helpers.js';

const ws = workspace('forum');
const phones: SimPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

/** a P780 whose boot1 holds the preloader of another hardware revision: it stays in BROM mode */
async function bromP780(): Promise<SimPhone> {
  const phone = await p780Phone();
  phones.push(phone);
  const otherRevision = buildPreloader({
    fileName: 'preloader_prada.bin',
    platform: 'MT6589',
    bloaderVersion: 10,
    records: foreignRecords,
  });
  await phone.storage.write('boot1', 0, otherRevision);
  await phone.reboot();
  expect(phone.lastBoot.mode).toBe('brom');
  return phone;
}

describe('Lenovo P780 with another hardware revision’s preloader (BROM mode)', () => {
  it('is repaired without flags: the fitting preloader goes to boot2 then boot1, and the phone boots', async () => {
    const target = await bromP780();
    const { result } = await flashP780({
      dir: ws.path('p780-repair'),
      backupDir: ws.path('p780-repair-b'),
      target,
      phones,
    });
    const step = result.steps.find((s) => s.id === 'preloader');
    expect(step?.state).toBe('done');
    expect(step?.detail).toMatch(/boot2 then boot1, both verified \(the phone is in BROM mode/);
    expect(result.phone.boots).toBe(true);
    expect(target.lastBoot.mode).toBe('preloader');
  });

  it('a preloader with an accepted risk is not written unasked: the run says the phone stays in BROM mode', async () => {
    const target = await bromP780();
    const { result } = await flashP780({
      dir: ws.path('p780-risk'),
      backupDir: ws.path('p780-risk-b'),
      target,
      phones,
      // a second registry variant the package preloader lacks: emi-no-match for it, accepted by the user
      editProfile: (profile) => ({
        ...profile,
        variants: [
          ...(profile.variants ?? []),
          {
            id: '8gb',
            label: 'fixture: 8 GB, Samsung eMMC-MCP',
            source: 'test fixture',
            package: 'emmc-mcp',
            dram: 'LPDDR2',
            storageId: '150100344e3847424d',
            rankSizes: ['0x20000000', '0x20000000'],
          },
        ],
      }),
      edit: (spec) => {
        spec.preloader = { ...spec.preloader, records: spec.preloader.records.slice(0, 1) };
      },
      acceptRisk: ['preloader.emi-no-match'],
    });
    expect(result.steps.find((s) => s.id === 'preloader')?.state).toBe('skipped');
    expect(result.phone.boots).toBe(false);
    expect(result.phone.text).toMatch(/^BROM mode: .*accepted risk/);
    expect(result.phone.todo).toMatch(/--with-preloader/);
    expect(target.lastBoot.mode).toBe('brom');
  });
});
