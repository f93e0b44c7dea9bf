// Flash of a ≥ 512 MiB package to the simulated phone over a pty, against raw pty throughput (the same bytes
// through the same kind of pty pair and serial transport, with a reader that only counts); then N phones at once.
// The phone runs in its own process (`romctl sim`), as a real phone is its own device; so does the raw reader.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkForFlash, expectationsOf } from '../dist/cli/commands/flash-prepare.js';
import { executePlan } from '../dist/engine/executor.js';
import { buildFlashPlan } from '../dist/engine/plan.js';
import { createPtyPair, openSerialTransport, socatAvailable } from '../dist/engine/transport/index.js';
import { openRegistry } from '../dist/registry/registry.js';
import { deviceFactsFor } from '../dist/registry/resolve-device.js';
import { buildRomFolder, romSpecForDevice } from '../dist/testkit/rom-builder.js';
import { fileURLToPath } from 'node:url';
import { romctlBin } from './measure.js';

const ptySink = fileURLToPath(new URL('./pty-sink.js', import.meta.url));

const MiB = 1024 ** 2;
const SYSTEM_DATA = 576 * MiB;
const PARALLEL = 4;

const mibps = (bytes, seconds) => `${(bytes / MiB / seconds).toFixed(1)} MiB/s`;
const now = () => Number(process.hrtime.bigint()) / 1e9;

/**
 * Seconds to push `bytes` through a pty pair from romctl's serial transport to a reader on the other end: `head -c`
 * (what the pty itself carries) or romctl's own transport in another process (what a phone process can take in).
 */
async function rawPty(work, bytes, reader) {
  const pair = await createPtyPair(work, {
    phonePath: join(work, `raw-${reader}-phone`),
    hostPath: join(work, `raw-${reader}-host`),
  });
  const writer = await openSerialTransport(pair.hostPath);
  try {
    const child =
      reader === 'head'
        ? spawn('head', ['-c', String(bytes), pair.phonePath], { stdio: ['ignore', 'pipe', 'inherit'] })
        : spawn(process.execPath, [ptySink, pair.phonePath, String(bytes)], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
    if (reader === 'head') await new Promise((resolve) => setTimeout(resolve, 200));
    else await once(child.stdout, 'data');
    child.stdout.resume();
    const chunk = new Uint8Array(MiB).fill(0xa5);
    const started = now();
    for (let sent = 0; sent < bytes; sent += MiB) await writer.write(chunk);
    await once(child, 'close');
    return now() - started;
  } finally {
    await writer.close();
    await pair.close();
  }
}

/** `romctl sim --profile nikel` in a child process; resolves with its host-side port and a stop function */
async function simProcess(work, name) {
  const child = spawn(
    process.execPath,
    [romctlBin, '--quiet', 'sim', '--profile', 'nikel', '--pty', join(work, `${name}-host`)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = await once(child.stdout, 'data');
  return {
    hostPath: String(line).trim(),
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'close');
    },
  };
}

/** one simulated nikel (its own process and pty), flashed with the plan; the system write and total times */
async function flashOne(work, name, pkg, plan, device) {
  const sim = await simProcess(work, name);
  const transport = await openSerialTransport(sim.hostPath);
  const marks = {};
  const started = now();
  try {
    await executePlan({
      plan,
      transport,
      daFile: pkg.da.bytes,
      device: expectationsOf(device),
      openImage: pkg.openImage,
      backupDir: join(work, `${name}-backup`),
      onEvent: (event) => {
        if (event.type === 'step' && event.id === 'write:system' && event.state === 'start')
          marks.writeStart = now();
        if (event.type === 'progress' && event.label === 'verify system' && marks.writeEnd === undefined)
          marks.writeEnd = now();
      },
    });
    return { total: now() - started, write: marks.writeEnd - marks.writeStart };
  } finally {
    await transport.close();
    await sim.stop();
  }
}

export async function benchFlash() {
  if (!socatAvailable()) {
    console.log('flash: skipped (socat is not installed, no pty pair)');
    return;
  }
  const work = await mkdtemp(join(tmpdir(), 'romctl-bench-flash-'));
  try {
    const { profile, facts: device } = await deviceFactsFor(await openRegistry({}), 'nikel');
    const spec = romSpecForDevice(profile, { da: true });
    const system = spec.partitions.find((p) => p.name === 'system');
    system.image = { kind: 'sparse', expandedSize: SYSTEM_DATA + 64 * MiB, dataBytes: SYSTEM_DATA };
    const rom = await buildRomFolder(spec, join(work, 'rom'));
    const pkg = await checkForFlash(rom.dir, device, 'download');
    try {
      const plan = buildFlashPlan(pkg.facts, pkg.report, { mode: 'download' });
      const written = plan.steps.reduce(
        (sum, s) => sum + (s.kind === 'write' ? Number(s.image.writtenSize) : 0),
        0,
      );
      const raw = await rawPty(work, SYSTEM_DATA, 'romctl');
      const kernel = await rawPty(work, SYSTEM_DATA, 'head');
      const one = await flashOne(work, 'one', pkg, plan, device);
      const overhead = (one.write / raw - 1) * 100;
      console.log(
        `flash over pty: system ${SYSTEM_DATA / MiB} MiB written in ${one.write.toFixed(2)} s (${mibps(SYSTEM_DATA, one.write)}); ` +
          `raw transport ${raw.toFixed(2)} s (${mibps(SYSTEM_DATA, raw)}), ratio ${(one.write / raw).toFixed(2)} ` +
          `(protocol overhead ${overhead.toFixed(1)}%, budget 10%); the pty itself into head -c: ${mibps(SYSTEM_DATA, kernel)}`,
      );
      console.log(
        `flash over pty: whole plan (backup 70 MiB, ${(written / MiB).toFixed(0)} MiB written, every byte read back) ` +
          `${one.total.toFixed(2)} s`,
      );
      const started = now();
      const runs = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => flashOne(work, `p${i}`, pkg, plan, device)),
      );
      const wall = now() - started;
      console.log(
        `flash ${PARALLEL} phones in parallel: ${wall.toFixed(2)} s total (slowest ${Math.max(...runs.map((r) => r.total)).toFixed(2)} s), ` +
          `${mibps(PARALLEL * written, wall)} written in aggregate`,
      );
    } finally {
      await pkg.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
