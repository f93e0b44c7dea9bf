import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';
import { withRegistryOptions, type RegistryReadOptions } from '../registry-options.js';

export function registerInfo(program: Command, runner: CommandRunner): void {
  withRegistryOptions(program.command('info <codename>'))
    .description(
      'a device profile: chip, hw code, storage, memory variants, known releases, look-alikes, warnings',
    )
    .addHelpText('after', '\nExit: 0 found, 2 unknown codename (with suggestions).')
    .action(
      runner.action(async (output, codename: string, options: RegistryReadOptions) => {
        const { runInfo } = await import('./info-run.js');
        return runInfo(output, codename, options, runner.io.env);
      }),
    );
}
