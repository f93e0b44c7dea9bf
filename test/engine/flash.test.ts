import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BromClient } from '../../src/engine/brom.js';
import { daStages, parseDaContainer, pickDaEntry } from '../../src/engine/da/container.js';
import { emiBlockFromPreloader } from '../../src/engine/da/emi-block.js';
import { XFlashClient } from '../../src/engine/da/xflash.js';
import { DaStatusError } from '../../src/engine/da/da-status.js';
import { loadVerifiedBackup } from '../../src/engine/backup.js';
import { VerifyError } from '../../src/engine/flash-image.js';
import { FlashJournal } from '../../src/engine/journal.js';
import { PlanRefusedError } from '../../src/engine/plan.js';
import { createMemoryPair } from '../../src/engine/transport/memory.js';
import { ExitCode, RomctlError } from '../../src/errors.js';
import type { SimPhone } from '../../src/sim/index.js';
import { romSpecForDevice, type RomSpec } from '../../src/testkit/rom-builder.js';
import {
  checked,
  flashOnce,
  nikel,
  nikelPackage,
  nikelPhone,
  preloaderOf,
  workspace,
  wrongPreloader,
} from './flash-helpers.js';

const ws = workspace('flash');
const phones: SimPhone[] = [];
afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.close()));
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function goodSpec(): Promise<RomSpec> {
  return romSpecForDevice((await nikel()).profile, { da: true });
}

async function phone(options: Parameters<typeof nikelPhone>[0] = {}): Promise<SimPhone> {
  const made = await nikelPhone(options);
  phones.push(made);
  return made;
}

/** IMEI-like data in the protected partitions (registry layout offsets of nikel) */
const PROTECTED_AT: Record<string, number> = {
  nvcfg: 0x1a88000,
  nvdata: 0x2288000,
  proinfo: 0x8200000,
  nvram: 0xab00000,
};

async function seedProtected(target: SimPhone): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const [name, at] of Object.entries(PROTECTED_AT)) {
    const bytes = Buffer.from(`${name}: IMEI 86${at.toString().padStart(13, '0')} calibration `.repeat(200));
    await target.storage.write('user', at, bytes);
    hashes[name] = sha(bytes);
  }
  return hashes;
}

async function protectedNow(target: SimPhone): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, at] of Object.entries(PROTECTED_AT)) {
    const length = Buffer.from(
      `${name}: IMEI 86${at.toString().padStart(13, '0')} calibration `.repeat(200),
    ).length;
    out[name] = sha(await target.storage.read('user', at, length));
  }
  return out;
}

describe('flash plans on a simulated nikel (memory link)', () => {
  it('download only: backs up, writes and verifies every image, skips a present preloader, reboots into it', async () => {
    const spec = await goodSpec();
    const dir = await nikelPackage(ws.path('good'));
    const target = await phone({ preloader: preloaderOf(spec) });
    const prepared = await checked(dir, 'download');
    expect(prepared.plan.steps.map((s) => s.kind)).toEqual([
      'backup',
      ...Array(11).fill('write'),
      'preloader',
      'reboot',
    ]);
    const result = await flashOnce(target, prepared, { backupDir: ws.path('b-download') });
    await prepared.pkg.close();
    expect(result.verify.mode).toBe('da');
    expect(result.steps.find((s) => s.id === 'write:boot')?.detail).toMatch(
      /checked by the DA on the phone$/,
    );
    expect(result.steps.find((s) => s.id === 'preloader')?.state).toBe('skipped');
    expect(target.lastBoot.mode).toBe('preloader');
    const boot = await readFile(join(dir, 'boot.img'));
    expect(await target.storage.sha256('user', 0xb800000, boot.length)).toBe(sha(boot));
    const journal = await FlashJournal.read(ws.path('b-download'));
    expect(journal?.finished).toBe(true);
    expect(journal?.steps['write:boot']?.sha256).toBe(sha(boot));
  });

  it('a blank phone gets the preloader inside an EMMC_BOOT boot area (header, BRLYT, GFH at 0x800) and boots', async () => {
    const spec = await goodSpec();
    const dir = await nikelPackage(ws.path('good-blank'));
    const target = await phone();
    expect(target.lastBoot.mode).toBe('brom');
    const prepared = await checked(dir, 'download');
    const result = await flashOnce(target, prepared, { backupDir: ws.path('b-blank') });
    await prepared.pkg.close();
    expect(result.steps.find((s) => s.id === 'preloader')?.state).toBe('done');
    const packaged = preloaderOf(spec);
    const boot1 = await target.storage.read('boot1', 0, 0x800 + packaged.length);
    expect(Buffer.from(boot1.subarray(0, 9)).toString('latin1')).toBe('EMMC_BOOT');
    expect(Buffer.from(boot1.subarray(0x200, 0x205)).toString('latin1')).toBe('BRLYT');
    expect(sha(boot1.subarray(0x800))).toBe(sha(packaged));
    const { parsePreloader } = await import('../../src/formats/preloader/index.js');
    expect(parsePreloader(boot1)).toMatchObject({ kind: 'boot-area', bootHeader: { gfhOffset: 0x800 } });
    expect(target.lastBoot.mode).toBe('preloader');
  });

  it('an image edited after the check is not trusted (exit 3)', async () => {
    const spec = await goodSpec();
    const dir = await nikelPackage(ws.path('good-edited'));
    const target = await phone({ preloader: preloaderOf(spec) });
    const prepared = await checked(dir, 'download');
    const logo = join(dir, 'logo.bin');
    const bytes = await readFile(logo);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await writeFile(logo, bytes);
    const error = await flashOnce(target, prepared, { backupDir: ws.path('b-edited') }).catch(
      (e: unknown) => e,
    );
    await prepared.pkg.close();
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).exitCode).toBe(ExitCode.download);
    expect((error as RomctlError).message).toMatch(/^logo: the image changed after it was checked/);
  });

  it('format all: protected partitions come back byte-identical from the verified backup', async () => {
    const spec = await goodSpec();
    const dir = await nikelPackage(ws.path('good-fa'));
    const target = await phone({ preloader: preloaderOf(spec) });
    const before = await seedProtected(target);
    await target.storage.write('user', 0x9d00000, Buffer.alloc(8192, 0x5a)); // md1dsp: not in the package
    const prepared = await checked(dir, 'format-all');
    expect(prepared.plan.steps.map((s) => s.id).slice(0, 3)).toEqual([
      'backup',
      'format:user',
      'partition-table',
    ]);
    await flashOnce(target, prepared, { backupDir: ws.path('b-fa') });
    await prepared.pkg.close();
    expect(await protectedNow(target)).toEqual(before);
    expect((await target.storage.read('user', 0x9d00000, 8192)).every((b) => b === 0)).toBe(true);
    const manifest = await loadVerifiedBackup(ws.path('b-fa', 'backup'));
    expect(manifest.partitions.map((p) => p.name)).toEqual([
      'nvcfg',
      'nvdata',
      'protect1',
      'protect2',
      'seccfg',
      'proinfo',
      'nvram',
    ]);
    expect(target.lastBoot.mode).toBe('preloader');
  });

  /** a storage that flips one bit of the first packet of boot (user @ 0xb800000) as it stores it */
  const flipsABitOfBoot = {
    corruptWrite: ({ section, address, data }: { section: string; address: bigint; data: Uint8Array }) =>
      section === 'user' && address === 0xb800000n
        ? Uint8Array.from(data, (b, i) => (i === 100 ? b ^ 1 : b))
        : data,
  };

  it('a bit flipped by the storage fails the write on the DA-side check (exit 4), not recorded as done', async () => {
    const spec = await goodSpec();
    const dir = await nikelPackage(ws.path('good-flip'));
    const target = await phone({ preloader: preloaderOf(spec), faults: flipsABitOfBoot });
    const prepared = await checked(dir, 'download');
    const reads: string[] = [];
    const error = await flashOnce(target, prepared, {
      backupDir: ws.path('b-flip'),
      onEvent: (event) => {
        if (event.type === 'progress') reads.push(event.label);
      },
    }).catch((e: unknown) => e);
    await prepared.pkg.close();
    expect(error).toBeInstanceOf(DaStatusError);
    expect((error as DaStatusError).status).toBe(0xc0040003);
    expect((error as DaStatusError).exitCode).toBe(ExitCode.device);
    expect((error as Error).message).toMatch(/^DA refused WRITE_DATA packet at \+0x0: .*CHECKSUM/);
    // the DA found it: nothing was read back to find it
    expect(reads.some((label) => label.startsWith('verify '))).toBe(false);
    const journal = await FlashJournal.read(ws.path('b-flip'));
    expect(journal?.finished).toBe(false);
    expect(journal?.steps['write:boot']).toBeUndefined();
    expect(journal?.log.some((line) => line.startsWith('verify (da): the DA compared every packet'))).toBe(
      true,
    );
  });

  it('with --verify full a write the phone stores differently is found by read-back (exit 4)', async () => {
    const spec = await goodSpec();
    const dir = await nikelPackage(ws.path('good-corrupt'));
    const target = await phone({ preloader: preloaderOf(spec), faults: flipsABitOfBoot });
    const prepared = await checked(dir, 'download');
    const error = await flashOnce(target, prepared, {
      backupDir: ws.path('b-corrupt'),
      verify: 'full',
    }).catch((e: unknown) => e);
    await prepared.pkg.close();
    expect(error).toBeInstanceOf(VerifyError);
    expect((error as VerifyError).exitCode).toBe(ExitCode.device);
    expect((error as VerifyError).message).toMatch(/^boot reads back differently/);
    const journal = await FlashJournal.read(ws.path('b-corrupt'));
    expect(journal?.finished).toBe(false);
    expect(journal?.steps['write:boot']).toBeUndefined();
    expect(journal?.steps['write:logo']).toBeUndefined();
    expect(journal?.log.some((line) => line.startsWith('write:boot failed'))).toBe(true);
  });

  it('a phone that stops answering mid-write fails within the timeout, naming the step', async () => {
    const spec = await goodSpec();
    const dir = await nikelPackage(ws.path('good-hang'));
    const target = await phone({
      preloader: preloaderOf(spec),
      faults: { hangOnWrite: ({ section, address }) => section === 'user' && address === 0xb800000n },
    });
    const prepared = await checked(dir, 'download');
    const started = Date.now();
    const error = await flashOnce(target, prepared, {
      backupDir: ws.path('b-hang'),
      timeoutMs: 400,
      longTimeoutMs: 800,
    }).catch((e: unknown) => e);
    await prepared.pkg.close();
    expect(error).toMatchObject({ exitCode: ExitCode.device });
    expect((error as Error).message).toMatch(
      /^step \d+\/\d+ \(write boot ← boot\.img, verify\): no reply: waited/,
    );
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a phone with another chip is refused after identification, before the DA runs', async () => {
    const dir = await nikelPackage(ws.path('good-chip'));
    const prepared = await checked(dir, 'download');
    const other = await nikelPhone({});
    phones.push(other);
    const { SimPhone: Sim, resolveSimProfile } = await import('../../src/sim/index.js');
    const { xflashDaServer } = await import('../../src/sim/da-xflash.js');
    const mt6765 = await Sim.create({ profile: resolveSimProfile('generic'), daServer: xflashDaServer });
    phones.push(mt6765);
    const error = await flashOnce(mt6765, prepared, { backupDir: ws.path('b-chip') }).catch(
      (e: unknown) => e,
    );
    await prepared.pkg.close();
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(
      /^device\.chip-mismatch: the connected phone is an MT6765/,
    );
    expect(mt6765.storage.writtenBytes).toBe(0);
  });

  it('a phone with SLA/DAA, or secure boot and an unsigned DA, is refused before the DA is sent', async () => {
    const dir = await nikelPackage(ws.path('good-secure'));
    const prepared = await checked(dir, 'download');
    const { SimPhone: Sim, resolveSimProfile } = await import('../../src/sim/index.js');
    const { xflashDaServer } = await import('../../src/sim/da-xflash.js');
    const { buildDaContainer, simDaStages, SIM_DA1_ADDRESS, SIM_DA2_ADDRESS } =
      await import('../../src/engine/da/container-build.js');
    const { da1, da2 } = simDaStages(0x6797, 'xflash');
    const unsignedDa = buildDaContainer({
      entries: [
        {
          hwCode: 0x6797,
          regions: [
            { bytes: new Uint8Array(0x40), loadAddress: 0, signatureLength: 0 },
            { bytes: da1, loadAddress: SIM_DA1_ADDRESS, signatureLength: 0 },
            { bytes: da2, loadAddress: SIM_DA2_ADDRESS, signatureLength: 0 },
          ],
        },
      ],
    });
    const cases = [
      { targetConfig: 0x02, code: 'security.auth-needed', message: /SLA on/, daFile: undefined },
      { targetConfig: 0x04, code: 'security.auth-needed', message: /DAA on/, daFile: undefined },
      {
        targetConfig: 0x01,
        code: 'security.da-signature',
        message: /secure boot on and this DA is unsigned/,
        daFile: unsignedDa,
      },
    ];
    for (const { targetConfig, code, message, daFile } of cases) {
      const secure = await Sim.create({
        profile: { ...resolveSimProfile('nikel'), targetConfig },
        daServer: xflashDaServer,
      });
      phones.push(secure);
      const error = await flashOnce(secure, prepared, {
        backupDir: ws.path(`b-secure-${targetConfig}`),
        ...(daFile ? { daFile } : {}),
      }).catch((e: unknown) => e);
      expect((error as RomctlError).exitCode, code).toBe(ExitCode.refused);
      expect((error as RomctlError).message).toMatch(new RegExp(`^${code.replace('.', '\\.')}: `));
      expect((error as RomctlError).message).toMatch(message);
      expect(secure.mode, 'the DA never ran').not.toBe('da');
      expect(secure.storage.writtenBytes).toBe(0);
    }
    await prepared.pkg.close();
  });

  it('a fresh flash will not start over an unfinished journal (its backup would be taken after a format)', async () => {
    const dir = await nikelPackage(ws.path('good-journal'));
    const spec = await goodSpec();
    const target = await phone({ preloader: preloaderOf(spec) });
    await FlashJournal.start(
      ws.path('b-journal'),
      {
        fingerprint: 'x',
        package: dir,
        mode: 'format-all',
        device: 'nikel',
        storageId: 'y',
        acceptedRisks: [],
      },
      false,
    );
    const prepared = await checked(dir, 'download');
    const error = await flashOnce(target, prepared, { backupDir: ws.path('b-journal') }).catch(
      (e: unknown) => e,
    );
    await prepared.pkg.close();
    expect((error as RomctlError).message).toMatch(/interrupted flash .* is not finished/);
    expect((error as RomctlError).hint).toMatch(/--resume/);
  });
});

describe('the wrong preloader', () => {
  it('through the raw engine API it bricks the simulated phone: BROM mode only', async () => {
    const spec = await goodSpec();
    const target = await phone({ preloader: preloaderOf(spec) });
    expect(target.lastBoot.mode).toBe('preloader');
    const wrong = { ...spec };
    wrongPreloader(wrong);
    const bad = preloaderOf(wrong);
    const [host, device] = createMemoryPair();
    const served = target.serve(device);
    const brom = new BromClient(host);
    await brom.handshake();
    const identity = await brom.identify();
    const daFile = (await import('../../src/engine/da/container-build.js')).buildDaContainer({
      entries: [{ hwCode: 0x6797 }],
    });
    const { da1, da2 } = daStages(
      daFile,
      pickDaEntry(parseDaContainer(daFile), { hwCode: identity.hwCode, daCode: 0x6797 }),
      'xflash',
    );
    await brom.sendDa(da1.loadAddress, da1.bytes, da1.signatureLength);
    await brom.jumpDa(da1.loadAddress);
    // the phone is in preloader mode: no INIT_EXT_RAM, so nothing stops the raw API
    const client = await XFlashClient.bringUp(host, {
      emiBlock: emiBlockFromPreloader(bad).block,
      da2,
      checkMemory: () => {},
    });
    await client.write('boot1', 0n, bad, BigInt(bad.length));
    await client.shutdown();
    await new BromClient(host).handshake();
    expect(target.lastBoot.mode).toBe('brom');
    expect(target.lastBoot.reason).toMatch(/cannot start this phone's DRAM/);
    await host.close();
    await served;
  });

  it('romctl flash refuses it before the phone is touched (preloader.emi-no-match)', async () => {
    const dir = await nikelPackage(ws.path('wrong'), wrongPreloader);
    const error = await checked(dir, 'download', { withPreloader: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanRefusedError);
    expect((error as PlanRefusedError).findings.map((f) => f.code)).toContain('preloader.emi-no-match');
    expect((error as PlanRefusedError).exitCode).toBe(ExitCode.refused);
  });

  it('with the static risk accepted, a BROM-mode phone still refuses it: INIT_EXT_RAM with its EMI block fails', async () => {
    const dir = await nikelPackage(ws.path('wrong-accepted'), wrongPreloader);
    const target = await phone();
    expect(target.lastBoot.mode).toBe('brom');
    const prepared = await checked(dir, 'download', { acceptRisk: ['preloader.emi-no-match'] });
    const error = await flashOnce(target, prepared, { backupDir: ws.path('b-wrong') }).catch(
      (e: unknown) => e,
    );
    await prepared.pkg.close();
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(
      /^preloader\.emi-no-match: the phone's DA could not start its DRAM/,
    );
    expect(target.storage.writtenBytes).toBe(0);
  });
});

describe('backup manifest', () => {
  it('a backup file changed on disk is caught when the backup is loaded', async () => {
    const spec = await goodSpec();
    const dir = await nikelPackage(ws.path('good-manifest'));
    const target = await phone({ preloader: preloaderOf(spec) });
    await seedProtected(target);
    const prepared = await checked(dir, 'download');
    await flashOnce(target, prepared, { backupDir: ws.path('b-manifest') });
    await prepared.pkg.close();
    const file = ws.path('b-manifest', 'backup', 'proinfo.bin');
    const bytes = await readFile(file);
    bytes[10] = (bytes[10] as number) ^ 0xff;
    await writeFile(file, bytes);
    await expect(loadVerifiedBackup(ws.path('b-manifest', 'backup'))).rejects.toThrow(
      /backup of proinfo is changed/,
    );
  });
});
