/**
 * `fixed-ip completion bash|zsh|fish`: a completion script for the commands, their options, the
 * choices of --nat and --for, files for --state, and the stack names found in ./.fixed-ip (the
 * default state folder), made from the same commander definitions the CLI parses with.
 */
import type { Io } from './io.js';
import { ExitCode, FixedIpError } from './errors.js';

export type CompletionSpec = Array<{
  name: string;
  description: string;
  options: Array<{ flag: string; takesValue: boolean; choices: readonly string[]; description: string }>;
}>;

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

export function runCompletion(options: Record<string, unknown>, io: Io): Promise<ExitCode> {
  const shell = (options.args as string[] | undefined)?.[0] ?? '';
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new FixedIpError('BAD_OPTION', `no completion for the shell "${shell}"`, {
      hint: `use one of ${SHELLS.join(', ')}, e.g. fixed-ip completion bash`,
    });
  }
  const spec = (options.spec as CompletionSpec).filter((cmd) => cmd.name !== 'help');
  io.stdout.write(completionScript(shell as Shell, spec));
  return Promise.resolve(ExitCode.ok);
}

export function completionScript(shell: Shell, spec: CompletionSpec): string {
  if (shell === 'fish') return fish(spec);
  const body = bash(spec);
  // zsh runs the bash script through its bash-completion emulation.
  return shell === 'zsh' ? `#compdef fixed-ip\nautoload -U +X bashcompinit && bashcompinit\n${body}` : body;
}

const STACKS_BASH = `_fixed_ip_stacks() {
  local f
  for f in .fixed-ip/*.json; do
    [ -e "$f" ] || continue
    f="\${f##*/}"
    echo "\${f%.json}"
  done
}`;

function bash(spec: CompletionSpec): string {
  const commands = spec.map((cmd) => cmd.name).join(' ');
  const perCommand = spec
    .map((cmd) => `    ${cmd.name}) opts="${cmd.options.map((o) => o.flag).join(' ')} --help" ;;`)
    .join('\n');
  const choices = new Map<string, readonly string[]>();
  for (const cmd of spec)
    for (const o of cmd.options) if (o.choices.length > 0) choices.set(o.flag, o.choices);
  const choiceCases = [...choices]
    .map(
      ([flag, values]) =>
        `    ${flag}) COMPREPLY=( $(compgen -W "${values.join(' ')}" -- "$cur") ); return ;;`,
    )
    .join('\n');
  const shells = `    completion) COMPREPLY=( $(compgen -W "${SHELLS.join(' ')}" -- "$cur") ); return ;;`;
  return `# fixed-ip completion for bash (fixed-ip completion bash >> ~/.bashrc)
${STACKS_BASH}
_fixed_ip() {
  local cur prev opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands} --help --version" -- "$cur") )
    return
  fi
  case "$prev" in
    --name) COMPREPLY=( $(compgen -W "$(_fixed_ip_stacks)" -- "$cur") ); return ;;
    --state) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
${choiceCases}
${shells}
  esac
  case "\${COMP_WORDS[1]}" in
${perCommand}
    *) opts="" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _fixed_ip fixed-ip
`;
}

function quoteFish(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fish(spec: CompletionSpec): string {
  const lines = [
    '# fixed-ip completion for fish (fixed-ip completion fish > ~/.config/fish/completions/fixed-ip.fish)',
    'function __fixed_ip_stacks',
    '    for f in .fixed-ip/*.json',
    "        string replace -r '^.*/(.*)\\.json$' '$1' -- $f",
    '    end',
    'end',
    'complete -c fixed-ip -f',
  ];
  for (const cmd of spec) {
    lines.push(
      `complete -c fixed-ip -n __fish_use_subcommand -a ${cmd.name} -d ${quoteFish(cmd.description)}`,
    );
    for (const option of cmd.options) {
      if (!option.flag.startsWith('--')) continue;
      const base = `complete -c fixed-ip -n '__fish_seen_subcommand_from ${cmd.name}' -l ${option.flag.slice(2)}`;
      const values =
        option.flag === '--name'
          ? " -x -a '(__fixed_ip_stacks)'"
          : option.flag === '--state'
            ? ' -r -F'
            : option.choices.length > 0
              ? ` -x -a ${quoteFish(option.choices.join(' '))}`
              : option.takesValue
                ? ' -x'
                : '';
      lines.push(`${base}${values} -d ${quoteFish(option.description)}`);
    }
  }
  lines.push(`complete -c fixed-ip -n '__fish_seen_subcommand_from completion' -x -a '${SHELLS.join(' ')}'`);
  return `${lines.join('\n')}\n`;
}
