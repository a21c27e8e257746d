#!/bin/sh
# Install the Debian/Ubuntu packages edgelstm needs, if any is missing. Idempotent and
# quiet when everything is present. Uses sudo when not root. Waits for another apt or
# dpkg run to finish instead of failing. Package names exist on Debian 12 and 13 and on
# Ubuntu 22.04 and 24.04 (on Ubuntu, clang and the Arm tools are in "universe").
#   build:   gcc make pkg-config libcsv-dev libzip-dev libjansson-dev libopenblas-dev
#   tests:   clang with its libFuzzer and sanitizer runtimes, python3-venv, zip/unzip,
#            groff-base (the man page test), cmake yamllint python3-yaml python3-kconfiglib
#            (the Zephyr target's CMake, YAML and Kconfig files, checked by Debian's tools),
#            strace (deploy reads the model once; kill -9 at chosen system calls),
#            parallel slurmctld slurmd slurm-client munge (fleet under GNU parallel and a
#            one-node Slurm, tests/fleet/), openmpi-bin libopenmpi-dev (build/edgelstm-mpi,
#            tests/mpi/), time (/usr/bin/time: peak memory in bench/)
#   device:  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm (emulated Cortex-M4F)
#            clang-22 llvm-22 binutils-xtensa-lx106 qemu-system-misc (emulated ESP32-class
#            Xtensa core: clang-22 and llvm-mc-22 compile and assemble, the lx106 binutils'
#            ld links, qemu-system-xtensa runs; Debian 12 has clang-22 in bookworm-security).
#            Installed where the distribution has them; tests/deploy/test_xtensa.sh says
#            which is missing otherwise.
#   report:  chromium fonts-dejavu-core (the report test renders the page in headless
#            Chromium; on Ubuntu the chromium package is a snap wrapper: a Chrome or
#            Chromium found on PATH as chromium, chromium-browser or google-chrome does too),
#            poppler-utils (pdftotext and pdfinfo read back the page Chromium printed)
#   bench (optional, only with --bench): libsimgrid-dev (smpicc/smpirun: the SimGrid SMPI
#            simulation of the MPI all-reduce on 64 nodes, bench/bench_smpi.sh; it brings
#            Boost's headers and ns-3, so make test does not need it)
#
# clang's runtimes: Debian 12/13 and Ubuntu 24.04 ship them in libclang-rt-N-dev (N = the
# major version of the distribution's default clang: 14, 19, 18), which clang-N only
# recommends; Ubuntu 22.04 has no such package, its clang-14 brings them in
# libclang-common-14-dev. So the package is chosen by asking apt, not by a fixed name.
set -eu
PKGS="gcc make pkg-config libcsv-dev libzip-dev libjansson-dev libopenblas-dev \
clang zip unzip groff-base cmake yamllint python3-yaml python3-kconfiglib strace parallel slurmctld slurmd slurm-client munge openmpi-bin libopenmpi-dev time gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm \
fonts-dejavu-core poppler-utils"
XTENSA_PKGS="clang-22 llvm-22 binutils-xtensa-lx106 qemu-system-misc"
BENCH_PKGS="libsimgrid-dev"
if [ "${1:-}" = "--bench" ]; then PKGS="$PKGS $BENCH_PKGS"; fi
LOCK_WAIT=${ELSTM_APT_LOCK_WAIT:-900}   # seconds to wait for another apt/dpkg run

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# clang's libFuzzer and AddressSanitizer runtimes are present
clang_runtimes() {
  command -v clang >/dev/null 2>&1 || return 1
  dir=$(clang -print-runtime-dir 2>/dev/null) || return 1
  ls "$dir"/libclang_rt.fuzzer*.a >/dev/null 2>&1 && ls "$dir"/libclang_rt.asan*.a >/dev/null 2>&1
}

# The package holding the default clang's runtimes, when the distribution has a separate
# one (libclang-rt-N-dev); nothing when clang-N's own dependencies carry them.
clang_runtime_package() {
  v=$(dpkg-query -W -f='${Version}' clang 2>/dev/null || true)
  [ -n "$v" ] || v=$(apt-cache policy clang 2>/dev/null | sed -n 's/^ *Candidate: //p')
  n=${v#*:}       # 1:14.0-55.7~deb12u1 -> 14.0-55.7~deb12u1
  n=${n%%[.-]*}   # -> 14
  case "$n" in ''|*[!0-9]*) return 0 ;; esac
  if apt-cache show "libclang-rt-$n-dev" >/dev/null 2>&1; then echo "libclang-rt-$n-dev"; fi
}

missing=""
for p in $PKGS; do
  installed "$p" || missing="$missing $p"
done
# A venv-capable python3 (Debian's python3 needs python3-venv; other pythons have it).
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing="$missing python3-venv"; fi
xt_missing=""
for p in $XTENSA_PKGS; do installed "$p" || xt_missing="$xt_missing $p"; done
need_rt=0
clang_runtimes || need_rt=1
# A browser for the report test: any Chrome or Chromium on PATH will do. Debian's chromium
# is a real package; Ubuntu's installs a snap, which fails where snapd cannot run (a
# container), so it is installed on its own and its failure only warned about.
browser=""
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 &&
   ! command -v google-chrome >/dev/null 2>&1; then
  browser=chromium
fi
[ -z "$missing" ] && [ -z "$xt_missing" ] && [ $need_rt = 0 ] && [ -z "$browser" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
APT="$SUDO apt-get -o DPkg::Lock::Timeout=$LOCK_WAIT"
# The package lists' lock has no timeout option: retry while another update holds it.
waited=0
until $APT update -qq 2>"${TMPDIR:-/tmp}/elstm-apt.err.$$"; do
  if grep -q "lock" "${TMPDIR:-/tmp}/elstm-apt.err.$$" && [ $waited -lt "$LOCK_WAIT" ]; then
    [ $waited = 0 ] && echo "edgelstm: waiting for another apt run to finish"
    sleep 5; waited=$((waited + 5))
  else
    cat "${TMPDIR:-/tmp}/elstm-apt.err.$$" >&2; rm -f "${TMPDIR:-/tmp}/elstm-apt.err.$$"
    echo "edgelstm: 'apt-get update' failed (see above); the packages were not installed" >&2
    exit 1
  fi
done
rm -f "${TMPDIR:-/tmp}/elstm-apt.err.$$"
if [ $need_rt = 1 ]; then
  rt=$(clang_runtime_package)
  [ -n "$rt" ] && ! installed "$rt" && missing="$missing $rt"
fi
for p in $xt_missing; do   # the Xtensa tools where this distribution has them
  if apt-cache show "$p" >/dev/null 2>&1; then missing="$missing $p"
  else echo "edgelstm: package $p is not available here: the emulated Xtensa core cannot be used" >&2; fi
done
if [ -n "$missing" ]; then
  echo "edgelstm: installing packages:$missing"
  # shellcheck disable=SC2086
  $APT install -y -qq --no-install-recommends $missing >/dev/null
  echo "edgelstm: packages installed"
fi
if [ -n "$browser" ]; then
  echo "edgelstm: installing $browser (the report test renders its page in it)"
  $APT install -y -qq --no-install-recommends "$browser" >/dev/null ||
    echo "edgelstm: $browser could not be installed here; install Chrome or Chromium so that 'chromium', 'chromium-browser' or 'google-chrome' is on PATH (the report test needs one)" >&2
fi
clang_runtimes || echo "edgelstm: clang's libFuzzer/ASan runtimes are still missing: 'make fuzz' cannot build (the rest works)" >&2
