import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerExplain(program: Command, runner: CommandRunner): void {
  program
    .command('explain <code...>')
    .description(
      'explain an SP Flash Tool, BROM or DA error (number, 0x hex, name, the line the tool printed, or the ' +
        'words of its message) or a romctl finding code: meaning, cause, remedy, and the romctl check that prevents it',
    )
    .option('--scheme <scheme>', 'read an S_* number in one numbering only: v5 (SP Flash Tool 5.x) or old')
    .option(
      '--tool-version <version>',
      'the SP Flash Tool version that printed it (5.1924, 3.1312): picks the numbering',
    )
    .action(
      runner.action(async (output, words: string[], options: { scheme?: string; toolVersion?: string }) => {
        const code = words.join(' ');
        const { runExplain } = await import('./explain-run.js');
        return runExplain(output, code, options);
      }),
    );
}
