#!/usr/bin/env bash
# Installs exwire into a scratch folder and builds a program against it through pkg-config,
# as a user would: headers as <exwire/...>, libraries and flags from exwire.pc.
set -euo pipefail
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
pc=$(find "$dest" -name exwire.pc | head -1)
[ -n "$pc" ] || { echo "exwire.pc was not installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
# Point the installed exwire.pc at the scratch folder (only exwire's own prefix moves).
sed -i "s|^prefix=.*|prefix=$dest$prefix|" "$pc"
cat >"$dest/user.cpp" <<'CPP'
#include <exwire/core/byte_ring.hpp>
#include <exwire/core/idle_strategy.hpp>
#include <exwire/core/spsc_ring.hpp>
#include <cstdio>
int main() {
    exwire::spsc_ring<int> q(8);
    if (!q.try_push(41)) return 1;
    int v = 0;
    if (!q.try_pop(v)) return 1;
    exwire::byte_ring r(1024);
    if (r.producer().try_write(1, exwire::to_bytes("x")) != exwire::ring_status::ok) return 1;
    auto s = exwire::idle_strategy::parse("backoff");
    std::printf("%d %s\n", v + 1, s ? s->describe().c_str() : "?");
    return 0;
}
CPP
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --static --cflags --libs exwire)
case "$flags" in *rte_config*|*-march*) echo "DPDK compile flags leak into users' flags: $flags"; exit 1;; esac
# shellcheck disable=SC2086
c++ -std=c++20 "$dest/user.cpp" -o "$dest/user" $flags
out=$("$dest/user")
echo "installed program printed: $out"
[ "${out%% *}" = 42 ]
