import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { socatAvailable } from '../../src/engine/transport/pty.js';
import type { Bundle } from '../../src/registry/model.js';
import { buildZip, noisyBytes } from '../builders/archives.js';
import { nikelPackage } from '../engine/flash-helpers.js';
import { fetchNikelArgs, useBundleServer } from '../fetch/bundle-helpers.js';
import { runCli } from '../helpers/run-cli.js';
import { eventually, namesIn, pathsUnder, processesMentioning } from './leftovers.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const launcher = join(repo, 'bin/romctl.js');
const built = existsSync(join(repo, 'dist/cli/main.js'));

const served = useBundleServer();
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-kill-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The built romctl as its own process (so it can be SIGKILLed), its stderr collected. */
function romctl(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [launcher, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, stderr: () => text };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGKILL');
  await exited;
}

describe('romctl killed with SIGKILL leaves nothing running and nothing half-made', () => {
  it('during unpack: the next fetch removes the staging folder and the dead lock', async () => {
    expect(built, 'dist/ is missing: run `npm run build` first (npm test does)').toBe(true);
    // 96 MiB to unpack, long enough to be killed in the middle
    const piece = noisyBytes(1024 * 1024);
    const zip = buildZip(
      Array.from({ length: 96 }, (_, i) => ({
        name: `big/part${i}.bin`,
        data: piece,
        method: 'store' as const,
      })),
    );
    await writeFile(join(served.root, 'files', 'big.zip'), zip);
    const rest: Partial<Bundle> = { ...served.bundle };
    delete rest.content;
    const file = {
      name: 'big.zip',
      size: zip.length,
      sha256: createHash('sha256').update(zip).digest('hex'),
      urls: [`${served.server.origin}/files/big.zip`],
    };
    const registry = await served.registry('big', [{ ...(rest as Bundle), files: [file] }]);
    const cache = join(dir, 'cache');
    const bundles = join(cache, 'bundles', 'nikel');

    const { child } = romctl(fetchNikelArgs(served, registry, cache));
    const staging = async () =>
      (await pathsUnder(bundles)).some((path) => /^\.demo-1\.0\.unpack-.+\/big\//.test(path));
    expect(await eventually(staging, 60_000)).toBe(true);
    await kill(child);
    expect((await namesIn(bundles)).filter((name) => name.includes('.unpack-'))).toHaveLength(1);
    expect(await namesIn(join(cache, 'locks'))).toEqual(['bundle-nikel-demo-1.0.lock']);

    const next = await runCli(fetchNikelArgs(served, registry, cache));
    expect(next.stderr).toMatch(/removed .*\.demo-1\.0\.unpack-\S+, left by an unpack that was interrupted/);
    // the package has no scatter: the check refuses it, so nothing is kept in bundles/ at all
    expect(next.code).toBe(1);
    expect(await namesIn(bundles)).toEqual([]);
    expect(await namesIn(join(cache, 'locks'))).toEqual([]);
    expect(await processesMentioning(cache)).toEqual([]);
  });

  it.skipIf(!socatAvailable())(
    'during flash --sim: socat and the simulated phone’s folder go too',
    async () => {
      expect(built, 'dist/ is missing: run `npm run build` first (npm test does)').toBe(true);
      const pkg = await nikelPackage(join(dir, 'package'));
      // the child's temporary folders (ptys, simulated storage) land here, and nowhere else
      const temp = join(dir, 'tmp');
      await mkdir(temp);
      const { child, stderr } = romctl(
        ['flash', pkg, '--device', 'nikel', '--sim', 'nikel', '--backup-dir', join(dir, 'backup')],
        // Node 22+ keeps its compile cache under TMPDIR unless told otherwise: that is Node's, not a leftover
        { TMPDIR: temp, NODE_COMPILE_CACHE: join(dir, 'node-compile-cache') },
      );
      const socatRunning = async () =>
        (await processesMentioning(temp)).some((found) => found.command.startsWith('socat'));
      const flashing = async () => /back up|write /.test(stderr()) && (await socatRunning());
      expect(await eventually(flashing, 60_000)).toBe(true);
      await kill(child);
      try {
        expect(await eventually(async () => (await processesMentioning(temp)).length === 0, 10_000)).toBe(
          true,
        );
        expect(await eventually(async () => (await namesIn(temp)).length === 0, 5_000)).toBe(true);
      } finally {
        // should the test fail, what the killed romctl left running is stopped here, not left to the machine
        for (const left of await processesMentioning(temp)) process.kill(left.pid, 'SIGTERM');
      }
    },
  );
});
