#!/usr/bin/env bash
# tests/cli/run.sh BUILD_DIR: the help, man page, completion, `cjm list`,
# "did you mean" and progress bar, through the real binary. Registered with
# ctest as "cli_help"; exits 1 on the first failure.
#  - every command's --help (and `cjm help COMMAND`, the same bytes) exits 0,
#    writes only to stdout, and names every option `cjm list options` says
#    the command takes (both come from the command tables);
#  - the man page cjm.1 names every command and is valid roff;
#  - `cjm list` and the bash completion give a scenario's variants, fixes,
#    inputs and the command's options;
#  - misspelt commands, options, variants, fixes, metrics and --set paths
#    get the nearest name; an unknown variant or fix is exit status 2;
#  - under a pseudo-terminal run, compare, fixes and report draw a progress
#    bar with the time left on stderr; in a pipe, or with --quiet, nothing;
#    the output files are the same bytes either way.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
cjm=$build/cjm
work=$(mktemp -d /tmp/cjm_cli_XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "cli test: $*" >&2; exit 1; }
beauty=$top/scenarios/beauty_clinic.lua
coffee=$top/scenarios/coffee_shop.lua
two=$top/tests/scenarios/two_stage.lua

# ---- help ----
commands=$("$cjm" list commands)
[ "$(wc -l <<<"$commands")" -ge 17 ] || fail "cjm list commands: too few: $commands"
for c in run check compare fixes sweep tornado morris sobol goal optimize voi report fit \
         attribution merge list help; do
  grep -qx "$c" <<<"$commands" || fail "cjm list commands does not list $c"
done
for c in $commands; do
  "$cjm" "$c" --help >"$work/help" 2>"$work/err" || fail "cjm $c --help: exit $?"
  [ -s "$work/err" ] && fail "cjm $c --help wrote to stderr: $(cat "$work/err")"
  head -1 "$work/help" | grep -q "^usage: cjm $c " || fail "cjm $c --help: no usage line"
  grep -q "^example:" "$work/help" || fail "cjm $c --help: no example"
  "$cjm" help "$c" >"$work/help2" || fail "cjm help $c: exit $?"
  cmp -s "$work/help" "$work/help2" || fail "cjm help $c differs from cjm $c --help"
  for o in $("$cjm" list options "$c"); do
    [ "$o" = --help ] && continue
    grep -q -- "$o" "$work/help" || fail "cjm $c --help does not mention $o"
  done
done
# the options the parser accepts for run include every common one
for o in --engine --runs --customers --horizon --seed --threads --set --format -o --variant \
         --fix --sampling --lua-memory --precision --max-runs --runs-out --shard --quiet; do
  "$cjm" list options run | grep -qx -- "$o" || fail "cjm list options run lacks $o"
done
"$cjm" run "$two" --runs 2 --help >"$work/help" || fail "cjm run FILE --help: exit $?"
grep -q "^usage: cjm run" "$work/help" || fail "cjm run FILE --help is not run's help"
grep -q "default 100)" "$work/help" || fail "cjm run --help does not give --runs' default"

# ---- the man page ----
man=$build/cjm.1
[ -s "$man" ] || fail "the build wrote no cjm.1"
head -1 "$man" | grep -q '^\.TH CJM 1' || fail "cjm.1 has no .TH line"
for c in $commands; do
  grep -q "^\.SS \"cjm $c " "$man" || fail "cjm.1 has no section for $c"
done
"$cjm" help --man >"$work/man" && cmp -s "$work/man" "$man" || fail "cjm.1 is not cjm help --man"
if command -v groff >/dev/null; then
  warn=$(groff -man -ww -z "$man" 2>&1) || fail "groff failed on cjm.1"
  [ -z "$warn" ] || fail "groff warns on cjm.1: $warn"
fi

# ---- cjm list ----
[ "$("$cjm" list "$beauty" variants | tr '\n' ' ')" = \
  "fears_addressed follow_up both_fixes cheaper_ads cheaper_ads_with_fixes " ] ||
  fail "cjm list variants: $("$cjm" list "$beauty" variants | tr '\n' ' ')"
[ "$("$cjm" list "$beauty" fixes | tr '\n' ' ')" = "fears_doubts no_follow_up " ] ||
  fail "cjm list fixes: $("$cjm" list "$beauty" fixes | tr '\n' ' ')"
"$cjm" list "$two" inputs | grep -qx transitions.a.b || fail "cjm list inputs lacks transitions.a.b"
"$cjm" list metrics | grep -qx profit || fail "cjm list metrics lacks profit"
[ -z "$("$cjm" list "$two" variants)" ] || fail "two_stage.lua has variants?"
"$cjm" list flags report | grep -qx -- --fixes || fail "cjm list flags report lacks --fixes"

# ---- did you mean, exit statuses ----
expect() { # expect STATUS TEXT ARGS...: the status, TEXT in the one line on stderr, no stdout
  local want=$1 text=$2 rc=0
  shift 2
  "$cjm" "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = "$want" ] || fail "cjm $*: exit $rc, not $want: $(cat "$work/err")"
  grep -qF -- "$text" "$work/err" || fail "cjm $*: stderr lacks '$text': $(cat "$work/err")"
  [ "$(wc -l <"$work/err")" = 1 ] || fail "cjm $*: not one line on stderr: $(cat "$work/err")"
  [ -s "$work/out" ] && fail "cjm $*: wrote to stdout"
  return 0
}
expect 2 "unknown command 'rnu'; did you mean 'run'?" rnu "$two"
expect 2 "unknown command 'hepl'; did you mean 'help'?" hepl
expect 2 "unknown command 'tornadoo'; did you mean 'tornado'?" help tornadoo
expect 2 "unknown option '--rnus'; did you mean '--runs'?" run "$two" --rnus 3
expect 2 "unknown option '--swnig'; did you mean '--swing'?" tornado "$two" --swnig 10%
expect 2 "--variant: no variant named 'fears_adressed'; did you mean 'fears_addressed'?" \
  run "$beauty" --variant fears_adressed
expect 2 "compare: no variant named 'nope'; the variants are fears_addressed, follow_up, both_fixes, cheaper_ads, cheaper_ads_with_fixes" \
  compare "$beauty" nope
expect 2 "report: no variant named 'folow_up'; did you mean 'follow_up'?" \
  report "$beauty" folow_up -o "$work/r.html"
[ -e "$work/r.html" ] && fail "report with an unknown variant wrote its file"
expect 2 "voi: no variant named 'campain'; did you mean 'campaign'?" voi "$top/tests/scenarios/voi.lua" campain
expect 2 "--fix: no fix named 'fears_doubt'; did you mean 'fears_doubts'?" run "$beauty" --fix fears_doubt
expect 2 "--fix: no fix named 'x'; the fixes are fears_doubts, no_follow_up" check "$beauty" --fix x
expect 2 "--fix: no fix named 'x': the scenario has none" run "$two" --fix x
expect 2 "--variant: no variant named 'v': the scenario has none" run "$two" --variant v
expect 2 "--metric: no metric named 'proft'; did you mean 'profit'?" tornado "$two" --metric proft
expect 2 "--precision: no metric named 'conversoin'; did you mean 'conversion'?" \
  run "$two" --precision conversoin=1%
expect 2 "unknown metric 'happiness'" tornado "$two" --metric happiness
expect 1 "--set transitions.a.bb: no such value in the scenario (keys: b)" \
  run "$two" --set transitions.a.bb=0.2
expect 2 "list: expected FILE and one of variants" list "$two" varaints
grep -qF "did you mean 'variants'?" "$work/err" || fail "cjm list FILE varaints: no suggestion"

# ---- bash completion ----
bash -n "$top/tools/completion/cjm.bash" || fail "cjm.bash does not parse"
complete_words() { # complete_words WORD...: the candidates for the last word
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
           _cjm; printf "%s\n" "${COMPREPLY[@]}"' _ "$top/tools/completion/cjm.bash" "$@"
}
[ "$(complete_words "$cjm" compa)" = compare ] || fail "completion: compa -> $(complete_words "$cjm" compa)"
[ "$(complete_words "$cjm" run "$beauty" --variant "" | tr '\n' ' ')" = \
  "fears_addressed follow_up both_fixes cheaper_ads cheaper_ads_with_fixes " ] ||
  fail "completion: --variant -> $(complete_words "$cjm" run "$beauty" --variant "")"
[ "$(complete_words "$cjm" compare --runs 5 "$beauty" ch | tr '\n' ' ')" = \
  "cheaper_ads cheaper_ads_with_fixes " ] || fail "completion: compare FILE ch"
[ "$(complete_words "$cjm" run --quiet "$beauty" --fix no)" = no_follow_up ] ||
  fail "completion: --fix no -> $(complete_words "$cjm" run --quiet "$beauty" --fix no)"
[ "$(complete_words "$cjm" run "$two" --set transitions.a.)" = "transitions.a.b=" ] ||
  fail "completion: --set -> $(complete_words "$cjm" run "$two" --set transitions.a.)"
[ "$(complete_words "$cjm" tornado "$two" --sw)" = --swing ] || fail "completion: --sw"
[ "$(complete_words "$cjm" tornado "$two" --metric ltv_c)" = ltv_cac ] || fail "completion: --metric"
[ "$(complete_words "$cjm" run "$two" --engine ex)" = exact ] || fail "completion: --engine"

# ---- zsh completion: _cjm with compadd and _files standing in for zsh's ----
command -v zsh >/dev/null || fail "zsh is not installed (tools/setup.sh installs it)"
zsh -n "$top/tools/completion/_cjm" || fail "_cjm does not parse"
zsh_words() { # zsh_words WORD...: what _cjm hands compadd for the last word
  zsh -c 'compadd() { local -a out; local sfx=""
            while [[ $1 == -* ]]; do case $1 in -S) sfx=$2; shift 2;; -a) out=(${(P)2}); shift 2;;
              *) shift;; esac; done
            out+=("$@"); print -r -- "${(j: :)out}$sfx"; }
          _files() { print -r -- "<files>"; }
          source "$1" >/dev/null 2>&1; shift; words=("$@"); CURRENT=${#words}; _cjm' \
    _ "$top/tools/completion/_cjm" "$@"
}
[ "$(zsh_words "$cjm" run "$beauty" --variant "")" = \
  "fears_addressed follow_up both_fixes cheaper_ads cheaper_ads_with_fixes" ] ||
  fail "zsh completion: --variant -> $(zsh_words "$cjm" run "$beauty" --variant "")"
[ "$(zsh_words "$cjm" run --quiet "$beauty" --fix "")" = "fears_doubts no_follow_up" ] ||
  fail "zsh completion: --fix -> $(zsh_words "$cjm" run --quiet "$beauty" --fix "")"
zsh_words "$cjm" compare --runs 5 "$beauty" "" | grep -q "^fears_addressed follow_up" ||
  fail "zsh completion: compare FILE -> $(zsh_words "$cjm" compare --runs 5 "$beauty" "")"
zsh_words "$cjm" run "$two" --set "" | grep -q "transitions.a.b .*=$" ||
  fail "zsh completion: --set -> $(zsh_words "$cjm" run "$two" --set "")"
zsh_words "$cjm" "" | grep -q "^run check compare " || fail "zsh completion: the commands"
zsh_words "$cjm" tornado "$two" --s | grep -q -- "--swing" || fail "zsh completion: options"

# ---- progress ----
py=/usr/bin/python3
[ -x "$py" ] || py=python3
# under_pty OUT ERR ARGS...: cjm ARGS with stderr a pseudo-terminal (its bytes to ERR), stdout to OUT
under_pty() {
  "$py" - "$@" <<'PY'
import os, pty, subprocess, sys
out, err, args = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
with open(out, "wb") as o:
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=o, stderr=slave)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
rc = p.wait()
open(err, "wb").write(data)
sys.exit(rc)
PY
}
for args in "run $beauty --runs 60 --customers 3000" "compare $beauty follow_up --runs 30 --customers 3000" \
            "fixes $beauty --runs 20 --customers 3000"; do
  # shellcheck disable=SC2086
  under_pty "$work/tty.out" "$work/tty.err" "$cjm" $args --format json --threads 2 ||
    fail "cjm $args under a pty: exit $?"
  grep -q "%, .* left" "$work/tty.err" || fail "cjm $args: no progress bar on a terminal: $(head -c 300 "$work/tty.err")"
  grep -q $'\r' "$work/tty.err" || fail "cjm $args: the bar does not redraw with CR"
  # shellcheck disable=SC2086
  "$cjm" $args --format json --threads 2 >"$work/pipe.out" 2>"$work/pipe.err" || fail "cjm $args: exit $?"
  [ -s "$work/pipe.err" ] && fail "cjm $args in a pipe wrote to stderr: $(head -c 300 "$work/pipe.err")"
  cmp -s "$work/tty.out" "$work/pipe.out" || fail "cjm $args: other bytes with the progress bar"
  # shellcheck disable=SC2086
  under_pty "$work/quiet.out" "$work/quiet.err" "$cjm" $args --format json --threads 1 --quiet ||
    fail "cjm $args --quiet: exit $?"
  [ -s "$work/quiet.err" ] && fail "cjm $args --quiet drew: $(head -c 300 "$work/quiet.err")"
  cmp -s "$work/quiet.out" "$work/pipe.out" || fail "cjm $args: other bytes with --quiet or 1 thread"
done
under_pty "$work/tty.out" "$work/tty.err" "$cjm" report "$beauty" --runs 20 --customers 3000 \
  --fixes -o "$work/tty.html" || fail "cjm report under a pty: exit $?"
grep -q "%, .* left" "$work/tty.err" || fail "cjm report: no progress bar on a terminal"
"$cjm" report "$beauty" --runs 20 --customers 3000 --fixes -o "$work/pipe.html" 2>"$work/pipe.err" ||
  fail "cjm report: exit $?"
[ -s "$work/pipe.err" ] && fail "cjm report in a pipe wrote to stderr"
cmp -s "$work/tty.html" "$work/pipe.html" || fail "cjm report: other bytes with the progress bar"
echo "cli test: help, man page, list, completion, suggestions and progress as expected"
