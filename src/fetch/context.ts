import type { Dispatcher } from 'undici';
import { backoffDelay, sleep } from './backoff.js';
import type { OpenOptions } from './http.js';
import type { PartialFile } from './partial.js';
import { SourceError } from './source-error.js';
import type { FetchEvent, MinSpeed, RetryPolicy } from './types.js';

/** Everything one download of one blob shares across sources, attempts and chunks. */
export interface DownloadContext {
  name: string;
  size: number | undefined;
  /** the most bytes the file may have */
  limit: number;
  partial: PartialFile;
  dispatcher: Dispatcher;
  policy: RetryPolicy;
  minSpeed: MinSpeed;
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

export const defaultMinSpeed: MinSpeed = { bytesPerSecond: 1024, windowMs: 60_000 };

/**
 * Runs `attempt` until it succeeds, retrying 'retry' failures with backoff (or the server's Retry-After,
 * capped). An attempt that moved `progress` forward by at least one minimum-speed window's worth of bytes
 * resets the budget, so a flaky link that keeps delivering still finishes, while a server that sends a few
 * bytes per connection runs out of retries. 'give-up' and 'restart' failures and anything else pass through.
 */
export async function withRetries<T>(
  context: DownloadContext,
  source: string,
  progress: () => number,
  attempt: () => Promise<T>,
): Promise<T> {
  const minProgress = (context.minSpeed.bytesPerSecond * context.minSpeed.windowMs) / 1000;
  let failures = 0;
  let retries = 0;
  for (;;) {
    const before = progress();
    try {
      return await attempt();
    } catch (error) {
      if (context.signal?.aborted || !(error instanceof SourceError) || error.failure !== 'retry')
        throw error;
      failures = progress() - before >= minProgress ? 1 : failures + 1;
      if (failures > context.policy.retries) {
        throw new SourceError(
          `${error.message} (${retries + 1} attempts, the last ${failures} without progress)`,
          'retry',
        );
      }
      retries++;
      const delayMs =
        error.retryAfterMs === undefined
          ? backoffDelay(failures, context.policy)
          : Math.min(error.retryAfterMs, context.policy.retryAfterCapMs);
      context.emit({
        type: 'retry',
        name: context.name,
        source,
        attempt: retries,
        withoutProgress: failures,
        allowed: context.policy.retries,
        delayMs,
        reason: error.message,
      });
      await sleep(delayMs, context.signal);
    }
  }
}
