#!/usr/bin/env bash
# Calibrates lp_logprod's history model on this machine for every kind of
# worker StarPU finds and for several tile sizes, so that dmda, lp-eft and
# their kin decide by measured speed whatever tiling a later run uses.
#
#   perfmodels/calibrate.sh [TOOL-OPTIONS...]
#
# TOOL-OPTIONS go to every run (e.g. --rows 100000000, --intensity 8): the
# model's footprint is the tile's rows and the intensity, so calibrate with
# the intensity you will run.  The tile sizes are the tool's default tiling
# and 64Ki to 1Mi rows per tile (LP_CALIBRATE_TILE_ROWS overrides them, as a
# space-separated list).  The models go where StarPU keeps them:
# STARPU_PERF_MODEL_DIR, else lp-starpu's default ~/.cache/lp-starpu, or
# $STARPU_HOME/.starpu/sampling when STARPU_HOME is set.
set -euo pipefail
bin=${LP_STARPU:-$(dirname "$0")/../build/lp-starpu}
[ -x "$bin" ] || { echo "calibrate: $bin not built (make build)" >&2; exit 1; }
tile_rows=${LP_CALIBRATE_TILE_ROWS:-65536 131072 262144 524288 1048576}

echo "== default tiling"
"$bin" --calibrate "$@"
for t in $tile_rows; do
    echo "== $t rows per tile"
    "$bin" --calibrate --tile-rows "$t" "$@"
done
