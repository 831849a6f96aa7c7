#!/usr/bin/env bash
# The GPU steps of lp-starpu, end to end, for a machine with an NVIDIA GPU
# and no network (nothing is installed or downloaded here).
#
# On a machine with nvcc (CUDA toolkit, no GPU needed):   make build
# Copy the checkout with build/ and .deps/starpu/ to the GPU machine, then:
#   bench/gpu_check.sh [RESULTS_DIR]        (default bench/results/gpu-DATE)
#
# It runs the gpu-labelled tests, calibrates the performance model, then
# measures cpu-only, cuda-only and the scheduled run on the default 10M rows
# (plus every main scheduler and lp-starpu's own lp-eft, a run under
# STARPU_LIMIT_CUDA_MEM=64, and --trace charts of dmda and lp-eft with each
# PCIe link's copies), lets --calibrate choose the tile count and runs the
# default job with it, runs bench/perf.py (the OpenMP and overlapped-CUDA
# baselines against lp-starpu, with the performance targets), pins memory
# (tests and bench/pinned_check.py), runs bench/compare's main table
# (the Python approaches, CuPy and Numba CUDA included) and the --intensity
# crossover (bench/compare's sweep at 10M rows, K = 1 .. 64), writes the raw
# reports (text and JSON), the tables and charts and a summary.md into
# RESULTS_DIR, and last the tuning sweep (bench/perf.py --sweep-only: tile
# size x scheduler x CUDA workers per GPU and pipeline depth; LP_GPU_SWEEP=0
# skips it). Each step prints the seconds since the start.
# Exit status is non-zero if any test or any --verify fails.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/results/gpu-$(date +%Y-%m-%d)}
bin=build/lp-starpu
repeat=${LP_BENCH_REPEAT:-10}
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -x "$bin" ] || { echo "gpu_check: $bin not built (make build on a machine with nvcc)" >&2; exit 1; }
# Models calibrated by this script stay with its results.
export STARPU_HOME=${STARPU_HOME:-$out/starpu-home}
mkdir -p "$STARPU_HOME"

{
    echo "# lp-starpu on a GPU machine, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo '```'
    nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.max,pcie.link.width.max \
        --format=csv 2>/dev/null || echo "nvidia-smi: not available"
    lscpu | grep -E '^(Model name|CPU\(s\)|Socket|NUMA node\(s\))' || true
    uname -srm
    "$bin" --version
    echo '```'
} > "$out/machine.md"
.deps/starpu/bin/starpu_machine_display > "$out/starpu_machine_display.txt" 2>&1 || true
cat "$out/machine.md"

status=0
start=$SECONDS
elapsed() { echo "$((SECONDS - start)) s"; }
# The faulty test build (a codelet that loses a tile on purpose), for the
# test that a lost GPU result is caught.
export LP_FAULTY=$PWD/build/tests/lp-starpu-faulty
check() {   # check NAME COMMAND...: PASS, SKIP (77) or FAIL, output in $out
    local name=$1 rc=0; shift
    "$@" > "$out/test-$name.txt" 2>&1 || rc=$?
    case $rc in
        0) echo "PASS $name" ;;
        77) echo "SKIP $name: $(tail -1 "$out/test-$name.txt")" ;;
        *) echo "FAIL($rc) $name"; status=1 ;;
    esac
}
echo "== [$(elapsed)] gpu tests"
for c in $(python3 tests/cli_test.py --list | grep '^gpu_'); do
    check "$c" python3 tests/cli_test.py "$bin" "$c"
done

run() {   # run NAME ARGS...: text and JSON reports into $out
    local name=$1; shift
    echo "== $name: $bin $*"
    if ! "$bin" "$@" --json "$out/$name.json" > "$out/$name.txt" 2> "$out/$name.err"; then
        echo "FAILED: see $out/$name.err"; cat "$out/$name.err"; status=1
    fi
}

echo "== [$(elapsed)] calibration (untimed): every backend, $repeat runs each"
STARPU_CALIBRATE=1 "$bin" --compare --repeat "$repeat" > /dev/null 2>&1 || status=1
run compare --compare --verify --repeat "$repeat"
run cuda-only --backend cuda --verify --repeat "$repeat"
run cpu-only --backend cpu --verify --repeat "$repeat"
for s in dmda dmdas dmdar heteroprio modular-heft lws eager lp-eft; do
    run "sched-$s" --sched "$s" --verify --repeat "$repeat"
done
STARPU_LIMIT_CUDA_MEM=64 run cuda-limit-64MiB --backend cuda --verify --repeat 3
# The same bytes on the GPU as on the CPU (codelets/log_lp.h): random rows,
# special values and float32, each --output compared with cmp.
echo "== [$(elapsed)] the CUDA kernel's bits against the CPU's"
for dt in f64 f32; do
    for b in cpu cuda; do
        "$bin" --rows 2000003 --data random --seed 11 --dtype "$dt" --intensity 3 --backend "$b" \
            --output "$out/bits-$b-$dt.npy" --force --json "$out/bits-$b-$dt.json" \
            > /dev/null 2> "$out/bits-$b-$dt.err" || status=1
    done
    if cmp "$out/bits-cpu-$dt.npy" "$out/bits-cuda-$dt.npy"; then
        echo "PASS cuda-bits-$dt: the CUDA output is the CPU's, byte for byte"
    else
        echo "FAIL cuda-bits-$dt: the CUDA output differs from the CPU's"; status=1
    fi
    rm -f "$out/bits-cpu-$dt.npy" "$out/bits-cuda-$dt.npy"
done
# The copies over PCIe beside the work, per link (StarPU's FxT trace).
run trace-dmda --sched dmda --repeat 3 --trace "$out/trace-dmda.svg"
run trace-lp-eft --sched lp-eft --repeat 3 --trace "$out/trace-lp-eft.svg"

echo "== [$(elapsed)] the tile count measured for this machine (--calibrate), and the default run with it"
# --calibrate times 1, 2, 4, 8 and 16 rounds of the workers, 262144-row tiles,
# the formula's count, the counts that end both kinds together and two big
# tiles for the GPU first at four shares (--accel-tiles; each with its model
# calibrated first) and keeps the fastest beside the models: the default runs
# from here on (perf.py's included) use it, and the capture below has models
# at each of those sizes.
if "$bin" --calibrate > "$out/calibrate.txt" 2>&1; then
    grep -E '^  (tiles:|one tile)' "$out/calibrate.txt" || true
else
    echo "FAILED: see $out/calibrate.txt"; cat "$out/calibrate.txt"; status=1
fi
run default-calibrated --verify --repeat "$repeat"
# The simulated best layout (docs/scheduling.md), whatever --calibrate chose.
run accel-tiles-dmda --sched dmda --accel-tiles 2x1556831 --tiles 60 --verify --repeat "$repeat"

echo "== [$(elapsed)] hardware limits: OpenMP and overlapped-CUDA baselines against lp-starpu"
python3 bench/perf.py --repeat "$repeat" --out "$out/perf" || status=1

# A capture of this machine for lp-starpu-sim (docs/simulation.md): the
# models calibrated so far, the bus files and the platform StarPU wrote,
# under the neutral host name "captured", and what the machine was: copy
# $out/capture to perfmodels/machines/NAME to replay it anywhere.  Taken
# after perf.py and again, with the models of every intensity, after the
# crossover (a run cut short between the two keeps the first).
capture() {
    local capture=$out/capture host=${STARPU_HOSTNAME:-$(hostname | cut -d. -f1)} f
    echo "== [$(elapsed)] a capture of this machine for lp-starpu-sim, in $capture"
    rm -rf "$capture"
    mkdir -p "$capture/starpu-home/.starpu"
    cp -r "$STARPU_HOME/.starpu/sampling" "$capture/starpu-home/.starpu/"
    find "$capture/starpu-home" -type f -name "*.$host" | while read -r f; do mv "$f" "${f%.$host}.captured"; done
    for f in "$capture"/starpu-home/.starpu/sampling/bus/"$host".*; do
        [ -e "$f" ] && mv "$f" "$(dirname "$f")/captured.${f##*/$host.}"
    done
    "$bin" --rows 1 --json - 2>/dev/null | python3 -c "
import json, sys
r = json.load(sys.stdin)
n = {k: sum(1 for w in r['workers'] if w['kind'] == k) for k in ('cpu', 'cuda')}
gpu = sys.argv[1] or 'no GPU'
print('# Captured by bench/gpu_check.sh into', sys.argv[2])
print('name = gpu-' + sys.argv[3])
print('host = captured')
print('captured = %s, %s' % (sys.argv[3], sys.argv[2]))
print('description = %s CPU cores + %s' % (sys.argv[4], gpu))
print('ncpu = %d' % n['cpu'])
print('ncuda = %d' % n['cuda'])
" "$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n1)" \
      "${out#"$PWD"/}" "$(date -u +%Y-%m-%d)" "$(nproc)" > "$capture/machine.conf" || status=1
}
capture

echo "== [$(elapsed)] Numba CUDA's kernel compiles on this NumPy (bench/numba_cuda_check.py)"
rc=0
python3 bench/numba_cuda_check.py > "$out/numba_cuda_check.txt" 2>&1 || rc=$?
cat "$out/numba_cuda_check.txt"
[ "$rc" = 0 ] || [ "$rc" = 77 ] || status=1

echo "== [$(elapsed)] pinned memory: lp_pin's ranges and the module's calls"
# Pinned exactly where a CUDA worker is (tests/test_pins.c,
# python/tests/test_pinned.py), then what pinning costs and saves a call
# (bench/pinned_check.py), with StarPU's pinning and without it.
check pins build/tests/test_pins
check python-pinned env PYTHONPATH=python LP_STARPU_LIB=build/liblp-starpu.so.0 \
    python3 tests/support/pytest_or_skip.py -q -p no:cacheprovider python/tests/test_pinned.py
for disable in 0 1; do
    rc=0
    STARPU_DISABLE_PINNING=$disable python3 bench/pinned_check.py --backend cuda \
        > "$out/pinned-check-disable-$disable.md" 2>&1 || rc=$?
    cat "$out/pinned-check-disable-$disable.md"
    [ "$rc" = 0 ] || [ "$rc" = 77 ] || status=1
done

echo "== [$(elapsed)] the comparison with the Python approaches (bench/compare, main table)"
# No network there: the Python packages come from a wheelhouse carried along
# (bench/compare --download-wheels bench/wheelhouse --wheel-python 3.12, run
# where PyPI is reachable); or the machine's python3 as it is, plus Dask
# from bench/wheels-dask (--download-wheels bench/wheels-dask --dask-only,
# about 7 MB); else the machine's python3 alone (no Dask rows).
if [ -d bench/wheelhouse ]; then
    python_env=(--wheelhouse bench/wheelhouse)
elif [ -d bench/wheels-dask ]; then
    python_env=(--add-wheels bench/wheels-dask)
else
    python_env=(--no-venv)
fi
bench/compare --no-sweep "${python_env[@]}" --out "$out/compare" || status=1

echo "== [$(elapsed)] the --intensity crossover on 10M rows (bench/compare's sweep)"
# From which work per row on the GPU wins, and by how much: lp-starpu's
# backends and the Python approaches that use every core or the GPU, at
# K = 1 .. 64 (out = sum over k < K of log(x+k) log(y+k) log(z+k)).
# lp-starpu's models stay in this script's STARPU_HOME, so the capture
# taken next has them at every intensity (the simulated --intensity rows).
bench/compare "${python_env[@]}" --only lp-cpu,lp-cuda,lp-sched,numba-parallel,numba-cuda,cupy \
    --rows 10M --sweep-min-rows 10M --sweep-max-rows 10M --sweep-intensities 1,2,4,8,16,32,64 \
    --starpu-home "$STARPU_HOME" --out "$out/crossover" || status=1
capture
python3 bench/summarize.py "$out" > "$out/summary.md" || status=1
cat "$out/summary.md"

# Last, as it is the longest and the run may be cut short first: the tuning sweep
# (tile size x scheduler x how the GPU is driven). LP_GPU_SWEEP=0 skips it.
if [ "${LP_GPU_SWEEP:-1}" != 0 ]; then
    echo "== [$(elapsed)] tuning sweep"
    python3 bench/perf.py --repeat "$repeat" --sweep-only --out "$out/perf-sweep" || status=1
fi
echo "== [$(elapsed)] done, status $status"
exit $status
