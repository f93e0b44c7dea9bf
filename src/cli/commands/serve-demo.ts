import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export interface ServeDemoOptions {
  port?: string;
  dir?: string;
  readyFile?: string;
}

export function registerServeDemo(program: Command, runner: CommandRunner): void {
  program
    .command('serve-demo')
    .description(
      'serve a generated nikel package and a registry for it on 127.0.0.1, to try romctl fetch offline',
    )
    .option('--port <n>', 'the port to listen on (default: a free one)')
    .option('--dir <dir>', 'build and serve from this folder (its files/ and registry/ are replaced)')
    .option('--ready-file <file>', 'write the registry URL into this file once serving (for scripts)')
    .addHelpText('after', '\nRuns until Ctrl-C (SIGINT) or SIGTERM.')
    .action(
      runner.action(async (output, options: ServeDemoOptions) => {
        const { runServeDemo } = await import('./serve-demo-run.js');
        return runServeDemo(output, options);
      }),
    );
}
