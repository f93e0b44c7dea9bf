/**
 * `romctl check` / `probe` / `flash` with a V2.1.0 multi-storage package and the simulated MT6833 boards over a
 * real pseudo-terminal: the phone's storage (probed or connected) picks the layout.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTECTED_PARTITIONS } from '../../src/check/rules/data-safety.js';
import { socatAvailable } from '../../src/engine/transport/pty.js';
import { decideBoot, resolveSimProfile } from '../../src/sim/index.js';
import { SimStorage } from '../../src/sim/storage.js';
import type { BuildEmiRecord } from '../../src/formats/preloader/index.js';
import { openRegistry } from '../../src/registry/registry.js';
import { deviceFactsFor } from '../../src/registry/resolve-device.js';
import { buildRomFolder, romSpecForDevice, type RomSpec } from '../../src/testkit/rom-builder.js';
import { runCli } from '../helpers/run-cli.js';
import { G, workspace } from './flash-helpers.js';

const ws = workspace('flash-ufs-cli');
const link = socatAvailable() ? 'a real pty (socat)' : 'an in-memory link (socat missing)';
const ascii = (text: string) => Buffer.from(text, 'latin1').toString('hex');

const UFS_ID = ascii('KM2V8001CM-B707');
const records = (ufsId: string): BuildEmiRecord[] => [
  { package: 'ufs', dram: 'LPDDR4X', id: ufsId, dramVendorId: 0x01, rankSizes: [2n * G, 4n * G] },
  {
    package: 'emmc-mcp',
    dram: 'LPDDR4X',
    id: '13014e47314a395139',
    dramVendorId: 0xff,
    rankSizes: [3n * G, 3n * G],
  },
];

async function oppoPackage(name: string, ufsId: string, edit?: (spec: RomSpec) => void) {
  const { profile } = await deviceFactsFor(await openRegistry({}), 'oppo6833');
  const spec = romSpecForDevice(profile, { da: true });
  spec.preloader = { ...spec.preloader, records: records(ufsId) };
  edit?.(spec);
  return buildRomFolder(spec, ws.path(name));
}

/** `romctl flash` of a package folder to the simulated UFS board keeping its flash in `storage` */
function flashUfsPhone(dir: string, storage: string, backupDir: string, ...extra: string[]) {
  return runCli([
    'flash',
    dir,
    '--device',
    'oppo6833',
    '--sim',
    'oppo6833-ufs',
    '--sim-storage',
    storage,
    '--backup-dir',
    ws.path(backupDir),
    ...extra,
  ]);
}

async function bootOf(storagePath: string) {
  const profile = resolveSimProfile('oppo6833-ufs');
  const storage = await SimStorage.open(storagePath, profile.storage.layout);
  try {
    return { boot: await decideBoot(profile, storage), written: storage.writtenBytes };
  } finally {
    await storage.close();
  }
}

describe(`a multi-storage package and a UFS phone over ${link}`, { timeout: 180_000 }, () => {
  it('romctl check --probe judges the package by the probed phone’s storage', async () => {
    const both = await oppoPackage('probe-both', UFS_ID);
    const probe = await runCli([
      'probe',
      '--sim',
      'oppo6833-ufs',
      '--preloader',
      join(both.dir, 'preloader_oppo6833.bin'),
      '--json',
    ]);
    expect(probe.code).toBe(0);
    expect(JSON.parse(probe.stdout).storage).toMatchObject({ kind: 'ufs', id: UFS_ID, blockSize: 4096 });
    const probeFile = ws.path('probe-ufs.json');
    await writeFile(probeFile, probe.stdout);
    const check = await runCli(['check', both.dir, '--probe', probeFile]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/MT6833 oppo6833 EMMC\+UFS scatter v2/);
    expect(check.stdout).toMatch(/^ {2}UFS layout: \d+ partitions, \d+ images; UFS_LU0_LU1, UFS_LU2$/m);
    expect(check.stdout).toMatch(
      /scatter\.storage-layout .*--probe .* has UFS storage: it is flashed with the scatter's UFS layout/,
    );
    const json = JSON.parse((await runCli(['check', both.dir, '--probe', probeFile, '--json'])).stdout);
    expect(json.package.scatter.layouts.map((l: { storage: string }) => l.storage)).toEqual(['EMMC', 'UFS']);
    // an eMMC-only package for the same phone: refused, the probed phone has UFS
    const emmcOnly = await oppoPackage('probe-emmc-only', UFS_ID, (spec) => {
      spec.storage = 'EMMC';
    });
    const refused = await runCli(['check', emmcOnly.dir, '--probe', probeFile]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      /package\.no-layout-for-storage .*has UFS storage and the scatter lays out only EMMC/,
    );
  });

  it('romctl flash writes the UFS layout, the preloader last to the boot LUs, and the phone boots', async () => {
    // the IMEI partitions cut to 1 MiB each (240 MiB in the real layout): the backup and restore stay quick
    const pkg = await oppoPackage('flash-good', UFS_ID, (spec) => {
      for (const partition of spec.partitions)
        if (PROTECTED_PARTITIONS.has(partition.name)) partition.size = 1n << 20n;
    });
    const storage = ws.path('ufs-good.img');
    const run = await flashUfsPhone(pkg.dir, storage, 'b-good', '--mode', 'upgrade');
    expect(run.stderr).toMatch(/warning device\.layout-changed: the EMMC partition table differs/);
    expect(run.stderr).toMatch(/plan \(upgrade, flash-good, for a phone with EMMC storage\):/);
    expect(run.stderr).toMatch(/plan \(upgrade, flash-good, for a phone with UFS storage\):/);
    expect(run.stderr).toMatch(new RegExp(`connected: MT6833 in BROM mode, UFS ${UFS_ID}`));
    expect(run.stderr).toMatch(/✓ preloader ← preloader_oppo6833\.bin .*boot2, then boot1/);
    expect(run.stderr).toMatch(/✓ write the partition table \(\d+ partitions\)/);
    expect(run.stderr).toMatch(/✓ restore nvcfg, nvdata, .* from the backup, verify/);
    expect(run.stdout).toMatch(/^FLASHED — upgrade, \d+ steps done/m);
    expect(run.code).toBe(0);
    const after = await bootOf(storage);
    expect(after.boot.mode).toBe('preloader');
    expect(after.boot.reason).toMatch(/UFS LPDDR4X, id 4b4d3256/);
  });

  it('romctl flash refuses a preloader made for another UFS part, and the phone is not touched', async () => {
    const pkg = await oppoPackage('flash-wrong', ascii('H9HQ16AFAMMDAR'));
    const storage = ws.path('ufs-wrong.img');
    const run = await flashUfsPhone(pkg.dir, storage, 'b-wrong');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/preloader\.emi-no-match: .*the connected phone/);
    expect(run.stderr).toMatch(/nothing was written/);
    expect(run.stdout).not.toMatch(/FLASHED/);
    const after = await bootOf(storage);
    expect(after.written).toBe(0);
    expect(after.boot.mode).toBe('brom');
  });
});
