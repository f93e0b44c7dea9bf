import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { BlobCache } from '../../src/fetch/cache.js';
import type { FetchEvent, FetchOptions } from '../../src/fetch/types.js';
import { FaultServer } from './fault-server.js';

/** Tiny backoff and timeouts, so every fault is met within milliseconds. */
export const quick: Omit<FetchOptions, 'cache'> = {
  retry: { retries: 4, baseDelayMs: 1, maxDelayMs: 5, retryAfterCapMs: 25 },
  timeouts: { connectMs: 2000, headersMs: 2000, idleMs: 300 },
  lockPollMs: 10,
};

export interface FetchFixture {
  server: FaultServer;
  dir: string;
  cache: BlobCache;
  events: FetchEvent[];
  options(extra?: Partial<FetchOptions>): FetchOptions;
  /** files under the cache's `partial/` folder */
  partials(): Promise<string[]>;
}

/** A fresh fault server and cache folder for each test. */
export function useFetchFixture(): FetchFixture {
  const fixture = { events: [] as FetchEvent[] } as FetchFixture;
  beforeEach(async () => {
    fixture.server = await FaultServer.start();
    fixture.dir = await mkdtemp(join(tmpdir(), 'romctl-fetch-'));
    fixture.cache = new BlobCache(join(fixture.dir, 'cache'));
    fixture.events.length = 0;
    fixture.options = (extra = {}) => ({
      ...quick,
      cache: fixture.cache,
      progress: (event) => fixture.events.push(event),
      ...extra,
    });
    fixture.partials = async () => readdir(join(fixture.cache.root, 'partial')).catch(() => []);
  });
  afterEach(async () => {
    await fixture.server.close();
    await rm(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
