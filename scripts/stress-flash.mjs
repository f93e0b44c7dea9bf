// Whole flashes of a generated nikel package onto the simulated phone over a real pty (socat), one after the
// other, each as its own `romctl flash --sim` process: the check that the pty stall is gone. Not part of
// `npm test` (a flash writes and reads back ~90 MiB). Needs `npm run build` and socat.
//
//   node scripts/stress-flash.mjs [runs=100] [--timeout-s 180] [--keep-going]
//
// Prints one line per run (time, result) and a summary; exit 0 only when every run flashed.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const romctl = fileURLToPath(new URL('../bin/romctl.js', import.meta.url));
const dist = new URL('../dist/', import.meta.url);

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const runs = Number(args.find((arg, i) => /^\d+$/.test(arg) && args[i - 1] !== '--timeout-s') ?? 100);
const timeoutS = option('--timeout-s', 180);
const keepGoing = args.includes('--keep-going');

const { openRegistry } = await import(new URL('registry/registry.js', dist).href);
const { deviceFactsFor } = await import(new URL('registry/resolve-device.js', dist).href);
const { buildRomFolder, romSpecForDevice } = await import(new URL('testkit/rom-builder.js', dist).href);

/** One romctl run; killed (and reported as a stall) when it outlives the timeout. */
function flash(pkg, storage, backup) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      [
        romctl,
        'flash',
        pkg,
        '--device',
        'nikel',
        '--sim',
        'nikel',
        '--sim-storage',
        storage,
        '--backup-dir',
        backup,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, seconds: (Date.now() - started) / 1000, output });
    });
  });
}

const work = await mkdtemp(join(tmpdir(), 'romctl-stress-'));
let failed = 0;
const times = [];
try {
  const { profile } = await deviceFactsFor(await openRegistry({}), 'nikel');
  const pkg = (await buildRomFolder(romSpecForDevice(profile, { da: true }), join(work, 'package'))).dir;
  const storage = join(work, 'phone.img');
  console.log(`${runs} whole flashes of ${pkg} over a pty, ${timeoutS} s allowed each`);
  for (let run = 1; run <= runs; run++) {
    const backup = join(work, `backup-${run}`);
    const result = await flash(pkg, storage, backup);
    await rm(backup, { recursive: true, force: true });
    const ok = result.code === 0 && /FLASHED/.test(result.output);
    times.push(result.seconds);
    const what = ok
      ? 'flashed'
      : result.signal === 'SIGKILL'
        ? `STALLED (killed after ${timeoutS} s)`
        : `FAILED (exit ${result.code})`;
    console.log(`run ${String(run).padStart(3)}: ${result.seconds.toFixed(1).padStart(6)} s  ${what}`);
    if (!ok) {
      failed++;
      console.log(result.output.trim().split('\n').slice(-8).join('\n'));
      if (!keepGoing) break;
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
console.log(
  `${times.length} runs, ${times.length - failed} flashed, ${failed} failed; ` +
    `median ${median.toFixed(1)} s, slowest ${(sorted.at(-1) ?? 0).toFixed(1)} s`,
);
process.exitCode = failed === 0 && times.length === runs ? 0 : 1;
