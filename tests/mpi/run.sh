#!/usr/bin/env bash
# tests/mpi/run.sh BUILD_DIR: the MPI build (-DCJM_MPI=ON) against itself run
# in one process. For K = 1, 2 and 3 ranks (4 for one; oversubscribed on a small
# machine), `mpirun -np K cjm COMMAND` must write the very bytes of the
# command run without mpirun: run in every format, with --runs-out, to
# standard output, with the agent, cohort and exact engines; tornado, morris
# and sobol, compare; a command that is not shared (fixes) on rank 0 alone.
# Errors:
# a bad scenario is said once with status 1; --shard and --precision under
# mpirun are usage (status 2); an unknown option is said once. Run by
# tools/test on build-mpi/ (ctest "mpi" in a -DCJM_MPI=ON build with tests);
# exits 1 on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
cjm="$build/cjm"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# one machine, no network: shared memory and loopback only
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$top"
failures=0
fail() { echo "mpi test: $*" >&2; failures=$((failures + 1)); }

# same_bytes NAME ARGS...: whole (no mpirun) vs K ranks, -o files compared.
ranks="1 2 3"
same_bytes() {
  local name=$1; shift
  "$cjm" "$@" -o "$work/$name.whole" 2>"$work/$name.err" || { fail "$name: whole run failed: $(cat "$work/$name.err")"; return; }
  for k in $ranks; do
    if ! mpirun -np "$k" "$cjm" "$@" -o "$work/$name.$k" 2>"$work/$name.$k.err"; then
      fail "$name: $k ranks failed: $(head -3 "$work/$name.$k.err")"
    elif ! cmp -s "$work/$name.whole" "$work/$name.$k"; then
      fail "$name: $k ranks wrote other bytes than one process"
    fi
  done
}

s=scenarios/beauty_clinic.lua
ranks="1 2 3 4" same_bytes run_table run "$s" --runs 24 --seed 7
same_bytes run_json run "$s" --runs 24 --seed 7 --format json
same_bytes run_csv run "$s" --runs 24 --seed 7 --format csv
same_bytes run_threads run "$s" --runs 24 --seed 7 --threads 2
same_bytes run_cohort run "$s" --runs 24 --seed 7 --engine cohort
same_bytes run_exact run scenarios/b2b_software.lua --engine exact --format json # 1 run: idle ranks
same_bytes run_club run scenarios/beauty_clinic_club.lua --runs 12 --format json
same_bytes tornado tornado "$s" --format json
same_bytes morris morris scenarios/online_school.lua --runs 3 --customers 800 --trajectories 4 --format json
same_bytes sobol sobol "$s" --engine exact --samples 64 --design sobol \
  --param transitions.consult.client=0.3:0.55 --param stages.consult.cost=500:1200 --format json
same_bytes compare compare "$s" --runs 12 --format json
same_bytes fixes fixes "$s" --runs 6 --format json

# --runs-out beside -o, and standard output
"$cjm" run "$s" --runs 24 --runs-out "$work/rows.whole" >"$work/stdout.whole"
for k in 2 3; do
  mpirun -np "$k" "$cjm" run "$s" --runs 24 --runs-out "$work/rows.$k" >"$work/stdout.$k"
  cmp -s "$work/rows.whole" "$work/rows.$k" || fail "--runs-out: $k ranks differ"
  cmp -s "$work/stdout.whole" "$work/stdout.$k" || fail "stdout: $k ranks differ"
done

# errors: status and one message
printf 'return { name = "x", stages = { a = {} }, transitions = { a = { b = 2 } } }\n' >"$work/bad.lua"
set +e
mpirun -np 3 "$cjm" run "$work/bad.lua" -o "$work/bad.out" 2>"$work/bad.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "bad scenario: status $rc, not 1"
[ "$(grep -c '^cjm: ' "$work/bad.err")" = 1 ] || fail "bad scenario: not one message: $(cat "$work/bad.err")"
[ ! -e "$work/bad.out" ] || fail "bad scenario: an output was written"
for opt in "--shard 1/2" "--precision ltv=5%" "--no-such-option"; do
  set +e
  # shellcheck disable=SC2086
  mpirun -np 2 "$cjm" run "$s" --runs 8 $opt -o "$work/opt.out" 2>"$work/opt.err"
  rc=$?
  set -e
  [ "$rc" = 2 ] || fail "$opt: status $rc, not 2"
  [ "$(grep -c '^cjm: ' "$work/opt.err")" = 1 ] || fail "$opt: not one message: $(cat "$work/opt.err")"
done
ls "${TMPDIR:-/tmp}"/cjm-mpi-* >/dev/null 2>&1 && fail "temporary files left in ${TMPDIR:-/tmp}"

[ "$failures" = 0 ] || exit 1
echo "mpi test: every command's bytes equal for 1-4 ranks"
