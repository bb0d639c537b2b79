// Shell completion scripts, generated from the command table.
import { COMMANDS, GLOBAL_FLAGS, type FlagDef } from './table.js';

function flagWords(flags: Record<string, FlagDef>): string[] {
  return Object.entries(flags).flatMap(([k, f]) => [`--${k}`, ...(f.short ? [`-${f.short}`] : [])]);
}

const globals = flagWords(GLOBAL_FLAGS);
const esc = (s: string) => s.replace(/'/g, `'\\''`);

export function bashCompletion(): string {
  const cases = Object.entries(COMMANDS)
    .map(([name, c]) => `    ${name}) opts='${[...flagWords(c.flags ?? {}), ...globals].join(' ')}' ;;`)
    .join('\n');
  return `# skillsync bash completion: eval "$(skillsync completion bash)"
_skillsync() {
  local cur cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      --config|--workspace) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W '${globals.join(' ')} --version' -- "$cur"));
    else COMPREPLY=($(compgen -W '${Object.keys(COMMANDS).join(' ')}' -- "$cur")); fi
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -F _skillsync skillsync
`;
}

export function zshCompletion(): string {
  const cmds = Object.entries(COMMANDS)
    .map(([name, c]) => `    '${name}:${esc(c.summary.replace(/:/g, '\\:'))}'`)
    .join('\n');
  const cases = Object.entries(COMMANDS)
    .map(([name, c]) => `    ${name}) opts=(${[...flagWords(c.flags ?? {}), ...globals].join(' ')}) ;;`)
    .join('\n');
  return `#compdef skillsync
# skillsync zsh completion: eval "$(skillsync completion zsh)"
_skillsync() {
  local -a cmds opts
  cmds=(
${cmds}
  )
  local cmd="" i
  for ((i = 2; i < CURRENT; i++)); do
    case "\${words[i]}" in
      --config|--workspace) ((i++)) ;;
      -*) ;;
      *) cmd="\${words[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    if [[ "\${words[CURRENT]}" == -* ]]; then compadd -- ${globals.join(' ')} --version; else _describe 'command' cmds; fi
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then compadd -- $opts; else _files; fi
}
compdef _skillsync skillsync
`;
}
