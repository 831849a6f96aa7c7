#!/usr/bin/env python3
"""Big tiles first for the GPU, small ones for the CPU workers, on the
simulated CPU+GPU node: a capture's model fitted at each layout
(scripts/machine_fill_sizes.py --accel-tiles, in a temporary directory),
then each layout simulated with dmda (the default), dmdas, lp-eft and
heteroprio, beside the best equal tiles and the combined bound of the
fastest CPU-only and CUDA-only runs of 30 to 130 equal tiles
(bench/sim_tiles.py's).

    bench/sim_accel_tiles.py [--machine h200] [--rest 45] [BUILD] > table.md

A layout KxA+N is lp-starpu's --accel-tiles KxA --tiles N: K tiles of A
rows, then N equal tiles of the rows left; the shares swept are of the
10M rows.  --calibrate tries such layouts itself on a real node: two
tiles per accelerator, at 1, 1.1, 1.2 and 1.3 times the share a tile's
time on each kind gives it (lp_accel_layout); the header says which
shares those are here, from the formula's 64 tiles each kind alone, as
--calibrate times them.  Every figure is simulated time on models
fitted, not measured, at these sizes.
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
SHARES = (0.26, 0.28, 0.30, 0.32, 0.34, 0.36)
LEADS = (1, 2, 4)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--machine", default="h200")
    p.add_argument("--rest", type=int, default=45, help="equal tiles of the rows left")
    p.add_argument("build", nargs="?", default=os.path.join(sim_faithfulness.HERE, "build"))
    a = p.parse_args()
    if a.rest < 1:
        sys.exit("sim_accel_tiles: --rest: at least 1")
    sim_faithfulness.SIM = os.path.join(a.build, "lp-starpu-sim")
    layouts = [(k, int(ROWS * s / k)) for k in LEADS for s in SHARES]
    specs = [f"{k}x{r}+{a.rest}" for k, r in layouts]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        fitted = os.path.join(tmp, a.machine + "-fitted")
        counts = range(30, 131)
        subprocess.run([sys.executable, FILL, os.path.join(MACHINES, a.machine), fitted,
                        "--tiles", ",".join(map(str, counts)), "--accel-tiles", ",".join(specs)],
                       check=True, stdout=subprocess.DEVNULL)
        cpu = min(ms(simulate(fitted, "--tiles", t, "--backend", "cpu")[0]) for t in counts)
        cuda = min(ms(simulate(fitted, "--tiles", t, "--backend", "cuda")[0]) for t in counts)
        equal = min(ms(simulate(fitted, "--tiles", t)[0]) for t in counts)
        # what --calibrate's tile_seconds_alone measures, on the formula's 64
        cpu64 = simulate(fitted, "--tiles", 64, "--backend", "cpu")[0]
        cuda64 = ms(simulate(fitted, "--tiles", 64, "--backend", "cuda")[0])
        ncpu = sum(1 for w in cpu64["workers"] if w["kind"] == "cpu")
        tile_cpu, tile_cuda = ms(cpu64) / -(-64 // ncpu), cuda64 / 64
        share = (1 / tile_cuda) / (1 / tile_cuda + ncpu / tile_cpu)
        for k, r in layouts:
            cells = []
            for policy in POLICIES:
                rep = simulate(fitted, "--accel-tiles", f"{k}x{r}", "--tiles", a.rest,
                               "--sched", policy)[0]
                cells.append((ms(rep), split(rep) if rep else "-"))
            rows.append((k, r, cells))
    bound = 1 / (1 / cpu + 1 / cuda)
    print(f"{a.machine}, {ROWS} float64 rows, model fitted at these layouts (simulated ms): "
          f"CPU only {cpu:.2f} and CUDA only {cuda:.2f} (fastest of 30..130 tiles), combined bound "
          f"{bound:.2f}; equal tiles at their best (dmda) {equal:.2f}, "
          f"{equal / bound:.2f}x the bound.  A tile of 64, each kind alone: CPU "
          f"{tile_cpu:.3f} ms, CUDA {tile_cuda:.3f} ms: the GPU's share {share:.3f}, and "
          f"--calibrate's shares {', '.join(f'{share * (1 + 0.1 * s):.3f}' for s in range(4))}\n")
    print("| accelerator tiles | share | " + " | ".join(POLICIES) + " | / bound (dmda) | "
          "split (dmda) |")
    print("| --- | ---: | " + " | ".join("---:" for _ in POLICIES) + " | ---: | --- |")
    for k, r, cells in rows:
        d = cells[0][0]
        print(f"| {k}x{r}+{a.rest} | {k * r / ROWS:.2f} | "
              + " | ".join(cell(c[0]) for c in cells)
              + f" | {cell(d / bound if d else None)} | {cells[0][1]} |")


if __name__ == "__main__":
    main()
