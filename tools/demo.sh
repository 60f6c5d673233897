#!/usr/bin/env bash
# exwire's main job: installs what is missing, builds, and runs the latency demo.
# Today the demo is the core ring benchmark (two pinned threads, exwire's SPSC rings against
# boost::lockfree side by side); it grows into the end-to-end tick-to-trade benchmark.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${BUILD_DIR:-build}
[ "${SKIP_SETUP:-0}" = 1 ] || bash tools/setup.sh
[ -f "$build/build.ninja" ] || meson setup "$build"
ninja -C "$build"
exec "$build/bench/core/ring_bench" --benchmark_repetitions="${REPETITIONS:-3}" --benchmark_enable_random_interleaving=true "$@"
