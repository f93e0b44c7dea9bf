import { Argument, type Command } from 'commander';
import type { CommandRunner } from '../context.js';

export function registerCompletion(program: Command, runner: CommandRunner): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
bash: source <(romctl completion bash)          (add the line to ~/.bashrc)
zsh:  source <(romctl completion zsh)           (in ~/.zshrc, after compinit)
fish: romctl completion fish > ~/.config/fish/completions/romctl.fish`,
    )
    .action(
      runner.action(async (output, shell: 'bash' | 'zsh' | 'fish') => {
        const { completionScript } = await import('../completion-scripts.js');
        const script = completionScript(program, shell);
        if (output.json) output.printJson({ shell, script });
        else output.line(script.trimEnd());
        return 0;
      }),
    );
}
