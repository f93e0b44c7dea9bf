import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerExplain(program: Command, runner: CommandRunner): void {
  program
    .command('explain <code>')
    .description(
      'explain an SP Flash Tool, BROM or DA error (number, 0x hex or name): meaning, cause, remedy, ' +
        'and the romctl check that prevents it',
    )
    .option('--scheme <scheme>', 'read an S_* number in one numbering only: v5 (SP Flash Tool 5.x) or old')
    .action(
      runner.action(async (output, code: string, options: { scheme?: string }) => {
        const { runExplain } = await import('./explain-run.js');
        return runExplain(output, code, options);
      }),
    );
}
