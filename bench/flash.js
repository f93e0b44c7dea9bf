// Flash of a ≥ 512 MiB package to the simulated phone over a pty, against raw pty throughput (the same bytes
// through the same kind of pty pair and serial transport, with a reader that only counts, and with `head -c`);
// the whole plan against the write time of its images; then 1, 2 and 4 phones at once, with the CPU the host, the
// simulated phones and their socat links spend. Each phone runs in its own process (`romctl sim`), as a real phone
// is its own device; so does the raw reader. ROMCTL_BENCH_FLASH_MIB shortens the run while developing.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
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
import { report } from './verdict.js';

const ptySink = fileURLToPath(new URL('./pty-sink.js', import.meta.url));

const MiB = 1024 ** 2;
const SYSTEM_DATA = Number(process.env.ROMCTL_BENCH_FLASH_MIB ?? 576) * MiB;
/** what the raw pty comparisons push, best of RAW_TRIES alternated */
const RAW_DATA = Math.min(SYSTEM_DATA, 256 * MiB);
const RAW_TRIES = 3;
const PHONES = [1, 2, 4];
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in these

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

/** CPU seconds spent so far by a process and every process below it (the simulated phone's socat and watchdog) */
function treeCpuSeconds(pid) {
  let ticks = 0;
  const visit = (id) => {
    try {
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      const children = readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) visit(child);
    } catch {
      // the process ended meanwhile: its time is gone with it
    }
  };
  visit(pid);
  return ticks / TICKS;
}

/** `romctl sim --profile nikel` in a child process; resolves with its host-side port, its CPU so far and a stop */
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
    cpuSeconds: () => treeCpuSeconds(child.pid),
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'close');
    },
  };
}

/**
 * One simulated nikel (its own process and pty), flashed with the plan: the whole plan's time, the time its
 * images took to write (each write step from its start to its read-back, if any), the system image's write time,
 * and the CPU seconds the phone's processes spent.
 */
async function flashOne(work, name, pkg, plan, device, verify = 'da') {
  const sim = await simProcess(work, name);
  const transport = await openSerialTransport(sim.hostPath);
  const writes = new Map();
  const started = now();
  try {
    await executePlan({
      plan,
      transport,
      daFile: pkg.da.bytes,
      device: expectationsOf(device),
      openImage: pkg.openImage,
      backupDir: join(work, `${name}-backup`),
      verify,
      onEvent: (event) => {
        const at = now();
        if (event.type === 'step' && event.id.startsWith('write:')) {
          const mark = writes.get(event.id) ?? {};
          if (event.state === 'start') mark.start = at;
          else mark.end ??= at;
          writes.set(event.id, mark);
        }
        if (event.type === 'progress' && event.label.startsWith('verify ')) {
          const mark = writes.get(`write:${event.label.slice('verify '.length)}`);
          if (mark) mark.end ??= at;
        }
      },
    });
    const total = now() - started;
    const spans = [...writes.values()].map((mark) => mark.end - mark.start);
    const system = writes.get('write:system');
    return {
      total,
      writes: spans.reduce((sum, span) => sum + span, 0),
      system: system.end - system.start,
      simCpu: sim.cpuSeconds(),
    };
  } finally {
    await transport.close();
    await sim.stop();
  }
}

/** `count` phones flashed at once from this process: wall time, aggregate MiB/s, host and phone CPU seconds */
async function flashMany(work, count, pkg, plan, device, written) {
  const host = process.cpuUsage();
  const started = now();
  const runs = await Promise.all(
    Array.from({ length: count }, (_, i) => flashOne(work, `n${count}-${i}`, pkg, plan, device)),
  );
  const wall = now() - started;
  const used = process.cpuUsage(host);
  return {
    count,
    wall,
    aggregate: (count * written) / MiB / wall,
    hostCpu: (used.user + used.system) / 1e6,
    simCpu: runs.reduce((sum, run) => sum + run.simCpu, 0),
  };
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
      let raw = Infinity;
      let kernel = Infinity;
      for (let i = 0; i < RAW_TRIES; i++) {
        kernel = Math.min(kernel, await rawPty(work, RAW_DATA, 'head'));
        raw = Math.min(raw, await rawPty(work, RAW_DATA, 'romctl'));
      }
      report({
        name: `flash transport: ${RAW_DATA / MiB} MiB through a pty into romctl's serial transport`,
        peer: 'head -c on the same kind of pty',
        ratio: kernel / raw,
        limit: 0.9,
        sense: 'at-least',
        measured: `${mibps(RAW_DATA, raw)} vs ${mibps(RAW_DATA, kernel)} (best of ${RAW_TRIES}, alternated)`,
      });
      const one = await flashOne(work, 'one', pkg, plan, device);
      const rawSystem = (raw * SYSTEM_DATA) / RAW_DATA;
      report({
        name: `flash protocol: system ${SYSTEM_DATA / MiB} MiB written over XFlash`,
        peer: 'the same bytes through the raw transport',
        ratio: one.system / rawSystem,
        limit: 1.1,
        sense: 'at-most',
        measured:
          `${one.system.toFixed(2)} s (${mibps(SYSTEM_DATA, one.system)}) vs ${rawSystem.toFixed(2)} s ` +
          `(${mibps(SYSTEM_DATA, rawSystem)}); the pty itself into head -c: ${mibps(RAW_DATA, kernel)}`,
      });
      report({
        name: `flash whole plan (backup 70 MiB, ${(written / MiB).toFixed(0)} MiB of images, DA-side verify)`,
        peer: 'the write time of its images',
        ratio: one.total / one.writes,
        limit: 1.3,
        sense: 'at-most',
        measured: `${one.total.toFixed(2)} s vs ${one.writes.toFixed(2)} s of writes`,
      });
      const full = await flashOne(work, 'full', pkg, plan, device, 'full');
      console.log(
        `flash whole plan with --verify full (every byte read back): ${full.total.toFixed(2)} s, ` +
          `${(full.total / one.writes).toFixed(2)}× the write time of its images`,
      );
      const many = [];
      for (const count of PHONES) many.push(await flashMany(work, count, pkg, plan, device, written));
      for (const run of many) {
        const cpu = run.hostCpu + run.simCpu;
        console.log(
          `flash ${run.count} phone(s) at once: ${run.wall.toFixed(2)} s, ${run.aggregate.toFixed(1)} MiB/s in ` +
            `aggregate; CPU host ${run.hostCpu.toFixed(1)} s, simulated phones and their socat ` +
            `${run.simCpu.toFixed(1)} s (${((100 * run.simCpu) / cpu).toFixed(0)}% of the CPU spent; ` +
            `${((100 * cpu) / run.wall / cpus().length).toFixed(0)}% of ${cpus().length} cores)`,
        );
      }
      const steps = many.slice(1).map((run, i) => run.aggregate / many[i].aggregate);
      report({
        name: `flash ${PHONES.join(', ')} phones at once: aggregate throughput as phones are added`,
        peer: 'the aggregate with fewer phones',
        ratio: Math.min(...steps),
        limit: 1.0,
        sense: 'at-least',
        measured: many.map((run) => `${run.count}: ${run.aggregate.toFixed(1)} MiB/s`).join(', '),
      });
    } finally {
      await pkg.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
