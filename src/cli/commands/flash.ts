import { Option, type Command } from 'commander';
import type { CommandRunner } from '../context.js';
import type { LinkOptions } from './flash-link.js';
import { withRegistryOptions, type RegistryReadOptions } from '../registry-options.js';
import { addCredentialOptions, type CredentialOptions } from './credentials.js';

export interface FlashCommandOptions extends RegistryReadOptions, CredentialOptions, LinkOptions {
  device: string;
  mode: 'download' | 'upgrade' | 'format-all';
  da?: string;
  withPreloader?: boolean;
  acceptRisk?: string[];
  backupDir?: string;
  resume?: boolean;
  verify: 'da' | 'full';
}

const repeatable = (value: string, previous: string[] = []) => [...previous, value];

export function registerFlash(program: Command, runner: CommandRunner): void {
  const command = withRegistryOptions(program.command('flash <package>'))
    .description(
      'check a package against the phone, back up its IMEI data, write, verify every image, reboot',
    )
    .requiredOption('--device <codename[@variant]>', 'the phone it is for (romctl search finds the codename)')
    .option('--port <path>', 'the phone’s serial port (default: wait for the first MediaTek port to appear)')
    .option(
      '--sim <profile>',
      'flash a simulated phone instead (nikel, P780, oppo6833, tulip, generic or a spec; see romctl sim)',
    )
    .option('--sim-storage <file>', 'with --sim: keep the simulated phone’s flash in this file between runs')
    .option('--timeout <duration>', 'how long to wait for the phone to appear (default 60s)')
    .option('--sim-late <duration>', 'with --sim: plug the simulated phone in only after this long (e.g. 3s)')
    .addOption(
      new Option('--mode <mode>', 'download only, firmware upgrade, or format all + download')
        .choices(['download', 'upgrade', 'format-all'])
        .default('download'),
    )
    .option('--da <file>', 'the Download Agent (default: the MTK_AllInOne_DA.bin in the package)')
    .option(
      '--with-preloader',
      'write the preloader even when the phone has one (it is written last, boot2 first)',
    )
    .option(
      '--accept-risk <code>',
      'flash despite this one refusing finding (repeatable; logged)',
      repeatable,
    )
    .option('--backup-dir <dir>', 'backup and journal folder (default ./romctl-backup/<codename>-<phone id>)')
    .option('--resume', 'continue an interrupted flash from its journal (same package, mode, phone)')
    .addOption(
      new Option(
        '--verify <how>',
        'da: the DA checks every packet on the phone as it writes it (received and read back from the storage ' +
          'against the 16-bit sum sent with it; a DA without that check gets the full read-back); ' +
          'full: every written byte is read back and compared by sha256',
      )
        .choices(['da', 'full'])
        .default('da'),
    );
  addCredentialOptions(command)
    .addHelpText(
      'after',
      '\nExit: 0 flashed and verified, 1 refused by a check (nothing written), 2 bad input, 4 device or protocol failure.',
    )
    .action(
      runner.action(async (output, path: string, options: FlashCommandOptions) => {
        const { runFlash } = await import('./flash-run.js');
        return runFlash(output, path, options, runner.io);
      }),
    );
}
