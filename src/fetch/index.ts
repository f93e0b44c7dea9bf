/** Downloads into the content-addressed cache: mirrors, resume, retries, parallel ranges, locks. */
export { BlobCache, type CachedBlob, type PruneReport, type VerifyReport } from './cache.js';
export { fetchBlob } from './fetch-blob.js';
export { acquireLock, withLock, type HeldLock, type LockOptions } from './lock.js';
export { defaultConfigPath, resolveMirrors, type MirrorSources } from './mirrors.js';
export { sourcesFor } from './sources.js';
export type { BlobSpec, FetchEvent, FetchOptions, FetchResult, RetryPolicy, Timeouts } from './types.js';
