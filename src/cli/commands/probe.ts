import type { Command } from 'commander';
import type { CommandRunner } from '../context.js';
import type { LinkOptions } from './flash-link.js';
import { addCredentialOptions, type CredentialOptions } from './credentials.js';

export interface ProbeCommandOptions extends CredentialOptions, LinkOptions {
  da?: string;
  preloader?: string;
  redact?: boolean;
}

export function registerProbe(program: Command, runner: CommandRunner): void {
  const command = program
    .command('probe')
    .description(
      'read a phone without writing: chip, target config, ids, storage, the preloader boot1 holds and whether it fits, the partition table',
    )
    .option('--port <path>', 'the phone’s serial port (default: wait for the first MediaTek port to appear)')
    .option('--sim <profile>', 'probe a simulated phone instead')
    .option('--sim-storage <file>', 'with --sim: the simulated phone’s flash file')
    .option('--timeout <duration>', 'how long to wait for the phone to appear (default 60s)')
    .option('--sim-late <duration>', 'with --sim: plug the simulated phone in only after this long (e.g. 3s)')
    .option('--da <file>', 'the Download Agent (MTK_AllInOne_DA.bin of the phone’s firmware)')
    .option('--preloader <file>', 'a preloader whose EMI settings start DRAM when the phone is in BROM mode')
    .option('--redact', 'hash the ids (ME id, SoC id, storage serial) so the result can be shared');
  addCredentialOptions(command)
    .addHelpText(
      'after',
      '\nExit: 0 read, 2 bad input, 4 device or protocol failure. Use the --json output with check --probe.',
    )
    .action(
      runner.action(async (output, options: ProbeCommandOptions) => {
        const { runProbe } = await import('./probe-run.js');
        return runProbe(output, options);
      }),
    );
}
