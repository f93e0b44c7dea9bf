import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';
import { withRegistryOptions, type RegistryReadOptions } from '../registry-options.js';

export interface FetchCommandOptions extends RegistryReadOptions {
  /** `--release`: `--version` belongs to the program (it prints romctl's version wherever it appears) */
  release?: string;
  region?: string;
  kind?: string;
  mirror?: string[];
  cache?: string;
  out?: string;
  /** false with --no-unpack */
  unpack: boolean;
}

export function registerFetch(program: Command, runner: CommandRunner): void {
  withRegistryOptions(program.command('fetch <codename>'))
    .description(
      "download a device's firmware bundle, verify it, unpack it and check it for the device; prints the folder",
    )
    .option(
      '--release <version>',
      'the release (version) to fetch; default the latest (romctl info lists them)',
    )
    .option(
      '--region <region>',
      "the phone's region, e.g. Global, China (default ROMCTL_REGION; asked for when releases differ)",
    )
    .option(
      '--kind <kind>',
      'the package kind: sp-flash-tool, fastboot-scatter, fastboot, recovery-zip, qualcomm-edl (default: what the device flashes with)',
    )
    .option(
      '--mirror <url>',
      "a mirror to try after the bundle's own urls (repeatable; also ROMCTL_MIRRORS)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--cache <dir>', 'the cache folder (default $XDG_CACHE_HOME/romctl, ~/.cache/romctl)')
    .option('--out <dir>', 'unpack into <dir>/bundles/<codename>/<id>/ instead of the cache folder')
    .option('--no-unpack', 'only download and verify the files; print their paths in the cache')
    .addHelpText(
      'after',
      '\nExit: 0 fetched and checked (warnings allowed), 1 the check refuses the package, 2 bad input,\n' +
        '      3 download or integrity failure (nothing unverified is kept).',
    )
    .action(
      runner.action(async (output, codename: string, options: FetchCommandOptions) => {
        const { runFetch } = await import('./fetch-run.js');
        return runFetch(output, codename, options, runner.io);
      }),
    );
}
