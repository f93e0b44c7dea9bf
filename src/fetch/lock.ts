import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { sleep } from './backoff.js';

export interface LockOptions {
  /** a lock whose holder has not refreshed it for this long is taken over (holder on another host or hung) */
  staleMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** called once when the lock is held by someone else and we start waiting */
  onWait?: (holder: string) => void;
}

interface LockContent {
  pid: number;
  host: string;
  token: string;
  since: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * An exclusive lock file (created with O_EXCL) holding the owner's pid, host and a token. A waiter takes it
 * over when the owner is a dead process on this host, or when the owner stopped refreshing its mtime.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const content = await prepare(path);
  let announced = false;
  for (;;) {
    options.signal?.throwIfAborted();
    const holder = await attempt(path, content, options.staleMs ?? defaultStaleMs);
    if (holder === true) return held(path, content, options.staleMs ?? defaultStaleMs);
    if (!announced) {
      announced = true;
      options.onWait?.(holder === undefined ? 'another process' : `pid ${holder.pid} on ${holder.host}`);
    }
    await sleep(options.pollMs ?? 250, options.signal);
  }
}

/** The lock if it is free (or its holder is dead or stale) right now, else undefined: never waits. */
export async function tryAcquireLock(
  path: string,
  options: Pick<LockOptions, 'staleMs'> = {},
): Promise<HeldLock | undefined> {
  const content = await prepare(path);
  const staleMs = options.staleMs ?? defaultStaleMs;
  return (await attempt(path, content, staleMs)) === true ? held(path, content, staleMs) : undefined;
}

const defaultStaleMs = 60_000;

async function prepare(path: string): Promise<LockContent> {
  await mkdir(dirname(path), { recursive: true });
  return { pid: process.pid, host: hostname(), token: randomUUID(), since: new Date().toISOString() };
}

/** true once the lock is ours; otherwise who holds it (undefined: unreadable), after breaking a stale lock. */
async function attempt(
  path: string,
  content: LockContent,
  staleMs: number,
): Promise<true | LockContent | undefined> {
  for (;;) {
    if (await tryCreate(path, content)) return true;
    const holder = await readLock(path);
    if (holder === undefined || !(await isStale(path, holder, staleMs))) return holder;
    await breakLock(path, holder);
  }
}

function held(path: string, content: LockContent, staleMs: number): HeldLock {
  const refresh = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    },
    Math.max(1000, staleMs / 4),
  );
  refresh.unref();
  return {
    async release() {
      clearInterval(refresh);
      const current = await readLock(path);
      if (current?.token === content.token) await unlink(path).catch(() => undefined);
    },
  };
}

export async function withLock<T>(path: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

async function tryCreate(path: string, content: LockContent): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(JSON.stringify(content));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readLock(path: string): Promise<LockContent | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    if (
      typeof parsed.pid === 'number' &&
      typeof parsed.token === 'string' &&
      typeof parsed.host === 'string'
    ) {
      return parsed as LockContent;
    }
  } catch {
    // gone, or being written right now: treated as held until it is old (below)
  }
  return undefined;
}

async function isStale(path: string, holder: LockContent, staleMs: number): Promise<boolean> {
  if (holder.host === hostname() && !processAlive(holder.pid)) return true;
  try {
    return Date.now() - (await stat(path)).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale lock aside and deletes it. If another waiter broke it first and a new owner took the lock in
 * between, what we moved is the new owner's lock: it is linked back (link fails if the name is taken again).
 */
async function breakLock(path: string, stale: LockContent): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch {
    return;
  }
  const moved = await readLock(aside);
  if (moved !== undefined && moved.token !== stale.token) await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}
