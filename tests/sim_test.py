#!/usr/bin/env python3
"""Tests of lp-starpu-sim: captured machines replayed by StarPU + SimGrid.

    sim_test.py --list                  the case names (CTest: sim.<name>)
    sim_test.py SIM REAL CASE           run one case (SIM: lp-starpu-sim,
                                        REAL: lp-starpu)
    sim_test.py --unavailable           exit 77: lp-starpu-sim was not built

A simulation is deterministic, so these assert scheduling itself: the same
makespan twice, the split of tiles the real machine showed, and the times
the committed real runs measured.  Exit 0 passed, 1 failed, 77 skipped.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from cases import SKIP, Skip, check, run_case  # noqa: E402

SIM = REAL = None
CASES = {}
SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MACHINES = os.path.join(SOURCE, "perfmodels", "machines")
RESULTS = os.path.join(SOURCE, "bench", "results")


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def run(*args, binary=None, env=None):
    full = dict(os.environ, **(env or {}))
    p = subprocess.run([binary or SIM, *map(str, args)], capture_output=True, text=True,
                       env=full, timeout=300)
    return p.returncode, p.stdout, p.stderr


def sim_json(machine, *args):
    rc, out, err = run("--machine", machine, *args, "--json", "-")
    check(rc == 0, f"{machine} {args}: exit {rc}: {err[-1500:]}")
    return json.loads(out)


def tasks(report, kind):
    return sum(w["tasks"] for w in report["workers"] if w["kind"] == kind)


def perf_run(capture_dir, name):
    """A run of bench/perf.py's JSON, by its name."""
    with open(os.path.join(RESULTS, capture_dir, "perf", "perf.json")) as f:
        runs = {r["name"]: r for r in json.load(f)["results"]}
    return runs[name]


def tool_run(capture_dir, file):
    with open(os.path.join(RESULTS, capture_dir, file)) as f:
        return json.load(f)


@case
def same_command_same_makespan():
    a = sim_json("h200", "--tiles", 64, "--sched", "dmda", "--repeat", 3)
    b = sim_json("h200", "--tiles", 64, "--sched", "dmda", "--repeat", 3)
    check(a["run_seconds"] == b["run_seconds"], f"{a['run_seconds']} then {b['run_seconds']}")
    check([w["tasks"] for w in a["workers"]] == [w["tasks"] for w in b["workers"]],
          "the tiles went elsewhere the second time")
    # Runs of one process start at another simulated time, on handles kept
    # registered from run to run: the same length to a millionth (measured:
    # 5.8 ns of 6.3 ms from the third run on).
    check(max(a["run_seconds"]) - min(a["run_seconds"]) <= 1e-6 * max(a["run_seconds"]),
          f"runs of one process differ: {a['run_seconds']}")


@case
def splits_tiles_as_the_real_machine_did():
    # heteroprio on the H200 capture, 64 tiles of 10M rows: the real run of
    # that capture put these many tiles on each kind.  (The real dmda runs
    # were made before the bootstrap patched StarPU's dmda: the simulated
    # dmda is the patched one, docs/scheduling.md.)
    for sched in ("heteroprio",):
        real = perf_run("gpu-h200-2026-11-26-lplog", f"lp-starpu scheduled {sched}")
        report = sim_json("h200", "--tiles", real["tiles"], "--sched", sched)
        got = {"cpu": tasks(report, "cpu"), "cuda": tasks(report, "cuda")}
        want = {k: real["tasks_per_kind"].get(k, 0) for k in ("cpu", "cuda")}
        check(got == want, f"{sched}: simulated {got}, measured {want}")


@case
def hybrid_policies_use_both_kinds():
    for sched in ("lp-eft", "heteroprio", "eager"):
        report = sim_json("h200", "--tiles", 64, "--sched", sched)
        check(tasks(report, "cpu") > 0 and tasks(report, "cuda") > 0,
              f"{sched}: cpu {tasks(report, 'cpu')}, cuda {tasks(report, 'cuda')}")
        check(tasks(report, "cpu") + tasks(report, "cuda") == 64, report["workers"])


@case
def dmda_schedules_cpus_and_gpu_together():
    # The scheduled run beats both single-backend runs at the same tiles:
    # dmda (the default), dmdas and the run without --sched use both kinds
    # and take at most 0.85x the faster of CPU only and CUDA only.  Patched
    # dmda books the copies on the link (2.73 ms on h200 at 64 tiles, CPU
    # only 3.39); unpatched it sent 49 of 64 tiles to the GPU (6.33 ms).
    for machine, tiles in (("h200", 64), ("h200-glibc-log", 39), ("h200-glibc-log", 64)):
        alone = min(sim_json(machine, "--tiles", tiles, "--backend", b)["seconds"]
                    for b in ("cpu", "cuda"))
        for sched in ((), ("--sched", "dmda"), ("--sched", "dmdas")):
            report = sim_json(machine, "--tiles", tiles, *sched)
            what = f"{machine} {tiles} tiles {' '.join(sched) or 'default'}"
            check(tasks(report, "cpu") > 0 and tasks(report, "cuda") > 0,
                  f"{what}: cpu {tasks(report, 'cpu')}, cuda {tasks(report, 'cuda')}")
            check(report["seconds"] <= 0.85 * alone,
                  f"{what}: {report['seconds'] * 1e3:.2f} ms, one kind alone "
                  f"{alone * 1e3:.2f} ms")


@case
def links_busy_as_the_bus_model_prices_them():
    # CUDA only, 64 tiles of 10M rows: every input crosses to the GPU and
    # every result back, and each link's copies, priced by the capture's bus
    # model, keep it busy for a share of the run (0.68 and 0.23 of 8.26 ms
    # when written: the link is not the only thing a CUDA tile waits for).
    report = sim_json("h200", "--tiles", 64, "--backend", "cuda")
    links = {(b["src"], b["dst"]): b for b in report["buses"]}
    into, back = links[("NUMA 0", "CUDA 0")], links[("CUDA 0", "NUMA 0")]
    check(into["bytes"] == 3 * 10_000_000 * 8 and back["bytes"] == 10_000_000 * 8,
          f"{into['bytes']} and {back['bytes']} bytes")
    for b in (into, back):
        check(abs(b["busy_share"] - b["model_ms"] / (report["seconds"] * 1e3)) < 1e-9, b)
    check(0.5 < into["busy_share"] <= 1 and 0.25 < back["model_ms"] / into["model_ms"] < 0.45,
          f"in {into}, back {back}")


WHATIF = ("h200", "h200x2", "--gpus", "2", "--host-gbps", "344", "--date", "2026-12-04",
          "--host-source", "the node's memory floor, 320 MB in 0.928 ms (bench/perf.py, "
          "bench/results/gpu-h200-2026-11-26-lplog)")


@case
def what_if_machine_is_the_script_output():
    # perfmodels/machines/h200x2 is exactly what scripts/machine_whatif.py
    # makes of the h200 capture: nothing in it was edited by hand.
    tmp = tempfile.mkdtemp()
    made = os.path.join(tmp, WHATIF[1])
    p = subprocess.run([sys.executable, os.path.join(SOURCE, "scripts", "machine_whatif.py"),
                        os.path.join(MACHINES, WHATIF[0]), made, *WHATIF[2:]],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, p.stderr)
    same = tree_digest(made) == tree_digest(os.path.join(MACHINES, WHATIF[1]))
    subprocess.run(["rm", "-rf", tmp])
    check(same, "scripts/machine_whatif.py makes another h200x2 than the committed one")


@case
def fitted_sizes_keep_captured_and_balance_at_40_tiles():
    # scripts/machine_fill_sizes.py adds the sizes a capture lacks and
    # keeps those it has: 64 tiles (captured) simulates as on the capture
    # to the nanosecond, and each footprint it writes is the one lp-starpu
    # gives such a tile (or the simulator finds no model and fails).  On
    # the fitted H200, 40 tiles (2 rounds of the 15 CPU workers and 10 GPU
    # tiles: lp_tiles_balanced on the capture's per-kind tile times, one of
    # --calibrate's candidates) beats the formula's 64 by at least 15%
    # and 41 (a CPU tile left for a third round) with dmda.
    tmp = tempfile.mkdtemp()
    fitted = os.path.join(tmp, "h200-fitted")
    p = subprocess.run([sys.executable, os.path.join(SOURCE, "scripts", "machine_fill_sizes.py"),
                        os.path.join(MACHINES, "h200"), fitted, "--tiles", "40,41,64"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and "fitted entries" in p.stdout, p.stderr)
    try:
        same = sim_json("h200", "--tiles", 64)["seconds"]
        check(sim_json(fitted, "--tiles", 64)["seconds"] == same, "64 tiles changed")
        t40, t41 = (sim_json(fitted, "--tiles", t) for t in (40, 41))
        check(tasks(t40, "cpu") == 30 and tasks(t40, "cuda") == 10, t40["workers"])
        check(t40["seconds"] <= 0.85 * same and t40["seconds"] < t41["seconds"],
              f"40 tiles {t40['seconds'] * 1e3:.3f} ms, 41 {t41['seconds'] * 1e3:.3f}, "
              f"64 {same * 1e3:.3f}")
    finally:
        subprocess.run(["rm", "-rf", tmp])


@case
def accel_tiles_go_to_the_gpu_and_end_with_the_cpus():
    # --accel-tiles: big tiles first for the GPU, the rows left in small
    # ones for the 15 CPU workers.  The layout --calibrate's best candidate
    # makes from the capture's per-kind tile times as it prints them
    # (0.678 and 0.129 ms; lp_accel_layout at 1.2x the GPU's share: 2
    # tiles of 1556831 rows, the rest in 60) runs
    # on the fitted H200 with its two big tiles on the GPU, under dmda (the
    # default) and lp-eft alike, and beats the best equal tiles (40: 2.16
    # ms) by at least 5% (1.99 ms).  The same rows and tiles under
    # heteroprio, which lets idle CPU workers take a big tile, are slower:
    # the option is for the policies that place tiles by the model.
    tmp = tempfile.mkdtemp()
    fitted = os.path.join(tmp, "h200-fitted")
    p = subprocess.run([sys.executable, os.path.join(SOURCE, "scripts", "machine_fill_sizes.py"),
                        os.path.join(MACHINES, "h200"), fitted, "--tiles", "40",
                        "--accel-tiles", "2x1556831+60"],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and "fitted entries" in p.stdout, p.stderr)
    try:
        equal = sim_json(fitted, "--tiles", 40)["seconds"]
        layout = ("--accel-tiles", "2x1556831", "--tiles", 60)
        for policy in ("dmda", "lp-eft"):
            r = sim_json(fitted, *layout, "--sched", policy)
            check(r["tiles"] == 62 and r["accel_tiles"] == 2 and r["accel_tile_rows"] == 1556831,
                  f"{policy}: the report's layout {r['tiles']}, {r['accel_tiles']}x"
                  f"{r['accel_tile_rows']}")
            check(tasks(r, "cuda") == 2 and tasks(r, "cpu") == 60, f"{policy}: {r['workers']}")
            check(r["seconds"] <= 0.95 * equal,
                  f"{policy}: {r['seconds'] * 1e3:.3f} ms, equal tiles {equal * 1e3:.3f} ms")
        hp = sim_json(fitted, *layout, "--sched", "heteroprio")["seconds"]
        check(hp > equal, f"heteroprio {hp * 1e3:.3f} ms, equal tiles {equal * 1e3:.3f} ms")
    finally:
        subprocess.run(["rm", "-rf", tmp])


@case
def what_if_second_gpu():
    # One GPU of the what-if is the capture itself, to the nanosecond (the
    # faster host memory changes nothing: the copies of one GPU are its
    # PCIe link's).  The second GPU halves CUDA only; the default run
    # (dmda) and lp-eft give both GPUs tiles and gain at least 15%, as
    # heteroprio does (2.72 -> 2.07 ms).
    one = {"STARPU_NCUDA": "1"}
    for args in (("--backend", "cuda"), ("--sched", "dmda"), ("--sched", "heteroprio")):
        rc, out, err = run("--machine", "h200x2", "--tiles", 64, *args, "--json", "-", env=one)
        check(rc == 0, err)
        single = json.loads(out)["seconds"]
        captured = sim_json("h200", "--tiles", 64, *args)["seconds"]
        check(single == captured, f"{args}: one GPU of the what-if {single}, capture {captured}")
    for args in (("--backend", "cuda"), (), ("--sched", "lp-eft"), ("--sched", "heteroprio")):
        rc, out, err = run("--machine", "h200x2", "--tiles", 64, *args, "--json", "-", env=one)
        check(rc == 0, err)
        single = json.loads(out)["seconds"]
        report = sim_json("h200x2", "--tiles", 64, *args)
        gpus = [w["tasks"] for w in report["workers"] if w["kind"] == "cuda"]
        bound = 0.55 if args == ("--backend", "cuda") else 0.85
        check(len(gpus) == 2 and min(gpus) > 0, f"{args or 'default'}: GPU tiles {gpus}")
        check(report["seconds"] <= bound * single,
              f"{args or 'default'}: two GPUs {report['seconds'] * 1e3:.2f} ms, one "
              f"{single * 1e3:.2f} ms")


# (capture, how the real run was made, its measured median in s, the
# simulated run's arguments).  The runs the simulation predicts within 25%
# of the median; docs/simulation.md has every committed run, these and the
# ones it misses, and why.
def predicted_runs():
    lplog = "gpu-h200-2026-11-26-lplog"
    glibc = "gpu-h200-2026-11-26"
    rows = []
    for name, args in (("lp-starpu scheduled heteroprio", ("--tiles", 64, "--sched", "heteroprio")),
                       ("lp-starpu cuda-only", ("--tiles", 39, "--backend", "cuda"))):
        rows.append(("h200", name, perf_run(lplog, name)["median_seconds"], args))
    for file, args in (("sched-eager.json", ("--sched", "eager")),
                       ("sched-heteroprio.json", ("--sched", "heteroprio")),
                       ("cuda-only.json", ("--backend", "cuda"))):
        rows.append(("h200-glibc-log", file, tool_run(glibc, file)["median_seconds"],
                     ("--tiles", 64, *args)))
    return rows


@case
def predicts_committed_runs_within_25_percent():
    misses = []
    for machine, name, median, args in predicted_runs():
        simulated = sim_json(machine, *args)["seconds"]
        if not 0.75 <= simulated / median <= 1.25:
            misses.append(f"{machine} {name}: simulated {simulated * 1e3:.2f} ms, "
                          f"measured median {median * 1e3:.2f} ms")
    check(not misses, "; ".join(misses))


@case
def report_says_simulated_and_no_checksum():
    rc, out, err = run("--machine", "h200", "--tiles", 64)
    check(rc == 0, err)
    check("SIMULATED   on machine h200" in out and "checksum    none" in out, out)
    report = sim_json("h200", "--tiles", 64)
    check(report["simulated"] is True and report["machine"].startswith("h200 (captured"),
          report["machine"])
    check(report["checksum"] is None, report["checksum"])
    json_real = json.loads(run("--rows", 10, "--json", "-", binary=REAL)[1])
    check(json_real["simulated"] is False and json_real["machine"] is None, json_real)


@case
def input_gives_the_rows_from_its_header():
    # An N x 3 float64 file whose data is never read: the header gives N
    # (its zeros would be bad inputs for a real run).  Four tiles of the
    # 156250 rows the capture has models for.
    rows = 625000
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, 3), }" % rows
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    with open("in.npy", "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
        f.truncate(f.tell() + rows * 24)
    report = sim_json("h200", "--input", "in.npy", "--tiles", 4)
    check(report["rows"] == rows, report["rows"])
    check(report["io"]["read_bytes"] == 0, f"rows were read: {report['io']}")


def needs_nodes():
    """lp-starpu-sim --nodes runs lp-starpu-sim-mpi-run, built where
    SimGrid's smpicc and the bootstrap's StarPU-MPI over it are."""
    if not os.path.exists(os.path.join(os.path.dirname(SIM), "lp-starpu-sim-mpi-run")):
        raise Skip("lp-starpu-sim-mpi-run was not built (no smpicc or xsltproc when the "
                   "bootstrap ran): --nodes is not available")


@case
def nodes_share_the_tiles():
    # Two simulated H200 nodes, 10M rows in 64 tiles: each rank owns 32 tiles
    # (block distribution), runs them on both kinds of its own workers, and
    # the run takes about half the one-node time (measured: 1.377 vs 2.725 ms;
    # no row crosses the network, only tile sums and statistics do).
    needs_nodes()
    one = sim_json("h200", "--tiles", 64)
    two = sim_json("h200", "--tiles", 64, "--nodes", 2)
    check(two["machine"].startswith("2 nodes of h200 (captured"), two["machine"])
    ranks = two["ranks"]
    check([(r["rank"], r["host"], r["tiles"], r["tasks"]) for r in ranks] ==
          [(0, "node0", 32, 32), (1, "node1", 32, 32)], ranks)
    check(sum(r["rows"] for r in ranks) == 10_000_000, ranks)
    for r in (0, 1):
        kinds = {w["kind"] for w in two["workers"]
                 if w["tasks"] and w["name"].startswith(f"rank {r}: ")}
        check(kinds == {"cpu", "cuda"}, f"rank {r} used {kinds}")
    check(0.45 * one["seconds"] <= two["seconds"] <= 0.55 * one["seconds"],
          f"two nodes {two['seconds']} s, one node {one['seconds']} s")
    again = sim_json("h200", "--tiles", 64, "--nodes", 2)
    check(again["seconds"] == two["seconds"], f"{two['seconds']} then {again['seconds']}")


@case
def nodes_weak_scaling_is_flat():
    # Twice the rows on twice the nodes: the same time as one node, to a
    # thousandth (each node has the same tiles to run; measured equal).
    needs_nodes()
    one = sim_json("h200", "--tiles", 64)["seconds"]
    four = sim_json("h200", "--rows", "40M", "--tiles", 256, "--nodes", 4, "--distribution",
                    "cyclic")
    check([r["tiles"] for r in four["ranks"]] == [64] * 4, four["ranks"])
    check(abs(four["seconds"] - one) <= 1e-3 * one, f"4 nodes {four['seconds']}, 1 node {one}")


@case
def nodes_leave_nothing_behind():
    needs_nodes()
    tmp = tempfile.mkdtemp()
    before = tree_digest(MACHINES)
    rc, out, err = run("--machine", "h200", "--tiles", 64, "--nodes", 2, env={"TMPDIR": tmp})
    check(rc == 0 and err == "", f"exit {rc}: {err!r}")
    check("SIMULATED   on machine 2 nodes of h200" in out, out[:400])
    check(tree_digest(MACHINES) == before, "the run changed the committed capture")
    check(os.listdir(tmp) == [], f"left in TMPDIR: {os.listdir(tmp)}")
    os.rmdir(tmp)
    # A rank's failure reaches the exit status, said once, nothing on stdout
    # (SimGrid's MPI ignores what a rank's main returns).
    rc, out, err = run("--machine", "h200", "--tiles", 7, "--nodes", 2)
    check(rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and
          "has no model for tiles of" in err, f"exit {rc}: {out!r} {err!r}")


def tree_digest(path):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for f in sorted(files):
            with open(os.path.join(root, f), "rb") as fh:
                h.update(f.encode() + fh.read())
    return h.hexdigest()


@case
def capture_left_as_committed():
    tmp = tempfile.mkdtemp()
    before = tree_digest(MACHINES)
    rc, _, err = run("--machine", "h200", "--tiles", 64, "--sched", "dmda", "--repeat", 2,
                     env={"TMPDIR": tmp})
    check(rc == 0, err)
    check(tree_digest(MACHINES) == before, "the run changed the committed capture")
    check(os.listdir(tmp) == [], f"left in TMPDIR: {os.listdir(tmp)}")
    os.rmdir(tmp)


@case
def refusals_are_one_line():
    cases = [(("--tiles", 64), "give --machine"),
             (("--machine", "nowhere", "--tiles", 64), "no such captured machine (known: "),
             (("--machine", "h200", "--tiles", 7), "has no model for tiles of"),
             (("--machine", "h200", "--tiles", 64, "--intensity", 3),
              "at intensity 3 (it has no float64 tiles at that intensity)"),
             # after the refusal alone, no note on --accel-tiles
             (("--machine", "h200", "--accel-tiles", "2x1555118", "--tiles", 60, "--backend",
               "cpu"), "has no model for tiles of 1555118")]
    for flag in ("--verify", "--calibrate", "--stream"):
        cases.append((("--machine", "h200", "--tiles", 64, flag), f"{flag}: a simulated run"))
    cases.append((("--machine", "h200", "--output", "o.npy"), "--output: a simulated run"))
    cases.append((("--machine", "h200", "--trace", "t.svg"), "--trace: a simulated run"))
    for args, message in cases:
        rc, out, err = run(*args)
        check(rc == 2 and message in err and out == "", f"{args}: exit {rc}: {err!r}")
        check(len(err.strip().splitlines()) == 1, f"{args}: {err!r}")
    for args, message in ((("--machine", "h200", "--mpi"), "--mpi: lp-starpu-sim simulates a "
                                                           "cluster with --nodes N"),
                          (("--machine", "h200", "--nodes", 0), "--nodes '0': expected"),
                          (("--machine", "h200", "--nodes", 33), "from 1 to 32"),
                          (("--machine", "h200", "--distribution", "cyclic"),
                           "--distribution only applies with --mpi (or --nodes 2")):
        rc, out, err = run(*args)
        check(rc == 2 and message in err and len(err.strip().splitlines()) == 1,
              f"{args}: exit {rc}: {err!r}")
    rc, out, err = run("--machine", "h200", binary=REAL)
    check(rc == 2 and "only lp-starpu-sim" in err, f"lp-starpu --machine: exit {rc}: {err}")
    rc, out, err = run("--nodes", 2, binary=REAL)
    check(rc == 2 and "--nodes: only lp-starpu-sim simulates nodes" in err,
          f"lp-starpu --nodes: exit {rc}: {err}")
    # The sizes listed are those of this run's element type: the capture's
    # float32 tiles of 156250 rows (2.5 MB, as float64 tiles of 78125
    # rows would be) are not offered for float64.
    rc, _, err = run("--machine", "h200", "--tiles", 128)
    check(rc == 2 and "(it has tiles of " in err, f"exit {rc}: {err}")
    listed = err.split("(it has tiles of ")[1].split(" rows)")[0].split(", ")
    check("156250" in listed and "78125" not in listed, err)
    sizes = [int(s) for s in listed]
    check(sizes == sorted(set(sizes)), f"not ascending, each once: {listed}")
    rc, out, err = run("--version")   # StarPU's versions need a machine to start it
    check(rc == 0 and out.startswith("lp-starpu-sim ") and "--version --machine" in out,
          f"exit {rc}: {out!r} {err!r}")
    rc, _, err = run("--machine", "h200", "--tiles", 128, "--dtype", "f32")
    check(rc == 2 and "156250" in err.split("(it has tiles of ")[1], f"exit {rc}: {err}")


@case
def thin_model_notice_names_the_capture():
    # A simulation cannot calibrate: the notice says where the samples
    # come from (the capture's tiny tiles hold a sample or two).
    rc, out, err = run("--machine", "h200", "--rows", 1)
    check(rc == 0 and "the capture's model holds too few samples" in err and
          "capture it again" in err and "run with --calibrate" not in err, f"exit {rc}: {err}")


def main():
    global SIM, REAL
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if sys.argv[1:2] == ["--unavailable"]:
        print("SKIP: lp-starpu-sim was not built: the bootstrap builds it where SimGrid "
              "(libsimgrid-dev) is installed")
        return SKIP
    if len(sys.argv) != 4 or sys.argv[3] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    SIM, REAL = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    return run_case(CASES[sys.argv[3]])


if __name__ == "__main__":
    sys.exit(main())
