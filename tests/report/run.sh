#!/usr/bin/env bash
# tests/report/run.sh BUILD_DIR: cjm report in a real browser. For every
# example scenario (scenarios/*.lua): its report with all its variants (and
# --fixes where it has fixes) is loaded by headless Chromium (Debian's
# chromium; tools/setup.sh installs it) from file:// with the network off
# (a dead proxy, every host unresolvable; the page's own Content-Security-
# Policy refuses any request and records it as an error), and its DOM is
# checked by check.py: marked rendered, every chart drawn, no console error,
# and every number in its tables equal to the JSON of cjm run / compare /
# fixes for the same command. A screenshot per example goes to
# BUILD_DIR/report-screenshots/ for a person to look at. Then: the same
# inputs give the same bytes (any number of threads), and bad usage fails
# without leaving a file. Registered with ctest as "report"; exits 1 on any
# failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
cjm=$build/cjm
shots=$build/report-screenshots
work=$(mktemp -d /tmp/cjm_report_XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "report test: $*" >&2; status=1; }
status=0
browser=$(command -v chromium || true)
[ -n "$browser" ] || { echo "report test: chromium is not installed (tools/setup.sh installs it)" >&2; exit 1; }
mkdir -p "$shots"

# --no-sandbox: the tests run as root in a container
chrome() {
  "$browser" --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions \
    --disable-background-networking --proxy-server=127.0.0.1:9 \
    --host-resolver-rules="MAP * ~NOTFOUND" --virtual-time-budget=20000 \
    --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"
}

runs=(--runs 20 --seed 7)
for scen in "$top"/scenarios/*.lua; do
  name=$(basename "$scen" .lua)
  dir=$work/$name
  mkdir -p "$dir/json"
  "$cjm" run "$scen" "${runs[@]}" --format json -o "$dir/json/run.json" \
    --runs-out "$dir/runs.csv" || { fail "$name: cjm run failed"; continue; }
  variants=()
  if "$cjm" compare "$scen" "${runs[@]}" --format json -o "$dir/json/compare.json" 2>/dev/null; then
    mapfile -t variants < <(python3 -c 'import json,sys
for v in json.load(open(sys.argv[1]))["variants"]: print(v["name"])' "$dir/json/compare.json")
  fi
  [ ${#variants[@]} -gt 0 ] || rm -f "$dir/json/compare.json"
  # a variant's loyalty panel is checked against its own cjm run --variant
  for v in "${variants[@]}"; do
    "$cjm" run "$scen" "${runs[@]}" --variant "$v" --format json -o "$dir/json/variant.$v.json" ||
      fail "$name: cjm run --variant $v failed"
  done
  fixes=()
  if "$cjm" fixes "$scen" "${runs[@]}" --format json -o "$dir/json/fixes.json" 2>/dev/null; then
    fixes=(--fixes)
  fi
  "$cjm" report "$scen" "${variants[@]}" "${fixes[@]}" "${runs[@]}" --metric ltv -o "$dir/report.html" ||
    { fail "$name: cjm report failed"; continue; }
  chrome --dump-dom "file://$dir/report.html" >"$dir/dom.html" || fail "$name: chromium failed"
  python3 "$top/tests/report/check.py" "$dir/dom.html" "$dir/json" "$dir/runs.csv" ||
    fail "$name: the page is wrong (above)"
  chrome --hide-scrollbars --window-size=1280,6000 --screenshot="$shots/$name.png" \
    "file://$dir/report.html" >/dev/null || fail "$name: no screenshot"
  [ -s "$shots/$name.png" ] || fail "$name: the screenshot is empty"
  # the same inputs, the same bytes, whatever the threads
  "$cjm" report "$scen" "${variants[@]}" "${fixes[@]}" "${runs[@]}" --metric ltv --threads 1 \
    -o "$dir/again.html" || fail "$name: the second report failed"
  cmp -s "$dir/report.html" "$dir/again.html" || fail "$name: the same inputs gave other bytes"
done

# The exact engine's report (one run: no spread), with a tornado of profit
# over two named inputs (one with its own range) at a 10% swing, checks the
# same way (the tornado's numbers against cjm tornado's JSON with the same
# options).
dir=$work/exact
mkdir -p "$dir/json"
scen=$top/scenarios/beauty_clinic.lua
"$cjm" run "$scen" --engine exact --format json -o "$dir/json/run.json" --runs-out "$dir/runs.csv"
torn=(--swing 10% --param transitions.consult.client --param stages.consult.cost=500:1200)
"$cjm" tornado "$scen" --engine exact "${torn[@]}" --format json -o "$dir/json/tornado.json"
"$cjm" report "$scen" --engine exact --tornado "${torn[@]}" -o "$dir/report.html"
chrome --dump-dom "file://$dir/report.html" >"$dir/dom.html"
python3 "$top/tests/report/check.py" "$dir/dom.html" "$dir/json" "$dir/runs.csv" ||
  fail "exact: the page is wrong (above)"
grep -q 'data-json="tornado:inputs.0.metric_low"' "$dir/dom.html" || fail "exact: no tornado"
[ "$(grep -c 'data-json="tornado:inputs.[0-9]*.metric_low"' "$dir/dom.html")" = 2 ] ||
  fail "exact: the tornado does not have the two inputs --param named"
chrome --hide-scrollbars --window-size=1280,6000 --screenshot="$shots/beauty_clinic_exact_tornado.png" \
  "file://$dir/report.html" >/dev/null || fail "exact: no screenshot"

# The checks can fail: a page that asks for the network (an image from a
# server) records the refusal as an error, and a number changed in a table
# is found.
sed 's|<footer>|<img src="https://example.com/x.png"><footer>|' "$dir/report.html" >"$dir/net.html"
chrome --dump-dom "file://$dir/net.html" >"$dir/net-dom.html"
if python3 "$top/tests/report/check.py" "$dir/net-dom.html" "$dir/json" "$dir/runs.csv" \
  >"$dir/net.log"; then
  fail "a page that asks for the network passed"
fi
grep -q "refused by the page's policy" "$dir/net.log" || fail "the request was not recorded: $(cat "$dir/net.log")"
sed 's|\(data-json="run:metrics.profit.mean">\)|\11|' "$dir/dom.html" >"$dir/changed.html"
if python3 "$top/tests/report/check.py" "$dir/changed.html" "$dir/json" "$dir/runs.csv" >/dev/null; then
  fail "a page with a changed number passed"
fi

# Bad usage: one line, the status, and no file written or changed.
expect() { # expect STATUS PATTERN cjm-args...
  local want=$1 pattern=$2 rc=0
  shift 2
  "$cjm" "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" = "$want" ] || fail "cjm $*: exit $rc, expected $want"
  grep -q -- "$pattern" "$work/err" || fail "cjm $*: said '$(cat "$work/err")', expected '$pattern'"
  [ "$(wc -l <"$work/err")" -eq 1 ] || fail "cjm $*: more than one line: $(cat "$work/err")"
}
echo keep >"$work/kept.html"
expect 1 "no variant named 'nosuch' (the variants are both_fixes, cheaper_ads, cheaper_ads_with_fixes, fears_addressed, follow_up)" report "$scen" nosuch -o "$work/kept.html"
[ "$(cat "$work/kept.html")" = keep ] || fail "a failed report changed its -o file"
expect 2 "give -o FILE.html" report "$scen"
expect 2 "is not one of its options" report "$scen" --format json -o "$work/x.html"
expect 1 "$work/no/such/dir/r.html" report "$scen" -o "$work/no/such/dir/r.html"
expect 2 "unknown option '--bogus'" report "$scen" --bogus -o "$work/x.html"
expect 2 "no metric named 'wealth'" report "$scen" --tornado --metric wealth -o "$work/x.html"
expect 2 "are the tornado's: add --tornado" report "$scen" --swing 10% -o "$work/x.html"
expect 2 "--swing: expected a percentage" report "$scen" --tornado --swing 300% -o "$work/x.html"
[ ! -e "$work/x.html" ] || fail "a report refused for bad usage left a file"
"$cjm" report --help >"$work/help" || fail "cjm report --help failed"
grep -q "usage: cjm report FILE" "$work/help" || fail "cjm report --help does not say the usage"
exit $status
