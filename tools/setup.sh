#!/usr/bin/env bash
# Installs every Debian package exwire needs to build, test and benchmark, and the
# pinned npm package that carries the FIX data dictionaries.
# Idempotent: packages already present are left alone. Run as root (or with sudo).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

packages=(
  # build
  g++ meson ninja-build pkg-config git ca-certificates
  # required libraries
  libfmt-dev libcli11-dev libtomlplusplus-dev libpugixml-dev libpcap-dev zlib1g-dev
  libxxhash-dev libmimalloc-dev
  # optional transports
  liburing-dev dpdk-dev libdpdk-dev
  # tests, benchmarks, interop, fuzzing
  libgtest-dev libgmock-dev libbenchmark-dev libboost-dev libquickfix-dev
  clang libclang-rt-14-dev tshark iproute2 python3
)
# npm fetches the FIX dictionaries; a machine with Node.js from elsewhere already has it.
command -v npm >/dev/null 2>&1 || packages+=(npm)

log() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    log "must run as root (or with sudo available) to install Debian packages"; exit 1
  fi
else
  SUDO=
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  log "all ${#packages[@]} Debian packages already installed"
else
  log "installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections || true
  if ! $SUDO apt-get update -qq; then log "apt-get update failed"; exit 1; fi
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/exwire-apt.log 2>&1; then
    log "apt-get install failed; the last lines of its log:"; tail -20 /tmp/exwire-apt.log; exit 1
  fi
  log "Debian packages installed"
fi

# FIX data dictionaries (QuickFIX XML format) come from the npm package jspurefix,
# pinned; they are not committed to the repository.
dict_dir="$here/build-deps/fix-dictionaries"
jspurefix_version=5.11.4
if [ -f "$dict_dir/FIX44.xml" ] && [ -f "$dict_dir/.version" ] && [ "$(cat "$dict_dir/.version")" = "$jspurefix_version" ]; then
  log "FIX dictionaries already present in build-deps/fix-dictionaries"
else
  log "fetching FIX dictionaries from npm package jspurefix@$jspurefix_version"
  tmp=$(mktemp -d)
  if (cd "$tmp" && npm pack --silent "jspurefix@$jspurefix_version" >/dev/null 2>"$tmp/npm.log"); then
    tar -xzf "$tmp"/jspurefix-*.tgz -C "$tmp"
    mkdir -p "$dict_dir"
    for f in FIX42.xml FIX43.xml FIX44.xml FIX50SP2.xml; do
      src=$(find "$tmp/package/data" -maxdepth 2 -name "$f" | head -1)
      if [ -n "$src" ]; then cp "$src" "$dict_dir/$f"; else log "warning: $f not found in jspurefix"; fi
    done
    echo "$jspurefix_version" >"$dict_dir/.version"
    log "FIX dictionaries in build-deps/fix-dictionaries"
  else
    log "warning: npm could not fetch jspurefix ($(tail -1 "$tmp/npm.log")); FIX dictionary tests will be skipped"
  fi
  rm -rf "$tmp"
fi
