import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerDetect(program: Command, runner: CommandRunner): void {
  program
    .command('detect')
    .description(
      'list connected MediaTek phones and their mode (BROM, preloader, DA); with --port, ask one who it is',
    )
    .option('--port <path>', 'handshake on this port and print the chip, mode, target config and ids')
    .action(
      runner.action(async (output, options: { port?: string }) => {
        const { runDetect } = await import('./detect-run.js');
        return runDetect(output, options);
      }),
    );
}
