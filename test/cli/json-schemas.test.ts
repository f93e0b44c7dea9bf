/**
 * Every command's `--json` output, produced for real, validates against its schema in `schemas/`. One row per
 * command (and per shape of its output): a new command adds a row.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../src/demo/index.js';
import { packFolder } from '../../src/testkit/pack.js';
import { nikelPackage, workspace, wrongPreloader } from '../engine/flash-helpers.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { schemaValidator } from '../helpers/schema.js';

const ws = workspace('json-schemas');
let pkg = '';
let demo: RunningDemo;

beforeAll(async () => {
  pkg = await nikelPackage(ws.path('nikel'));
  demo = await startDemo();
  await cp(new URL('../../registry/', import.meta.url), ws.path('registry'), { recursive: true });
}, 120_000);
afterAll(async () => demo?.close());

const file = async (pattern: RegExp) => {
  const name = (await readdir(pkg)).find((entry) => pattern.test(entry));
  if (name === undefined) throw new Error(`no ${pattern} in the package`);
  return join(pkg, name);
};

/** runs a command that serves until SIGTERM: `ready` says when it is up; `meanwhile` runs while it is */
async function serving(
  args: string[],
  ready: string,
  meanwhile: () => Promise<unknown> = async () => {},
): Promise<CliRun> {
  const run = runCli(['--json', ...args]);
  for (let waited = 0; !existsSync(ready); waited += 50) {
    if (waited > 60_000) throw new Error(`${args[0]} did not start`);
    await sleep(50);
  }
  await meanwhile();
  process.emit('SIGTERM');
  return run;
}

const sim = (pty: string, meanwhile?: () => Promise<unknown>) =>
  serving(['sim', '--profile', 'nikel', '--pty', pty], pty, meanwhile);

interface Row {
  /** what is run, as a user types it */
  command: string;
  /** the schema's name in schemas/ */
  against: string;
  run: () => Promise<CliRun>;
  /** the exit code this row expects (0 unless said) */
  code?: number;
}

const json = (...args: string[]) => runCli(['--json', ...args]);
/** `romctl fetch nikel` from the signed demo registry into the shared cache */
const fetchDemo = (...extra: string[]) =>
  json(
    'fetch',
    'nikel',
    '--registry',
    demo.registryUrl,
    '--registry-root',
    demo.rootFile,
    '--cache',
    ws.path('cache'),
    ...extra,
  );

const rows: Row[] = [
  { command: 'scatter', against: 'scatter', run: async () => json('scatter', await file(/_scatter\.txt$/)) },
  {
    command: 'preloader',
    against: 'preloader',
    run: async () => json('preloader', await file(/^preloader_/)),
  },
  { command: 'explain', against: 'explain', run: () => json('explain', '4032') },
  { command: 'check', against: 'report', run: () => json('check', pkg, '--device', 'nikel') },
  { command: 'search', against: 'search', run: () => json('search', 'redmi', 'note', '4') },
  { command: 'info', against: 'info', run: () => json('info', 'nikel') },
  { command: 'registry lint', against: 'registry-lint', run: () => json('registry', 'lint') },
  {
    command: 'registry index',
    against: 'registry-index',
    run: () => json('registry', 'index', ws.path('registry')),
  },
  {
    command: 'registry add',
    against: 'registry-add',
    run: async () => {
      const zip = await packFolder(pkg, ws.path('nikel-added.zip'), 'zip');
      return json('registry', 'add', 'nikel', zip, '--registry', ws.path('registry'), '--id', 'json-test');
    },
  },
  {
    command: 'registry add (refused)',
    against: 'registry-add',
    code: 1,
    run: async () => {
      const bad = await nikelPackage(ws.path('wrong'), wrongPreloader);
      const zip = await packFolder(bad, ws.path('wrong.zip'), 'zip');
      return json('registry', 'add', 'nikel', zip, '--registry', ws.path('registry'));
    },
  },
  { command: 'detect', against: 'detect', run: () => json('detect', '--timeout', '0s') },
  {
    command: 'detect --port',
    against: 'detect',
    run: async () => {
      let probe: CliRun | undefined;
      await sim(
        ws.path('probe-pty'),
        async () => (probe = await json('detect', '--port', ws.path('probe-pty'))),
      );
      return probe as CliRun;
    },
  },
  { command: 'sim', against: 'sim', run: () => sim(ws.path('sim-pty')) },
  {
    command: 'fetch',
    against: 'fetch',
    run: () => fetchDemo(),
  },
  {
    command: 'fetch --no-unpack',
    against: 'fetch',
    run: () => fetchDemo('--no-unpack'),
  },
  { command: 'cache ls', against: 'cache-ls', run: () => json('cache', '--cache', ws.path('cache'), 'ls') },
  {
    command: 'cache verify',
    against: 'cache-verify',
    run: () => json('cache', '--cache', ws.path('cache'), 'verify'),
  },
  {
    command: 'cache prune',
    against: 'cache-prune',
    run: () => json('cache', '--cache', ws.path('cache'), 'prune', '--all'),
  },
  {
    command: 'flash',
    against: 'flash',
    run: () =>
      json('flash', pkg, '--device', 'nikel', '--sim', 'nikel', '--backup-dir', ws.path('flash-backup')),
  },
  {
    command: 'flash (refused)',
    against: 'flash',
    code: 1,
    run: async () =>
      json(
        'flash',
        await nikelPackage(ws.path('refused'), wrongPreloader),
        '--device',
        'nikel',
        '--sim',
        'nikel',
      ),
  },
  {
    command: 'backup',
    against: 'backup',
    run: async () =>
      json(
        'backup',
        '--device',
        'nikel',
        '--sim',
        'nikel',
        '--out',
        ws.path('backup'),
        '--preloader',
        await file(/^preloader_/),
      ),
  },
  {
    command: 'serve-demo',
    against: 'serve-demo',
    run: () => serving(['serve-demo', '--ready-file', ws.path('demo-ready')], ws.path('demo-ready')),
  },
  { command: 'completion', against: 'completion', run: () => json('completion', 'zsh') },
  { command: 'da', against: 'da', run: async () => json('da', await file(/_DA\.bin$/), '--chip', 'MT6797') },
  {
    command: 'doctor',
    against: 'doctor',
    run: async () => {
      const root = ws.path('doctor-root');
      await mkdir(join(root, 'proc'), { recursive: true });
      await writeFile(join(root, 'proc/modules'), 'cdc_acm 1 0 - Live\n');
      return json('doctor', '--root', root, '--fix');
    },
  },
  { command: 'probe', against: 'probe', run: () => json('probe', '--sim', 'nikel', '--redact') },
  {
    command: 'registry keygen',
    against: 'registry-keygen',
    run: () => json('registry', 'keygen', '--keys', ws.path('keys')),
  },
  {
    command: 'registry sign',
    against: 'registry-sign',
    run: () => json('registry', 'sign', '--keys', ws.path('keys'), '--out', ws.path('tree')),
  },
  {
    command: 'registry publish',
    against: 'registry-publish',
    run: () =>
      json('registry', 'publish', ws.path('registry'), '--keys', ws.path('keys'), '--out', ws.path('tree')),
  },
  {
    command: 'any command, failing',
    against: 'error',
    code: 2,
    run: () => json('check', ws.path('nonexistent.zip')),
  },
];

describe('every command’s --json validates against its schema', { timeout: 180_000 }, () => {
  it.each(rows)('$command → $against', async ({ against, run, code }) => {
    const result = await run();
    expect(result.code, result.stderr).toBe(code ?? 0);
    const validate = schemaValidator(against);
    const value: unknown = JSON.parse(result.stdout);
    expect(validate(value), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('has a row for every command romctl has', async () => {
    const help = (await runCli(['--help'])).stdout;
    const commands = [...help.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((match) => match[1] as string);
    // help prints text by design: it has no JSON form
    const covered = new Set(rows.map((row) => row.command.split(' ')[0]));
    expect(commands.filter((name) => name !== 'help' && !covered.has(name))).toEqual([]);
  });
});
