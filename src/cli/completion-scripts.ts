/**
 * Shell completion scripts for bash, zsh and fish, generated from the command tree itself, so a new command or
 * option completes without anyone editing a script.
 */
import type { Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface OptionSpec {
  long: string;
  short?: string;
  description: string;
  takesValue: boolean;
  choices: readonly string[];
}

interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** its arguments are paths (files, folders): the shell completes file names */
  takesArguments: boolean;
  commands: CommandSpec[];
}

export function completionScript(program: Command, shell: Shell): string {
  const tree = specOf(program);
  switch (shell) {
    case 'bash':
      return bashScript(tree);
    case 'zsh':
      return zshScript(tree);
    case 'fish':
      return fishScript(tree);
  }
}

function specOf(command: Command): CommandSpec {
  return {
    name: command.name(),
    description: command.description(),
    options: command.options.filter((option) => option.long !== undefined).map(optionSpec),
    takesArguments: command.registeredArguments.length > 0,
    commands: command.commands.map(specOf),
  };
}

function optionSpec(option: Option): OptionSpec {
  return {
    long: option.long as string,
    ...(option.short === undefined ? {} : { short: option.short }),
    description: option.description,
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
  };
}

const words = (items: readonly string[]) => items.join(' ');
const flagsOf = (options: readonly OptionSpec[]) =>
  options.flatMap((option) => (option.short ? [option.long, option.short] : [option.long]));

function bashScript(tree: CommandSpec): string {
  const globals = [...flagsOf(tree.options), '--help', '--version'];
  const cases = tree.commands.map((command) => {
    const flags = words([...flagsOf(command.options), '--help']);
    const valued = command.options.filter((option) => option.takesValue);
    const choices = valued
      .filter((option) => option.choices.length > 0)
      .map(
        (option) =>
          `        ${option.long}) COMPREPLY=($(compgen -W "${words(option.choices)}" -- "$cur")); return ;;`,
      );
    const needsValue = valued.filter((option) => option.choices.length === 0).map((option) => option.long);
    const subcommands =
      command.commands.length > 0
        ? `      if [[ -z $sub ]]; then COMPREPLY=($(compgen -W "${words(command.commands.map((c) => c.name))}" -- "$cur")); return; fi\n`
        : '';
    const subFlags = command.commands
      .filter((sub) => sub.options.length > 0)
      .map((sub) => `        ${sub.name}) flags="$flags ${words(flagsOf(sub.options))}" ;;`);
    return [
      `    ${command.name})`,
      choices.length > 0 ? `      case $prev in\n${choices.join('\n')}\n      esac` : '',
      needsValue.length > 0 ? `      case $prev in ${needsValue.join('|')}) return ;; esac` : '',
      subcommands.trimEnd(),
      `      local flags="${flags}"`,
      subFlags.length > 0 ? `      case $sub in\n${subFlags.join('\n')}\n      esac` : '',
      `      [[ $cur == -* ]] && COMPREPLY=($(compgen -W "$flags" -- "$cur"))`,
      command.name === 'help'
        ? `      [[ $cur != -* ]] && COMPREPLY=($(compgen -W "${words(tree.commands.map((c) => c.name))}" -- "$cur"))`
        : '',
      '      ;;',
    ]
      .filter(Boolean)
      .join('\n');
  });
  return `# romctl completion for bash: add to ~/.bashrc
#   source <(romctl completion bash)
_romctl() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd="" sub="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=\${COMP_WORDS[i]}; elif [[ -z $sub ]]; then sub=\${COMP_WORDS[i]}; fi ;;
    esac
  done
  COMPREPLY=()
  case $cmd in
    "") COMPREPLY=($(compgen -W "${words([...tree.commands.map((c) => c.name), ...globals])}" -- "$cur")) ;;
${cases.join('\n')}
  esac
}
complete -o default -o bashdefault -F _romctl romctl
`;
}

/** zsh `_arguments` specs: `--mode=[what]:mode:(a b c)` */
function zshOption(option: OptionSpec): string[] {
  const text = zshEscape(option.description);
  const value = option.takesValue
    ? `:${option.long.slice(2)}:${option.choices.length > 0 ? `(${words(option.choices)})` : '_files'}`
    : '';
  const spec = (flag: string) =>
    `'${flag}${option.takesValue && flag.startsWith('--') ? '=' : ''}[${text}]${value}'`;
  return option.short ? [spec(option.long), spec(option.short)] : [spec(option.long)];
}

function zshEscape(text: string): string {
  return text.replace(/'/g, `'\\''`).replace(/([[\]:])/g, '\\$1');
}

function zshDescribe(commands: readonly CommandSpec[]): string {
  return commands.map((command) => `'${command.name}:${zshEscape(command.description)}'`).join(' ');
}

function zshScript(tree: CommandSpec): string {
  const cases = tree.commands.map((command) => {
    const options = command.options.flatMap(zshOption).join(' ');
    const rest =
      command.name === 'help'
        ? ` ':command:(${words(tree.commands.map((c) => c.name))})'`
        : command.takesArguments
          ? ` '*:file:_files'`
          : '';
    if (command.commands.length === 0) return `    ${command.name}) _arguments -s ${options}${rest} ;;`;
    const subs = command.commands
      .map(
        (sub) =>
          `        ${sub.name}) _arguments -s ${[...command.options, ...sub.options].flatMap(zshOption).join(' ')} '*:file:_files' ;;`,
      )
      .join('\n');
    return `    ${command.name})
      if (( CURRENT == 3 )); then
        local -a subcommands=(${zshDescribe(command.commands)})
        _describe 'subcommand' subcommands
        return
      fi
      case $words[3] in
${subs}
      esac ;;`;
  });
  return `#compdef romctl
# romctl completion for zsh: add to ~/.zshrc (after compinit)
#   source <(romctl completion zsh)
_romctl() {
  if (( CURRENT == 2 )); then
    local -a commands=(${zshDescribe(tree.commands)})
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases.join('\n')}
  esac
}
compdef _romctl romctl
`;
}

function fishScript(tree: CommandSpec): string {
  const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const names = words(tree.commands.map((c) => c.name));
  const option = (condition: string, spec: OptionSpec) =>
    [
      `complete -c romctl -n ${quote(condition)} -l ${spec.long.slice(2)}`,
      spec.short ? ` -s ${spec.short.slice(1)}` : '',
      spec.takesValue ? (spec.choices.length > 0 ? ` -x -a ${quote(words(spec.choices))}` : ' -r -F') : '',
      ` -d ${quote(spec.description)}`,
    ].join('');
  const lines = [
    '# romctl completion for fish: save as ~/.config/fish/completions/romctl.fish',
    '#   romctl completion fish > ~/.config/fish/completions/romctl.fish',
    'complete -c romctl -f',
    ...tree.options.map((spec) => option('true', spec)),
  ];
  for (const command of tree.commands) {
    lines.push(
      `complete -c romctl -n '__fish_use_subcommand' -a ${command.name} -d ${quote(command.description)}`,
    );
    const inCommand = `__fish_seen_subcommand_from ${command.name}`;
    for (const spec of command.options) lines.push(option(inCommand, spec));
    if (command.takesArguments) lines.push(`complete -c romctl -n ${quote(inCommand)} -F`);
    if (command.name === 'help') lines.push(`complete -c romctl -n ${quote(inCommand)} -a ${quote(names)}`);
    const subNames = words(command.commands.map((c) => c.name));
    for (const sub of command.commands) {
      lines.push(
        `complete -c romctl -n ${quote(`${inCommand}; and not __fish_seen_subcommand_from ${subNames}`)} -a ${sub.name} -d ${quote(sub.description)}`,
      );
      for (const spec of sub.options)
        lines.push(option(`${inCommand}; and __fish_seen_subcommand_from ${sub.name}`, spec));
    }
  }
  return `${lines.join('\n')}\n`;
}
