#!/bin/sh
# Install the Debian packages edgelstm needs, if any is missing. Idempotent and quiet
# when everything is present. Uses sudo when not root.
#   build:   gcc make pkg-config libcsv-dev libzip-dev libjansson-dev libopenblas-dev
#   tests:   clang (libFuzzer), python3-venv, zip/unzip, strace (kill -9 at chosen system calls)
#   device:  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm (emulated Cortex-M4F)
set -eu
PKGS="gcc make pkg-config libcsv-dev libzip-dev libjansson-dev libopenblas-dev \
clang libclang-rt-14-dev zip unzip strace gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# A venv-capable python3 (Debian's python3 needs python3-venv; other pythons have it).
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing="$missing python3-venv"; fi
[ -z "$missing" ] && exit 0
echo "edgelstm: installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "edgelstm: Debian packages installed"
