import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';
import type { RegistryReadOptions } from '../registry-options.js';

export function registerInfo(program: Command, runner: CommandRunner): void {
  program
    .command('info <codename>')
    .description(
      'a device profile: chip, hw code, storage, memory variants, known releases, look-alikes, warnings',
    )
    .option(
      '--registry <dir|url>',
      'a registry folder or URL instead of the embedded one (also ROMCTL_REGISTRY)',
    )
    .option(
      '--registry-root <file>',
      'the TUF root.json trusted for a URL registry (also ROMCTL_REGISTRY_ROOT)',
    )
    .option('--insecure-registry', 'read a URL registry that publishes no signed metadata')
    .addHelpText('after', '\nExit: 0 found, 2 unknown codename (with suggestions).')
    .action(
      runner.action(async (output, codename: string, options: RegistryReadOptions) => {
        const { runInfo } = await import('./info-run.js');
        return runInfo(output, codename, options);
      }),
    );
}
