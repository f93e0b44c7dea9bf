import { Option, type Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerDoctor(program: Command, runner: CommandRunner): void {
  program
    .command('doctor')
    .description(
      'what on this computer stops a phone from talking: port permissions, udev rule, ModemManager, brltty, drivers, serialport, socat',
    )
    .option(
      '--fix',
      'install the udev rule for MediaTek ports (Linux; needs root), then say what is left to do',
    )
    .addOption(new Option('--root <dir>', 'inspect a system tree mounted elsewhere instead of /').hideHelp())
    .action(
      runner.action(async (output, options: { fix?: boolean; root?: string }) => {
        const { runDoctor } = await import('./doctor-run.js');
        return runDoctor(output, options, runner.io.env);
      }),
    );
}
