// `romctl check` of a generated 2 GiB package (folder and zip) against `openssl dgst -sha256` of the same files
// (CPU: the hash at the CPU's full speed is the floor) and coreutils `sha256sum` (wall), and peak RSS at 8 GiB.
import { execFile } from 'node:child_process';
import { open, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildRomFolder, defaultRomSpec } from '../dist/testkit/rom-builder.js';
import { packFolder } from '../dist/testkit/pack.js';
import { gib, timed, timedRomctl } from './measure.js';
import { report } from './verdict.js';

const GiB = 1024 ** 3;
const SYSTEM_DATA = 2 * GiB + 64 * 1024 ** 2;
const LARGE = 8 * GiB;

async function folderBytes(dir) {
  const names = await readdir(dir);
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size));
  return { files: names.map((name) => join(dir, name)), bytes: sizes.reduce((a, b) => a + b, 0) };
}

/** User + system CPU milliseconds of `command files…`, as the shell's `times` counts its children. */
async function cpuOf(command, args) {
  const script = `"$@" >/dev/null && times`;
  const { stdout } = await promisify(execFile)('bash', ['-c', script, 'bash', command, ...args]);
  const seconds = [
    ...stdout
      .trim()
      .split('\n')[1]
      .matchAll(/(\d+)m([\d.]+)s/g),
  ].map(([, m, s]) => Number(m) * 60 + Number(s));
  return (seconds[0] + seconds[1]) * 1000;
}

async function compare(label, packagePath, files, bytes) {
  // warm the page cache so every tool reads the same cached bytes; the best of three, alternated
  await timed('cat', files, { discardOutput: true });
  let openssl = Infinity;
  let check;
  for (let round = 0; round < 3; round++) {
    openssl = Math.min(openssl, await cpuOf('openssl', ['dgst', '-sha256', ...files]));
    const run = await timedRomctl(['check', packagePath, '--json', '--quiet']);
    if (check === undefined || run.cpuMs < check.cpuMs) check = run;
  }
  // coreutils without the SHA instructions: the older peer, once, for the wall-clock comparison
  const sha = (await timed('sha256sum', files)).seconds;
  const verdict = JSON.parse(check.stdout).verdict;
  report({
    name: `check: CPU, ${label} of ${gib(bytes)}`,
    peer: '`openssl dgst -sha256`',
    ratio: check.cpuMs / openssl,
    limit: 1.5,
    sense: 'at-most',
    measured:
      `CPU (user + sys, best of 3): romctl ${(check.cpuMs / 1000).toFixed(2)} s, openssl ${(openssl / 1000).toFixed(2)} s; ` +
      `wall ${check.seconds.toFixed(2)} s vs sha256sum ${sha.toFixed(2)} s; verdict ${verdict}, peak RSS ${check.peakMiB.toFixed(0)} MiB`,
  });
}

/**
 * A package with an 8 GiB system image that is a sparse file (holes read as zeros, no 8 GiB on disk): check reads
 * and hashes every byte of it, so its peak RSS shows whether memory stays flat with size.
 */
async function largePackage(work) {
  const spec = defaultRomSpec({ systemSize: LARGE + 64 * 1024 ** 2 });
  const rom = await buildRomFolder(spec, join(work, 'large'));
  const system = join(rom.dir, 'system.img');
  const handle = await open(system, 'r+');
  try {
    await handle.truncate(LARGE);
  } finally {
    await handle.close();
  }
  return rom.dir;
}

export async function benchCheck() {
  const work = await mkdtemp(join(tmpdir(), 'romctl-bench-check-'));
  try {
    const spec = defaultRomSpec({ systemData: SYSTEM_DATA, systemSize: SYSTEM_DATA + 512 * 1024 ** 2 });
    const rom = await buildRomFolder(spec, join(work, 'rom'));
    const folder = await folderBytes(rom.dir);
    await compare('folder', rom.dir, folder.files, folder.bytes);
    const zip = await packFolder(rom.dir, join(work, 'rom.zip'), 'zip');
    await rm(rom.dir, { recursive: true, force: true });
    await compare('zip', zip, [zip], (await stat(zip)).size);
    await rm(zip, { force: true });

    const large = await largePackage(work);
    const { bytes } = await folderBytes(large);
    const run = await timedRomctl(['check', large, '--json', '--quiet'], { okCodes: [0, 1] });
    report({
      name: `check: peak RSS, folder of ${gib(bytes)}`,
      peer: '150 MiB',
      ratio: run.peakMiB / 150,
      limit: 1,
      sense: 'at-most',
      measured: `peak RSS ${run.peakMiB.toFixed(0)} MiB, ${run.seconds.toFixed(1)} s (the 8 GiB system image is a sparse file)`,
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCheck();
