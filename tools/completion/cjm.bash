# bash completion for cjm (installed as share/bash-completion/completions/cjm).
# It completes the commands, each command's options, option values, and the
# scenario's own names: variants, fixes, inputs (for --set and --param),
# metrics. Every list comes from the program itself (cjm list ...), so it
# cannot drift from what cjm accepts.

# _cjm_scenario CJM CMD: the first word after the command that is neither an
# option nor an option's value (the scenario file), or nothing.
_cjm_scenario() {
  local cjm=$1 cmd=$2 flags w i
  flags=" $("$cjm" list flags "$cmd" 2>/dev/null | tr '\n' ' ') "
  for ((i = 2; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      -*=*) ;;
      -*) [[ $flags == *" $w "* ]] || ((i++)) ;;
      *) printf '%s' "$w"; return ;;
    esac
  done
}

_cjm() {
  local cjm=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd file words
  COMPREPLY=()
  if ((COMP_CWORD == 1)); then
    words="$("$cjm" list commands 2>/dev/null) --help --version"
    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
    return
  fi
  cmd=${COMP_WORDS[1]}
  [[ $cmd == help ]] && {
    mapfile -t COMPREPLY < <(compgen -W "$("$cjm" list commands 2>/dev/null)" -- "$cur")
    return
  }
  file=$(_cjm_scenario "$cjm" "$cmd")
  case $prev in
    --variant) words=$("$cjm" list "$file" variants 2>/dev/null) ;;
    --fix) words=$("$cjm" list "$file" fixes 2>/dev/null) ;;
    --set | --param)
      words=$("$cjm" list "$file" inputs 2>/dev/null | sed 's/$/=/')
      compopt -o nospace 2>/dev/null
      ;;
    --metric) words=$("$cjm" list metrics 2>/dev/null) ;;
    --engine) words="agent exact cohort" ;;
    --format) words="table json csv dot mermaid" ;;
    --sampling) words="random lhs" ;;
    --design) words="random sobol" ;;
    -o | --output | --runs-out)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    *)
      if [[ $cur == -* ]]; then
        words=$("$cjm" list options "$cmd" 2>/dev/null)
      elif [[ $prev == -* && " $("$cjm" list flags "$cmd" 2>/dev/null | tr '\n' ' ') " != *" $prev "* ]]; then
        return # the value of an option cjm cannot guess
      elif [[ -z $file ]]; then
        case $cmd in
          fit) words="sbg bgnbd paths" ;;
          list) words="commands metrics options flags" ;;
        esac
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur"; compgen -f -- "$cur")
        return
      else
        case $cmd in
          compare | voi | report) words=$("$cjm" list "$file" variants 2>/dev/null) ;;
          list) words="variants fixes barriers inputs uncertain stages segments metrics" ;;
          fit | merge)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return
            ;;
        esac
      fi
      ;;
  esac
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}
complete -o default -F _cjm cjm
