import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';

export interface RegistryAddOptions {
  url?: string[];
  id?: string;
  release?: string;
  registry?: string;
}

export function registerRegistry(program: Command, runner: CommandRunner): void {
  const registry = program.command('registry').description('for registry maintainers: lint, index, add');
  registry
    .command('lint [dir]')
    .description(
      'check a registry folder (default: the embedded one): schemas, codenames, chips, variants, bundles',
    )
    .addHelpText('after', '\nExit: 0 clean, 1 problems found (one line each: file: what).')
    .action(
      runner.action(async (output, dir: string | undefined) => {
        const { runRegistryLint } = await import('./registry-run.js');
        return runRegistryLint(output, dir);
      }),
    );
  registry
    .command('index [dir]')
    .description('write index.json (what search and info read first) from the YAML documents')
    .action(
      runner.action(async (output, dir: string | undefined) => {
        const { runRegistryIndex } = await import('./registry-run.js');
        return runRegistryIndex(output, dir);
      }),
    );
  registry
    .command('add <codename> <package>')
    .description(
      'check a package, hash it, read its scatter and preloader, and write a bundle document for review',
    )
    .option('--url <url...>', 'where the package can be downloaded (repeat for mirrors)')
    .option('--id <id>', 'bundle id (default: the release, else the package file name)')
    .option('--release <version>', 'release version, e.g. V8.5.2.0.MBFCNED (default: the id)')
    .option(
      '--registry <dir>',
      'the registry folder to write to (default ROMCTL_REGISTRY, then the embedded one)',
    )
    .addHelpText('after', '\nExit: 0 written, 1 the check refused the package, 2 bad input.')
    .action(
      runner.action(async (output, codename: string, path: string, options: RegistryAddOptions) => {
        const { runRegistryAdd } = await import('./registry-add.js');
        return runRegistryAdd(output, codename, path, options);
      }),
    );
}
