import type { Command } from 'commander';
import type { Writable } from 'node:stream';
import { createOutput, type GlobalOptions, type Output } from './output.js';

/** The process around a command: streams and environment, replaceable in tests. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export type ActionResult = number | void;

/**
 * Wraps a command's handler: builds its Output from the global flags and records the exit code it returns,
 * so handlers stay plain async functions `(args…, options, output) → exit code`.
 */
export class CommandRunner {
  exitCode = 0;

  constructor(readonly io: CliIo) {}

  output(command: Command): Output {
    const options = command.optsWithGlobals<GlobalOptions>();
    return createOutput(options, this.io.stdout, this.io.stderr, this.io.env);
  }

  action<Args extends unknown[]>(
    handler: (output: Output, ...args: Args) => Promise<ActionResult>,
  ): (...commanderArgs: unknown[]) => Promise<void> {
    return async (...commanderArgs: unknown[]) => {
      const command = commanderArgs[commanderArgs.length - 1] as Command;
      const args = commanderArgs.slice(0, -1) as Args;
      const result = await handler(this.output(command), ...args);
      this.exitCode = result ?? 0;
    };
  }
}
