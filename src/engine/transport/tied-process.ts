import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * The watchdog between this process and a helper program (socat): a tiny Node process whose stdin is a pipe
 * from us. The kernel closes that pipe however we die, SIGKILL included, so the watchdog hears end-of-file,
 * stops the helper and removes the folder it was given (ours: the ptys, the simulated phone's storage).
 * socat cannot be asked to watch a pipe itself, and Linux's parent-death signal is out of Node's reach.
 * Run with `node -e`, so it works from the sources and from dist alike.
 */
const watchdog = `
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const [folder, command, ...args] = process.argv.slice(1);
const helper = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
let orphaned = false;
const stop = () => { if (helper.exitCode === null && helper.signalCode === null) helper.kill('SIGTERM'); };
process.stdin.on('end', () => { orphaned = true; stop(); });
process.stdin.on('error', () => { orphaned = true; stop(); });
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
helper.on('error', (error) => { process.stderr.write('cannot run ' + command + ': ' + error.message + '\\n'); process.exit(127); });
helper.on('exit', (code, signal) => {
  if (orphaned && folder !== '') rmSync(folder, { recursive: true, force: true });
  process.exit(code ?? (signal === 'SIGTERM' ? 0 : 1));
});
`;

export interface TiedOptions {
  /** removed by the watchdog when this process dies without stopping the helper ('' for none) */
  orphanFolder?: string;
}

export type TiedProcess = ChildProcessByStdio<Writable, null, Readable>;

/**
 * Starts `command` so that it cannot outlive this process: kill() (SIGTERM to the watchdog) stops it, and so
 * does this process dying by any signal. The helper's stderr comes through the watchdog's stderr.
 */
export function spawnTied(command: string, args: readonly string[], options: TiedOptions = {}): TiedProcess {
  const child = spawn(process.execPath, ['-e', watchdog, options.orphanFolder ?? '', command, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  // the pipe is only a lifeline: nothing is ever written, and a watchdog gone first must not raise EPIPE here
  child.stdin.on('error', () => undefined);
  return child;
}
