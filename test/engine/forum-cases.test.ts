/**
 * The forum thread's bricked phones, played through on the simulated phone: what romctl does where the users'
 * tools bricked them, and what it tells them.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { readGptWith } from '../../src/engine/da/client.js';
import { ExitCode, RomctlError } from '../../src/errors.js';
import { buildPreloader, parseMemorySpec } from '../../src/formats/preloader/index.js';
import { resolveSimProfile, SimPhone } from '../../src/sim/index.js';
import { readPreloaderFacts } from '../../src/check/preloader-facts.js';
import { coverageFinding } from '../../src/check/rules/preloader-memory.js';
import { shiftedLayout, writeSimPartitionTable, type SimPartition } from '../../src/sim/partition-table.js';
import { romSpecForDevice } from '../../src/testkit/rom-builder.js';
import { p780Phone, foreignRecords } from './da-legacy-helpers.js';
import { workspace } from './flash-helpers.js';
import { flashP780, p780Fixture } from './p780-helpers.js';

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

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MiB = 1n << 20n;
const IMEI_PARTITIONS = ['nvcfg', 'nvdata', 'protect1', 'protect2', 'seccfg', 'proinfo', 'nvram'];

/** the package's user-area table (the fixture layout without the boot area and the GPT itself) */
async function packageTable(): Promise<SimPartition[]> {
  const layout = (await p780Fixture()).layouts![0]!;
  return layout.partitions
    .filter(([name, , size]) => name !== 'preloader' && name !== 'pgpt' && size !== null)
    .map(([name, start, size]) => ({ name, start: BigInt(start), size: BigInt(size as string) }));
}

const imeiBytes = (name: string) => Buffer.from(`${name}: IMEI 861234567890123 calibration `.repeat(300));

/**
 * A Neo N003-like MT6589 phone (the simulated P780 hardware) that boots, whose own table is `table`, with IMEI
 * and calibration bytes in its protected partitions at the phone's addresses.
 */
async function phoneWithLayout(table: SimPartition[]): Promise<SimPhone> {
  const phone = await p780Phone();
  phones.push(phone);
  await phone.storage.write('boot1', 0, buildPreloader(romSpecForDevice(await p780Fixture()).preloader));
  await writeSimPartitionTable(phone.storage, table, 512);
  for (const name of IMEI_PARTITIONS) {
    await phone.storage.write('user', table.find((p) => p.name === name)!.start, imeiBytes(name));
  }
  await phone.reboot();
  expect(phone.lastBoot.mode).toBe('preloader');
  return phone;
}

describe('Neo N003: Format All on a phone whose partition table is another revision’s', () => {
  it('backs up the IMEI partitions at the phone’s addresses and restores them by name into the new layout', async () => {
    const wanted = await packageTable();
    const target = await phoneWithLayout(shiftedLayout(wanted, 4n * MiB));
    const { result } = await flashP780({
      dir: ws.path('n003-fa'),
      backupDir: ws.path('n003-fa-b'),
      target,
      phones,
      mode: 'format-all',
    });
    expect(result.layoutChange?.code).toBe('device.layout-changed');
    expect(result.layoutChange?.differences).toContain(
      'nvram: phone 0xaf00000+0x500000, package 0xab00000+0x500000',
    );
    expect(result.layoutChange?.phone.find((p) => p.name === 'nvram')?.start).toBe(0xaf00000n);
    expect(result.layoutChange?.package.find((p) => p.name === 'nvram')?.start).toBe(0xab00000n);
    for (const name of IMEI_PARTITIONS) {
      const at = wanted.find((p) => p.name === name)!.start;
      const bytes = imeiBytes(name);
      expect(await target.storage.sha256('user', at, bytes.length), name).toBe(sha(bytes));
    }
    const gpt = await readGptWith(
      { where: 'sim', readAll: (_s, address, length) => target.storage.read('user', address, length) },
      512,
    );
    expect(gpt?.partitions.find((p) => p.name === 'nvram')?.start).toBe(0xab00000n);
    expect(result.phone.boots).toBe(true);
    expect(target.lastBoot.mode).toBe('preloader');
  });

  it('Download Only onto the shifted layout is refused before anything is written', async () => {
    const target = await phoneWithLayout(shiftedLayout(await packageTable(), 4n * MiB));
    const before = target.storage.writtenBytes;
    const error = await flashP780({
      dir: ws.path('n003-dl'),
      backupDir: ws.path('n003-dl-b'),
      target,
      phones,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RomctlError);
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(
      /^device\.layout-changed: the phone's partition table differs from the package's \(nvcfg: phone 0x1e88000/,
    );
    expect((error as RomctlError).hint).toMatch(/--mode upgrade or --mode format-all/);
    expect(target.storage.writtenBytes).toBe(before);
  });

  it('a protected partition whose size changes is refused before the format', async () => {
    const table = (await packageTable()).map((p) => (p.name === 'nvram' ? { ...p, size: 4n * MiB } : p));
    const target = await phoneWithLayout(table);
    const before = target.storage.writtenBytes;
    const error = await flashP780({
      dir: ws.path('n003-resized'),
      backupDir: ws.path('n003-resized-b'),
      target,
      phones,
      mode: 'format-all',
    }).catch((e: unknown) => e);
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(
      /^data\.protected-resized: nvram is 0x400000 bytes on the phone/,
    );
    expect(target.storage.writtenBytes).toBe(before);
  });
});

describe('a phone whose partition table cannot be read', () => {
  it('Format All is refused before anything is written, and goes ahead only when that risk is accepted', async () => {
    const target = await phoneWithLayout(await packageTable());
    await target.storage.write('user', 512 + 0x30, Buffer.from([0xde, 0xad])); // the GPT header CRC fails now
    const before = target.storage.writtenBytes;
    const run = (acceptRisk: string[], name: string) =>
      flashP780({
        dir: ws.path(name),
        backupDir: ws.path(`${name}-b`),
        target,
        phones,
        mode: 'format-all',
        acceptRisk,
      });
    const error = await run([], 'unreadable').catch((e: unknown) => e);
    expect((error as RomctlError).exitCode).toBe(ExitCode.refused);
    expect((error as RomctlError).message).toMatch(
      /^device\.table-unreadable: the phone's partition table cannot be read \(GPT header CRC/,
    );
    expect((error as RomctlError).hint).toMatch(/--accept-risk device\.table-unreadable/);
    expect(target.storage.writtenBytes).toBe(before);
    const { result } = await run(['device.table-unreadable'], 'unreadable-accepted');
    expect(result.phone.boots).toBe(true);
    const nvram = (await packageTable()).find((p) => p.name === 'nvram')!;
    expect(await target.storage.sha256('user', nvram.start, imeiBytes('nvram').length)).toBe(
      sha(imeiBytes('nvram')),
    );
  });
});

describe('the MT6577 clone (3004 / 5054 in SP Flash Tool): v08 preloaders decided as the preloader decides', () => {
  const cid = '90014a2058494e5948a1b2c3d4e5f601';
  const bytesFor = (id: string) =>
    buildPreloader({
      fileName: 'preloader_clone77.bin',
      platform: 'MT6577',
      bloaderVersion: 8,
      records: [{ package: 'emmc-mcp', dram: 'LPDDR2', id }],
    });
  const preloaderFor = (id: string) => readPreloaderFacts('preloader_clone77.bin', 0n, bytesFor(id));
  const right = preloaderFor(cid.slice(0, 18));
  const wrong = preloaderFor('150100474436424d42');
  const memory = parseMemorySpec(`emmc:${cid},lpddr2,2x512M`);

  it('check: the right preloader passes, the other revision’s is refused (preloader.emi-no-match)', () => {
    expect(coverageFinding(right, { label: 'the clone', spec: memory })).toBeNull();
    const refused = coverageFinding(wrong, { label: 'the clone', spec: memory });
    expect(refused?.code).toBe('preloader.emi-no-match');
    expect(refused?.severity).toBe('error');
  });

  it('the simulated clone boots the right one and stays in BROM mode with the other', async () => {
    const phone = await SimPhone.create({
      profile: resolveSimProfile(`mt6577:emmc:${cid}:lpddr2:0x06:2x512M`),
    });
    phones.push(phone);
    for (const [id, mode] of [
      [cid.slice(0, 18), 'preloader'],
      ['150100474436424d42', 'brom'],
    ] as const) {
      await phone.storage.erase('boot1', 0, phone.storage.size('boot1'));
      await phone.storage.write('boot1', 0, bytesFor(id));
      expect((await phone.reboot()).mode).toBe(mode);
    }
  });
});
