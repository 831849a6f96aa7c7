#!/usr/bin/env bash
# Installs what lp-starpu needs on Debian 12 and builds StarPU 1.3.10 from
# Debian's source package into a project-local prefix (default .deps/starpu).
#
# Why from source: Debian's binary StarPU has no CUDA and is capped at 4 CPU
# workers (STARPU_MAXCPUS 4).  Idempotent: packages already present are not
# reinstalled, and the StarPU build is skipped when the prefix carries the
# stamp of this script version.  Environment:
#   LP_DEPS_DIR   where sources and the prefix go (default <repo>/.deps)
#   LP_NO_APT=1   do not call apt-get (for machines without network/root)
#   LP_CUDA=0|1   force CUDA off/on (default: on when nvcc is found; 1
#                 without nvcc is an error)
#   LP_FXT=0      StarPU without FxT (no transfers in --trace; for measuring
#                 what FxT costs, see bench/trace_cost.sh)
#   LP_SIM=0      no simulated StarPU: by default the same source is also
#                 built with SimGrid into <deps>/starpu-sim, for
#                 lp-starpu-sim (captured machines replayed, docs/simulation.md),
#                 and with StarPU-MPI over SimGrid's MPI into
#                 <deps>/starpu-smpi, for lp-starpu-sim --nodes
set -euo pipefail
shopt -s inherit_errexit   # a failure inside $(...) stops the script too

BOOTSTRAP_VERSION=7
STARPU_VERSION=1.3.10
here=$(cd "$(dirname "$0")/.." && pwd)
deps=${LP_DEPS_DIR:-$here/.deps}
prefix=$deps/starpu
stamp=$prefix/.lp-starpu-bootstrap
# Written last, when everything below is in place; rewritten (a newer
# mtime, which makes `make` configure CMake again) only when it changed.
done_stamp=$deps/.lp-starpu-bootstrap-done

say() { printf 'bootstrap: %s\n' "$*"; }

# ---------------------------------------------------------------- packages
packages=(build-essential cmake pkg-config dpkg-dev file
          hwloc libhwloc-dev openmpi-bin libopenmpi-dev
          ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
          libfxt-dev                                   # --trace: StarPU's FxT traces
          python3 python3-numpy python3-pytest python3-venv python3-setuptools python3-wheel   # python/, its tests
          valgrind clang libclang-rt-14-dev    # make test's valgrind test; make fuzz-smoke
          libsimgrid-dev xsltproc              # StarPU's simulation: lp-starpu-sim (xsltproc: --nodes)
          groff-base)                          # the install test checks the man page with groff

find_nvcc() {
    if [ "${LP_CUDA:-}" = 0 ]; then return 1; fi
    command -v nvcc 2>/dev/null && return 0
    [ -x /usr/local/cuda/bin/nvcc ] && { echo /usr/local/cuda/bin/nvcc; return 0; }
    if [ "${LP_CUDA:-}" = 1 ]; then
        say "LP_CUDA=1 but no nvcc (not on PATH, not in /usr/local/cuda/bin)" >&2
        exit 1
    fi
    return 1
}

install_packages() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "Debian packages: all present"
        return
    fi
    if [ "${LP_NO_APT:-0}" = 1 ]; then
        say "missing packages (LP_NO_APT=1, not installing): ${missing[*]}"
        return
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A deb-src entry is needed for `apt-get source`; add one for bookworm main.
ensure_deb_src() {
    if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        return
    fi
    say "adding a deb-src entry for bookworm main"
    cat > /etc/apt/sources.list.d/lp-starpu-deb-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    apt-get update -qq
}

# Downloads Debian's source package once (.dsc + tarballs, kept in
# $deps/src), then extracts a pristine tree for every build, so patches
# always apply to clean sources.
fresh_source() {
    local dsc
    dsc=$(ls "$deps"/src/starpu_"$STARPU_VERSION"*.dsc 2>/dev/null | head -n1 || true)
    if [ -z "$dsc" ]; then
        [ "${LP_NO_APT:-0}" = 1 ] && { say "no StarPU source in $deps/src and LP_NO_APT=1" >&2; exit 1; }
        ensure_deb_src >&2
        mkdir -p "$deps/src"
        say "downloading Debian's StarPU source package" >&2
        (cd "$deps/src" && apt-get source --download-only -qq starpu >&2 2>&1)
        dsc=$(ls "$deps"/src/starpu_"$STARPU_VERSION"*.dsc 2>/dev/null | head -n1 || true)
        [ -n "$dsc" ] || { say "Debian's source package is not StarPU $STARPU_VERSION" >&2; exit 1; }
    fi
    local tree=$deps/src/starpu-$STARPU_VERSION
    rm -rf "$tree"
    dpkg-source --skip-debianization -x "$dsc" "$tree" >/dev/null 2>&1 ||
        dpkg-source -x "$dsc" "$tree" >&2
    [ -f "$tree/configure" ] || { say "extracting $dsc into $tree failed" >&2; exit 1; }
    echo "$tree"
}

build_starpu() {
    local nvcc cuda_flags=(--disable-cuda) want
    if nvcc=$(find_nvcc); then
        local cudadir
        cudadir=$(cd "$(dirname "$nvcc")/.." && pwd)
        cuda_flags=(--enable-cuda "--with-cuda-dir=$cudadir")
    fi
    local fxt_flag=--with-fxt
    [ "${LP_FXT:-1}" = 0 ] && fxt_flag=--without-fxt
    want="version=$BOOTSTRAP_VERSION starpu=$STARPU_VERSION ${cuda_flags[*]} $fxt_flag patches=$(cat "$here"/scripts/patches/*.patch | cksum | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        say "StarPU already built in $prefix ($want)"
        return
    fi
    local src patch
    src=$(fresh_source)
    say "StarPU source: $src"
    for patch in "$here"/scripts/patches/starpu-"$STARPU_VERSION"-*.patch; do
        say "applying $(basename "$patch")"
        patch -d "$src" -p1 --forward --quiet < "$patch"
    done
    local build=$deps/build-starpu
    rm -rf "$build" "$prefix"
    mkdir -p "$build"
    say "configuring StarPU (${cuda_flags[*]}, MPI, OpenCL, $fxt_flag, maxcpus 256, 8 implementations per codelet)"
    (cd "$build" && "$src/configure" --prefix="$prefix" \
        "${cuda_flags[@]}" --enable-mpi --enable-opencl \
        --enable-maxcpus=256 --enable-maximplementations=8 --disable-static \
        --disable-build-doc --disable-build-examples --disable-build-tests \
        --disable-fortran --disable-socl --disable-starpufft \
        --disable-mlr "$fxt_flag" --disable-openmp > configure.log 2>&1) \
        || { tail -n 40 "$build/configure.log"; exit 1; }
    say "building StarPU (make -j$(nproc)); log in $build/make.log"
    (cd "$build" && make -j"$(nproc)" > make.log 2>&1 && make install > install.log 2>&1) \
        || { tail -n 40 "$build/make.log"; exit 1; }
    # FxT comes from Debian's libfxt2; machines without it (the GPU machine
    # the build is copied to) find it beside StarPU's own libraries.
    local fxt
    fxt=$(ldd "$prefix"/lib/libstarpu-1.3.so | awk '/libfxt/ {print $3}')
    [ -n "$fxt" ] && cp -L "$fxt" "$prefix/lib/"
    echo "$want" > "$stamp"
    say "StarPU installed in $prefix"
}

# The same patched source with SimGrid: StarPU's real schedulers and
# runtime, each task taking the time its history model says and each copy
# the time the bus model says, on the platform a capture describes.  No
# CUDA or OpenCL toolkit is needed: simulated devices run no kernel.  FxT
# stays out (the simulation is the trace).  Two flavours:
#   starpu-sim   one simulated process (lp-starpu-sim), shared libraries;
#   starpu-smpi  StarPU-MPI over SimGrid's MPI, for simulated clusters
#                (lp-starpu-sim --nodes N): static only, because SimGrid's
#                MPI gives each rank its own copy of the program's globals
#                by loading the program once per rank, and StarPU's globals
#                must be in it (StarPU's manual, "MPI Applications" under
#                simulation); position-independent, as that program is
#                loaded like a library.
build_simulated() {
    local name=$1 what=$2; shift 2
    local sim=$deps/$name want
    want="version=$BOOTSTRAP_VERSION starpu=$STARPU_VERSION $name patches=$(cat "$here"/scripts/patches/*.patch | cksum | cut -d' ' -f1)"
    if [ -f "$sim/.lp-starpu-bootstrap" ] && [ "$(cat "$sim/.lp-starpu-bootstrap")" = "$want" ]; then
        say "$what already built in $sim"
        return
    fi
    local src patch build=$deps/build-$name
    src=$(fresh_source)
    for patch in "$here"/scripts/patches/starpu-"$STARPU_VERSION"-*.patch; do
        patch -d "$src" -p1 --forward --quiet < "$patch"
    done
    rm -rf "$build" "$sim"
    mkdir -p "$build"
    say "configuring $what (SimGrid, maxcpus 64, 8 implementations per codelet)"
    (cd "$build" && "$src/configure" --prefix="$sim" --enable-simgrid "$@" \
        --disable-opencl --without-fxt \
        --enable-maxcpus=64 --enable-maximplementations=8 \
        --disable-build-doc --disable-build-examples --disable-build-tests \
        --disable-fortran --disable-socl --disable-starpufft \
        --disable-mlr --disable-openmp > configure.log 2>&1) \
        || { tail -n 40 "$build/configure.log"; exit 1; }
    say "building $what (make -j$(nproc)); log in $build/make.log"
    (cd "$build" && make -j"$(nproc)" > make.log 2>&1 && make install > install.log 2>&1) \
        || { tail -n 40 "$build/make.log"; exit 1; }
    echo "$want" > "$sim/.lp-starpu-bootstrap"
    say "$what installed in $sim"
}

build_starpu_sim() {
    if ! pkg-config --exists simgrid 2>/dev/null && [ ! -f /usr/include/simgrid/s4u.hpp ]; then
        say "no SimGrid (libsimgrid-dev): lp-starpu-sim is not built, its tests skip"
        return
    fi
    build_simulated starpu-sim "simulated StarPU" --disable-mpi --disable-static
    if ! command -v smpicc >/dev/null || ! command -v xsltproc >/dev/null; then
        say "no smpicc or xsltproc: lp-starpu-sim --nodes is not built, its tests skip"
        return
    fi
    build_simulated starpu-smpi "simulated StarPU-MPI" --enable-mpi --disable-mpi-check \
        --disable-shared --enable-static --with-pic
}

install_packages
build_starpu
[ "${LP_SIM:-1}" = 0 ] || build_starpu_sim
built=$(cat "$stamp" "$deps"/starpu-sim/.lp-starpu-bootstrap "$deps"/starpu-smpi/.lp-starpu-bootstrap \
        2>/dev/null || true)
if [ ! -f "$done_stamp" ] || [ "$(cat "$done_stamp")" != "$built" ]; then
    printf '%s\n' "$built" > "$done_stamp"
fi
say "done"
