import type { Command } from 'commander';
import { UsageError } from './exit';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** Every command path (`schedule list`) with its flags, read from the program, so completions never drift from it. */
function commandTree(cmd: Command, prefix: string[] = []): { path: string[]; flags: string[]; about: string }[] {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    const flags = c.options.map((o) => o.long!).filter(Boolean);
    return [{ path, flags, about: c.description() }, ...commandTree(c, path)];
  });
}

function bash(prog: Command): string {
  const tree = commandTree(prog);
  const cases = tree.map((t) => {
    const subs = tree.filter((s) => s.path.length === t.path.length + 1 && s.path.join(' ').startsWith(`${t.path.join(' ')} `)).map((s) => s.path.at(-1));
    return `    "${t.path.join(' ')}") words_="${[...subs, ...t.flags].join(' ')}" ;;`;
  });
  const top = tree.filter((t) => t.path.length === 1).map((t) => t.path[0]);
  return `# rest-sync bash completion: source <(rest-sync completion bash)
_rest_sync() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path_="" words_="${[...top, '--help', '--version'].join(' ')}" w
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) ;; *) [ -n "$path_" ] && path_="$path_ $w" || path_="$w" ;; esac
  done
  case "$path_" in
${cases.join('\n')}
  esac
  COMPREPLY=( $(compgen -W "$words_" -f -- "$cur") )
}
complete -o default -F _rest_sync rest-sync
`;
}

function zsh(prog: Command): string {
  return `#compdef rest-sync
# rest-sync zsh completion: source <(rest-sync completion zsh)
autoload -U bashcompinit && bashcompinit
${bash(prog)}`;
}

function fish(prog: Command): string {
  const lines = commandTree(prog).flatMap((t) => {
    const parent = t.path.slice(0, -1);
    const cond = parent.length ? `__fish_seen_subcommand_from ${parent.at(-1)}` : '__fish_use_subcommand';
    const flagCond = `__fish_seen_subcommand_from ${t.path.at(-1)}`;
    return [
      `complete -c rest-sync -n '${cond}' -a ${t.path.at(-1)} -d ${JSON.stringify(t.about.slice(0, 60))}`,
      ...t.flags.map((f) => `complete -c rest-sync -n '${flagCond}' -l ${f.replace(/^--/, '')}`),
    ];
  });
  return `# rest-sync fish completion: rest-sync completion fish | source\n${lines.join('\n')}\n`;
}

/** `rest-sync completion bash|zsh|fish`: a completion script for the shell. */
export function completionScript(prog: Command, shell: string): string {
  if (shell === 'bash') return bash(prog);
  if (shell === 'zsh') return zsh(prog);
  if (shell === 'fish') return fish(prog);
  throw new UsageError(`completion: unknown shell ${JSON.stringify(shell)} (${SHELLS.join(', ')})`);
}
