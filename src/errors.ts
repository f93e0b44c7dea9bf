/**
 * The one error type every layer throws for an expected failure. The CLI turns it into a single line on stderr
 * and the exit code below; anything else is a bug and gets the internal-error path.
 */
export const ExitCode = {
  ok: 0,
  /** a check found an error: the ROM was refused */
  refused: 1,
  /** bad input or usage: unreadable file, wrong format, unknown option */
  badInput: 2,
  /** download or integrity failure */
  download: 3,
  /** device or protocol failure */
  device: 4,
  /** a bug in romctl itself */
  internal: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface RomctlErrorOptions {
  /** the exit code the CLI uses; bad input unless said otherwise */
  exitCode?: ExitCodeValue;
  /** where the problem is: a file, optionally with `:line`, a partition, an offset */
  where?: string;
  /** what the user can do about it */
  hint?: string;
  /** the particulars behind the one line (each source that failed …): shown with --verbose and in --json */
  details?: readonly string[];
  cause?: unknown;
}

export class RomctlError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly where: string | undefined;
  readonly hint: string | undefined;
  readonly details: readonly string[];

  constructor(message: string, options: RomctlErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RomctlError';
    this.exitCode = options.exitCode ?? ExitCode.badInput;
    this.where = options.where;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }

  /** `where: message (hint)` on one line, the form every user-facing error takes. */
  oneLine(): string {
    const text = (this.where ? `${this.where}: ${this.message}` : this.message).replace(/\s*\n\s*/g, ' ');
    return this.hint ? `${text} — ${this.hint.replace(/\s*\n\s*/g, ' ')}` : text;
  }
}
