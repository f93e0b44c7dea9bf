import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';
import type { KeygenOptions, PublishCommandOptions, SignOptions } from './registry-trust-run.js';

export interface RegistryAddOptions {
  url?: string[];
  id?: string;
  release?: string;
  registry?: string;
  fromFile?: boolean;
}

export function registerRegistry(program: Command, runner: CommandRunner): void {
  const registry = program
    .command('registry')
    .description('for registry maintainers: lint, index, add, keygen, sign, publish');
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
    .option(
      '--from-file',
      'the package is a downloaded copy of a release the registry lists: verify it against the known md5, record its sha256 and size',
    )
    .addHelpText(
      'after',
      '\nExit: 0 written, 1 the check refused the package (--from-file: no known hash to verify it), 2 bad input,\n' +
        '      3 --from-file: the file is not the one the registry lists.',
    )
    .action(
      runner.action(async (output, codename: string, path: string, options: RegistryAddOptions) => {
        if (options.fromFile) {
          const { runRegistryAddFromFile } = await import('./registry-add-file.js');
          return runRegistryAddFromFile(output, codename, path, options);
        }
        const { runRegistryAdd } = await import('./registry-add.js');
        return runRegistryAdd(output, codename, path, options);
      }),
    );
  registry
    .command('keygen')
    .description(
      "make ed25519 signing keys for the registry's TUF roles (root, targets, snapshot, timestamp)",
    )
    .requiredOption(
      '--keys <dir>',
      'the key folder: each key is written as <dir>/<role>/<keyid>.pem (mode 600)',
    )
    .option('--role <role...>', 'only these roles (default all four)')
    .action(
      runner.action(async (output, options: KeygenOptions) => {
        const { runKeygen } = await import('./registry-trust-run.js');
        return runKeygen(output, options);
      }),
    );
  registry
    .command('sign')
    .description(
      'write and sign the next root metadata of a published tree: the keys of --keys, thresholds, expiry',
    )
    .requiredOption('--keys <dir>', 'the key folder (romctl registry keygen); its root keys sign')
    .requiredOption(
      '--out <tree>',
      'the published tree; writes metadata/<version>.root.json and metadata/root.json',
    )
    .option('--old-keys <dir>', 'the key folder of the root being replaced (key rotation: it must sign too)')
    .option('--threshold <role=n...>', 'signatures a role needs, e.g. root=2 (default 1 each)')
    .option('--expires <days>', 'days until the root expires (default 365)')
    .addHelpText('after', '\nExit: 0 signed, 2 missing keys or not enough signatures (nothing written).')
    .action(
      runner.action(async (output, options: SignOptions) => {
        const { runSign } = await import('./registry-trust-run.js');
        return runSign(output, options);
      }),
    );
  registry
    .command('publish [dir]')
    .description(
      'publish a registry folder as a signed static tree (TUF targets, snapshot, timestamp) for any HTTP server',
    )
    .requiredOption('--keys <dir>', 'the key folder holding the targets, snapshot and timestamp keys')
    .requiredOption('--out <tree>', 'the tree to write (signed with romctl registry sign first)')
    .option('--expires <role=days...>', 'e.g. timestamp=1 snapshot=7 targets=30 (default 7, 30, 90)')
    .addHelpText(
      'after',
      '\nServe <tree> as is; clients read it with --registry <url> (and --registry-root <tree>/metadata/1.root.json\n' +
        'unless its root is the one romctl ships). Exit: 0 published, 2 bad document or missing keys.',
    )
    .action(
      runner.action(async (output, dir: string | undefined, options: PublishCommandOptions) => {
        const { runPublish } = await import('./registry-trust-run.js');
        return runPublish(output, dir, options);
      }),
    );
}
