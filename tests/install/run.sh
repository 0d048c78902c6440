#!/usr/bin/env bash
# tests/install/run.sh BUILD_DIR [CFLAGS...]: installs BUILD_DIR into a fresh
# temporary prefix (cmake --install), checks what is there, then builds
# example.c outside the tree twice, with `pkg-config --cflags --libs cjm`
# alone and with CMake's find_package(cjm) / cjm::cjm, and runs it on a
# scenario; checks that libcjm.so exports only cjm_* functions and reads no
# environment. CFLAGS (the sanitizers, in the sanitizer build) go to the
# compiler too. Registered with ctest as "install"; exits 1 on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
shift
cflags=("$@")
work=$(mktemp -d /tmp/cjm_install_XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "install test: $*" >&2; exit 1; }

prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || fail "cmake --install failed"
for f in bin/cjm include/cjm.h lib/libcjm.so lib/libcjm.so.0 lib/pkgconfig/cjm.pc \
         lib/cmake/cjm/cjmConfig.cmake lib/cmake/cjm/cjmConfigVersion.cmake; do
  [ -e "$prefix/$f" ] || fail "$f was not installed"
done
for f in share/man/man1/cjm.1 share/bash-completion/completions/cjm share/zsh/site-functions/_cjm; do
  [ -s "$prefix/$f" ] || fail "$f was not installed"
done
"$build/cjm" help --man | cmp -s - "$prefix/share/man/man1/cjm.1" ||
  fail "the installed cjm.1 is not what cjm help --man writes"
grep -q '^complete .*-F _cjm cjm$' "$prefix/share/bash-completion/completions/cjm" ||
  fail "the installed bash completion does not register _cjm"
head -1 "$prefix/share/zsh/site-functions/_cjm" | grep -qx '#compdef cjm' ||
  fail "the installed zsh completion has no #compdef line"
headers=$(cd "$prefix/include" && ls)
[ "$headers" = cjm.h ] || fail "include/ holds more than cjm.h: $headers"
grep -q '@PROJECT_VERSION' "$prefix/include/cjm.h" && fail "the installed cjm.h has no version"

lib=$(readlink -f "$prefix/lib/libcjm.so")
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libcjm.so.0 ] || fail "SONAME is '$soname', not libcjm.so.0"
exports=$(nm -D --defined-only "$lib" | awk '{print $3}')
others=$(grep -v '^cjm_' <<<"$exports" || true)
[ -z "$others" ] || fail "libcjm.so exports more than cjm_*: $(tr '\n' ' ' <<<"$others")"
grep -qx cjm_model_load_buffer <<<"$exports" || fail "libcjm.so does not export cjm_model_load_buffer"
imports=$(nm -D --undefined-only "$lib" | awk '{print $2}')
grep -Eq '^(secure_)?getenv(@|$)' <<<"$imports" && fail "libcjm.so calls getenv"

want_version="cjm $(sed -n 's/^#define CJM_VERSION "\(.*\)"/\1/p' "$prefix/include/cjm.h")"
[ "$("$prefix/bin/cjm" --version)" = "$want_version" ] || fail "bin/cjm --version is not $want_version"

# two_stage.lua by hand: conversion 1 - 0.7^5 = 0.83193; profit 1000 (10 x 0.83193 - 0.5 -
# sum_{t<5} 0.7^t) = 5046.2; lost reached by sum_{tau=1..5} 0.3 0.7^(tau-1) (1 - 0.8^(5-tau))
# = 0.3531
scenario=$top/tests/scenarios/two_stage.lua
expect() {
  local v=${want_version#cjm }
  printf 'libcjm %s (header %s)\n' "$v" "$v"
  printf 'two stages (%s): conversion 0.831930 (exact) profit 5046.200000 (exact); reached lost 0.353100\n' \
    "$scenario"
  printf 'two stages (buffer.lua): conversion 0.831930 (exact) profit 5046.200000 (exact); reached lost 0.353100\n'
}
check_example() { # check_example BINARY HOW
  LD_LIBRARY_PATH=$libdir "$1" "$scenario" >"$work/out.txt" 2>"$work/err.txt" ||
    fail "$2: the example failed: $(cat "$work/err.txt")"
  diff <(expect) "$work/out.txt" >&2 || fail "$2: the example printed other numbers"
}

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
libdir=$(pkg-config --variable=libdir cjm)
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "${cflags[@]}" "$top/tests/install/example.c" \
  $(pkg-config --cflags --libs cjm) -o "$work/example_pc" || fail "pkg-config: the example does not build"
check_example "$work/example_pc" pkg-config

cmake -S "$top/tests/install" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="${cflags[*]}" -DCMAKE_EXE_LINKER_FLAGS="${cflags[*]}" >"$work/cmake.log" 2>&1 ||
  fail "find_package(cjm): $(tail -5 "$work/cmake.log")"
cmake --build "$work/consumer" >>"$work/cmake.log" 2>&1 || fail "cjm::cjm: the example does not build"
check_example "$work/consumer/example" "find_package(cjm)"

# the installed tree may be moved: pkg-config's paths are relative to cjm.pc
mv "$prefix" "$work/moved"
prefix=$work/moved
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
libdir=$(pkg-config --variable=libdir cjm)
# shellcheck disable=SC2046
cc -std=c11 "${cflags[@]}" "$top/tests/install/example.c" $(pkg-config --cflags --libs cjm) \
  -o "$work/example_moved" || fail "pkg-config: the example does not build from a moved prefix"
check_example "$work/example_moved" "moved prefix"
echo "install test: installed, built with pkg-config and with find_package(cjm), ran, and moved"
