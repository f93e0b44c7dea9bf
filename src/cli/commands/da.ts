import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerDa(program: Command, runner: CommandRunner): void {
  program
    .command('da <file>')
    .description(
      'read a Download Agent file (MTK_AllInOne_DA.bin, DA_*.bin): its entries, the chips they serve, their protocol and the DA1/DA2 stages a client uploads',
    )
    .option(
      '--chip <chip>',
      'which entry a phone with this chip (MT6589) or BROM hw code (0x6583) would get, and why',
    )
    .action(
      runner.action(async (output, file: string, options: { chip?: string }) => {
        const { runDa } = await import('./da-run.js');
        return runDa(output, file, options);
      }),
    );
}
