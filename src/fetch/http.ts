import { Agent, errors, request, type Dispatcher } from 'undici';
import { parseRetryAfter } from './backoff.js';
import { SourceError, describe } from './source-error.js';
import type { Timeouts } from './types.js';

export const defaultTimeouts: Timeouts = { connectMs: 15_000, headersMs: 30_000, idleMs: 30_000 };

/** A keep-alive agent whose body timeout is the stall detector: no byte for `idleMs` fails the request. */
export function createAgent(timeouts: Timeouts): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.idleMs,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
  });
}

export interface OpenedResponse {
  /** after redirects */
  url: string;
  status: number;
  header(name: string): string | undefined;
  body: Dispatcher.ResponseData['body'];
}

export interface OpenOptions {
  dispatcher: Dispatcher;
  headers: Record<string, string>;
  maxRedirects: number;
  signal?: AbortSignal;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** A GET that follows redirects itself, so a loop is named as one instead of running into the limit. */
export async function openResponse(url: string, options: OpenOptions): Promise<OpenedResponse> {
  const visited = new Set<string>();
  let current = url;
  for (;;) {
    visited.add(current);
    const response = await send(current, options);
    if (!redirectStatuses.has(response.statusCode)) {
      const headers = response.headers;
      return {
        url: current,
        status: response.statusCode,
        header: (name) => firstValue(headers[name.toLowerCase()]),
        body: response.body,
      };
    }
    await response.body.dump();
    const location = firstValue(response.headers.location);
    if (location === undefined)
      throw new SourceError(`redirect (${response.statusCode}) without a Location`, 'give-up');
    const next = resolveLocation(location, current);
    if (visited.has(next)) throw new SourceError(`redirect loop (${next} again)`, 'give-up');
    if (visited.size > options.maxRedirects) {
      throw new SourceError(`more than ${options.maxRedirects} redirects`, 'give-up');
    }
    current = next;
  }
}

async function send(url: string, options: OpenOptions): Promise<Dispatcher.ResponseData> {
  try {
    return await request(url, {
      method: 'GET',
      dispatcher: options.dispatcher,
      headers: options.headers,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    throw asSourceError(error, options.signal);
  }
}

function resolveLocation(location: string, base: string): string {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    throw new SourceError(`redirect to an invalid address: ${location}`, 'give-up');
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new SourceError(`redirect to a ${next.protocol} address`, 'give-up');
  }
  return next.href;
}

/** What a status other than 200/206 means for the download. */
export function statusFailure(response: OpenedResponse): SourceError {
  const { status } = response;
  const text = `HTTP ${status}`;
  if (status === 429 || status === 408 || status >= 500) {
    return new SourceError(text, 'retry', parseRetryAfter(response.header('retry-after')));
  }
  if (status === 416) return new SourceError(`${text}: the kept part is longer than the file`, 'restart');
  return new SourceError(text, 'give-up');
}

const goneForGood = new Set(['ENOTFOUND', 'ECONNREFUSED', 'ERR_INVALID_URL', 'UND_ERR_INVALID_ARG']);

/** Network failures are retried; an abort stays an abort; the host not existing or refusing moves on. */
export function asSourceError(error: unknown, signal?: AbortSignal): unknown {
  if (error instanceof SourceError || signal?.aborted) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && goneForGood.has(code)) return new SourceError(describe(error), 'give-up');
  if (
    error instanceof errors.UndiciError ||
    (typeof code === 'string' && /^E[A-Z]+$/.test(code) && isNetwork(code))
  ) {
    return new SourceError(describe(error), 'retry');
  }
  return error;
}

function isNetwork(code: string): boolean {
  return [
    'ECONNRESET',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EAI_AGAIN',
    'ECONNABORTED',
  ].includes(code);
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Drops a body we will not read (its connection is closed; undici reports that as an error nobody needs). */
export function discard(response: OpenedResponse): void {
  response.body.on('error', () => undefined);
  response.body.destroy();
}
