#!/usr/bin/env python3
"""Simulated clusters of the captured H200 node (lp-starpu-sim --nodes N):
the scheduled run on 1 to 8 nodes, the rows fixed (strong scaling) and the
rows per node fixed (weak scaling).

    bench/sim_cluster.py [BUILD]      (default build/) > table.md

Each rank makes (or reads) the rows of the tiles it owns, as lp-starpu
--mpi does on a real cluster: no row crosses the network, only tile sums
and statistics.  Tiles are the 156250 rows (10M / 64) the capture has
models for, so the tile count grows with the rows.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim_faithfulness import simulate, split, use_build  # noqa: E402

NODES = (1, 2, 4, 8)
TILE_ROWS = 156250


def run(rows, nodes):
    args = ["--rows", rows, "--tiles", rows // TILE_ROWS, "--sched", "dmda"]
    if nodes > 1:
        args += ["--nodes", nodes]
    report, err = simulate("h200", *args)
    if not report:
        sys.exit(f"{nodes} nodes, {rows} rows: {err}")
    return report


def table(title, rows_for):
    print(f"\n{title}\n")
    print("| nodes | rows | tiles per node | simulated ms | speed-up | efficiency | "
          "tiles per kind (all nodes) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    base = None
    for n in NODES:
        rows = rows_for(n)
        r = run(rows, n)
        ms = r["seconds"] * 1e3
        work = rows / rows_for(1)   # this row's work in one node's runs
        base = base or ms
        speedup = base * work / ms
        print(f"| {n} | {rows:,} | {rows // TILE_ROWS // n} | {ms:.3f} | {speedup:.2f} | "
              f"{speedup / n:.0%} | {split(r)} |")


def main():
    use_build(__doc__)
    print("# Simulated clusters of the H200 node (lp-starpu-sim --nodes, dmda)")
    print("\nStarPU-MPI over SimGrid's MPI; each node the `h200` capture, on a "
          "200 Gb/s, 1 us link.")
    table("Strong scaling: 10M rows in all", lambda n: 10_000_000)
    table("Strong scaling: 100M rows in all", lambda n: 100_000_000)
    table("Weak scaling: 10M rows per node", lambda n: 10_000_000 * n)


if __name__ == "__main__":
    main()
