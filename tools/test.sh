#!/usr/bin/env bash
# Installs what is missing, builds exwire and runs every test suite (unit, integration,
# interop, data, fuzz, slow, rings). Ends with "N skipped", then a last line "N passed, N failed".
#
#   tools/test.sh                 everything, build folder `build`
#   tools/test.sh --suite unit    one suite (any `meson test` arguments pass through)
# Environment: BUILD_DIR (default build), SKIP_SETUP=1 to skip the package check,
# MESON_SETUP_ARGS for extra `meson setup` options (e.g. -Dwerror=true).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}

if [ "${SKIP_SETUP:-0}" != 1 ]; then bash tools/setup.sh; fi

if [ ! -f "$build/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$build" ${MESON_SETUP_ARGS:-}
fi
echo "test.sh: building in $build"
ninja -C "$build"

status=0
meson test -C "$build" --print-errorlogs --num-processes 2 "$@" || status=$?
python3 tools/test_summary.py "$build/meson-logs/testlog.json"
exit $status
