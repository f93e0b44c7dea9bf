import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/fetch/lock.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'romctl-lock-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString(),
  );
}

describe('acquireLock', () => {
  it('is exclusive: a second holder waits until the first releases', async () => {
    const path = join(dir, 'x.lock');
    const first = await acquireLock(path);
    const order: string[] = [];
    let waited = '';
    const second = acquireLock(path, { pollMs: 5, onWait: (holder) => (waited = holder) }).then((lock) => {
      order.push('second');
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    order.push('first released');
    await first.release();
    await (await second).release();
    expect(order).toEqual(['first released', 'second']);
    expect(waited).toBe(`pid ${process.pid} on ${hostname()}`);
    await expect(stat(path)).rejects.toThrow();
  });

  it('takes over the lock of a dead process on this host', async () => {
    const path = join(dir, 'x.lock');
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: hostname(), token: 't', since: '' }));
    const lock = await acquireLock(path, { pollMs: 5 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('takes over a lock not refreshed for longer than staleMs (holder elsewhere or hung)', async () => {
    const path = join(dir, 'x.lock');
    await writeFile(path, JSON.stringify({ pid: 1, host: 'another-host', token: 't', since: '' }));
    const old = new Date(Date.now() - 120_000);
    await utimes(path, old, old);
    const lock = await acquireLock(path, { pollMs: 5, staleMs: 60_000 });
    await lock.release();
  });

  it('stops waiting when aborted', async () => {
    const path = join(dir, 'x.lock');
    const held = await acquireLock(path);
    const controller = new AbortController();
    const waiting = acquireLock(path, { pollMs: 5, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await held.release();
  });
});
