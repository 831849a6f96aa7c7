#!/usr/bin/env bash
# What StarPU's FxT support costs lp-starpu: the same binary and job run
#   A  on this checkout's StarPU (built with FxT), no --trace (FxT records
#      nothing: STARPU_FXT_TRACE=0, lp-starpu's default)
#   B  on a StarPU built without FxT (the library swapped under the binary)
#   C  on A's StarPU with --trace (FxT recording, then converted)
# alternately, ROUNDS times; each run reports its median of REPEAT timed
# runs.  Prints the median of those medians per variant and the ratios.
#
#   bench/trace_cost.sh NOFXT_PREFIX [ROUNDS] [REPEAT] -- [lp-starpu options]
#
# NOFXT_PREFIX: a StarPU built without FxT, e.g.
#   LP_FXT=0 LP_DEPS_DIR=/tmp/nofxt scripts/bootstrap.sh   (then /tmp/nofxt/starpu)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
nofxt=${1:?usage: bench/trace_cost.sh NOFXT_PREFIX [ROUNDS] [REPEAT] -- [options]}
rounds=${2:-10}
repeat=${3:-20}
shift $(( $# >= 3 ? 3 : $# ))
[ "${1:-}" = -- ] && shift
bin=${LP_STARPU:-$here/build/lp-starpu}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export STARPU_HOME=$work/home   # one model for all variants

median_ms() {   # JSON report on stdin -> its median_seconds in ms
    python3 -c 'import json,sys; print(json.load(sys.stdin)["median_seconds"] * 1e3)'
}

for v in A B C; do : > "$work/$v"; done
"$bin" --repeat 3 "$@" --quiet > /dev/null   # calibrates the bus, warms the model
for r in $(seq "$rounds"); do
    "$bin" --repeat "$repeat" "$@" --json - | median_ms >> "$work/A"
    LD_LIBRARY_PATH=$nofxt/lib "$bin" --repeat "$repeat" "$@" --json - | median_ms >> "$work/B"
    "$bin" --repeat "$repeat" "$@" --trace "$work/t.svg" --json - | median_ms >> "$work/C"
done
python3 - "$work" <<'PY'
import statistics, sys
m = {v: statistics.median(float(x) for x in open(f"{sys.argv[1]}/{v}")) for v in "ABC"}
print(f"A  FxT built in, not tracing: {m['A']:.3f} ms")
print(f"B  StarPU without FxT:        {m['B']:.3f} ms")
print(f"C  FxT built in, --trace:     {m['C']:.3f} ms")
print(f"A / B = {m['A'] / m['B']:.3f}   C / B = {m['C'] / m['B']:.3f}")
PY
