import { RomctlError } from '../errors.js';
import { parsePreloader } from '../formats/preloader/index.js';
import type { PreloaderFacts } from './facts.js';

/** Parses a preloader file's bytes into facts; an unreadable one becomes a fact too, for the rules to judge. */
export function readPreloaderFacts(
  path: string,
  size: bigint,
  bytes: Uint8Array | undefined,
): PreloaderFacts {
  if (!bytes) return { path, size, error: `${size} bytes is far too large for a preloader` };
  try {
    return { path, size, info: parsePreloader(bytes, { fileName: path }) };
  } catch (error) {
    if (!(error instanceof RomctlError)) throw error;
    return { path, size, error: error.message };
  }
}
