# Sourced by tools/run and tools/test: installs what is missing (Debian 12,
# as root) and configures + builds into build/ (incremental on a second run).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need=()
pkg-config --exists lua5.4 2>/dev/null || need+=(liblua5.4-dev)
pkg-config --exists jansson 2>/dev/null || need+=(libjansson-dev)
pkg-config --exists cmocka 2>/dev/null || need+=(libcmocka-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
command -v zsh >/dev/null 2>&1 || need+=(zsh) # the zsh completion's test (tests/cli/)
# the Python module and its test use Debian's python3 with pandas and cffi
/usr/bin/python3 -c 'import pandas' >/dev/null 2>&1 || need+=(python3-pandas)
/usr/bin/python3 -c 'import cffi' >/dev/null 2>&1 || need+=(python3-cffi)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v cc >/dev/null 2>&1 || need+=(build-essential)

# cjm_install PACKAGE...: installs Debian packages (as root, or with sudo).
cjm_install() {
  echo "setup: installing $*" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}
if [ ${#need[@]} -gt 0 ]; then
  cjm_install "${need[@]}"
fi

cjm_build() { # cjm_build DIR [cmake args...]
  local dir=$1; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >&2
  fi
  cmake --build "$dir" -j "$(nproc)" >&2
}

# The sanitizer configuration of build-asan/ (tools/test, -DCJM_SANITIZE=ON):
# leaks are errors (LeakSanitizer), every report stops the program, and the
# exit status of a report (86) is one that no cjm command uses, so that a test
# expecting a failure cannot mistake a report for it.
cjm_sanitizer_env() {
  export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:exitcode=86:abort_on_error=0:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1"
  export LSAN_OPTIONS="exitcode=86"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86"
}
