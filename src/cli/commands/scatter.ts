import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerScatter(program: Command, runner: CommandRunner): void {
  program
    .command('scatter <file>')
    .description('parse a scatter file (legacy, YAML V1.x/V2.x, XML, OTA) and show or convert it')
    .option('--to <format>', 'write the scatter as yaml (V1.1.x, SP Flash Tool) or json')
    .option(
      '--storage <name>',
      'with --to yaml: the layout of a multi-storage scatter to write (EMMC, UFS; default the first)',
    )
    .action(
      runner.action(async (output, file: string, options: { to?: string; storage?: string }) => {
        const { runScatter } = await import('./scatter-run.js');
        return runScatter(output, file, options);
      }),
    );
}
