import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';
import type { LinkOptions } from './flash-link.js';
import { withRegistryOptions, type RegistryReadOptions } from '../registry-options.js';
import { addCredentialOptions, type CredentialOptions } from './credentials.js';

export interface BackupCommandOptions extends RegistryReadOptions, CredentialOptions, LinkOptions {
  device: string;
  out: string;
  da?: string;
  preloader?: string;
}

export function registerBackup(program: Command, runner: CommandRunner): void {
  const command = withRegistryOptions(program.command('backup'))
    .description("copy the phone's protected partitions (IMEI, calibration) to a verified folder")
    .requiredOption('--device <codename>', 'the phone (romctl search finds the codename)')
    .requiredOption('--out <dir>', 'the folder for the copy and its sha256 manifest')
    .option('--port <path>', 'the phone’s serial port (default: wait for the first MediaTek port to appear)')
    .option('--sim <profile>', 'back up a simulated phone instead')
    .option('--sim-storage <file>', 'with --sim: the simulated phone’s flash file')
    .option('--timeout <duration>', 'how long to wait for the phone to appear (default 60s)')
    .option('--sim-late <duration>', 'with --sim: plug the simulated phone in only after this long (e.g. 3s)')
    .option('--da <file>', 'the Download Agent (MTK_AllInOne_DA.bin of the phone’s firmware)')
    .option(
      '--preloader <file>',
      'the phone’s preloader: its EMI settings start DRAM when the phone is in BROM mode',
    );
  addCredentialOptions(command)
    .addHelpText(
      'after',
      '\nExit: 0 copied and verified, 1 wrong phone, 2 bad input, 4 device or protocol failure.',
    )
    .action(
      runner.action(async (output, options: BackupCommandOptions) => {
        const { runBackup } = await import('./backup-run.js');
        return runBackup(output, options, runner.io);
      }),
    );
}
