import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DeviceFacts, PlanMode } from '../../src/check/index.js';
import { checkForFlash, expectationsOf } from '../../src/cli/commands/flash-prepare.js';
import { executePlan, type FlashEvent, type FlashResult } from '../../src/engine/executor.js';
import { FlashJournal } from '../../src/engine/journal.js';
import { buildDaContainer } from '../../src/engine/da/container-build.js';
import { openFlashSession } from '../../src/engine/flash-session.js';
import { buildFlashPlans, type FlashPlan } from '../../src/engine/plan.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { RecordingTransport } from '../../src/engine/transport/recording.js';
import { TransportError } from '../../src/engine/transport/types.js';
import { ExitCode, RomctlError } from '../../src/errors.js';
import type { BuildEmiRecord } from '../../src/formats/preloader/index.js';
import { openRegistry } from '../../src/registry/registry.js';
import { deviceFactsFor } from '../../src/registry/resolve-device.js';
import { simDaServer } from '../../src/sim/da-server.js';
import { resolveSimProfile, SimPhone, type SimProfile } from '../../src/sim/index.js';
import { buildRomFolder, romSpecForDevice, type RomSpec } from '../../src/testkit/rom-builder.js';
import { runCli } from '../helpers/run-cli.js';
import { schemaValidator } from '../helpers/schema.js';
import { workspace } from './flash-helpers.js';

/**
 * V6 (XML DA) phones flashed end to end through the engine: a package with a generated V6 DA file, and on the
 * other end of the link the simulated phone's own XML DA (src/sim/da-xml.ts), which decodes the host with its own
 * code. The package preloader carries one EMI record: the phone's memory (good) or another part's (wrong).
 */
const ws = workspace('v6');

/** the record the simulated phone's own (factory) preloader has for its memory */
function recordFor(profile: SimProfile): BuildEmiRecord {
  return {
    package: profile.storage.kind === 'ufs' ? 'ufs' : 'emmc-mcp',
    dram: profile.dram.type,
    id: profile.storage.id,
    dramVendorId: profile.dram.vendorId,
    rankSizes: profile.dram.rankSizes,
  };
}

/** another part of the same kind: a preloader made for it cannot start this phone */
const otherPart = (record: BuildEmiRecord): BuildEmiRecord => ({
  ...record,
  id: (record.id ?? '').replace(/^../, (b) => (b === '15' ? '13' : '15')),
});

interface V6Case {
  codename: string;
  sim: string;
}

async function v6Package(
  { codename, sim }: V6Case,
  dir: string,
  wrong = false,
): Promise<{ dir: string; facts: DeviceFacts; spec: RomSpec }> {
  const { profile, facts } = await deviceFactsFor(await openRegistry({}), codename);
  const spec = romSpecForDevice(profile, { da: 'xml' });
  const record = recordFor(resolveSimProfile(sim));
  spec.preloader = { ...spec.preloader, bloaderVersion: 46, records: [wrong ? otherPart(record) : record] };
  const built = await buildRomFolder(spec, dir);
  return { dir: built.dir, facts, spec };
}

async function flash(
  phone: SimPhone,
  pkgDir: string,
  facts: DeviceFacts,
  options: {
    mode?: PlanMode;
    backupDir: string;
    withPreloader?: boolean;
    acceptRisk?: string[];
    resume?: boolean;
    onEvent?: (event: FlashEvent) => void;
  },
): Promise<{ result: FlashResult; sent: string; plans: FlashPlan[] }> {
  const mode = options.mode ?? 'download';
  const pkg = await checkForFlash(pkgDir, facts, mode);
  try {
    // a multi-storage (V2.x) package has one plan per storage; the phone's storage picks one
    const plans = buildFlashPlans(pkg.facts, pkg.report, {
      mode,
      withPreloader: options.withPreloader === true,
      acceptRisk: options.acceptRisk ?? [],
    });
    const [host, device] = createMemoryPair();
    const wire = new RecordingTransport(host);
    const served = phone.serve(device);
    try {
      const result = await executePlan({
        plan: plans,
        transport: wire,
        daFile: pkg.da!.bytes,
        device: expectationsOf(facts),
        openImage: pkg.openImage,
        backupDir: options.backupDir,
        ...(options.resume ? { resume: true } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      });
      return { result, sent: Buffer.from(wire.sent()).toString('latin1'), plans };
    } finally {
      await host.close();
      await served;
    }
  } finally {
    await pkg.close();
  }
}

const commandsIn = (sent: string) =>
  [...sent.matchAll(/<command>CMD:([A-Z-]+)<\/command>/g)].map((m) => m[1]);

const CASES: (V6Case & { title: string; area: { user: string; boot1: string; boot2: string } })[] = [
  {
    title: 'MT6833 UFS (oppo6833)',
    codename: 'oppo6833',
    sim: 'oppo6833',
    area: { user: 'UFS-LUA2', boot1: 'UFS-LUA0', boot2: 'UFS-LUA1' },
  },
  {
    title: 'MT6789 eMMC (tulip)',
    codename: 'tulip_row_wifi',
    sim: 'tulip',
    area: { user: 'EMMC-USER', boot1: 'EMMC-BOOT1', boot2: 'EMMC-BOOT2' },
  },
];

describe.each(CASES)('V6 (XML DA) $title flashed end to end', { timeout: 120_000 }, (c) => {
  it('backs up the protected partitions, writes and reads back every image, writes the preloader last, boots', async () => {
    const { dir, facts } = await v6Package(c, ws.path(`${c.sim}-pkg`));
    const phone = await SimPhone.create({ profile: resolveSimProfile(c.sim), daServer: simDaServer });
    expect(phone.lastBoot.mode).toBe('preloader');
    const { result, sent } = await flash(phone, dir, facts, {
      backupDir: ws.path(`${c.sim}-backup`),
      withPreloader: true,
    });
    expect(result.steps.map((s) => [s.id, s.state])).toEqual(result.steps.map((s) => [s.id, 'done']));
    const ids = result.steps.map((s) => s.id);
    expect(ids[0]).toBe('backup');
    expect(ids.slice(-2)).toEqual(['preloader', 'reboot']);
    const commands = commandsIn(sent);
    expect(commands.slice(0, 5)).toEqual([
      'SET-RUNTIME-PARAMETER',
      'HOST-SUPPORTED-COMMANDS',
      'NOTIFY-INIT-HW',
      'SET-HOST-INFO',
      'BOOT-TO',
    ]);
    expect(commands).toContain('GET-HW-INFO');
    expect(commands.at(-1)).toBe('REBOOT');
    // protected partitions are read (backup) before anything is written; the preloader goes to both boot areas
    expect(commands.indexOf('READ-FLASH')).toBeLessThan(commands.indexOf('WRITE-FLASH'));
    expect(sent).toContain(`<partition>${c.area.user}</partition>`);
    expect(sent).toContain(`<command>CMD:WRITE-FLASH</command><arg><partition>${c.area.boot2}</partition>`);
    expect(sent).toContain(`<command>CMD:WRITE-FLASH</command><arg><partition>${c.area.boot1}</partition>`);
    expect(phone.lastBoot.mode).toBe('preloader');
    await phone.close();
  });

  // through the CLI once (UFS, a multi-storage package over the pty): each run costs ~13 s on a busy machine
  if (c.sim === 'oppo6833')
    it('romctl flash --json with the V6 package: exit 0, the JSON names the phone and the storage flashed', async () => {
      const { dir } = await v6Package(c, ws.path(`${c.sim}-cli`));
      const run = await runCli([
        'flash',
        dir,
        '--device',
        c.codename,
        '--sim',
        c.sim,
        '--backup-dir',
        ws.path(`${c.sim}-cli-backup`),
        '--json',
      ]);
      expect([run.code, run.stderr.split('\n').filter((l) => l.startsWith('romctl:'))]).toEqual([0, []]);
      const json = JSON.parse(run.stdout);
      const valid = schemaValidator('flash');
      expect([valid(json), valid.errors ?? null]).toEqual([true, null]);
      expect(JSON.stringify(json)).toContain(resolveSimProfile(c.sim).storage.kind);
    });

  it('the wrong preloader: romctl flash refuses it once the DA reports the memory (preloader.emi-no-match)', async () => {
    const { dir } = await v6Package(c, ws.path(`${c.sim}-wrong-cli`), true);
    const run = await runCli([
      'flash',
      dir,
      '--device',
      c.codename,
      '--sim',
      c.sim,
      '--with-preloader',
      '--backup-dir',
      ws.path(`${c.sim}-wrong-cli-backup`),
    ]);
    expect(run.code).toBe(ExitCode.refused);
    expect(run.stderr).toMatch(/preloader\.emi-no-match/);
    expect(run.stdout).not.toMatch(/FLASHED/);
  });

  it('the wrong preloader forced through the engine with the risk accepted bricks the phone: BROM mode only', async () => {
    const { dir, facts } = await v6Package(c, ws.path(`${c.sim}-wrong`), true);
    const phone = await SimPhone.create({ profile: resolveSimProfile(c.sim), daServer: simDaServer });
    await flash(phone, dir, facts, {
      backupDir: ws.path(`${c.sim}-wrong-backup`),
      withPreloader: true,
      acceptRisk: ['preloader.emi-no-match', 'preloader.emi-undecided'],
    });
    expect(phone.lastBoot.mode).toBe('brom');
    expect(phone.lastBoot.reason).toMatch(/DRAM/);
    await phone.close();
  });

  it('from BROM mode the V6 DA cannot start DRAM: a clear error, nothing written', async () => {
    const { dir, facts } = await v6Package(c, ws.path(`${c.sim}-brom`));
    const phone = await SimPhone.create({ profile: resolveSimProfile(c.sim), daServer: simDaServer });
    await phone.storage.erase('boot1', 0n, BigInt(phone.storage.size('boot1')));
    await phone.reboot();
    expect(phone.lastBoot.mode).toBe('brom');
    const error = await flash(phone, dir, facts, { backupDir: ws.path(`${c.sim}-brom-backup`) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).message).toMatch(
      /V6 DA could not set up its DRAM and storage from BROM mode/,
    );
    expect((error as RomctlError).hint).toMatch(/preloader mode/);
    await phone.close();
  });
});

/**
 * IMEI-like bytes at the start of protected partitions, which must survive. The cut runs use download mode:
 * tulip's protected partitions hold 240 MiB, and an upgrade restores them on every run (minutes for all steps);
 * format and restore are executor steps the XFlash resume tests already cut.
 */
const seed = (name: string) => Buffer.from(`${name}: IMEI 861234567890123, calibration table `.repeat(100));

describe.each(CASES.slice(1))(
  'a cable pulled during any step of a V6 $title flash, then --resume',
  { timeout: 300_000 },
  (c) => {
    it('each step: the resumed flash finishes, skips what was done, the IMEI data is intact, the phone boots', async () => {
      const { dir, facts } = await v6Package(c, ws.path(`${c.sim}-slim`));
      const { profile: device } = await deviceFactsFor(await openRegistry({}), c.codename);
      const layout = device.layouts?.find((l) => l.storage === 'EMMC')?.partitions ?? [];
      const seeds = ['nvdata', 'proinfo', 'nvram'].map((name) => {
        const at = BigInt(layout.find(([n]) => n === name)?.[1] ?? -1);
        return { name, at };
      });
      const freshPhone = async () => {
        const phone = await SimPhone.create({ profile: resolveSimProfile(c.sim), daServer: simDaServer });
        for (const { name, at } of seeds) await phone.storage.write('user', at, seed(name));
        return phone;
      };
      const probe = await freshPhone();
      const { plans } = await flash(probe, dir, facts, {
        mode: 'download',
        withPreloader: true,
        backupDir: ws.path(`${c.sim}-probe`),
      });
      await probe.close();
      const plan = plans.find((p) => p.storage === resolveSimProfile(c.sim).storage.kind);
      const steps = plan?.steps.map((s) => s.id) ?? [];
      expect(steps).toEqual(['backup', 'write:logo', 'write:userdata', 'preloader', 'reboot']);
      for (const stepId of steps) {
        const phone = await freshPhone();
        const backupDir = ws.path(`${c.sim}-cut-${stepId.replace(':', '-')}`);
        let armed = false;
        const error = await flash(phone, dir, facts, {
          mode: 'download',
          withPreloader: true,
          backupDir,
          onEvent: (event) => {
            if (event.type === 'step' && event.state === 'start' && event.id === stepId) {
              armed = true;
              if (stepId === 'reboot') void phone.pullCable();
            } else if (event.type === 'progress' && armed) {
              armed = false;
              void phone.pullCable();
            }
          },
        }).catch((e: unknown) => e);
        expect([stepId, error]).toEqual([stepId, expect.any(TransportError)]);
        const cut = await FlashJournal.read(backupDir);
        expect(cut?.finished).toBe(false);
        expect(cut?.steps[stepId]).toBeUndefined();
        await phone.reboot();
        const { result } = await flash(phone, dir, facts, {
          mode: 'download',
          withPreloader: true,
          backupDir,
          resume: true,
        });
        for (const done of steps.slice(0, steps.indexOf(stepId))) {
          if (done !== 'format:user')
            expect([stepId, done, result.steps.find((s) => s.id === done)?.state]).toEqual([
              stepId,
              done,
              'skipped',
            ]);
        }
        expect([stepId, phone.lastBoot.mode]).toEqual([stepId, 'preloader']);
        for (const { name, at } of seeds)
          expect(
            Buffer.from(await phone.storage.read('user', at, seed(name).length)).equals(seed(name)),
          ).toBe(true);
        const journal = await FlashJournal.read(backupDir);
        expect(journal?.finished).toBe(true);
        await phone.close();
      }
    });
  },
);

describe('DA-level SLA on a V6 phone (GET-SYS-PROPERTY DA.SLA, SECURITY-SET-FLASH-POLICY)', () => {
  const vendor = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const daFile = buildDaContainer({ entries: [{ hwCode: 0x1208, protocol: 'xml' }] });
  const profile: SimProfile = {
    ...resolveSimProfile('tulip'),
    security: { daSlaPrivateKey: vendor.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
  };

  async function session(slaKey: KeyObject | null) {
    const phone = await SimPhone.create({ profile, daServer: simDaServer });
    const [host, device] = createMemoryPair();
    const served = phone.serve(device);
    const opened = await openFlashSession({
      transport: host,
      daFile,
      emiBlock: null,
      expect: { device: 'tulip' },
      slaKey,
    }).catch((e: unknown) => e);
    await host.close();
    await served;
    await phone.close();
    return opened;
  }

  it('the vendor key answers the challenge and the storage opens', async () => {
    expect(await session(vendor.privateKey)).toMatchObject({ storage: { kind: 'emmc' } });
  });

  it('without a key, or with another one, the flash is refused (security.auth-needed), nothing written', async () => {
    for (const [key, said] of [
      [null, /no SLA key was given/],
      [stranger.privateKey, /refused the SLA key/],
    ] as const) {
      const error = await session(key);
      expect(error).toBeInstanceOf(RomctlError);
      expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
      expect((error as RomctlError).message).toMatch(/^security\.auth-needed: /);
      expect((error as RomctlError).message).toMatch(said);
    }
  });
});
