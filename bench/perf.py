#!/usr/bin/env python3
"""lp-starpu against the hardware limits, in one run on one machine.

    bench/perf.py [--rows N] [--repeat K] [--out DIR] [--sweep]

Measures, one after the other on the same machine and the same seed data:
  - baseline_openmp: the map as a plain C + OpenMP loop on all cores, same
    vectorised kernel: the CPU limit;
  - the plain loop as OpenMP code built three ways (-march=native
    -fno-math-errno, -march=native -ffast-math, -march=x86-64-v3
    -ffast-math), and the memory floor: the same bytes read and written
    with no log (x86-64 and gcc only; one that cannot run here is left out);
  - baseline_cuda: pinned memory, copies and kernel overlapped on 8 streams:
    the GPU limit (skipped without a CUDA device);
  - lp-starpu cpu-only, cuda-only, opencl-only (where present) and the
    scheduled run (dmda, dmdas, heteroprio and lp-starpu's own lp-eft), each
    after a calibration pass, best and median of K;
  - lp-starpu's cost per extra tile, from the same rows cut into more and
    more tiles on the CPU workers, beside StarPU's own prices for a task, a
    registration and an unregistration (bench/starpu_costs) measured in the
    same run;
  - with --sweep, the tuning: every tile size x scheduler (x, where there
    is a GPU, StarPU's default driving, STARPU_NWORKER_PER_CUDA=2 and
    STARPU_CUDA_PIPELINE=4), each calibrated for its tile size, and the
    fastest configuration.
Prints a table of times and ratios, writes perf.json and perf.md to --out
(default bench/results/perf-HOST-DATE), and exits non-zero if any result is
wrong (checksum off the baseline's by more than 1e-12) or any run failed.
The targets of the performance issue are reported as met or missed; they do
not change the exit status (this is a benchmark, not a test).
"""
import argparse
import datetime
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
TOOL = os.path.join(BUILD, "lp-starpu")
SCHEDULERS = ("dmda", "dmdas", "heteroprio", "lp-eft")
SWEEP_TILE_ROWS = (1 << 16, 1 << 17, 1 << 18, 1 << 19, 1 << 20)
SWEEP_SCHEDULERS = ("dmda", "dmdas", "lp-eft")
# How the GPU is driven: StarPU's default (one worker, 2 tasks in flight),
# two workers sharing the GPU, a deeper pipeline.
SWEEP_CUDA_ENVS = ({}, {"STARPU_NWORKER_PER_CUDA": "2"}, {"STARPU_CUDA_PIPELINE": "4"})


def run_json(cmd, env=None):
    full_env = dict(os.environ, **(env or {}))
    p = subprocess.run(cmd, capture_output=True, text=True, env=full_env)
    if p.returncode == 77 or p.returncode == 3:
        return None   # no such device or worker here
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr[-500:]}")
    return json.loads(p.stdout)


def tool(args, env=None):
    return run_json([TOOL, *map(str, args), "--json", "-"], env)


def calibrate(args, env=None):
    """Untimed: every backend alone, then scheduled, feeding the models."""
    subprocess.run([TOOL, *map(str, args), "--compare", "--quiet"], check=True,
                   capture_output=True, env=dict(os.environ, STARPU_CALIBRATE="1", **(env or {})))


def workers_of_kind(kind, env=None):
    rep = tool(["--rows", 1], env)
    return sum(1 for w in rep["workers"] if w["kind"] == kind)


OPENMP = "baseline OpenMP (all cores)"
CUDA_BASELINE = "baseline CUDA (pinned, 8 streams)"
FLOOR = "memory floor (x*y*z, same bytes, no log; -march=native)"
LOOP_BUILDS = [
    ("baseline_floor", FLOOR),
    ("baseline_native_nomatherrno", "OpenMP loop, -O3 -march=native -fno-math-errno"),
    ("baseline_native_fastmath", "OpenMP loop, -O3 -march=native -ffast-math"),
    ("baseline_v3_fastmath", "OpenMP loop, -O3 -march=x86-64-v3 -ffast-math"),
]


def measure(rows, repeat, env_opencl):
    results = []
    omp = run_json([os.path.join(BUILD, "bench", "baseline_openmp"), str(rows), str(repeat)])
    results.append(dict(omp, name=OPENMP))
    for binary, name in LOOP_BUILDS:
        path = os.path.join(BUILD, "bench", binary)
        if not os.path.exists(path):
            continue
        p = subprocess.run([path, str(rows), str(repeat)], capture_output=True, text=True)
        if p.returncode != 0:   # built for another processor (-march=native)
            print(f"perf: {binary} cannot run here (exit {p.returncode})", file=sys.stderr)
            continue
        results.append(dict(json.loads(p.stdout), name=name, checked=binary != "baseline_floor"))
    cuda_bin = os.path.join(BUILD, "bench", "baseline_cuda")
    if os.path.exists(cuda_bin):
        cuda = run_json([cuda_bin, str(rows), str(repeat)])
        if cuda:
            results.append(dict(cuda, name=CUDA_BASELINE))

    has_cuda = workers_of_kind("cuda") > 0
    has_opencl = workers_of_kind("opencl", env_opencl) > 0
    common = ["--rows", rows, "--repeat", repeat, "--warmup", 1]
    calibrate(common)   # every backend feeds its model before anything is timed
    calibrate([*common, "--dtype", "f32"])   # float32 tiles: other footprints
    runs = [("lp-starpu cpu-only", ["--backend", "cpu"], None)]
    # Each CPU implementation alone, and auto under a policy without a model.
    for impl in cpu_impls():
        runs.append((f"lp-starpu cpu-only --cpu-impl {impl}", ["--backend", "cpu", "--cpu-impl", impl],
                     None))
    runs.append(("lp-starpu cpu-only --sched eager (auto)", ["--backend", "cpu", "--sched", "eager"],
                 None))
    # float32: half the bytes, logf.
    runs.append(("lp-starpu cpu-only --dtype f32", ["--backend", "cpu", "--dtype", "f32"], None))
    if has_cuda:
        # StarPU keeps a core to drive each GPU: cpu-only on every core too.
        runs.append(("lp-starpu cpu-only, every core (STARPU_NCUDA=0)", ["--backend", "cpu"],
                     {"STARPU_NCUDA": "0"}))
    if has_cuda:
        runs.append(("lp-starpu cuda-only", ["--backend", "cuda"], None))
        runs.append(("lp-starpu cuda-only --dtype f32", ["--backend", "cuda", "--dtype", "f32"],
                     None))
    if has_opencl:
        calibrate(common, env_opencl)
        runs.append(("lp-starpu opencl-only", ["--backend", "opencl"], env_opencl))
        for sched in ("dmda", "lp-eft"):
            runs.append((f"lp-starpu scheduled {sched} (cpu+opencl)", ["--sched", sched],
                         env_opencl))
    for sched in SCHEDULERS:
        runs.append((f"lp-starpu scheduled {sched}", ["--sched", sched], None))
    for name, args, env in runs:
        if env and env.get("STARPU_NCUDA") == "0":
            calibrate(common, env)   # other workers, another model
        rep = tool([*common, *args], env)
        results.append({"name": name, "rows": rows, "seconds": rep["seconds"],
                        "checked": "--dtype" not in args,   # float32: its own checksum
                        "median_seconds": rep["median_seconds"], "checksum": rep["checksum"],
                        "tiles": rep["tiles"], "tasks_per_kind": tasks_per_kind(rep),
                        "impls": sorted({w["impl"] for w in rep["workers"] if w["tasks"]})})
    return results


def starpu_costs(tiles):
    """StarPU's own prices, measured now (bench/starpu_costs.c, eager, the
    same workers): an empty task, a task on 4 reused handles, a register,
    an unregister, ..., in microseconds."""
    exe = os.path.join(BUILD, "bench", "starpu_costs")
    p = subprocess.run([exe, str(tiles)], capture_output=True, text=True,
                       env=dict(os.environ, STARPU_SCHED="eager"))
    if p.returncode != 0:
        raise RuntimeError(f"{exe}: exit {p.returncode}: {p.stderr[-500:]}")
    return json.loads(p.stdout)["us"]


def task_overhead(rows, repeat):
    """Time of the same rows on the CPU workers in ever smaller tiles, and
    the default tiles against 2442 (10M rows in 4096-row tiles): the extra
    time per extra tile is what a tile costs lp-starpu (submission,
    scheduling, profiling, completion), printed beside StarPU's own prices
    measured in the same run.  us_per_task: the same, times the workers
    sharing the tiles."""
    ncpu = workers_of_kind("cpu")
    points = []
    fine = 2442 if rows >= 2442 * 1024 else max(2, rows // 4096)
    for args in (["--tile-rows", 1 << 20], [], ["--tile-rows", 1 << 16], ["--tiles", fine],
                 ["--tile-rows", 1 << 10]):
        rep = tool(["--rows", rows, *args, "--backend", "cpu", "--repeat", repeat,
                    "--sched", "eager"])
        points.append({"tile_rows": rows // rep["tiles"], "tiles": rep["tiles"],
                       "default": not args, "seconds": rep["seconds"],
                       "tile_cost_us": rep["tile_cost_us"]})
    big = points[0]
    default = next(p for p in points if p["default"])
    fine_p = next(p for p in points if p["tiles"] == fine and not p["default"])
    small = points[-1]
    per_task = (small["seconds"] - big["seconds"]) * ncpu / (small["tiles"] - big["tiles"])
    per_tile = (fine_p["seconds"] - default["seconds"]) / (fine_p["tiles"] - default["tiles"])
    return {"cpu_workers": ncpu, "points": points, "us_per_task": per_task * 1e6,
            "us_per_extra_tile": per_tile * 1e6, "fine_tiles": fine,
            "fine_over_default": fine_p["seconds"] / default["seconds"],
            "starpu_us": starpu_costs(fine)}


def tile_targets(overhead):
    """The tile-cost issue's targets on this machine (ratios of one run)."""
    task = overhead["starpu_us"]["task_4_reused_handles"]
    return [(f"{overhead['fine_tiles']} tiles <= 1.5 x the default tiles (cpu-only, eager)",
             overhead["fine_over_default"], overhead["fine_over_default"] <= 1.5),
            ("cost per extra tile <= 1.5 x StarPU's task on 4 reused handles",
             overhead["us_per_extra_tile"] / task, overhead["us_per_extra_tile"] <= 1.5 * task)]


def cpu_impls():
    """The CPU implementations this processor runs (--version)."""
    out = subprocess.run([TOOL, "--version"], capture_output=True, text=True).stdout
    line = next((l for l in out.splitlines() if l.startswith("CPU code:")), "")
    names = line[len("CPU code:"):].split(" (impl")[0].split(",")
    return [n.strip() for n in names[1:] if n.strip() and "(" not in n]


def tasks_per_kind(rep):
    kinds = {}
    for w in rep["workers"]:
        kinds[w["kind"]] = kinds.get(w["kind"], 0) + w["tasks"]
    return kinds


def sweep(rows, repeat, has_cuda):
    """Tile size x scheduler (x how the GPU is driven): each tile size is a
    new footprint for the history model, so each is calibrated first."""
    points = []
    for env in (SWEEP_CUDA_ENVS if has_cuda else ({},)):
        for tile_rows in SWEEP_TILE_ROWS:
            common = ["--rows", rows, "--tile-rows", tile_rows, "--warmup", 1]
            calibrate([*common, "--repeat", repeat], env)
            for sched in SWEEP_SCHEDULERS:
                rep = tool([*common, "--repeat", repeat, "--sched", sched], env)
                points.append({"tile_rows": tile_rows, "sched": sched,
                               "env": env, "tiles": rep["tiles"],
                               "seconds": rep["seconds"],
                               "median_seconds": rep["median_seconds"],
                               "checksum": rep["checksum"],
                               "tasks_per_kind": tasks_per_kind(rep)})
    return points


def machine():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = ""
    try:
        gpu = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    version = subprocess.run([TOOL, "--version"], capture_output=True, text=True).stdout
    command = " ".join(["bench/perf.py", *sys.argv[1:]])
    return {"host": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(), "command": command,
            "gpu": gpu or "none", "lp_starpu": version.strip().splitlines(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes")}


def combined_bound(results):
    """What the CPU cores and the GPU could do together at best: the OpenMP
    and CUDA baselines each take rows at their own rate, and no run beats
    the memory floor: max(floor, 1 / (1/T_openmp + 1/T_cuda)); without a
    GPU, max(floor, T_openmp).  None without the OpenMP baseline."""
    by = {r["name"]: r["seconds"] for r in results}
    if not by.get(OPENMP):
        return None
    rate = 1 / by[OPENMP] + (1 / by[CUDA_BASELINE] if by.get(CUDA_BASELINE) else 0)
    return max(by.get(FLOOR) or 0, 1 / rate)


def targets(results):
    by = {r["name"]: r["seconds"] for r in results}
    omp, cuda = by.get(OPENMP), by.get(CUDA_BASELINE)
    cpu, gpu = by.get("lp-starpu cpu-only"), by.get("lp-starpu cuda-only")
    out = [("cpu-only <= 1.15 x OpenMP baseline (2-core CI) / 1.2 x (GPU machine)",
            cpu / omp, cpu / omp <= (1.15 if not gpu else 1.2))]
    loops = [r for r in results if r["name"].startswith("OpenMP loop")]
    if loops:
        best = min(loops, key=lambda r: r["seconds"])
        out.append((f"cpu-only <= 1.05 x the fastest OpenMP loop build ({best['name'][13:]})",
                    cpu / best["seconds"], cpu / best["seconds"] <= 1.05))
        v3 = by.get("OpenMP loop, -O3 -march=x86-64-v3 -ffast-math")
        own = by.get("lp-starpu cpu-only --cpu-impl avx2-lplog")
        if v3 and own:   # the reproducible log on AVX2 against glibc's AVX2 log
            out.append(("cpu-only --cpu-impl avx2-lplog <= 1.15 x the -march=x86-64-v3 "
                        "-ffast-math loop (glibc's AVX2 log)", own / v3, own / v3 <= 1.15))
        f32 = by.get("lp-starpu cpu-only --dtype f32")
        if f32:
            out.append(("float32 cpu-only <= 0.6 x float64 cpu-only", f32 / cpu, f32 / cpu <= 0.6))
        every = by.get("lp-starpu cpu-only, every core (STARPU_NCUDA=0)")
        if every:   # the loop has every core; cpu-only beside a GPU one less
            out.append(("cpu-only on every core <= 1.05 x the fastest OpenMP loop build",
                        every / best["seconds"], every / best["seconds"] <= 1.05))
    # The scheduling issue's three, on a GPU machine: the default run (dmda)
    # against the combined bound, and against each kind alone; the CUDA
    # path against its own baseline.
    dmda = next((r for r in results if r["name"] == "lp-starpu scheduled dmda"), None)
    bound = combined_bound(results)
    if gpu and cuda and dmda and bound:
        kinds = dmda["tasks_per_kind"]
        both = kinds.get("cpu", 0) > 0 and kinds.get("cuda", 0) > 0
        out.append(("default run (dmda) <= 1.15 x the combined bound "
                    "max(memory floor, 1 / (1/OpenMP + 1/CUDA baseline))",
                    dmda["seconds"] / bound, dmda["seconds"] / bound <= 1.15))
        out.append(("dmda <= 0.85 x min(cpu-only, cuda-only), both kinds get tiles",
                    dmda["seconds"] / min(cpu, gpu),
                    dmda["seconds"] / min(cpu, gpu) <= 0.85 and both))
        out.append(("cuda-only <= 1.15 x CUDA baseline", gpu / cuda, gpu / cuda <= 1.15))
    return out


def kinds_text(counts):
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items()) if n)


def env_text(env):
    return " ".join(f"{k}={v}" for k, v in sorted(env.items()))


def sweep_report(points):
    best = min(points, key=lambda p: p["seconds"])
    lines = ["", "Tuning sweep (each tile size calibrated first; best of K):", "",
             "| rows per tile | tiles | scheduler | environment | best ms | median ms "
             "| tasks per kind |", "| ---: | ---: | --- | --- | ---: | ---: | --- |"]
    for p in points:
        mark = " **fastest**" if p is best else ""
        lines.append(f"| {p['tile_rows']} | {p['tiles']} | {p['sched']}{mark} | "
                     f"{env_text(p['env']) or '-'} | {p['seconds'] * 1e3:.3f} | "
                     f"{p['median_seconds'] * 1e3:.3f} | {kinds_text(p['tasks_per_kind'])} |")
    env = env_text(best["env"]) + " " if best["env"] else ""
    lines += ["", f"Fastest here: `{env}lp-starpu --tile-rows {best['tile_rows']} "
              f"--sched {best['sched']}` ({best['seconds'] * 1e3:.3f} ms)."]
    return lines


def overhead_lines(overhead):
    c = overhead["starpu_us"]
    lines = ["", f"lp-starpu's cost per extra tile: {overhead['us_per_extra_tile']:.1f} us "
              f"(default tiles against {overhead['fine_tiles']}, wall time; "
              f"{overhead['us_per_task']:.1f} us per task counted on each of "
              f"{overhead['cpu_workers']} CPU workers, eager). StarPU's own prices, "
              f"measured now (bench/starpu_costs): empty task {c['empty_task']:.1f} us, "
              f"task on 4 reused handles {c['task_4_reused_handles']:.1f} us, register "
              f"{c['register']:.1f} us, unregister {c['unregister']:.1f} us, write acquire + "
              f"release {c['acquire_w_release']:.1f} us. Time by tile size:", "",
              "| rows per tile | tiles | best ms | runtime us per tile (report) |",
              "| ---: | ---: | ---: | ---: |"]
    lines += [f"| {p['tile_rows']} | {p['tiles']}{' (default)' if p['default'] else ''} "
              f"| {p['seconds'] * 1e3:.3f} | {p['tile_cost_us']:.1f} |"
              for p in overhead["points"]]
    return lines


def tile_cost_report(overhead, goals, mach, rows):
    return [f"# lp-starpu: the cost of a tile, {rows} rows, float64", "",
            f"Machine: {mach['cpu']}, {mach['cores']} cores, GPU: {mach['gpu']}; {mach['date']}",
            "", f"Command: `{mach['command']}`", "", "| target | measured | met |",
            "| --- | ---: | --- |",
            *[f"| {n} | {r:.2f} | {'yes' if ok else 'NO'} |" for n, r, ok in goals],
            *overhead_lines(overhead)]


def report(results, overhead, goals, mach, rows, points):
    if not results:   # --sweep-only
        return "\n".join([f"# lp-starpu tuning sweep, {rows} rows, float64", "",
                          f"Machine: {mach['cpu']}, {mach['cores']} cores, GPU: {mach['gpu']}; "
                          f"{mach['date']}", "", f"Command: `{mach['command']}`",
                          *sweep_report(points)]) + "\n"
    base = results[0]["seconds"]
    floor = next((r["seconds"] for r in results if r["name"] == FLOOR), None)
    bound = combined_bound(results)
    lines = [f"# lp-starpu against the hardware limits, {rows} rows, float64",
             "", f"Machine: {mach['cpu']}, {mach['cores']} cores, GPU: {mach['gpu']}; "
             f"{mach['date']}", "", f"Command: `{mach['command']}`", "",
             "Combined bound: max(memory floor, 1 / (1/OpenMP + 1/CUDA baseline)), the "
             "OpenMP baseline alone without a GPU: "
             + (f"{bound * 1e3:.3f} ms." if bound else "-."), "",
             "| run | best ms | median ms | vs OpenMP | vs memory floor | vs combined bound "
             "| tiles | tasks per kind |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        kinds = kinds_text(r.get("tasks_per_kind", {}))
        if r.get("impls"):
            kinds += f" ({'; '.join(r['impls'])})"
        vs_floor = f"{r['seconds'] / floor:.2f}x" if floor else "-"
        vs_bound = f"{r['seconds'] / bound:.2f}x" if bound else "-"
        lines.append(f"| {r['name']} | {r['seconds'] * 1e3:.3f} | {r['median_seconds'] * 1e3:.3f} "
                     f"| {r['seconds'] / base:.2f}x | {vs_floor} | {vs_bound} | {r.get('tiles', '')} "
                     f"| {kinds} |")
    lines += ["", "| target | measured | met |", "| --- | ---: | --- |"]
    lines += [f"| {name} | {ratio:.2f} | {'yes' if ok else 'NO'} |" for name, ratio, ok in goals]
    lines += overhead_lines(overhead)
    if points:
        lines += sweep_report(points)
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--out", default=None)
    ap.add_argument("--sweep", action="store_true",
                    help="also sweep tile size x scheduler (x CUDA workers per GPU, pipeline)")
    ap.add_argument("--sweep-only", action="store_true",
                    help="the sweep alone, checked against one cpu-only run (for a second pass)")
    ap.add_argument("--tile-cost", action="store_true",
                    help="only the cost per tile: the tile sweep beside StarPU's own prices")
    a = ap.parse_args()
    day = datetime.date.today().isoformat()
    out = a.out or os.path.join(ROOT, "bench", "results", f"perf-{socket.gethostname()}-{day}")
    os.makedirs(out, exist_ok=True)
    env_opencl = {"STARPU_OPENCL_ON_CPUS": "1"}
    os.environ.setdefault("STARPU_HOME", tempfile.mkdtemp(prefix="lp-perf-"))

    mach = machine()
    if a.tile_cost:
        overhead = task_overhead(a.rows, a.repeat)
        goals = tile_targets(overhead)
        text = "\n".join(tile_cost_report(overhead, goals, mach, a.rows)) + "\n"
        with open(os.path.join(out, "tile-cost.md"), "w") as f:
            f.write(text)
        with open(os.path.join(out, "tile-cost.json"), "w") as f:
            json.dump({"machine": mach, "rows": a.rows, "repeat": a.repeat, "overhead": overhead,
                       "targets": [{"target": n, "ratio": r, "met": ok} for n, r, ok in goals]},
                      f, indent=2)
        print(text)
        print(f"written: {out}/tile-cost.md, tile-cost.json")
        return
    if a.sweep_only:
        ref = tool(["--rows", a.rows, "--backend", "cpu", "--verify"])["checksum"]
        results, overhead, goals = [], None, []
    else:
        results = measure(a.rows, a.repeat, env_opencl)
        overhead = task_overhead(a.rows, max(3, a.repeat // 2))
        goals = targets(results) + tile_targets(overhead)
        ref = results[0]["checksum"]
    points = sweep(a.rows, a.repeat, workers_of_kind("cuda") > 0) if a.sweep or a.sweep_only else []
    wrong = [r["name"] for r in results if r.get("checked", True)
             and abs(r["checksum"] - ref) > 1e-12 * abs(ref)]
    wrong += [f"sweep {p['sched']} {p['tile_rows']} rows/tile" for p in points
              if abs(p["checksum"] - ref) > 1e-12 * abs(ref)]
    text = report(results, overhead, goals, mach, a.rows, points)
    if wrong:
        text += "\nWRONG RESULTS: " + ", ".join(wrong) + "\n"
    with open(os.path.join(out, "perf.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "perf.json"), "w") as f:
        json.dump({"machine": mach, "rows": a.rows, "repeat": a.repeat, "results": results,
                   "combined_bound_seconds": combined_bound(results),
                   "overhead": overhead, "sweep": points,
                   "targets": [{"target": n, "ratio": r, "met": ok} for n, r, ok in goals]},
                  f, indent=2)
    print(text)
    print(f"written: {out}/perf.md, perf.json")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
