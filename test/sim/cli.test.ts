import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSim } from '../../src/cli/commands/sim-run.js';
import { createOutput } from '../../src/cli/output.js';
import { socatAvailable } from '../../src/engine/transport/pty.js';
import { readGptWith } from '../../src/engine/da/client.js';
import { openRegistry } from '../../src/registry/registry.js';
import { deviceFactsFor } from '../../src/registry/resolve-device.js';
import { resolveSimProfile, SimStorage } from '../../src/sim/index.js';
import { buildRomFolder, romSpecForDevice } from '../../src/testkit/rom-builder.js';
import { runCli } from '../helpers/run-cli.js';
import { nikelPreloader } from './fixtures.js';

if (!socatAvailable()) console.warn('pty tests skipped: socat is not installed (apt-get install socat)');

describe('romctl sim and romctl detect', () => {
  it('refuses an unknown profile with a usage error', async () => {
    const run = await runCli(['sim', '--profile', 'nokia3310']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /no simulated phone profile 'nokia3310' — use one of nikel, P780, oppo6833, tulip, oppo6833-ufs, oppo6833-emmc, generic/,
    );
  });

  it('lists ports as JSON (whatever this machine has)', async () => {
    const run = await runCli(['--json', 'detect', '--timeout', '0s']);
    expect(run.code).toBe(0);
    expect(Array.isArray((JSON.parse(run.stdout) as { ports: unknown[] }).ports)).toBe(true);
  });

  it.skipIf(!socatAvailable())(
    'runs a phone on a pty that romctl detect --port identifies, and cleans up',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'romctl-sim-cli-'));
      const preloader = join(dir, 'preloader_nikel.bin');
      await writeFile(preloader, nikelPreloader());
      const port = join(dir, 'phone-port');
      const stdout = Object.assign(new PassThrough(), { isTTY: false });
      let printed = '';
      stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      let stop = () => {};
      const until = new Promise<void>((resolve) => (stop = resolve));
      const sim = runSim(
        createOutput({ quiet: true }, stdout, new PassThrough(), {}),
        { profile: 'nikel', pty: port, preloader },
        until,
      );
      while (!printed.includes('\n')) await new Promise((r) => setTimeout(r, 20));
      expect(printed.trim()).toBe(port);

      const probe = await runCli(['--json', 'detect', '--port', port]);
      expect(probe.stderr).toBe('');
      expect(JSON.parse(probe.stdout)).toMatchObject({
        port,
        mode: 'preloader',
        hwCode: '0x0279',
        chip: 'MT6797',
        socId: null,
      });
      const human = await runCli(['detect', '--port', port]);
      expect(human.stdout).toMatch(/preloader mode\n {2}chip {10}MT6797 \(hw code 0x0279, xflash DA\)/);

      stop();
      expect(await sim).toBe(0);
      expect(existsSync(port)).toBe(false);
      await rm(dir, { recursive: true, force: true });
    },
  );

  it('reports a missing port as a device error', async () => {
    const run = await runCli(['detect', '--port', '/nonexistent/ttyACM9']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^romctl: \/nonexistent\/ttyACM9: cannot open the port/);
  });
});

describe('romctl sim --layout', () => {
  it.skipIf(!socatAvailable())(
    'gives the phone a GPT of a scatter’s partitions, shifted by whole MiB',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'romctl-sim-layout-'));
      const { profile } = await deviceFactsFor(await openRegistry({}), 'nikel');
      const pkg = (await buildRomFolder(romSpecForDevice(profile), join(dir, 'pkg'))).dir;
      const storage = join(dir, 'phone.img');
      const sim = await runSim(
        createOutput({ quiet: true }, new PassThrough(), new PassThrough(), {}),
        { profile: 'nikel', storage, layout: join(pkg, 'MT6797_Android_scatter.txt'), layoutShift: '4' },
        Promise.resolve(),
      );
      expect(sim).toBe(0);
      const opened = await SimStorage.open(storage, resolveSimProfile('nikel').storage.layout);
      try {
        const gpt = await readGptWith(
          { where: 'sim', readAll: (_s, address, length) => opened.read('user', address, length) },
          512,
        );
        expect(gpt?.partitions.find((p) => p.name === 'nvram')).toMatchObject({
          start: 0xab00000n + (4n << 20n),
          size: 0x500000n,
        });
      } finally {
        await opened.close();
      }
      const tooFar = await runCli([
        'sim',
        '--profile',
        'P780',
        '--layout',
        join(pkg, 'MT6797_Android_scatter.txt'),
      ]);
      expect(tooFar.code).toBe(2);
      expect(tooFar.stderr).toMatch(/would end past the simulated phone's user area/);
      await rm(dir, { recursive: true, force: true });
    },
  );
});
