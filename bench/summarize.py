#!/usr/bin/env python3
"""Summarise the JSON reports in a results directory as Markdown tables:
one row per run (time, throughput, checksum, tasks per kind of worker)."""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_lib import report  # noqa: E402


def tasks_per_kind(run):
    kinds = {}
    for w in run["workers"]:
        if w["tasks"]:
            kinds[w["kind"]] = kinds.get(w["kind"], 0) + w["tasks"]
    return ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))


def tiles(run):
    """The tile count, and the accelerators' tiles first where there are
    (--accel-tiles; reports before it have none)."""
    accel = run.get("accel_tiles", 0)
    return f"{run['tiles']}" + (f" ({accel}x{run['accel_tile_rows']} first)" if accel else "")


def row(name, run):
    ms = run["seconds"] * 1e3
    return (f"| {name} | {run['sched']} | {run['backend']} | {tiles(run)} | {ms:.3f} | "
            f"{run['median_seconds'] * 1e3:.3f} | {run['rows'] / run['seconds'] / 1e6:.0f} | "
            f"{run['checksum']!r} | {tasks_per_kind(run)} |")


def main(d):
    print("| report | scheduler | backend | tiles | best ms | median ms | Mrows/s | checksum "
          "| tasks per kind |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
    for path in sorted(glob.glob(os.path.join(d, "*.json"))):
        with open(path) as f:
            rep = json.load(f)
        name = os.path.basename(path)[:-5]
        runs = rep.get("runs", [rep]) if isinstance(rep, dict) else []
        if not all(isinstance(r, dict) and "workers" in r and "seconds" in r for r in runs):
            continue   # not a report of the tool (perf.json, a comparison's)
        for r in runs:
            label = name if len(runs) == 1 else f"{name} ({r['backend']})"
            print(row(label, r))
    # The tile count --calibrate measured for the machine (bench/gpu_check.sh).
    calibrate = os.path.join(d, "calibrate.txt")
    if os.path.exists(calibrate):
        lines = open(calibrate).read().splitlines()
        tiles = [line.strip() for line in lines if line.startswith("  tiles:")]
        alone = [line.strip() for line in lines if line.startswith("  one tile (of")]
        print()
        print("--calibrate's " + (tiles[0] if tiles else "tile count: none (see calibrate.txt)"))
        if alone:   # what its counts that end both kinds together came from
            print(alone[0])
    # From which work per row on the GPU wins: bench/compare's own table,
    # from the sweep's points it kept.
    crossover = os.path.join(d, "crossover", "results.json")
    if os.path.exists(crossover):
        with open(crossover) as f:
            table = report.crossover_table(json.load(f).get("sweep", []))
        if table:
            print()
            print(table.rstrip())
    # The module's calls with and without pinning (bench/pinned_check.py).
    for path in sorted(glob.glob(os.path.join(d, "pinned-check-*.md"))):
        print()
        print(open(path).read().rstrip())
    if os.path.exists(os.path.join(d, "machine.md")):
        print()
        print(open(os.path.join(d, "machine.md")).read())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
