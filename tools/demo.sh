#!/usr/bin/env bash
# exwire's main job: installs what is missing, builds, and runs the latency demo: `exwire
# bench` with its defaults (the exchange simulator and an exwire client engine in one
# process, a sample strategy answering every ITCH Add Order with an OUCH Enter Order, and a
# raw TCP ping-pong as the yardstick). It prints the latency percentiles and writes
# bench-results/report.html and bench-results/results.json (docs/bench.md).
# SKIP_SETUP=1 skips installing packages; BUILD_DIR chooses the build folder; extra
# arguments go to `exwire bench` (e.g. --idle busy-spin, --transport io_uring).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
[ "${SKIP_SETUP:-0}" = 1 ] || bash tools/setup.sh
[ -f "$build/build.ninja" ] || meson setup "$build"
ninja -C "$build" tools/exwire
exec "$build/tools/exwire" bench "$@"
