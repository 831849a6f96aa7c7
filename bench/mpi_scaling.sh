#!/usr/bin/env bash
# lp-starpu on 1 to 4 MPI ranks of this one machine, against one process
# with all the cores: the table of bench/results/mpi.md.
#   bench/mpi_scaling.sh [ROWS] [REPEAT]
# Each rank gets the cores divided evenly (at least one CPU worker), so the
# machine is never oversubscribed by StarPU workers; ranks beyond the cores
# share them.  Prints a Markdown table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
repeat=${2:-10}
bin=build/lp-starpu
cores=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_rmaps_base_oversubscribe=1
export STARPU_WORKERS_NOBIND=1 STARPU_NOPENCL=0
export STARPU_HOME=${STARPU_HOME:-$(mktemp -d)}

field() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }

echo "| run | CPU workers per rank | best ms | median ms | slowest / fastest rank ms | checksum |"
echo "| --- | ---: | ---: | ---: | --- | --- |"
one=$(STARPU_NCPU=$cores "$bin" --rows "$rows" --repeat "$repeat" --calibrate > /dev/null 2>&1;
      STARPU_NCPU=$cores "$bin" --rows "$rows" --repeat "$repeat" --json -)
echo "| 1 process, no MPI | $cores | $(echo "$one" | field "'%.2f | %.2f | - | %r' % (r['seconds']*1e3, r['median_seconds']*1e3, r['checksum'])") |"
for np in 1 2 3 4; do
    n=$(( cores / np )); [ "$n" -ge 1 ] || n=1
    out=$(mpirun -np "$np" -x STARPU_NCPU=$n "$bin" --mpi --rows "$rows" --repeat "$repeat" \
          --json - 2>/dev/null)
    echo "| $np MPI rank(s) | $n | $(echo "$out" | field "'%.2f | %.2f | %.2f / %.2f | %r' % (r['seconds']*1e3, r['median_seconds']*1e3, max(x['seconds'] for x in r['ranks'])*1e3, min(x['seconds'] for x in r['ranks'])*1e3, r['checksum'])") |"
done
