/**
 * The README's tour, line by line in a real bash, as a user pastes it: every line must exit 0. It runs the built
 * CLI (`npm test` builds first) against serve-demo and the simulated phone, in a scratch folder and cache.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));
const scratch = mkdtempSync(join(tmpdir(), 'romctl-tour-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tourLines(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const tour = readme.slice(readme.indexOf('## A short tour'));
  const block = /```sh\n([\s\S]*?)```/.exec(tour)?.[1] ?? '';
  return block.split('\n').filter((line) => line.trim() !== '');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe.skipIf(!built)('the README tour (skipped before npm run build)', { timeout: 240_000 }, () => {
  it('runs as written, line by line, each line exiting 0', async () => {
    const lines = tourLines();
    expect(lines[0]).toMatch(/^romctl\(\) \{ npx romctl "\$@"; \}/);
    // the last line serves a simulated phone until Ctrl-C: it is started and stopped at the end
    const last = lines.at(-1) as string;
    expect(last).toMatch(/^romctl sim --profile nikel /);
    const port = String(await freePort());
    const script = [
      'set -m',
      // each background job is its own process group (set -m), so a kill reaches node behind the function
      // the tour's own function, run through node rather than npx (npx would start npm for every line)
      `romctl() { node '${join(root, 'bin', 'romctl.js')}' "$@"; }`,
      ...lines
        .slice(1, -1)
        .map(
          (line, i) =>
            `${line.replaceAll('8765', port)}\nrc=$?; [ $rc -eq 0 ] || { echo "tour line ${i + 2} exit $rc" >&2; for j in $(jobs -p); do kill -- -$j; done 2>/dev/null; exit 1; }`,
        ),
      `${last.replace(/#.*/, '')} > sim.out & sim=$!`,
      'for i in $(seq 300); do [ -s sim.out ] && break; sleep 0.1; done',
      'kill -INT -- -$sim; wait $sim; echo "sim exit $?"',
    ].join('\n');
    const run = spawnSync('bash', ['-c', script], {
      cwd: scratch,
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: join(scratch, 'cache'), NO_COLOR: '1' },
      timeout: 230_000,
    });
    expect(run.stderr).not.toMatch(/tour line \d+ exit/);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/FLASHED — download/);
    expect(run.stdout).toMatch(/7 partitions copied and verified/);
    expect(run.stdout).toMatch(/sim exit 0/);
    expect(readFileSync(join(scratch, 'sim.out'), 'utf8')).toMatch(/^\/.+/);
  });
});
