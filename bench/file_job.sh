#!/usr/bin/env bash
# A whole process as a user times it, in one run on one machine, the
# commands taking turns K times (a slow moment of the machine hits all
# alike); best and median wall time of each, and ratios to NumPy's:
#   numpy      np.load of an N x 3 float64 file, log * log * log, np.save
#   lp file    lp-starpu --input F --output G -q (the same job)
#   lp bare    lp-starpu --rows N -q (seed data, no file)
#   lp empty   lp-starpu --rows 0 -q (start, StarPU up and down, exit)
# The files stay in the page cache (as for a user running a job twice);
# lp-starpu syncs its output to disk before renaming it, NumPy does not.
# Prints Markdown on stdout.
#
#   bench/file_job.sh [ROWS] [K] [DIR]   (default 10000000 7 a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
k=${2:-7}
dir=${3:-$(mktemp -d)}
bin=$PWD/build/lp-starpu
py=/usr/bin/python3   # Debian's, with NumPy
mkdir -p "$dir"
export STARPU_HOME=$dir/starpu-home

$py - "$dir/in.npy" "$rows" <<'EOF'
import sys, numpy as np
np.save(sys.argv[1], np.random.default_rng(1).uniform(0.5, 1.5, (int(sys.argv[2]), 3)))
EOF
cat > "$dir/job.py" <<EOF
import numpy as np
a = np.load("$dir/in.npy")
np.save("$dir/numpy.npy", np.log(a[:, 0]) * np.log(a[:, 1]) * np.log(a[:, 2]))
EOF
# One untimed pass of each: bus calibration, CPU code choice, page cache.
"$bin" --input "$dir/in.npy" --output "$dir/lp.npy" -q > /dev/null
$py "$dir/job.py"

seconds() {   # the command's wall time
    local t0; t0=$(date +%s.%N); "$@" > /dev/null
    $py -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)"
}
declare -A times
names=("numpy" "lp file" "lp bare" "lp empty")
for ((i = 0; i < k; i++)); do
    times[numpy]+=" $(seconds $py "$dir/job.py")"
    times[lp file]+=" $(seconds "$bin" --input "$dir/in.npy" --output "$dir/lp.npy" -q)"
    times[lp bare]+=" $(seconds "$bin" --rows "$rows" -q)"
    times[lp empty]+=" $(seconds "$bin" --rows 0 -q)"
done
same=$($py -c "
import numpy as np
a, b = np.load('$dir/numpy.npy'), np.load('$dir/lp.npy')
print('%.3g' % float(np.max(np.abs(a - b) / np.abs(a))))")

echo "# A whole process, $rows rows, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores;" \
     "best and median of $k, taking turns; lp-starpu's output against NumPy's: max relative difference $same"
echo
echo "| command | best s | median s | best / NumPy's best |"
echo "| --- | ---: | ---: | ---: |"
for n in "${names[@]}"; do
    $py -c "
import statistics, sys
t = sorted(map(float, sys.argv[2].split())); base = min(map(float, sys.argv[3].split()))
print('| %s | %.3f | %.3f | %.2f |' % (sys.argv[1], t[0], statistics.median(t), t[0] / base))" \
        "$n" "${times[$n]}" "${times[numpy]}"
done
