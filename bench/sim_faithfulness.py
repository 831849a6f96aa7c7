#!/usr/bin/env python3
"""How well lp-starpu-sim predicts the committed real runs of its captures:
each run simulated with the same policy, backend and tiles, beside the best
and median the real machine measured, and the tiles per kind of worker.

    bench/sim_faithfulness.py [BUILD]      (default build/) > table.md

Also a sweep on each capture: policy x tile count, over the tile sizes its
models hold (a simulated run per cell, seconds in all).
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(HERE, "build", "lp-starpu-sim")   # use_build() sets the one asked for
RESULTS = os.path.join(HERE, "bench", "results")
# Policies whose committed real runs predate the bootstrap's dmda patch.
PATCHED = ("dmda", "dmdas", "dmdar")


MACHINES = os.path.join(HERE, "perfmodels", "machines")
ROWS = 10_000_000
F64_ROW_BYTES = 32   # x, y, z and out, float64


def use_build(doc):
    """[BUILD] from the command line of a script that takes nothing else:
    --help prints doc, anything else or a BUILD without lp-starpu-sim is
    one line and exit 2."""
    global SIM
    args, name = sys.argv[1:], os.path.basename(sys.argv[0])
    if args[:1] in (["-h"], ["--help"]):
        print(doc.strip())
        sys.exit(0)
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(f"usage: {name} [BUILD]   (--help says more)", file=sys.stderr)
        sys.exit(2)
    if args:
        SIM = os.path.join(args[0], "lp-starpu-sim")
    if not os.access(SIM, os.X_OK):
        print(f"{name}: no {SIM} (make build makes it where libsimgrid-dev is installed)",
              file=sys.stderr)
        sys.exit(2)


def workers(machine):
    """{kind of worker: how many} of a capture (its machine.conf)."""
    conf = open(os.path.join(MACHINES, machine, "machine.conf")).read()
    found = {k: re.search(rf"^n{k}\s*=\s*(\d+)", conf, re.M) for k in ("cpu", "cuda", "opencl")}
    return {k: int(m[1]) for k, m in found.items() if m and int(m[1])}


def gpu_machines():
    """The captures (and what-ifs) with a GPU, by name."""
    return [m for m in sorted(os.listdir(MACHINES))
            if os.path.isfile(os.path.join(MACHINES, m, "machine.conf")) and "cuda" in workers(m)]


def model_sizes(machine):
    """{kind of worker: tile sizes in bytes with a calibrated entry (10 samples, as
    StarPU asks)} in the capture's model of lp_logprod."""
    sampling = os.path.join(MACHINES, machine, "starpu-home", ".starpu", "sampling", "codelets")
    sizes = {}
    for version in sorted(os.listdir(sampling)):
        path = os.path.join(sampling, version, "lp_logprod.captured")
        if not os.path.exists(path):
            continue
        kind = None
        for line in open(path):
            if line.startswith("# Model for "):     # "# Model for cuda0_impl0 (Comb0)"
                kind = re.match(r"[a-z]+", line.split()[3]).group()
                continue
            f = line.split()
            if kind and len(f) == 8 and not line.startswith("#") and int(f[7]) >= 10:
                sizes.setdefault(kind, set()).add(int(f[1]))
    return sizes


def captured_tiles(machine, kinds=None, rows=ROWS):
    """The tile counts of rows float64 rows whose tiles each of kinds (of
    worker; default: all the capture has) has a model for: where a simulated
    run on them can be timed.  A size alone does not tell float64 from
    float32 (twice the rows), so a count found here may still lack a model:
    the simulator says so."""
    sizes, kinds = model_sizes(machine), kinds or list(workers(machine))
    common = set.intersection(*(sizes.get(k, set()) for k in kinds)) if kinds else set()
    tiles = set()
    for size in common:
        if size % F64_ROW_BYTES:
            continue
        per_tile = size // F64_ROW_BYTES
        for t in {rows // per_tile, -(-rows // per_tile)}:
            if t and per_tile in {rows // t, -(-rows // t)}:
                tiles.add(t)
    return sorted(tiles)


def simulate(machine, *args):
    p = subprocess.run([SIM, "--machine", machine, *map(str, args), "--json", "-"],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1]
    return json.loads(p.stdout), None


def split(report):
    kinds = {}
    for w in report["workers"]:
        kinds[w["kind"]] = kinds.get(w["kind"], 0) + w["tasks"]
    return ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()) if v)


def real_runs():
    """(machine, what, tiles, args, best s, median s, real split)."""
    glibc = os.path.join(RESULTS, "gpu-h200-2026-11-26")
    for f in sorted(os.listdir(glibc)):
        if f.endswith(".json") and (f.startswith("sched-") or f in ("cpu-only.json",
                                                                     "cuda-only.json")):
            r = json.load(open(os.path.join(glibc, f)))
            args = (["--sched", f[6:-5]] if f.startswith("sched-")
                    else ["--backend", f.split("-")[0]])
            yield ("h200-glibc-log", f, r["tiles"], args, r["seconds"], r["median_seconds"],
                   split(r))
    perf = json.load(open(os.path.join(RESULTS, "gpu-h200-2026-11-26-lplog", "perf",
                                       "perf.json")))["results"]
    for r in perf:
        name = r["name"]
        if not name.startswith("lp-starpu") or "opencl" in name or "f32" in name \
                or "--cpu-impl" in name or "every core" in name:
            continue
        if "cpu-only" in name:
            args = ["--backend", "cpu"] + (["--sched", "eager"] if "eager" in name else [])
        elif "cuda-only" in name:
            args = ["--backend", "cuda"]
        else:
            args = ["--sched", name.split()[-1]]
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(r["tasks_per_kind"].items()) if v)
        yield ("h200", name, r["tiles"], args, r["seconds"], r["median_seconds"], kinds)


def main():
    use_build(__doc__)
    print("| capture | real run | tiles | simulated ms | measured best / median ms | "
          "simulated / median | tiles per kind, simulated | measured |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
    for machine, what, tiles, args, best, median, real_split in real_runs():
        if args[-1] in PATCHED:
            what += " \\*"
        report, why = simulate(machine, "--tiles", tiles, *args)
        if report is None:
            print(f"| {machine} | {what} | {tiles} | - | {best * 1e3:.2f} / {median * 1e3:.2f} "
                  f"| - | {why} | {real_split} |")
            continue
        s = report["seconds"]
        print(f"| {machine} | {what} | {tiles} | {s * 1e3:.2f} | {best * 1e3:.2f} / "
              f"{median * 1e3:.2f} | {s / median:.2f} | {split(report)} | {real_split} |")
    print("\n\\* measured with StarPU's dmda as released; simulated with the bootstrap's "
          "patched dmda (scripts/patches/starpu-1.3.10-dmda-link-queues.patch): "
          "not the same scheduler, so not a measure of faithfulness.")
    for machine in gpu_machines():
        if "what-if" in open(os.path.join(MACHINES, machine, "machine.conf")).read():
            continue   # nothing real to compare with
        scheds = ("dmda", "dmdas", "heteroprio", "lp-eft", "eager", "lws")
        print(f"\nSweep on {machine} (simulated ms, 10M rows; - : no model for that tile size)\n")
        print("| tiles | " + " | ".join(scheds) + " |")
        print("| ---: |" + " ---: |" * len(scheds))
        for tiles in captured_tiles(machine):
            cells = []
            for sched in scheds:
                report, _ = simulate(machine, "--tiles", tiles, "--sched", sched)
                cells.append(f"{report['seconds'] * 1e3:.2f}" if report else "-")
            print(f"| {tiles} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
