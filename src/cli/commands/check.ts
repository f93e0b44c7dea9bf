import { Option, type Command } from 'commander';
import type { CommandRunner } from '../context.js';
import { withRegistryOptions, type RegistryReadOptions } from '../registry-options.js';

export interface CheckCommandOptions extends RegistryReadOptions {
  mode: 'download' | 'upgrade' | 'format-all';
  /** `CODENAME[@variant]`: judge the package against this registry device */
  device?: string;
  /** memories the preloader must boot (`--memory`, repeatable) */
  memory?: string[];
  /** romctl probe --json output: the connected phone's memory */
  probe?: string;
  /** another preloader or package to compare EMI coverage with */
  preloaderFrom?: string;
}

export function registerCheck(program: Command, runner: CommandRunner): void {
  withRegistryOptions(
    program.command('check <package>'),
    'with --device: a registry folder or URL instead of the embedded one (also ROMCTL_REGISTRY)',
  )
    .description('check a ROM package (zip, tgz, folder or scatter file) before it goes near a phone')
    .addOption(
      new Option('--mode <mode>', 'the flash plan to judge: download only, firmware upgrade, or format all')
        .choices(['download', 'upgrade', 'format-all'])
        .default('download'),
    )
    .option(
      '--device <codename[@variant]>',
      'the phone it is for: chip, storage, layout, preloader and memory checks',
    )
    .option(
      '--memory <spec>',
      "the phone's memory, which the preloader must boot: emmc:<cid hex>, ufs:<id>, lpddr3, mr5=0x01, 2x1G … " +
        '(repeatable; romctl preloader --help shows the grammar)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--probe <file>', "romctl probe --json output: check the preloader against that phone's memory")
    .option('--preloader-from <path>', 'compare EMI coverage with the preloader of another package or file')
    .addHelpText('after', '\nExit: 0 pass or warnings, 1 refused, 2 unreadable input.')
    .action(
      runner.action(async (output, path: string, options: CheckCommandOptions) => {
        const { runCheck } = await import('./check-run.js');
        return runCheck(output, path, options, runner.io);
      }),
    );
}
