import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';
import { withRegistryOptions, type RegistryReadOptions } from '../registry-options.js';

export function registerSearch(program: Command, runner: CommandRunner): void {
  withRegistryOptions(program.command('search <query...>'))
    .description(
      'find devices by codename, alias, marketing name, chip or hw code (e.g. "redmi note 4", MT6589, 0x279)',
    )
    .action(
      runner.action(async (output, query: string[], options: RegistryReadOptions) => {
        const { runSearch } = await import('./search-run.js');
        return runSearch(output, query.join(' '), options, runner.io.env);
      }),
    );
}
