#!/usr/bin/env python3
"""Which tile count the simulated CPU+GPU node runs fastest: a capture's
model fitted at every tile count of a range (scripts/machine_fill_sizes.py,
in a temporary directory), then each count simulated with each kind alone,
the default policy (dmda) and lp-eft.

    bench/sim_tiles.py [--machine h200] [--from 30] [--to 130] [BUILD] > table.md

--machine: a name in perfmodels/machines with a GPU; BUILD: the build
directory (default build/), as bench/sim_hybrid.py takes it.  Every
figure is simulated time on models partly fitted, not measured: the
counts the capture has are marked "captured".
"""
import argparse
import os
import subprocess
import sys
import tempfile


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sim_faithfulness  # noqa: E402
from sim_faithfulness import MACHINES, ROWS, captured_tiles, simulate, split  # noqa: E402

FILL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts",
                    "machine_fill_sizes.py")


def ms(report):
    return report["seconds"] * 1e3 if report else None


def cell(v):
    return f"{v:.2f}" if v is not None else "-"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--machine", default="h200")
    p.add_argument("--from", dest="lo", type=int, default=30)
    p.add_argument("--to", dest="hi", type=int, default=130)
    p.add_argument("build", nargs="?", default=os.path.join(sim_faithfulness.HERE, "build"))
    a = p.parse_args()
    if a.lo < 1 or a.hi < a.lo:
        sys.exit("sim_tiles: --from and --to: 1 <= from <= to")
    # simulate() runs sim_faithfulness.SIM, which it takes from its own
    # command line (sim_hybrid's and sim_cluster's way); this one has options.
    sim_faithfulness.SIM = os.path.join(a.build, "lp-starpu-sim")
    counts = list(range(a.lo, a.hi + 1))
    captured = set(captured_tiles(a.machine))
    with tempfile.TemporaryDirectory() as tmp:
        fitted = os.path.join(tmp, a.machine + "-fitted")
        subprocess.run([sys.executable, FILL, os.path.join(MACHINES, a.machine), fitted,
                        "--tiles", ",".join(map(str, counts))], check=True,
                       stdout=subprocess.DEVNULL)
        rows = []
        for t in counts:
            cpu = ms(simulate(fitted, "--tiles", t, "--backend", "cpu")[0])
            cuda = ms(simulate(fitted, "--tiles", t, "--backend", "cuda")[0])
            default = simulate(fitted, "--tiles", t)[0]
            eft = ms(simulate(fitted, "--tiles", t, "--sched", "lp-eft")[0])
            rows.append((t, cpu, cuda, default, eft))
    best_cpu = min(r[1] for r in rows if r[1])
    best_cuda = min(r[2] for r in rows if r[2])
    bound = 1 / (1 / best_cpu + 1 / best_cuda)
    best = min((r for r in rows if r[3]), key=lambda r: ms(r[3]))
    print(f"{a.machine}, model fitted at {a.lo}..{a.hi} tiles of {ROWS} float64 rows "
          f"(simulated ms): fastest CPU only {best_cpu:.2f}, CUDA only {best_cuda:.2f}, "
          f"combined bound {bound:.2f}; fastest default (dmda) {ms(best[3]):.2f} at "
          f"{best[0]} tiles, {ms(best[3]) / bound:.2f}x the bound\n")
    print("| tiles | cpu only | cuda only | default (dmda) | / bound | split | lp-eft | model |")
    print("| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |")
    for t, cpu, cuda, default, eft in rows:
        d = ms(default)
        print(f"| {t} | {cell(cpu)} | {cell(cuda)} | {cell(d)} | "
              f"{cell(d / bound if d else None)} | {split(default) if default else '-'} | "
              f"{cell(eft)} | {'captured' if t in captured else 'fitted'} |")


if __name__ == "__main__":
    main()
