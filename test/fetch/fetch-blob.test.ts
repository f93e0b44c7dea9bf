import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ExitCode, RomctlError } from '../../src/errors.js';
import { fetchBlob } from '../../src/fetch/fetch-blob.js';
import { blob, endless, redirect, serve, status } from './fault-server.js';
import { useFetchFixture } from './helpers.js';

const size = 1 << 20;

async function refusedWith(promise: Promise<unknown>): Promise<RomctlError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RomctlError);
  expect((error as RomctlError).exitCode).toBe(ExitCode.download);
  return error as RomctlError;
}

describe('fetchBlob against a faulty server', () => {
  const f = useFetchFixture();

  it('downloads, verifies and places the blob content-addressed; the second call is a cache hit', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(file.data));
    const spec = { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] };
    const result = await fetchBlob(spec, f.options());
    expect(result).toMatchObject({ sha256: file.sha256, size, source: f.server.url('/rom.zip') });
    expect(result.path).toBe(f.cache.blobPath(file.sha256));
    expect(result.path.endsWith(`sha256/${file.sha256.slice(0, 2)}/${file.sha256}`)).toBe(true);
    expect((await readFile(result.path)).equals(file.data)).toBe(true);
    expect(await f.partials()).toEqual([]);

    const again = await fetchBlob(spec, f.options());
    expect(again.source).toBe('cache');
    expect(f.server.requests).toHaveLength(1);
    expect(f.events.some((event) => event.type === 'cache-hit')).toBe(true);
  });

  it('fails in one short line when every source fails; each source is in the details', async () => {
    const file = blob(1024);
    const long = `/${'mirror-path-'.repeat(30)}rom.zip`;
    const urls = [1, 2, 3, 4, 5].map((n) => f.server.url(`${long}?mirror=${n}`));
    for (const n of [1, 2, 3, 4, 5]) f.server.route(`${long}?mirror=${n}`, status(404));
    const error = await refusedWith(
      fetchBlob({ name: 'rom.zip', sha256: file.sha256, size: 1024, urls }, f.options()),
    );
    expect(error.oneLine().length).toBeLessThan(400);
    expect(error.message).toMatch(/^could not download it from any of 5 sources \(last: /);
    expect(error.details).toHaveLength(5);
    expect(error.details[0]).toContain(urls[0]);
  });

  it('resumes with Range after a connection reset mid-body, fetching only the missing bytes', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(file.data, { resetAfter: 300_000 }), serve(file.data));
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] },
      f.options(),
    );
    expect(result.sha256).toBe(file.sha256);
    const [first, second] = f.server.requestsFor('/rom.zip');
    expect(first?.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(second?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(300_000);
    expect(f.server.served('/rom.zip')).toBe(300_000 + size - resumedAt);
    const retries = f.events.filter((event) => event.type === 'retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ reason: expect.not.stringMatching(/timeout/i) });
  });

  it('treats a stalled body as a failure (idle timeout) and resumes', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(file.data, { stallAfter: 500_000 }), serve(file.data));
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] },
      f.options({ timeouts: { idleMs: 150 } }),
    );
    expect(result.sha256).toBe(file.sha256);
    expect(f.server.requestsFor('/rom.zip')[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(f.events.find((event) => event.type === 'retry')).toMatchObject({
      reason: expect.stringMatching(/timeout/i),
    });
  });

  it('retries a 503 and then succeeds', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', status(503), status(503), serve(file.data));
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, urls: [f.server.url('/rom.zip')] },
      f.options(),
    );
    expect(result.size).toBe(size);
    expect(f.events.filter((event) => event.type === 'retry').map((event) => event.type)).toHaveLength(2);
  });

  it('honours Retry-After on a 429, capped', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', status(429, { 'retry-after': '3600' }), serve(file.data));
    await fetchBlob({ name: 'rom.zip', sha256: file.sha256, urls: [f.server.url('/rom.zip')] }, f.options());
    const retry = f.events.find((event) => event.type === 'retry');
    expect(retry).toMatchObject({ reason: 'HTTP 429', delayMs: 25 });
  });

  it('refuses wrong bytes: exit 3, nothing cached, no partial left', async () => {
    const file = blob(size);
    const other = blob(size);
    f.server.route('/rom.zip', serve(other.data));
    const error = await refusedWith(
      fetchBlob(
        { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] },
        f.options(),
      ),
    );
    expect(error.message).toContain('wrong sha256');
    expect(await f.cache.list()).toEqual([]);
    expect(await f.partials()).toEqual([]);
  });

  it('refuses a wrong vendor md5 when that is the only checksum', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(blob(size).data));
    const error = await refusedWith(
      fetchBlob({ name: 'rom.zip', md5: file.md5, urls: [f.server.url('/rom.zip')] }, f.options()),
    );
    expect(error.message).toContain('wrong md5');
    expect(await f.cache.list()).toEqual([]);
  });

  it('downloads a blob known only by md5, stores it by sha256 and finds it again by md5', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(file.data));
    const spec = { name: 'rom.zip', md5: file.md5, urls: [f.server.url('/rom.zip')] };
    const result = await fetchBlob(spec, f.options());
    expect(result.sha256).toBe(file.sha256);
    expect((await fetchBlob(spec, f.options())).source).toBe('cache');
    expect(f.server.requests).toHaveLength(1);
  });

  it('resumes a truncated body (connection closed before Content-Length)', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(file.data, { closeAfter: 700_000 }), serve(file.data));
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] },
      f.options(),
    );
    expect(result.sha256).toBe(file.sha256);
    expect(f.server.requestsFor('/rom.zip')).toHaveLength(2);
    expect(f.server.served('/rom.zip')).toBeLessThanOrEqual(size + 700_000);
  });

  it('cuts off an endless body at the expected size', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', endless());
    const error = await refusedWith(
      fetchBlob(
        { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] },
        f.options(),
      ),
    );
    expect(error.message).toMatch(/more than the expected/);
    expect(f.server.served('/rom.zip')).toBeLessThan(size + (16 << 20));
    expect(await f.cache.list()).toEqual([]);
    expect(await f.partials()).toEqual([]);
  });

  it('follows redirects and names a redirect loop', async () => {
    const file = blob(size);
    f.server
      .route('/a', redirect('/b'))
      .route('/b', redirect('/rom.zip', 301))
      .route('/rom.zip', serve(file.data));
    const ok = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, urls: [f.server.url('/a')] },
      f.options(),
    );
    expect(ok.sha256).toBe(file.sha256);

    const other = blob(1000);
    f.server.route('/x', redirect('/y')).route('/y', redirect(f.server.url('/x')));
    const error = await refusedWith(
      fetchBlob({ name: 'other.zip', sha256: other.sha256, urls: [f.server.url('/x')] }, f.options()),
    );
    expect(error.message).toContain('redirect loop');
  });

  it('starts again when the server ignores Range', async () => {
    const file = blob(size);
    f.server.route(
      '/rom.zip',
      serve(file.data, { ranges: false, resetAfter: 400_000 }),
      serve(file.data, { ranges: false }),
    );
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] },
      f.options(),
    );
    expect(result.sha256).toBe(file.sha256);
    expect(f.server.served('/rom.zip')).toBe(400_000 + size);
    expect(f.events.some((event) => event.type === 'restart')).toBe(true);
  });

  it('moves past a mirror that is down to the next one, by hash and by name', async () => {
    const file = blob(size);
    const dead = await closedPort();
    f.server.route(`/m2/sha256/${file.sha256}`, serve(file.data));
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, size, urls: [`http://127.0.0.1:${dead}/rom.zip`] },
      f.options({ mirrors: [`http://127.0.0.1:${dead}/m1`, f.server.url('/m2')] }),
    );
    expect(result.source).toBe(f.server.url(`/m2/sha256/${file.sha256}`));
    expect(f.events.filter((event) => event.type === 'source-failed')).toHaveLength(3);

    const named = blob(1000);
    f.server.route('/m3/img%201.bin', serve(named.data));
    const byName = await fetchBlob(
      { name: 'img 1.bin', sha256: named.sha256, urls: [] },
      f.options({ mirrors: [f.server.url('/m3/')] }),
    );
    expect(byName.source).toBe(f.server.url('/m3/img%201.bin'));
  });

  it('names every source when all fail, and keeps a useful partial', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(file.data, { resetAfter: 200_000 }), status(404));
    const error = await refusedWith(
      fetchBlob(
        { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] },
        f.options(),
      ),
    );
    expect(error.message).toContain('HTTP 404');
    expect(error.hint).toMatch(/resume/);
    expect((await f.partials()).sort()).toEqual([`${file.sha256}.json`, `${file.sha256}.part`]);
  });

  it('restarts instead of splicing when the remote file changed (If-Range)', async () => {
    const old = blob(size);
    const current = blob(size);
    f.server.route('/rom.zip', serve(old.data, { etag: '"v1"', resetAfter: 300_000 }));
    await refusedWith(
      fetchBlob(
        { name: 'rom.zip', sha256: current.sha256, size, urls: [f.server.url('/rom.zip')] },
        f.options({ retry: { retries: 0 } }),
      ),
    );
    f.server.route('/rom.zip', serve(current.data, { etag: '"v2"' }));
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: current.sha256, size, urls: [f.server.url('/rom.zip')] },
      f.options(),
    );
    expect(result.sha256).toBe(current.sha256);
    const last = f.server.requestsFor('/rom.zip').at(-1);
    expect(last?.ifRange).toBe('"v1"');
    expect(f.events.some((event) => event.type === 'restart')).toBe(true);
  });

  it('an aborted download keeps its partial; the next run fetches only what was missing', async () => {
    const file = blob(4 * size);
    const controller = new AbortController();
    f.server.route('/rom.zip', serve(file.data, { stallAfter: 2 * size }), serve(file.data));
    const spec = { name: 'rom.zip', sha256: file.sha256, size: 4 * size, urls: [f.server.url('/rom.zip')] };
    const first = fetchBlob(spec, {
      ...f.options({ timeouts: { idleMs: 10_000 } }),
      signal: controller.signal,
      progress: (event) => {
        if (event.type === 'progress' && event.bytes >= 2 * size) controller.abort();
      },
    });
    const error = await refusedWith(first);
    expect(error.message).toContain('interrupted');
    const kept = (await stat(f.cache.partialStem(file.sha256) + '.part')).size;
    expect(kept).toBe(2 * size);

    const servedBefore = f.server.served('/rom.zip');
    const result = await fetchBlob(spec, f.options());
    expect(result.sha256).toBe(file.sha256);
    expect(f.server.served('/rom.zip') - servedBefore).toBe(4 * size - kept);
    expect(f.server.requestsFor('/rom.zip').at(-1)?.range).toBe(`bytes=${kept}-`);
  });

  it('two concurrent fetches of one blob download it once; the second waits for the lock', async () => {
    const file = blob(4 * size);
    f.server.route('/rom.zip', serve(file.data));
    const spec = { name: 'rom.zip', sha256: file.sha256, size: 4 * size, urls: [f.server.url('/rom.zip')] };
    const [a, b] = await Promise.all([fetchBlob(spec, f.options()), fetchBlob(spec, f.options())]);
    expect(a.path).toBe(b.path);
    expect([a.source, b.source].filter((source) => source === 'cache')).toHaveLength(1);
    expect(f.server.served('/rom.zip')).toBe(4 * size);
    expect(f.events.some((event) => event.type === 'waiting-for-lock')).toBe(true);
  });

  it('re-downloads a blob that was corrupted in the cache', async () => {
    const file = blob(size);
    f.server.route('/rom.zip', serve(file.data));
    const spec = { name: 'rom.zip', sha256: file.sha256, size, urls: [f.server.url('/rom.zip')] };
    const first = await fetchBlob(spec, f.options());
    const damaged = Buffer.from(file.data);
    damaged[1000] = (damaged[1000] as number) ^ 0xff;
    await writeFile(first.path, damaged);
    const second = await fetchBlob(spec, f.options());
    expect(second.source).toBe(f.server.url('/rom.zip'));
    expect((await readFile(second.path)).equals(file.data)).toBe(true);
  });

  it('refuses a spec without any checksum, and a source list that is empty', async () => {
    await refusedWith(fetchBlob({ name: 'x', urls: [f.server.url('/x')] }, f.options()));
    const error = await refusedWith(fetchBlob({ name: 'x', sha256: 'a'.repeat(64), urls: [] }, f.options()));
    expect(error.message).toContain('no address');
  });
});

describe('fetchBlob with parallel ranges', () => {
  const f = useFetchFixture();
  const chunkSize = 256 * 1024;

  it('fetches chunks in parallel, retrying a chunk that was cut', async () => {
    const file = blob(4 * size);
    f.server.route(
      '/rom.zip',
      serve(file.data),
      serve(file.data),
      serve(file.data, { resetAfter: 100_000 }),
      serve(file.data),
    );
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, size: 4 * size, urls: [f.server.url('/rom.zip')] },
      f.options({ parallel: 4, chunkSize }),
    );
    expect(result.sha256).toBe(file.sha256);
    const ranges = f.server.requestsFor('/rom.zip').map((entry) => entry.range);
    expect(ranges[0]).toBe('bytes=0-0');
    expect(
      ranges.filter((range) => range !== undefined && /^bytes=\d+-\d+$/.test(range)).length,
    ).toBeGreaterThan(16);
    expect(f.server.served('/rom.zip')).toBe(1 + 4 * size + 100_000);
  });

  it('falls back to one stream when the server has no ranges', async () => {
    const file = blob(4 * size);
    f.server.route('/rom.zip', serve(file.data, { ranges: false }));
    const result = await fetchBlob(
      { name: 'rom.zip', sha256: file.sha256, size: 4 * size, urls: [f.server.url('/rom.zip')] },
      f.options({ parallel: 4, chunkSize }),
    );
    expect(result.sha256).toBe(file.sha256);
    expect(f.server.requestsFor('/rom.zip')).toHaveLength(2);
  });

  it('resumes an interrupted download in parallel, fetching only the missing chunks', async () => {
    const file = blob(4 * size);
    const spec = { name: 'rom.zip', sha256: file.sha256, size: 4 * size, urls: [f.server.url('/rom.zip')] };
    // a stream download stopped (deterministically, whatever the machine's load) once 1.5 MB are on disk
    const kept = 1_500_000;
    const controller = new AbortController();
    f.server.route('/rom.zip', serve(file.data, { stallAfter: kept }));
    await refusedWith(
      fetchBlob(spec, {
        ...f.options({ timeouts: { idleMs: 10_000 } }),
        signal: controller.signal,
        progress: (event) => {
          if (event.type === 'progress' && event.bytes >= kept) controller.abort();
        },
      }),
    );
    expect((await stat(f.cache.partialStem(file.sha256) + '.part')).size).toBe(kept);

    f.server.route('/rom.zip', serve(file.data));
    const before = f.server.served('/rom.zip');
    const result = await fetchBlob(spec, f.options({ parallel: 4, chunkSize }));
    expect(result.sha256).toBe(file.sha256);
    const completeChunks = Math.floor(kept / chunkSize);
    expect(f.server.served('/rom.zip') - before).toBe(1 + 4 * size - completeChunks * chunkSize);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
