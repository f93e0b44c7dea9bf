import type { Writable } from 'node:stream';

/** The global flags every command honours. */
export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** Where a command writes: results to stdout, progress and notes to stderr. */
export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly color: boolean;
  /** a line of the command's result */
  line(text?: string): void;
  /** the command's result as JSON (bigints become `0x` hex strings) */
  printJson(value: unknown): void;
  /** a note for the user on stderr, silenced by --quiet */
  note(text: string): void;
  style: Style;
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
}

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

export function makeStyle(enabled: boolean): Style {
  return enabled
    ? { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), yellow: ansi(33, 39), green: ansi(32, 39) }
    : { bold: plain, dim: plain, red: plain, yellow: plain, green: plain };
}

/** Colour only on a TTY, never with NO_COLOR (any value, per no-color.org) or --no-color. */
export function colorWanted(options: GlobalOptions, stream: { isTTY?: boolean }, env = process.env): boolean {
  if (options.color === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : value;
}

export function createOutput(
  options: GlobalOptions,
  stdout: Writable & { isTTY?: boolean } = process.stdout,
  stderr: Writable = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): Output {
  const color = colorWanted(options, stdout, env);
  return {
    json: options.json === true,
    quiet: options.quiet === true,
    color,
    line: (text = '') => void stdout.write(`${text}\n`),
    printJson: (value) => void stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`),
    note: (text) => {
      if (options.quiet !== true) stderr.write(`${text}\n`);
    },
    style: makeStyle(color),
  };
}
