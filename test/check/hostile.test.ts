import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTar, buildTgz, buildZip, type TarEntrySpec, type ZipEntrySpec } from '../builders/archives.js';
import { runCli } from '../helpers/run-cli.js';
import { romWorkspace } from './helpers.js';

const work = romWorkspace('hostile');

/** The generated good package's files, as archive entries. */
async function romEntries(): Promise<{ name: string; data: Buffer }[]> {
  const rom = await work.rom(`src-${Math.random().toString(36).slice(2)}`);
  return readdirSync(rom.dir).map((name) => ({ name, data: readFileSync(join(rom.dir, name)) }));
}

async function check(name: string, bytes: Buffer) {
  const path = work.path(name);
  writeFileSync(path, bytes);
  const before = readdirSync(dirname(path)).sort();
  const run = await runCli(['check', path, '--json']);
  expect(readdirSync(dirname(path)).sort(), 'check writes nothing beside the archive').toEqual(before);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return {
    ...run,
    report:
      run.code <= 1 ? (JSON.parse(run.stdout) as { findings: { code: string; message: string }[] }) : null,
  };
}

function errorsOf(report: { findings: { code: string; message: string }[] } | null) {
  return (report?.findings ?? []).map((finding) => `${finding.code}: ${finding.message}`).join('\n');
}

describe('romctl check on hostile or damaged archives', () => {
  it('refuses a zip with ../ and absolute entry names', async () => {
    const entries: ZipEntrySpec[] = [
      ...(await romEntries()),
      { name: '../../evil.sh', data: 'rm -rf /' },
      { name: '/etc/evil.conf', data: 'x' },
    ];
    const run = await check('traversal.zip', buildZip(entries));
    expect(run.code).toBe(1);
    expect(errorsOf(run.report)).toMatch(/package\.unsafe: .*package\.unsafe-path/);
    expect(existsSync(work.path('..', 'evil.sh'))).toBe(false);
  });

  it('refuses a zip with duplicate entries', async () => {
    const entries = await romEntries();
    const boot = entries.find((entry) => entry.name === 'boot.img')!;
    const run = await check(
      'duplicate.zip',
      buildZip([...entries, { name: 'boot.img', data: boot.data.subarray(0, 10) }]),
    );
    expect(run.code).toBe(1);
    expect(errorsOf(run.report)).toMatch(/package\.duplicate-entry/);
  });

  it('refuses a zip bomb whose declared sizes lie', async () => {
    const entries: ZipEntrySpec[] = [
      ...(await romEntries()),
      { name: 'bomb.img', data: Buffer.alloc(1 << 20), declaredSize: 2 ** 31 },
    ];
    const run = await check('bomb.zip', buildZip(entries));
    expect(run.code).toBe(1);
    expect(errorsOf(run.report)).toMatch(/package\.(bomb|corrupt-entry)/);
  });

  it('gives a one-line error for a truncated zip', async () => {
    const whole = buildZip(await romEntries());
    const run = await check('truncated.zip', whole.subarray(0, Math.floor(whole.length / 2)));
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/truncated\.zip/);
  });

  it('refuses a tgz cut mid-stream, naming what could not be read', async () => {
    const entries: TarEntrySpec[] = (await romEntries()).map(({ name, data }) => ({ name, data }));
    const whole = buildTgz(entries);
    const run = await check('cut.tgz', whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect(run.code).toBe(1);
    expect(errorsOf(run.report)).toMatch(/package\.truncated|file\.missing|image\.unreadable/);
  });

  it('refuses a tar whose symlink points out of the tree', async () => {
    const entries: TarEntrySpec[] = [
      ...(await romEntries()).map(({ name, data }) => ({ name, data })),
      { name: 'escape', type: '2', linkName: '../../../../etc/passwd' },
    ];
    const run = await check('link.tar', buildTar(entries));
    expect(run.code).toBe(1);
    expect(errorsOf(run.report)).toMatch(/package\.link-escapes/);
  });

  it('gives a one-line error for a file that is no package at all', async () => {
    const run = await check('photo.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
