/**
 * UFS through the flash executor: one V2.1.0 multi-storage package (EMMC + UFS layouts, one preloader with a UFS
 * and an eMMC-MCP record, as real MT6833 packages ship) flashed to a simulated UFS phone and a simulated eMMC
 * phone; the phone's storage picks the layout.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DeviceFacts, PlanMode } from '../../src/check/index.js';
import { checkForFlash, type CheckedPackage } from '../../src/cli/commands/flash-prepare.js';
import { parseGptEntries, parseGptHeader } from '../../src/engine/da/gpt.js';
import type { FlashResult } from '../../src/engine/executor.js';
import { flashTargetOf, isPreloaderPartition } from '../../src/engine/flash-targets.js';
import { buildFlashPlan, buildFlashPlans, storageOf, type FlashPlan } from '../../src/engine/plan.js';
import { ExitCode, RomctlError } from '../../src/errors.js';
import {
  buildPreloader,
  parsePreloader,
  wrapInBootArea,
  type BuildEmiRecord,
} from '../../src/formats/preloader/index.js';
import { parseScatter } from '../../src/formats/scatter/index.js';
import { openRegistry } from '../../src/registry/registry.js';
import { deviceFactsFor } from '../../src/registry/resolve-device.js';
import { resolveSimProfile, SimPhone } from '../../src/sim/index.js';
import { shiftedLayout, writeSimPartitionTable } from '../../src/sim/partition-table.js';
import { xflashDaServer } from '../../src/sim/da-xflash.js';
import { buildRomFolder, romSpecForDevice, type RomSpec } from '../../src/testkit/rom-builder.js';
import { flashOnce, G, workspace } from './flash-helpers.js';

const ws = workspace('flash-ufs');
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const ascii = (text: string) => Buffer.from(text, 'latin1').toString('hex');

/** the simulated oppo6833-ufs phone's memory, and the oppo6833-emmc one's (src/sim/profiles.ts) */
const UFS_RECORD: BuildEmiRecord = {
  package: 'ufs',
  dram: 'LPDDR4X',
  id: ascii('KM2V8001CM-B707'),
  dramVendorId: 0x01,
  rankSizes: [2n * G, 4n * G],
};
const EMMC_RECORD: BuildEmiRecord = {
  package: 'emmc-mcp',
  dram: 'LPDDR4X',
  id: '13014e47314a395139',
  dramVendorId: 0xff,
  rankSizes: [3n * G, 3n * G],
};
/** a record for another UFS part (SK hynix uMCP): the wrong preloader for both phones */
const OTHER_UFS_RECORD: BuildEmiRecord = {
  package: 'ufs',
  dram: 'LPDDR4X',
  id: ascii('H9HQ16AFAMMDAR'),
  dramVendorId: 0x06,
  rankSizes: [4n * G, 4n * G],
};

async function oppo6833(): Promise<DeviceFacts> {
  return (await deviceFactsFor(await openRegistry({}), 'oppo6833')).facts;
}

/** the oppo6833 layout for EMMC and UFS, a generated DA, a preloader with `records` */
async function multiStoragePackage(name: string, records: BuildEmiRecord[], edit?: (spec: RomSpec) => void) {
  const { profile } = await deviceFactsFor(await openRegistry({}), 'oppo6833');
  const spec = romSpecForDevice(profile, { da: true });
  spec.preloader = { ...spec.preloader, records };
  edit?.(spec);
  return (await buildRomFolder(spec, ws.path(name))).dir;
}

const GOOD = [UFS_RECORD, EMMC_RECORD];

async function prepared(dir: string, mode: PlanMode, acceptRisk: string[] = []) {
  const device = await oppo6833();
  const pkg: CheckedPackage = await checkForFlash(dir, device, mode);
  const plans = buildFlashPlans(pkg.facts, pkg.report, { mode, acceptRisk });
  return { pkg, plan: plans, plans, device };
}

async function simulated(profile: 'oppo6833-ufs' | 'oppo6833-emmc'): Promise<SimPhone> {
  return SimPhone.create({ profile: resolveSimProfile(profile), daServer: xflashDaServer });
}

/** protected partitions of the package's layout with recognisable bytes, at the UFS layout's addresses */
async function seedProtected(phone: SimPhone, plan: FlashPlan): Promise<Map<string, string>> {
  const backup = plan.steps.find((s) => s.kind === 'backup');
  const hashes = new Map<string, string>();
  for (const range of backup?.kind === 'backup' ? backup.ranges : []) {
    const bytes = Buffer.from(`${range.name}: IMEI 8612345 calibration `.repeat(300));
    await phone.storage.write('user', range.address, bytes);
    hashes.set(range.name, sha(bytes));
  }
  return hashes;
}

describe('a V2.1.0 multi-storage package', () => {
  it('has one plan per storage; the UFS one writes the user LU and the preloader to the boot LUs', async () => {
    const dir = await multiStoragePackage('plans', GOOD);
    const { pkg, plans } = await prepared(dir, 'download');
    await pkg.close();
    expect(plans.map((p) => p.storage)).toEqual(['emmc', 'ufs']);
    const ufs = plans[1] as FlashPlan;
    const writes = ufs.steps.flatMap((s) => (s.kind === 'write' ? [s.image] : []));
    expect(writes.length).toBeGreaterThan(5);
    expect(new Set(writes.map((w) => w.section))).toEqual(new Set(['user']));
    // each image once: the EMMC layout's entries for the same files are not written again
    expect(new Set(writes.map((w) => w.partition)).size).toBe(writes.length);
    const preloader = ufs.steps.find((s) => s.kind === 'preloader');
    expect(preloader?.kind === 'preloader' && preloader.image.section).toBe('boot1');
    expect(ufs.steps.at(-2)?.kind).toBe('preloader');
    expect(ufs.fingerprint).not.toBe(plans[0]?.fingerprint);
  });

  it('flashes a UFS phone (Firmware Upgrade): backup, format, GPT with 4096-byte LBAs, verify, restore, preloader to both boot LUs', async () => {
    const dir = await multiStoragePackage('ufs-upgrade', GOOD);
    const phone = await simulated('oppo6833-ufs');
    expect(phone.lastBoot.mode).toBe('brom');
    const run = await prepared(dir, 'upgrade');
    const kept = await seedProtected(phone, run.plans[1] as FlashPlan);
    const events: string[] = [];
    let result: FlashResult;
    try {
      result = await flashOnce(phone, run, {
        backupDir: ws.path('b-ufs-upgrade'),
        onEvent: (event) => {
          if (event.type === 'connected') events.push(`${event.storage} ${event.storageId}`);
        },
      });
    } finally {
      await run.pkg.close();
    }
    expect(events).toEqual([`ufs ${ascii('KM2V8001CM-B707')}`]);
    expect(result.phone.boots).toBe(true);
    expect(phone.lastBoot.mode).toBe('preloader');
    expect(phone.lastBoot.reason).toMatch(/UFS LPDDR4X, id 4b4d3256/);
    // the boot LUs hold the preloader behind a UFS_BOOT header, the same bytes in both
    const lu0 = await phone.storage.read('boot1', 0, 0x20000);
    const lu1 = await phone.storage.read('boot2', 0, 0x20000);
    expect(Buffer.from(lu0.subarray(0, 8)).toString('latin1')).toBe('UFS_BOOT');
    expect(sha(lu1)).toBe(sha(lu0));
    expect(parsePreloader(lu0, { fileName: 'LU0' }).bootHeader?.identifier).toBe('UFS_BOOT');
    // the GPT on the user LU: header at LBA 1 of 4096 bytes, entries at the UFS layout's byte addresses
    const header = parseGptHeader(await phone.storage.read('user', 4096, 4096), 4096, 'LU2');
    expect(header?.entriesLba).toBe(2n);
    const entries = parseGptEntries(header!, await phone.storage.read('user', 2 * 4096, 128 * 128), 'LU2');
    const table = (run.plans[1] as FlashPlan).table;
    expect(entries.partitions.map((p) => [p.name, p.start])).toEqual(
      table.map((r) => [r.partition, r.address]),
    );
    // the IMEI partitions came back byte for byte after the format
    for (const [name, hash] of kept) {
      const range = table.find((r) => r.name === name)!;
      const length = Buffer.from(`${name}: IMEI 8612345 calibration `.repeat(300)).length;
      expect(sha(await phone.storage.read('user', range.address, length)), name).toBe(hash);
    }
    expect(result.steps.find((s) => s.id === 'preloader')?.state).toBe('done');
    await phone.close();
  });

  it('flashes an eMMC phone from the same package with the EMMC layout', async () => {
    const dir = await multiStoragePackage('emmc', GOOD);
    const phone = await simulated('oppo6833-emmc');
    const run = await prepared(dir, 'download');
    try {
      const result = await flashOnce(phone, run, { backupDir: ws.path('b-emmc') });
      expect(result.phone.boots).toBe(true);
    } finally {
      await run.pkg.close();
    }
    expect(phone.lastBoot.mode).toBe('preloader');
    expect(phone.lastBoot.reason).toMatch(/eMMC-MCP LPDDR4X, id 13014e47314a395139/);
    const boot1 = await phone.storage.read('boot1', 0, 16);
    expect(Buffer.from(boot1.subarray(0, 9)).toString('latin1')).toBe('EMMC_BOOT');
    await phone.close();
  });

  it('a package without a layout for the phone’s storage is refused before anything is written', async () => {
    const dir = await multiStoragePackage('ufs-only', GOOD, (spec) => {
      spec.storage = 'UFS';
    });
    const phone = await simulated('oppo6833-emmc');
    const run = await prepared(dir, 'download');
    const error = await flashOnce(phone, run, { backupDir: ws.path('b-ufs-only') }).catch((e: unknown) => e);
    expect(() =>
      buildFlashPlan(run.pkg.facts, run.pkg.report, { mode: 'download', storage: 'emmc' }),
    ).toThrow(
      /^package\.no-layout-for-storage: the phone has EMMC storage and the package's scatter lays out only UFS/,
    );
    await run.pkg.close();
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(/^package\.no-layout-for-storage: .* lays out only UFS/);
    expect((error as RomctlError).hint).toMatch(/nothing was written/);
    expect(phone.storage.writtenBytes).toBe(0);
    await phone.close();
  });
});

describe('the UFS phone’s own GPT (4096-byte LBAs on the user LU)', () => {
  it('is read and compared with the package’s layout: a shifted table refuses Download Only, nothing written', async () => {
    const dir = await multiStoragePackage('own-gpt', GOOD);
    const run = await prepared(dir, 'download');
    const rows = (run.plans[1] as FlashPlan).table.map((r) => ({
      name: r.partition,
      start: r.address,
      size: r.size!,
    }));
    const phone = await simulated('oppo6833-ufs');
    await writeSimPartitionTable(phone.storage, shiftedLayout(rows, 4n << 20n), 4096);
    const before = phone.storage.writtenBytes;
    const error = await flashOnce(phone, run, { backupDir: ws.path('b-own-gpt') }).catch((e: unknown) => e);
    await run.pkg.close();
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(
      /^device\.layout-changed: the phone's partition table differs from the package's \(nvcfg: phone 0x18f08000\+0x2000000, package 0x18b08000\+0x2000000/,
    );
    expect(phone.storage.writtenBytes).toBe(before);
    await phone.close();
  });
});

describe('block alignment on the phone', () => {
  it('a start on a 512-byte sector but not on a 4096-byte UFS block is refused on the UFS phone, nothing written', async () => {
    // recovery moved by one eMMC sector: fine for eMMC, between two UFS blocks
    const dir = await multiStoragePackage('misaligned', GOOD, (spec) => {
      const recovery = spec.partitions.find((p) => p.name === 'recovery')!;
      recovery.start = recovery.start! + 0x200n;
      recovery.size -= 0x1000n;
    });
    const phone = await simulated('oppo6833-ufs');
    const run = await prepared(dir, 'download', ['scatter.misaligned', 'device.layout-changed']);
    const error = await flashOnce(phone, run, { backupDir: ws.path('b-misaligned') }).catch(
      (e: unknown) => e,
    );
    await run.pkg.close();
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(
      /^scatter\.misaligned: recovery starts at 0x8200, not on a 4096-byte block of this phone's UFS storage/,
    );
    expect(phone.storage.writtenBytes).toBe(0);
    await phone.close();
  });
});

describe('the wrong preloader on a UFS phone (EMI records for another UFS part)', () => {
  it('the flash refuses it at connect time: the phone’s UFS id is in no record, nothing is written', async () => {
    const dir = await multiStoragePackage('wrong', [OTHER_UFS_RECORD, EMMC_RECORD]);
    const phone = await simulated('oppo6833-ufs');
    const run = await prepared(dir, 'download');
    const error = await flashOnce(phone, run, { backupDir: ws.path('b-wrong') }).catch((e: unknown) => e);
    await run.pkg.close();
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(/^preloader\.emi-no-match: /);
    expect(phone.storage.writtenBytes).toBe(0);
    await phone.close();
  });

  it('the engine forced past the check with --accept-risk writes it, and the phone is bricked: BROM mode only', async () => {
    const good = await multiStoragePackage('good-first', GOOD);
    const phone = await simulated('oppo6833-ufs');
    const first = await prepared(good, 'download');
    await flashOnce(phone, first, { backupDir: ws.path('b-good-first') }).finally(() => first.pkg.close());
    expect(phone.lastBoot.mode).toBe('preloader');
    const dir = await multiStoragePackage('wrong-forced', [OTHER_UFS_RECORD, EMMC_RECORD]);
    const device = await oppo6833();
    const pkg = await checkForFlash(dir, device, 'download');
    const acceptRisk = ['preloader.emi-no-match', 'preloader.emi-undecided'];
    const plans = buildFlashPlans(pkg.facts, pkg.report, {
      mode: 'download',
      acceptRisk,
      withPreloader: true,
    });
    const result = await flashOnce(
      phone,
      { pkg, plan: plans, device },
      { backupDir: ws.path('b-wrong-forced') },
    ).finally(() => pkg.close());
    expect(result.accepted).toContain('preloader.emi-no-match');
    expect(phone.lastBoot.mode).toBe('brom');
    expect(phone.lastBoot.reason).toMatch(/cannot start this phone's DRAM/);
    await phone.close();
  });
});

describe('a V2.2.0-style layout: preloader in UFS_LU0 and preloader_backup (same file) in UFS_LU1', () => {
  it('the copy is not written on its own: the preloader step writes both boot LUs, last', async () => {
    const dir = await multiStoragePackage('split-preloader', GOOD, (spec) => {
      spec.storage = 'UFS';
      const at = spec.partitions.findIndex((p) => p.name === 'preloader');
      const preloader = spec.partitions[at]!;
      preloader.region = 'UFS_LU0';
      spec.partitions.splice(at + 1, 0, {
        ...preloader,
        name: 'preloader_backup',
        type: 'NORMAL_ROM',
        region: 'UFS_LU1',
        fileName: 'preloader_oppo6833.bin',
      });
    });
    const phone = await simulated('oppo6833-ufs');
    const run = await prepared(dir, 'download');
    const plan = run.plans[0] as FlashPlan;
    expect(plan.steps.filter((s) => s.kind === 'write' && s.image.section !== 'user')).toEqual([]);
    try {
      await flashOnce(phone, run, { backupDir: ws.path('b-split') });
    } finally {
      await run.pkg.close();
    }
    expect(phone.lastBoot.mode).toBe('preloader');
    const lu1 = await phone.storage.read('boot2', 0, 0x20000);
    expect(Buffer.from(lu1.subarray(0, 8)).toString('latin1')).toBe('UFS_BOOT');
    expect(sha(lu1)).toBe(sha(await phone.storage.read('boot1', 0, 0x20000)));
    await phone.close();
  });
});

const corpus = (name: string) => fileURLToPath(new URL(`../../../shared/corpus/${name}`, import.meta.url));
const V2_SCATTERS = [
  'scatter/MT6833_oppo6833_fce8c74b.txt',
  'scatter/MT6893_k6893v1_64_6e105b4f.txt',
  'scatter/MT6789_tulip_row_wifi_0a81c1e3.txt',
  'scatter/MT6835_air_14cf9761.txt',
].filter((name) => existsSync(corpus(name)));
const UFS_BOOT_IMAGES = [
  'preloader/MT6893_preloader_pd2135f_ex_a_1_16_26_v_351ab731.img',
  'preloader/MT6893_preloader_oneplus_denniz_firmwar_5a26cc9c.img',
].filter((name) => existsSync(corpus(name)));

describe.skipIf(V2_SCATTERS.length === 0)(
  'the UFS layouts of the real V2.x scatters (skipped when ../shared/corpus is absent)',
  () => {
    it.each(V2_SCATTERS)('%s: preloader → boot LU(s), everything else → the user LU, pgpt at 0', (name) => {
      const scatter = parseScatter(readFileSync(corpus(name)), { fileName: name });
      const ufs = scatter.layouts.find((layout) => storageOf(layout) === 'ufs');
      expect(scatter.layouts.map(storageOf)).toEqual(['emmc', 'ufs']);
      const targets = ufs!.partitions.map((p) => ({ name: p.name, ...flashTargetOf(p) }));
      const preloader = ufs!.partitions.find(isPreloaderPartition);
      expect(flashTargetOf(preloader!)).toEqual({ section: 'boot1', address: 0n });
      const boot = targets.filter((t) => t.section !== 'user');
      // V2.1.0: one preloader entry in UFS_LU0_LU1; V2.2.0: preloader in LU0 and preloader_backup in LU1
      expect(boot.map((t) => `${t.name}→${t.section}`)).toEqual(
        boot.length === 1 ? ['preloader→boot1'] : ['preloader→boot1', 'preloader_backup→boot2'],
      );
      expect(targets.find((t) => t.name === 'pgpt')).toEqual({ name: 'pgpt', section: 'user', address: 0n });
      // every user-LU start is on a 4096-byte UFS block
      expect(ufs!.partitions.filter((p) => !p.isReserved && p.linearStart % 4096n !== 0n)).toEqual([]);
    });
  },
);

describe.skipIf(UFS_BOOT_IMAGES.length === 0)(
  'the UFS boot header romctl writes, against real UFS_BOOT images read from LU0 (skipped without the corpus)',
  () => {
    it.each(UFS_BOOT_IMAGES)('%s: same identifier, header size, BRLYT, GFH offset and descriptor', (name) => {
      const real = new DataView(readFileSync(corpus(name)).buffer.slice(0, 0x1000));
      const ours = wrapInBootArea(
        buildPreloader({ fileName: 'preloader_k6893v1_64.bin', bloaderVersion: 51, records: [UFS_RECORD] }),
        'ufs',
      );
      const mine = new DataView(ours.buffer, ours.byteOffset, 0x1000);
      const fields = (view: DataView) => ({
        identifier: Buffer.from(view.buffer, view.byteOffset, 12).toString('latin1'),
        version: view.getUint32(0x0c, true),
        brlytAt: view.getUint32(0x10, true),
        brlyt: Buffer.from(view.buffer, view.byteOffset + 0x200, 5).toString('latin1'),
        brlytVersion: view.getUint32(0x208, true),
        gfhAt: view.getUint32(0x20c, true),
        descriptor: Buffer.from(view.buffer, view.byteOffset + 0x214, 4).toString('latin1'),
        flashDev: view.getUint16(0x218, true),
        fileType: view.getUint16(0x21a, true),
        begin: view.getUint32(0x21c, true),
        attribute: view.getUint32(0x224, true),
      });
      expect(fields(mine)).toEqual(fields(real));
      expect(fields(real)).toMatchObject({ identifier: 'UFS_BOOT\0\0\0\0', gfhAt: 0x1000, flashDev: 0x0c });
      // the GFH is where the header says
      expect(Buffer.from(ours.subarray(0x1000, 0x1004)).toString('latin1')).toBe('MMM\x01');
    });
  },
);
