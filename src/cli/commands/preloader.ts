import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerPreloader(program: Command, runner: CommandRunner): void {
  program
    .command('preloader <file>')
    .description('read a preloader (GFH, boot header, MTK_BLOADER_INFO): which memories it can boot')
    .option(
      '--memory <spec>',
      'also say whether this memory can boot, e.g. emmc:90014a484247346132,lpddr3,2x1G',
    )
    .action(
      runner.action(async (output, file: string, options: { memory?: string }) => {
        const { runPreloader } = await import('./preloader-run.js');
        return runPreloader(output, file, options);
      }),
    );
}
