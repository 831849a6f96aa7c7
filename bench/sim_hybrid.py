#!/usr/bin/env python3
"""The hybrid schedule on the captured machines: each policy's simulated
time beside CPU only and CUDA only at the same tiles, and the ratios the
scheduling issue targets.

    bench/sim_hybrid.py [BUILD]      (default build/) > table.md

The bound is the simulated machine's own, 1 / (1/T_cpu + 1/T_cuda), with
T_cpu and T_cuda the fastest CPU-only and CUDA-only runs over every tile
count of 10M rows the capture has models for (the simulation models no
memory floor: host memory has the bus's bandwidth); "at these tiles" takes T_cpu and
T_cuda at the row's own tile count.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim_faithfulness import captured_tiles, gpu_machines, simulate, split, use_build  # noqa: E402

SCHEDS = ("dmda", "dmdas", "heteroprio", "lp-eft", "eager")


def ms(report):
    return report["seconds"] * 1e3


def table(machine):
    rows = []
    # Each kind alone where it has models (for the bound), both where both do.
    counts = set().union(*(captured_tiles(machine, [k]) for k in ("cpu", "cuda")))
    for tiles in sorted(counts):
        cpu, _ = simulate(machine, "--tiles", tiles, "--backend", "cpu")
        cuda, _ = simulate(machine, "--tiles", tiles, "--backend", "cuda")
        default, _ = simulate(machine, "--tiles", tiles)
        runs = {s: simulate(machine, "--tiles", tiles, "--sched", s)[0] for s in SCHEDS}
        rows.append((tiles, cpu, cuda, default, runs))
    best_cpu = min((ms(r[1]) for r in rows if r[1]), default=None)
    best_cuda = min((ms(r[2]) for r in rows if r[2]), default=None)
    bound = 1 / (1 / best_cpu + 1 / best_cuda) if best_cpu and best_cuda else None
    print(f"\n{machine}: fastest CPU only {best_cpu:.2f} ms, CUDA only {best_cuda:.2f} ms, "
          f"combined bound {bound:.2f} ms (simulated ms, 10M rows float64; - : no model)\n")
    print("| tiles | cpu only | cuda only | default (dmda) | default / bound | "
          "default / bound at these tiles | default / one kind | default's split | "
          + " | ".join(SCHEDS) + " |")
    print("| ---: |" + " ---: |" * 6 + " --- |" + " ---: |" * len(SCHEDS))
    for tiles, cpu, cuda, default, runs in rows:
        if not default:
            continue
        alone = min(ms(r) for r in (cpu, cuda) if r) if (cpu or cuda) else None
        here = 1 / (1 / ms(cpu) + 1 / ms(cuda)) if cpu and cuda else None
        cells = [f"{ms(cpu):.2f}" if cpu else "-", f"{ms(cuda):.2f}" if cuda else "-",
                 f"{ms(default):.2f}", f"{ms(default) / bound:.2f}",
                 f"{ms(default) / here:.2f}" if here else "-",
                 f"{ms(default) / alone:.2f}" if alone else "-", split(default)]
        cells += [f"{ms(runs[s]):.2f}" if runs[s] else "-" for s in SCHEDS]
        print(f"| {tiles} | " + " | ".join(cells) + " |")


def main():
    use_build(__doc__)
    for machine in gpu_machines():
        table(machine)


if __name__ == "__main__":
    main()
