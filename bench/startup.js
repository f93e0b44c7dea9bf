// Start-up: `romctl --help`, `info` and `scatter` against bare `node -e 0` (budget: under 2×).
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeScatterYaml } from '../dist/formats/scatter/index.js';
import { defaultRomSpec, scatterFor } from '../dist/testkit/rom-builder.js';
import { romctlBin } from './measure.js';
import { report } from './verdict.js';

const RUNS = 21;

function median(command, args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(command, args, { stdio: 'ignore' });
    if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return times.sort((a, b) => a - b)[RUNS >> 1];
}

export async function benchStartup() {
  const dir = await mkdtemp(join(tmpdir(), 'romctl-bench-startup-'));
  try {
    const scatter = join(dir, 'MT6797_Android_scatter.txt');
    await writeFile(scatter, writeScatterYaml(scatterFor(defaultRomSpec())));
    const node = median(process.execPath, ['-e', '0']);
    const cases = [
      ['--help', ['--help']],
      ['info nikel', ['info', 'nikel']],
      ['scatter', ['scatter', scatter]],
    ];
    for (const [label, args] of cases) {
      const ms = median(process.execPath, [romctlBin, ...args]);
      report({
        name: `start-up: \`romctl ${label}\``,
        peer: '`node -e 0`',
        ratio: ms / node,
        limit: 2,
        sense: 'at-most',
        measured: `median of ${RUNS}: ${ms.toFixed(0)} ms vs ${node.toFixed(0)} ms`,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
