import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerSim(program: Command, runner: CommandRunner): void {
  program
    .command('sim')
    .description('run a simulated MediaTek phone on a pseudo-terminal (for practice and tests) until Ctrl-C')
    .requiredOption(
      '--profile <name|spec>',
      'nikel, P780, oppo6833 (V6, UFS), tulip (V6, eMMC), generic, or chip:emmc|ufs:<id>:<dram>:<mr5>:<ranks>',
    )
    .option('--pty <path>', 'the host-side port to create (default: a temporary path, printed)')
    .option('--storage <file>', 'keep the phone flash in this sparse file (default: temporary)')
    .option('--preloader <file>', 'write this preloader to boot1 before power-on')
    .option('--brom', 'hold the download key at power-on: start in BROM mode whatever boot1 holds')
    .option('--layout <scatter>', "write a GPT with this scatter's partitions to the phone before power-on")
    .option('--layout-shift <MiB>', 'with --layout: every partition that many MiB further (another revision)')
    .action(
      runner.action(async (output, options) => {
        const { runSim } = await import('./sim-run.js');
        return runSim(output, options as Parameters<typeof runSim>[1]);
      }),
    );
}
