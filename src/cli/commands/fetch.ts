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
  /** keep a folder the check refuses, under a `.refused-<time>` name */
  keepRefused?: boolean;
  /** free space to leave on the disk while unpacking, e.g. 256M */
  keepFree?: string;
  /** give up downloading after this long, e.g. 6h */
  deadline?: string;
  /** the slowest acceptable download, bytes per second over a window, e.g. 1k/60s */
  minSpeed?: string;
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
    .option(
      '--keep-refused',
      'keep a package the check refuses, as bundles/<codename>/<id>.refused-<time> (never reused)',
    )
    .option('--keep-free <size>', 'free space to leave on the disk while unpacking (default 256M)')
    .option('--deadline <duration>', 'give up downloading after this long, e.g. 90m, 6h (default: no limit)')
    .option(
      '--min-speed <rate>',
      'the slowest acceptable download in bytes/s, averaged over a window (default 1k/60s)',
    )
    .addHelpText(
      'after',
      '\nExit: 0 fetched and checked (warnings allowed), 1 the check refuses the package (its folder is\n' +
        '      removed, or kept aside with --keep-refused), 2 bad input, 3 download or integrity failure, too\n' +
        '      slow, past the deadline or out of disk space (nothing unverified is kept; partial downloads are\n' +
        '      kept to resume, romctl cache prune removes them).',
    )
    .action(
      runner.action(async (output, codename: string, options: FetchCommandOptions) => {
        const { runFetch } = await import('./fetch-run.js');
        return runFetch(output, codename, options, runner.io);
      }),
    );
}
