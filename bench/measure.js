// Shared by the benchmarks: run a command, time it, and read a romctl child's peak memory.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const romctlBin = fileURLToPath(new URL('../bin/romctl.js', import.meta.url));
const rssProbe = fileURLToPath(new URL('./rss-probe.js', import.meta.url));

/** Runs `command args…`, resolves with wall seconds and stdout; rejects on a non-zero exit. */
export function timed(command, args, { okCodes = [0], discardOutput = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', discardOutput ? 'ignore' : 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (okCodes.includes(code)) resolve({ seconds, stdout, stderr, code });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 400)}`));
    });
  });
}

/** Runs `romctl args…` in a child that reports its own peak RSS and CPU; resolves with seconds, peak MiB, CPU ms and stdout. */
export async function timedRomctl(args, options) {
  const run = await timed(process.execPath, [rssProbe, romctlBin, ...args], options);
  const rss = /ROMCTL_PEAK_RSS_KB=(\d+)/.exec(run.stderr);
  const cpu = /ROMCTL_CPU_US=(\d+)/.exec(run.stderr);
  return { ...run, peakMiB: rss ? Number(rss[1]) / 1024 : NaN, cpuMs: cpu ? Number(cpu[1]) / 1000 : NaN };
}

export function ratio(a, b) {
  return (a / b).toFixed(2);
}

export function gib(bytes) {
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
