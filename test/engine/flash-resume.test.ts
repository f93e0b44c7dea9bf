import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '../../src/engine/transport/types.js';
import { FlashJournal } from '../../src/engine/journal.js';
import type { SimPhone } from '../../src/sim/index.js';
import { checked, flashOnce, nikelPackage, nikelPhone, workspace } from './flash-helpers.js';

const ws = workspace('flash-resume');
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const KEEP = new Set(['preloader', 'boot', 'system']);
let pkg = '';

/** IMEI-like bytes at the start of three protected partitions (nikel's layout) */
const SEEDS: Array<[string, number]> = [
  ['nvdata', 0x2288000],
  ['proinfo', 0x8200000],
  ['nvram', 0xab00000],
];
const seed = (name: string) => Buffer.from(`${name}: IMEI 861234567890123, calibration table `.repeat(100));

beforeAll(async () => {
  // a slim nikel package: preloader, one raw and one sparse image, so every kind of step occurs once
  pkg = await nikelPackage(ws.path('slim'), (spec) => {
    for (const p of spec.partitions) if (!KEEP.has(p.name)) delete p.image;
  });
});

const phones: SimPhone[] = [];
afterAll(async () => Promise.all(phones.map((p) => p.close())));

/** a nikel with a blank boot1 (BROM mode, so the preloader is needed) and its own IMEI data */
async function freshPhone(): Promise<SimPhone> {
  const phone = await nikelPhone();
  phones.push(phone);
  for (const [name, at] of SEEDS) await phone.storage.write('user', at, seed(name));
  return phone;
}

const STEPS = [
  'backup',
  'format:user',
  'partition-table',
  'write:boot',
  'write:system',
  'restore',
  'preloader',
  'reboot',
];

describe('a cable pulled during any step of a firmware upgrade, then --resume', () => {
  it('the slim plan has exactly these steps', async () => {
    const prepared = await checked(pkg, 'upgrade');
    await prepared.pkg.close();
    expect(prepared.plan.steps.map((s) => s.id)).toEqual(STEPS);
  });

  it.each(STEPS)('pulled during %s: resume finishes, IMEI data intact, the phone boots', async (stepId) => {
    const phone = await freshPhone();
    const backupDir = ws.path(`run-${stepId.replace(':', '-')}`);
    const prepared = await checked(pkg, 'upgrade');
    let armed = false;
    const error = await flashOnce(phone, prepared, {
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
    expect(error).toBeInstanceOf(TransportError);
    const cut = await FlashJournal.read(backupDir);
    expect(cut?.finished).toBe(false);
    expect(cut?.steps[stepId]).toBeUndefined();
    await phone.reboot();

    const again = await checked(pkg, 'upgrade');
    const result = await flashOnce(phone, again, { backupDir, resume: true });
    await Promise.all([prepared.pkg.close(), again.pkg.close()]);
    const before = STEPS.indexOf(stepId);
    for (const done of STEPS.slice(0, before)) {
      if (done !== 'format:user') expect(result.steps.find((s) => s.id === done)?.state).toBe('skipped');
    }
    expect(phone.lastBoot.mode).toBe('preloader');
    for (const [name, at] of SEEDS)
      expect(sha(await phone.storage.read('user', at, seed(name).length))).toBe(sha(seed(name)));
    const boot = await readFile(join(pkg, 'boot.img'));
    expect(await phone.storage.sha256('user', 0xb800000, boot.length)).toBe(sha(boot));
    const journal = await FlashJournal.read(backupDir);
    expect(journal?.finished).toBe(true);
    expect(journal?.log.some((line) => line.startsWith('resumed at'))).toBe(true);
  });
});
