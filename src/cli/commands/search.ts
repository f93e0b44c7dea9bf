import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';
import type { RegistryReadOptions } from '../registry-options.js';

export function registerSearch(program: Command, runner: CommandRunner): void {
  program
    .command('search <query...>')
    .description(
      'find devices by codename, alias, marketing name, chip or hw code (e.g. "redmi note 4", MT6589, 0x279)',
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
    .action(
      runner.action(async (output, query: string[], options: RegistryReadOptions) => {
        const { runSearch } = await import('./search-run.js');
        return runSearch(output, query.join(' '), options);
      }),
    );
}
