#!/usr/bin/env bash
# Data at scale, measured in one run on one machine:
#   1. --rows ROWS5G --data seed, streamed: peak RSS and checksum;
#   2. a ROWS-row N x 3 Fortran-order float64 input made with NumPy
#      (ROWS x 24 bytes), then
#      - its I/O alone: the file read once (dd), the output's bytes written
#        once and synced (dd);
#      - the map alone on the same number of rows in memory (--data random);
#      - the streamed run, --input F --output G: time, peak RSS;
#      - the same under mpirun -np 2 --mpi: G byte for byte the same.
# The page cache is dropped before each timed step where this process may
# (root), so every read comes from the disk.  Prints Markdown on stdout.
#
#   bench/stream_bench.sh [ROWS] [ROWS5G] [DIR]   (default 200000000 5000000000 a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-200000000}
rows5g=${2:-5000000000}
dir=${3:-$(mktemp -d)}
bin=$PWD/build/lp-starpu
py=/usr/bin/python3   # Debian's, with NumPy
mkdir -p "$dir"
export STARPU_HOME=$dir/starpu-home
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_rmaps_base_oversubscribe=1

drop_caches() { sync; { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null || true; }
seconds() {   # the command's wall time, in seconds
    local t0; t0=$(date +%s.%N); "$@" > /dev/null
    $py -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)"
}
json() { $py -c "import json,sys; r=json.load(open('$1')); print($2)"; }

echo "# Data at scale, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; disk: $(df -h "$dir" | awk 'NR==2 {print $1}')"
echo

echo "## $rows5g rows of seed data, streamed"
echo
"$bin" --rows "$rows5g" --data seed --json "$dir/seed.json" > "$dir/seed.txt" 2> "$dir/seed.err"
echo "| rows | tiles | window | best s | peak RSS GiB | checksum |"
echo "| ---: | ---: | ---: | ---: | ---: | --- |"
json "$dir/seed.json" "'| %d | %d | %.2f GiB | %.2f | %.2f | %r |' % (r['rows'], r['tiles'], r['window_bytes'] / 2**30, r['seconds'], r['peak_rss_bytes'] / 2**30, r['checksum'])"
echo

echo "## A $rows-row Fortran-order float64 input and its output"
echo
in=$dir/in.npy
$py - "$in" "$rows" <<'PY'
import sys
import numpy as np
path, n = sys.argv[1], int(sys.argv[2])
a = np.lib.format.open_memmap(path, mode="w+", dtype="<f8", shape=(n, 3), fortran_order=True)
rng = np.random.default_rng(1)
step = 1 << 24
for c in range(3):
    for s in range(0, n, step):
        a[s:s + step, c] = rng.uniform(0.5, 1.5, min(step, n - s))
a.flush()
PY
in_bytes=$(stat -c %s "$in")
out_bytes=$(( rows * 8 + 128 ))
drop_caches
read_s=$(seconds dd if="$in" of=/dev/null bs=16M status=none)
drop_caches
write_s=$(seconds sh -c "dd if=/dev/zero of='$dir/io.out' bs=16M count=$(( out_bytes / 16777216 + 1 )) status=none && sync")
rm -f "$dir/io.out"
io_s=$($py -c "print('%.2f' % ($read_s + $write_s))")
"$bin" --rows "$rows" --data random --repeat 3 --json "$dir/compute.json" > /dev/null 2>&1
compute_s=$(json "$dir/compute.json" "'%.2f' % r['seconds']")
drop_caches
"$bin" --input "$in" --output "$dir/out1.npy" --stream \
    --warmup 0 --json "$dir/streamed.json" > "$dir/streamed.txt" 2> "$dir/streamed.err"
streamed_s=$(json "$dir/streamed.json" "'%.2f' % r['seconds']")
drop_caches
mpirun -np 2 -x STARPU_NCPU=1 "$bin" --mpi --input "$in" --output "$dir/out2.npy" --stream \
    --warmup 0 --json "$dir/mpi.json" > "$dir/mpi.txt" 2> "$dir/mpi.err"
same=$(cmp -s "$dir/out1.npy" "$dir/out2.npy" && echo "identical" || echo "DIFFERENT")
bound=$($py -c "print(max($io_s, $compute_s))")

echo "| step | seconds | note |"
echo "| --- | ---: | --- |"
echo "| read the input (dd, $(( in_bytes / 1000000 )) MB) | $read_s | $($py -c "print('%.2f GB/s' % ($in_bytes / $read_s / 1e9))") |"
echo "| write the output's bytes (dd + sync, $(( out_bytes / 1000000 )) MB) | $write_s | |"
echo "| I/O alone | $io_s | read + write |"
echo "| the map alone, in memory (best of 3) | $compute_s | --rows $rows --data random |"
echo "| streamed: --input --output --stream | $streamed_s | $($py -c "print('%.2f x the larger of the two' % ($streamed_s / $bound))"); peak RSS $(json "$dir/streamed.json" "'%.2f GiB' % (r['peak_rss_bytes'] / 2**30)") |"
echo "| the same, mpirun -np 2 --mpi | $(json "$dir/mpi.json" "'%.2f' % r['seconds']") | output $same; $(json "$dir/mpi.json" "'; '.join('rank %d read %.2f GB, wrote %.2f GB' % (x['rank'], x['read_bytes'] / 1e9, x['write_bytes'] / 1e9) for x in r['ranks'])") |"
echo
echo "Streamed run's report:"
echo
echo '```'
sed -n '1,/^$/p' "$dir/streamed.txt"
echo '```'
[ "$same" = identical ]
