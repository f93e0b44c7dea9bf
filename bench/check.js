// `romctl check` of a generated ≥ 2 GiB package (folder and zip) against sha256sum of the same bytes.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRomFolder, defaultRomSpec } from '../dist/testkit/rom-builder.js';
import { packFolder } from '../dist/testkit/pack.js';
import { gib, ratio, timed, timedRomctl } from './measure.js';

const SYSTEM_DATA = 2 * 1024 ** 3 + 64 * 1024 ** 2;

async function folderBytes(dir) {
  const names = await readdir(dir);
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(dir, name))).size));
  return { files: names.map((name) => join(dir, name)), bytes: sizes.reduce((a, b) => a + b, 0) };
}

async function compare(label, packagePath, files, bytes) {
  // warm the page cache so both tools read the same cached bytes
  await timed('cat', files, { discardOutput: true });
  const sha = await timed('sha256sum', files);
  const check = await timedRomctl(['check', packagePath, '--json', '--quiet']);
  const verdict = JSON.parse(check.stdout).verdict;
  console.log(
    `check ${label} (${gib(bytes)}): romctl ${check.seconds.toFixed(2)} s (verdict ${verdict}, peak RSS ` +
      `${check.peakMiB.toFixed(0)} MiB), sha256sum ${sha.seconds.toFixed(2)} s, ratio ${ratio(check.seconds, sha.seconds)}`,
  );
}

export async function benchCheck() {
  const work = await mkdtemp(join(tmpdir(), 'romctl-bench-check-'));
  try {
    const spec = defaultRomSpec({ systemData: SYSTEM_DATA, systemSize: SYSTEM_DATA + 512 * 1024 ** 2 });
    const rom = await buildRomFolder(spec, join(work, 'rom'));
    const folder = await folderBytes(rom.dir);
    await compare('folder', rom.dir, folder.files, folder.bytes);
    const zip = await packFolder(rom.dir, join(work, 'rom.zip'), 'zip');
    await compare('zip', zip, [zip], (await stat(zip)).size);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
