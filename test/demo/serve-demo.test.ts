import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobCache } from '../../src/fetch/cache.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';

let dir = '';
let registryUrl = '';
let rootFile = '';
let serving: Promise<CliRun>;

/** `romctl serve-demo` runs in this process until the SIGTERM the last test sends. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-serve-demo-'));
  const readyFile = join(dir, 'ready');
  serving = runCli(['serve-demo', '--dir', join(dir, 'serve'), '--ready-file', readyFile]);
  for (let i = 0; i < 600 && registryUrl === ''; i++) {
    const ready = (await readFile(readyFile, 'utf8').catch(() => '')).trim();
    [registryUrl = '', rootFile = ''] = ready === '' ? [] : ready.split('\n');
    if (registryUrl === '') await sleep(50);
  }
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('romctl serve-demo', () => {
  it('serves a signed registry naming the demo bundle, and not its keys', async () => {
    expect(registryUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/registry\/$/);
    const timestamp = (await (await fetch(new URL('metadata/timestamp.json', registryUrl))).json()) as {
      signed: { _type: string; version: number };
      signatures: unknown[];
    };
    expect(timestamp.signed).toMatchObject({ _type: 'timestamp', version: 1 });
    expect(timestamp.signatures).toHaveLength(1);
    expect(JSON.parse(await readFile(rootFile, 'utf8'))).toMatchObject({
      signed: { _type: 'root', version: 1 },
    });
    const origin = new URL(registryUrl).origin;
    expect((await fetch(`${origin}/keys/`)).status).toBe(404);
    expect((await fetch(`${origin}/%2e%2e/keys/timestamp`)).status).toBe(404);
  });

  it('serves the package with byte ranges, and nothing outside its folder', async () => {
    const origin = new URL(registryUrl).origin;
    const url = `${origin}/files/nikel_demo-1.0_sp-flash-tool.zip`;
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(whole.subarray(0, 2).toString('latin1')).toBe('PK');
    const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 200))).toBe(true);
    const tail = await fetch(url, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(whole.subarray(-10))).toBe(true);
    const beyond = await fetch(url, { headers: { range: `bytes=${whole.length}-` } });
    expect(beyond.status).toBe(416);
    expect((await fetch(`${origin}/files/%2e%2e/%2e%2e/ready`)).status).toBe(404);
    expect((await fetch(`${origin}/files/missing.zip`)).status).toBe(404);
  });

  it('is what romctl fetch nikel --registry <url> fetches, verifies and passes for nikel', async () => {
    const cache = join(dir, 'cache');
    const run = await runCli([
      'fetch',
      'nikel',
      '--registry',
      registryUrl,
      '--registry-root',
      rootFile,
      '--cache',
      cache,
    ]);
    expect(run.stderr).toContain('registry signed, verified');
    expect(run.stderr).toContain('check --device nikel: PASS');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(join(cache, 'bundles', 'nikel', 'demo-1.0'));
    expect(await new BlobCache(cache).list()).toHaveLength(1);
  });

  it('prints the registry URL and the command to run, and stops on SIGTERM', async () => {
    process.emit('SIGTERM');
    const run = await serving;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`registry  ${registryUrl} (signed; root ${rootFile})`);
    expect(run.stdout).toContain(
      `try:      npx romctl fetch nikel --registry ${registryUrl} --registry-root ${rootFile}\n`,
    );
    await expect(fetch(registryUrl)).rejects.toThrow();
  });
});

describe('romctl serve-demo input', () => {
  it('refuses a port that is not one', async () => {
    const run = await runCli(['serve-demo', '--port', '70000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port 70000: not a port number');
  });
});
