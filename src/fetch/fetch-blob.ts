import { rm, stat } from 'node:fs/promises';
import { RomctlError } from '../errors.js';
import type { BlobCache } from './cache.js';
import { checkedMd5, checkedSha256 } from './cache.js';
import { defaultRetryPolicy } from './backoff.js';
import { defaultMinSpeed, type DownloadContext } from './context.js';
import { createAgent, defaultTimeouts } from './http.js';
import { withLock } from './lock.js';
import { PartialFile } from './partial.js';
import { probeRanges, rangesFrom } from './ranges.js';
import { downloadError, SourceError } from './source-error.js';
import { sourcesFor } from './sources.js';
import { streamFrom } from './stream.js';
import type { BlobSpec, FetchOptions, FetchResult } from './types.js';

const defaultChunkSize = 32 << 20;
const defaultMaxUnknownSize = 64 * 2 ** 30;

/**
 * Returns the blob from the cache, verified, downloading it first if needed: sources in order, each retried
 * with backoff, resumed from the kept partial, its hash computed while the bytes stream. Only a blob whose
 * sha256 (and md5, when given) match is placed in the cache. One process downloads a blob at a time; the
 * others wait for the lock and then find it. Failures are RomctlErrors with exit code 3.
 */
export async function fetchBlob(spec: BlobSpec, options: FetchOptions): Promise<FetchResult> {
  if (options.deadlineAt === undefined) return fetchUntilAborted(spec, options);
  const deadline = AbortSignal.timeout(Math.max(0, options.deadlineAt - Date.now()));
  const signal = options.signal === undefined ? deadline : AbortSignal.any([options.signal, deadline]);
  return fetchUntilAborted(spec, { ...options, signal }).catch((error: unknown) => {
    if (!deadline.aborted || options.signal?.aborted) throw error;
    throw downloadError(
      `not downloaded by the deadline (${new Date(options.deadlineAt ?? 0).toISOString()})`,
      {
        where: spec.name,
        hint: 'the part already downloaded is kept: run again to resume, or allow more time with --deadline',
        cause: error,
      },
    );
  });
}

async function fetchUntilAborted(spec: BlobSpec, options: FetchOptions): Promise<FetchResult> {
  const wanted = checkedSpec(spec);
  const { cache } = options;
  const emit = options.progress ?? (() => undefined);
  const cached = await findCached(wanted, cache, options.signal);
  if (cached) {
    emit({ type: 'cache-hit', name: spec.name, size: cached.size });
    return cached;
  }
  const key = wanted.sha256 ?? `md5-${wanted.md5 as string}`;
  const lockOptions = {
    pollMs: options.lockPollMs ?? 250,
    onWait: (holder: string) => emit({ type: 'waiting-for-lock', name: spec.name, holder }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  return withLock(cache.lockPath(key), lockOptions, async () => {
    const found = await findCached(wanted, cache, options.signal);
    if (found) {
      emit({ type: 'cache-hit', name: spec.name, size: found.size });
      return found;
    }
    const dispatcher = options.dispatcher ?? createAgent({ ...defaultTimeouts, ...options.timeouts });
    try {
      return await download(wanted, key, options, dispatcher);
    } finally {
      if (options.dispatcher === undefined) await dispatcher.destroy();
    }
  }).catch((error: unknown) => {
    if (options.signal?.aborted && !(error instanceof RomctlError)) {
      throw downloadError('download interrupted', {
        where: spec.name,
        hint: 'run the command again: it resumes where it stopped',
        cause: error,
      });
    }
    throw error;
  });
}

async function download(
  spec: BlobSpec,
  key: string,
  options: FetchOptions,
  dispatcher: DownloadContext['dispatcher'],
): Promise<FetchResult> {
  const { cache } = options;
  const sources = sourcesFor(spec, options.mirrors);
  if (sources.length === 0) {
    throw downloadError('no address to download from', {
      where: spec.name,
      hint: 'the bundle lists no url: add a mirror with --mirror URL or ROMCTL_MIRRORS',
    });
  }
  const partial = await PartialFile.open(cache.partialStem(key), spec.md5 !== undefined, spec.size);
  const context: DownloadContext = {
    name: spec.name,
    size: spec.size,
    limit: spec.size ?? options.maxUnknownSize ?? defaultMaxUnknownSize,
    partial,
    dispatcher,
    policy: { ...defaultRetryPolicy, ...options.retry },
    minSpeed: { ...defaultMinSpeed, ...options.minSpeed },
    maxRedirects: options.maxRedirects ?? 10,
    parallel: Math.max(1, Math.floor(options.parallel ?? 1)),
    chunkSize: options.chunkSize ?? defaultChunkSize,
    signal: options.signal,
    emit: options.progress ?? (() => undefined),
  };
  const failures: string[] = [];
  try {
    for (const source of sources) {
      try {
        const sha256 = await fetchVerified(context, spec, source);
        await partial.close();
        const path = await cache.place(partial.partPath, sha256, spec.md5);
        await rm(partial.statePath, { force: true });
        const size = partial.received;
        context.emit({ type: 'done', name: spec.name, size, source });
        return { path, sha256, size, source };
      } catch (error) {
        if (!(error instanceof SourceError)) throw error;
        failures.push(`${source}: ${error.message}`);
        context.emit({ type: 'source-failed', name: spec.name, source, reason: error.message });
      }
    }
  } finally {
    await partial.close();
  }
  if (partial.received === 0) await partial.remove();
  const last = failures.at(-1) ?? '';
  throw downloadError(
    failures.length === 1
      ? `could not download it: ${clip(last)}`
      : `could not download it from any of ${failures.length} sources (last: ${clip(last)})`,
    {
      where: spec.name,
      details: failures,
      hint:
        partial.received > 0
          ? 'the part already downloaded is kept; run again to resume, or add a mirror with --mirror URL'
          : 'check the network or add a mirror with --mirror URL',
    },
  );
}

/** a source's failure as part of one line: long URLs and messages cut (--verbose shows them whole) */
function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/**
 * Downloads from one source and checks the digests; a restart (the remote changed) or a mismatch after
 * splicing earlier bytes gets one clean second pass. Bad bytes are never kept. Returns the verified sha256.
 */
async function fetchVerified(context: DownloadContext, spec: BlobSpec, source: string): Promise<string> {
  const { partial } = context;
  for (let pass = 0; ; pass++) {
    let problem: SourceError;
    try {
      const digests = await fetchOnce(context, source);
      const mismatch = digestMismatch(spec, digests, partial.received);
      if (mismatch === undefined) return digests.sha256;
      problem = new SourceError(mismatch, partial.spliced && pass === 0 ? 'restart' : 'bad-bytes');
    } catch (error) {
      if (!(error instanceof SourceError) || (error.failure !== 'restart' && error.failure !== 'bad-bytes')) {
        throw error;
      }
      problem = error;
    }
    await partial.reset();
    if (problem.failure !== 'restart' || pass > 0) throw new SourceError(problem.message, 'give-up');
    context.emit({ type: 'restart', name: spec.name, source, reason: problem.message });
  }
}

async function fetchOnce(
  context: DownloadContext,
  source: string,
): Promise<{ sha256: string; md5?: string }> {
  const { partial, size } = context;
  const etag =
    context.parallel > 1 && size !== undefined && size >= 2 * context.chunkSize
      ? await probeRanges(context, source)
      : false;
  if (etag === false) await streamFrom(context, source);
  else await rangesFrom(context, source, etag);
  context.emit({ type: 'verifying', name: context.name, size: partial.received });
  return partial.digest();
}

function digestMismatch(
  spec: BlobSpec,
  actual: { sha256: string; md5?: string },
  size: number,
): string | undefined {
  if (spec.size !== undefined && size !== spec.size) return `got ${size} bytes, expected ${spec.size}`;
  if (spec.sha256 !== undefined && actual.sha256 !== spec.sha256) {
    return `wrong sha256: got ${actual.sha256}, expected ${spec.sha256}`;
  }
  if (spec.md5 !== undefined && actual.md5 !== spec.md5)
    return `wrong md5: got ${actual.md5}, expected ${spec.md5}`;
  return undefined;
}

async function findCached(
  spec: BlobSpec,
  cache: BlobCache,
  signal?: AbortSignal,
): Promise<FetchResult | undefined> {
  const { md5 } = spec;
  const sha256 = spec.sha256 ?? (md5 === undefined ? undefined : await cache.lookupMd5(md5));
  if (sha256 === undefined) return undefined;
  if ((await cache.get(sha256, spec.size)) === undefined) return undefined;
  const path = await cache.getVerified(sha256, signal);
  if (path === undefined) return undefined;
  const size = spec.size ?? (await stat(path)).size;
  return { path, sha256, size, source: 'cache' };
}

function checkedSpec(spec: BlobSpec): BlobSpec {
  if (spec.sha256 === undefined && spec.md5 === undefined) {
    throw downloadError('no sha256 or md5 to check the download against', {
      where: spec.name,
      hint: 'the bundle must give a sha256 (or at least the vendor md5)',
    });
  }
  if (spec.size !== undefined && (!Number.isSafeInteger(spec.size) || spec.size < 0)) {
    throw downloadError(`invalid size ${spec.size}`, { where: spec.name });
  }
  return {
    ...spec,
    ...(spec.sha256 === undefined ? {} : { sha256: checkedSha256(spec.sha256) }),
    ...(spec.md5 === undefined ? {} : { md5: checkedMd5(spec.md5) }),
  };
}
