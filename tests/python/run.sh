#!/usr/bin/env bash
# tests/python/run.sh BUILD_DIR: the Python module (python/cjm) over
# BUILD_DIR's libcjm.so against BUILD_DIR's cjm binary (test_module.py), then
# the example script. Debian's python3 with python3-pandas and python3-cffi
# (tools/setup.sh installs them). In a sanitizer build the library needs the
# sanitizer runtimes loaded first: they are preloaded into python3, with leak
# detection off (the interpreter keeps its memory to the end by design; the
# library's own leaks are LeakSanitizer's job in the C tests). Registered
# with ctest as "python"; exits 1 on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
export CJM_LIBRARY="$build/libcjm.so" CJM_BINARY="$build/cjm" PYTHONPATH="$top/python"
if [ "$(nm -D "$CJM_LIBRARY" | grep -c ' U __asan_init')" != 0 ]; then
  preload=""
  for rt in libasan.so libubsan.so; do
    f=$(cc -print-file-name=$rt)
    [ -e "$f" ] && preload="$preload:$f"
  done
  export LD_PRELOAD="${preload#:}"
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
cd "$top"
/usr/bin/python3 "$top/tests/python/test_module.py"
/usr/bin/python3 "$top/python/examples/planner.py" >/dev/null
