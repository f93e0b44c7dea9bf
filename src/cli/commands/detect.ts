import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerDetect(program: Command, runner: CommandRunner): void {
  program
    .command('detect')
    .description(
      'list connected MediaTek phones and their mode (BROM, preloader, DA), waiting for one to be plugged in; with --port, ask one who it is',
    )
    .option('--port <path>', 'handshake on this port and print the chip, mode, target config and ids')
    .option(
      '--timeout <duration>',
      'with no phone connected, wait this long for one (default 60s; 0s: do not wait)',
    )
    .action(
      runner.action(async (output, options: { port?: string; timeout?: string }) => {
        const { runDetect } = await import('./detect-run.js');
        return runDetect(output, options);
      }),
    );
}
