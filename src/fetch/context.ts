import type { Dispatcher } from 'undici';
import { backoffDelay, sleep } from './backoff.js';
import type { OpenOptions } from './http.js';
import type { PartialFile } from './partial.js';
import { SourceError } from './source-error.js';
import type { FetchEvent, RetryPolicy } from './types.js';

/** Everything one download of one blob shares across sources, attempts and chunks. */
export interface DownloadContext {
  name: string;
  size: number | undefined;
  /** the most bytes the file may have */
  limit: number;
  partial: PartialFile;
  dispatcher: Dispatcher;
  policy: RetryPolicy;
  maxRedirects: number;
  parallel: number;
  chunkSize: number;
  signal: AbortSignal | undefined;
  emit(event: FetchEvent): void;
}

export function openOptions(context: DownloadContext, headers: Record<string, string>): OpenOptions {
  return {
    dispatcher: context.dispatcher,
    headers,
    maxRedirects: context.maxRedirects,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
  };
}

export function reportProgress(context: DownloadContext): void {
  context.emit({ type: 'progress', name: context.name, bytes: context.partial.received, size: context.size });
}

/**
 * Runs `attempt` until it succeeds, retrying 'retry' failures with backoff (or the server's Retry-After,
 * capped); an attempt that moved `progress` forward resets the count, so a flaky link that keeps delivering
 * still finishes. 'give-up' and 'restart' failures and anything else pass through.
 */
export async function withRetries<T>(
  context: DownloadContext,
  source: string,
  progress: () => number,
  attempt: () => Promise<T>,
): Promise<T> {
  let failures = 0;
  for (;;) {
    const before = progress();
    try {
      return await attempt();
    } catch (error) {
      if (context.signal?.aborted || !(error instanceof SourceError) || error.failure !== 'retry')
        throw error;
      failures = progress() > before ? 1 : failures + 1;
      if (failures > context.policy.retries) throw error;
      const delayMs =
        error.retryAfterMs === undefined
          ? backoffDelay(failures, context.policy)
          : Math.min(error.retryAfterMs, context.policy.retryAfterCapMs);
      context.emit({
        type: 'retry',
        name: context.name,
        source,
        attempt: failures,
        delayMs,
        reason: error.message,
      });
      await sleep(delayMs, context.signal);
    }
  }
}
