import type { Dispatcher } from 'undici';
import type { BlobCache } from './cache.js';

/** One file to download, as a bundle describes it. */
export interface BlobSpec {
  /** the file name, used for `<mirror>/<name>` and in messages */
  name: string;
  /** lowercase hex; the cache key. Without it the vendor md5 is checked and the sha256 is learnt. */
  sha256?: string;
  /** lowercase hex; a second check, or the only one when the registry has nothing better */
  md5?: string;
  /** bytes; a server sending more is cut off, one sending less is resumed */
  size?: number;
  /** where the bundle says the file is, tried first and in order */
  urls: readonly string[];
}

export interface RetryPolicy {
  /** attempts after the first, per source (and per chunk); an attempt that made progress resets the count */
  retries: number;
  /** first backoff step; each retry doubles it, with full jitter */
  baseDelayMs: number;
  maxDelayMs: number;
  /** a server's Retry-After is honoured up to this */
  retryAfterCapMs: number;
}

/** The slowest a body may arrive: fewer than bytesPerSecond × window bytes in any window fail the attempt. */
export interface MinSpeed {
  bytesPerSecond: number;
  windowMs: number;
}

export interface Timeouts {
  connectMs: number;
  /** from request sent to response headers */
  headersMs: number;
  /** the longest pause between two pieces of body: a stall */
  idleMs: number;
}

export interface FetchOptions {
  cache: BlobCache;
  /** user mirrors, tried after the bundle's own urls, each by `sha256/<hash>` and then by name */
  mirrors?: readonly string[];
  progress?: (event: FetchEvent) => void;
  signal?: AbortSignal;
  /** ranges fetched at once for a large file when the server supports ranges; 1 (the default) streams */
  parallel?: number;
  /** the piece size for parallel ranges */
  chunkSize?: number;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<Timeouts>;
  /** a body slower than this fails the attempt; an attempt counts as progress only past one window's worth */
  minSpeed?: Partial<MinSpeed>;
  /**
   * when (epoch ms) the fetch gives up, whatever it is doing (waiting for a lock, any source or retry): exit 3.
   * Absolute, so the files of one bundle share one deadline.
   */
  deadlineAt?: number;
  maxRedirects?: number;
  /** the most bytes accepted when the size is not known */
  maxUnknownSize?: number;
  /** how often a waiting process looks at a held lock */
  lockPollMs?: number;
  /** share one keep-alive agent across several fetches; otherwise one is made and closed per fetch */
  dispatcher?: Dispatcher;
}

export interface FetchResult {
  /** the verified blob in the cache */
  path: string;
  sha256: string;
  size: number;
  /** the url the bytes came from, or `cache` */
  source: string;
}

/** What the library reports while it works; the CLI turns these into a progress line. */
export type FetchEvent =
  | { type: 'cache-hit'; name: string; size: number }
  | { type: 'waiting-for-lock'; name: string; holder: string }
  | { type: 'start'; name: string; source: string; size: number | undefined; resumedFrom: number }
  | { type: 'progress'; name: string; bytes: number; size: number | undefined }
  | {
      type: 'retry';
      name: string;
      source: string;
      /** retries of this source (or chunk) so far, this one included: it only grows */
      attempt: number;
      /** retries in a row that brought less than the minimum progress, and how many are allowed */
      withoutProgress: number;
      allowed: number;
      delayMs: number;
      reason: string;
    }
  | { type: 'restart'; name: string; source: string; reason: string }
  | { type: 'source-failed'; name: string; source: string; reason: string }
  | { type: 'verifying'; name: string; size: number }
  | { type: 'done'; name: string; size: number; source: string };
