import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { colorWanted, createOutput, jsonReplacer } from '../../src/cli/output.js';
import { RomctlError } from '../../src/errors.js';
import { runCli } from '../helpers/run-cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const version = (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version: string }).version;

describe('romctl program', () => {
  it('prints help with the commands and the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: romctl/);
    expect(run.stdout).toMatch(/scatter/);
    expect(run.stdout).toMatch(/1 refused, 2 bad input/);
  });

  it('prints its version', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it('answers an unknown option or command with usage exit 2 and no stack trace', async () => {
    for (const args of [['--frobnicate'], ['frobnicate'], ['scatter']]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(
        /^romctl: (unknown option|unknown command|missing required argument).* — run romctl --help for usage\n$/,
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('judges every flag before any work', async () => {
    const both = await runCli([
      'flash',
      '/nonexistent-package',
      '--device',
      'nikel',
      '--port',
      '/dev/null',
      '--sim',
      'nikel',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^romctl: --port and --sim exclude each other — /);
    expect(both.stderr.trim().split('\n')).toHaveLength(1);
    const profile = await runCli([
      'backup',
      '--device',
      'nikel',
      '--out',
      '/nonexistent/x',
      '--sim',
      'no-such-phone',
    ]);
    expect(profile.code).toBe(2);
    expect(profile.stderr).toMatch(/no-such-phone/);
  });

  it('answers a non-MediaTek phone as such wherever a codename is taken', async () => {
    for (const args of [
      ['fetch', 'S580'],
      ['flash', '/nonexistent-package', '--device', 'S580', '--sim', 'nikel'],
      ['backup', '--device', 'S580', '--out', '/nonexistent/x', '--sim', 'nikel'],
      ['check', '/nonexistent-package', '--device', 'S580'],
      ['fetch', 'mido'],
    ]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/^romctl: \S+ \(.*\) is a Qualcomm phone, not MediaTek/);
    }
    expect((await runCli(['fetch', 'mido'])).stderr).toMatch(
      /it is nikel \(romctl info nikel tells them apart\)/,
    );
  });

  it('names the unknown command in help, and shows a known one', async () => {
    const unknown = await runCli(['help', 'nosuch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^romctl: no command 'nosuch' — the commands are: scatter, .*flash/);
    expect(unknown.stdout).toBe('');
    const known = await runCli(['help', 'cache']);
    expect(known.code).toBe(0);
    expect(known.stdout).toMatch(/^Usage: romctl cache/);
  });

  it('keeps an error to one line; --verbose adds the details and --json prints them as JSON', async () => {
    const args = ['fetch', 'nikel', '--registry', '/nonexistent-registry'];
    const plain = await runCli(args);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    const verbose = await runCli(['--verbose', ...args]);
    expect(verbose.stderr.split('\n')[0]).toBe(plain.stderr.split('\n')[0]);
    const json = await runCli(['--json', ...args]);
    expect(json.code).toBe(plain.code);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { exitCode: plain.code, details: expect.any(Array) },
    });
  });

  it('turns an expected failure into one line naming where and what to do', async () => {
    const run = await runCli(['scatter', '/nonexistent/MT6765_Android_scatter.txt']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^romctl: \/nonexistent\/MT6765_Android_scatter.txt: no such/);
  });

  it('shows the stack trace only with ROMCTL_DEBUG=1', async () => {
    const run = await runCli(['scatter', '/nonexistent/x.txt'], { ROMCTL_DEBUG: '1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\n\s+at /);
  });
});

describe('output', () => {
  it('colours only on a terminal, never with NO_COLOR or --no-color', () => {
    expect(colorWanted({}, { isTTY: true }, {})).toBe(true);
    expect(colorWanted({}, { isTTY: false }, {})).toBe(false);
    expect(colorWanted({}, { isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorWanted({ color: false }, { isTTY: true }, {})).toBe(false);
  });

  it('writes bigints as 0x hex in JSON', () => {
    expect(JSON.stringify({ size: 0x100000000n }, jsonReplacer)).toBe('{"size":"0x100000000"}');
  });

  it('silences notes with --quiet', () => {
    const written: string[] = [];
    const sink = { write: (text: string) => written.push(text) } as unknown as NodeJS.WritableStream;
    createOutput({ quiet: true }, process.stdout, sink as never, {}).note('hidden');
    createOutput({}, process.stdout, sink as never, {}).note('shown');
    expect(written).toEqual(['shown\n']);
  });

  it('formats an error as where: what — hint on one line', () => {
    const error = new RomctlError('bad\nthing', { where: 'a.txt:3', hint: 'fix it' });
    expect(error.oneLine()).toBe('a.txt:3: bad thing — fix it');
  });
});

describe('the installed launcher', () => {
  const launcher = `${root}/bin/romctl.js`;
  const built = existsSync(`${root}/dist/cli/main.js`);

  it('runs the built CLI and exits with the documented code', async () => {
    expect(built, 'dist/ is missing: run `npm run build` first (npm test does)').toBe(true);
    const run = promisify(execFile);
    const ok = await run(process.execPath, [launcher, '--version']);
    expect(ok.stdout.trim()).toBe(version);
    const failed = await run(process.execPath, [launcher, 'scatter', '/nonexistent'], {}).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/^romctl: \/nonexistent: no such/);
  });
});
