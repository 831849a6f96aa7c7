#!/usr/bin/env python3
"""Big tiles first for the GPUs, small ones for the CPU workers, on a
simulated CPU+GPU node: the GPUs' share of the rows measured as
--calibrate measures it, a capture's model fitted at layouts around it
(scripts/machine_fill_sizes.py --accel-tiles, in a temporary directory),
each simulated with dmda (the default), dmdas, lp-eft and heteroprio,
beside the best equal tiles and the combined bound of the fastest
CPU-only and CUDA-only runs of 30 to 130 equal tiles (bench/sim_tiles.py's).

    bench/sim_accel_tiles.py [--machine h200] [--rest 60] [BUILD] > table.md

A layout KxA+N is lp-starpu's --accel-tiles KxA --tiles N: K tiles of A
rows, then N equal tiles of the rows left.  The share: a tile of the
formula's 64 on each kind alone (as --calibrate's tile_seconds_alone
times it) gives the GPUs tiles per ms against the CPU workers'; the
layouts hold 1 to 1.4 times that share in 1, 2 or 4 tiles per GPU.
--calibrate tries 2 per GPU at 1, 1.1, 1.2 and 1.3 (lp_accel_layout).
Every figure is simulated time on models fitted, not measured, at these
sizes.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim_faithfulness  # noqa: E402
from sim_faithfulness import MACHINES, ROWS, simulate, split  # noqa: E402
from sim_tiles import FILL, cell, ms  # noqa: E402

POLICIES = ("dmda", "dmdas", "lp-eft", "heteroprio")
STRETCHES = (1.0, 1.1, 1.2, 1.3, 1.4)
PER_GPU = (1, 2, 4)
COUNTS = range(30, 131)


def gpu_share(machine):
    """The GPUs' share of the rows by a tile's time on each kind alone at 64
    tiles, and the number of GPUs."""
    cpu = simulate(machine, "--tiles", 64, "--backend", "cpu")[0]
    cuda = simulate(machine, "--tiles", 64, "--backend", "cuda")[0]
    ncpu = sum(1 for w in cpu["workers"] if w["kind"] == "cpu")
    ngpu = sum(1 for w in cuda["workers"] if w["kind"] == "cuda")
    tile_cpu = ms(cpu) / -(-64 // ncpu)       # a round's time
    tile_gpu = ms(cuda) * ngpu / 64           # throughput per GPU
    gpus, cpus = ngpu / tile_gpu, ncpu / tile_cpu   # tiles per ms
    return gpus / (gpus + cpus), ngpu, tile_cpu, tile_gpu


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--machine", default="h200")
    p.add_argument("--rest", type=int, default=60, help="equal tiles of the rows left")
    p.add_argument("build", nargs="?", default=os.path.join(sim_faithfulness.HERE, "build"))
    a = p.parse_args()
    if a.rest < 1:
        sys.exit("sim_accel_tiles: --rest: at least 1")
    sim_faithfulness.SIM = os.path.join(a.build, "lp-starpu-sim")
    share, ngpu, tile_cpu, tile_gpu = gpu_share(os.path.join(MACHINES, a.machine))
    layouts = [(k * ngpu, int(ROWS * share * s / (k * ngpu)), s)
               for k in PER_GPU for s in STRETCHES]
    specs = [f"{k}x{r}+{a.rest}" for k, r, _ in layouts]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        fitted = os.path.join(tmp, a.machine + "-fitted")
        subprocess.run([sys.executable, FILL, os.path.join(MACHINES, a.machine), fitted,
                        "--tiles", ",".join(map(str, COUNTS)), "--accel-tiles", ",".join(specs)],
                       check=True, stdout=subprocess.DEVNULL)
        cpu = min(ms(simulate(fitted, "--tiles", t, "--backend", "cpu")[0]) for t in COUNTS)
        cuda = min(ms(simulate(fitted, "--tiles", t, "--backend", "cuda")[0]) for t in COUNTS)
        equal = min((ms(simulate(fitted, "--tiles", t)[0]), t) for t in COUNTS)
        for k, r, s in layouts:
            cells = []
            for policy in POLICIES:
                rep = simulate(fitted, "--accel-tiles", f"{k}x{r}", "--tiles", a.rest,
                               "--sched", policy)[0]
                cells.append((ms(rep), split(rep) if rep else "-"))
            rows.append((k, r, s, cells))
    bound = 1 / (1 / cpu + 1 / cuda)
    print(f"{a.machine}, {ROWS} float64 rows, model fitted at these layouts (simulated ms): "
          f"CPU only {cpu:.2f} and CUDA only {cuda:.2f} (fastest of 30..130 tiles), combined "
          f"bound {bound:.2f}; equal tiles at their best (dmda, {equal[1]} tiles) "
          f"{equal[0]:.2f}, {equal[0] / bound:.2f}x the bound.  A tile of 64, each kind alone: "
          f"CPU {tile_cpu:.3f} ms a round, {ngpu} GPU(s) {tile_gpu:.3f} ms each: the GPUs' "
          f"share of the rows {share:.3f}\n")
    print("| layout | share x | share | " + " | ".join(POLICIES) + " | / bound (dmda) | "
          "split (dmda) |")
    print("| --- | ---: | ---: | " + " | ".join("---:" for _ in POLICIES) + " | ---: | --- |")
    for k, r, s, cells in rows:
        d = cells[0][0]
        print(f"| {k}x{r}+{a.rest} | {s:.1f} | {k * r / ROWS:.3f} | "
              + " | ".join(cell(c[0]) for c in cells)
              + f" | {cell(d / bound if d else None)} | {cells[0][1]} |")


if __name__ == "__main__":
    main()
