import { ExitCode, RomctlError, type RomctlErrorOptions } from '../errors.js';

export type SourceFailure =
  /** worth trying the same source again (reset, stall, 5xx, 429, truncated body) */
  | 'retry'
  /** this source cannot give the file (404, wrong size, redirect loop): next source, keeping the partial */
  | 'give-up'
  /** this source sent bytes that cannot be the file (wrong hash, too many): discard them, next source */
  | 'bad-bytes'
  /** the kept partial does not fit what the server now has: start the file again */
  | 'restart';

/** Why one request to one source failed, and what to do about it; never reaches the user as such. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly failure: SourceFailure,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** A download or integrity failure as the user sees it (exit code 3). */
export function downloadError(message: string, options: Omit<RomctlErrorOptions, 'exitCode'> = {}) {
  return new RomctlError(message, { ...options, exitCode: ExitCode.download });
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}
