#!/usr/bin/env python3
"""Tests of the lp-starpu command line, each a real run of the tool.

    cli_test.py --list          the case names (CTest makes one test each)
    cli_test.py BIN CASE        run one case against the lp-starpu binary BIN
    cli_test.py BIN mpi2.CASE   the same case, every run an MPI job of 2 ranks
                                (for the cases marked mpi=True)

Exit 0: passed, 1: failed, 77: skipped (a device this machine lacks).
Pure Python (no numpy needed): .npy files are written and read by hand.
"""
import glob
import json
import math
import os
import pty
import re
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from cases import Skip, check, run_case  # noqa: E402

BIN = None
CASES = {}
MPI_CASES = set()   # also run as mpi2.<name>: the same case under mpirun -np 2
RANKS = 0           # mpi2.<name>: every run() goes through mpirun with --mpi


def case(fn=None, *, mpi=False):
    """Registers a case; mpi=True: it makes sense for an MPI job too, and
    runs a second time with every run of the tool an MPI job of 2 ranks."""
    def register(f):
        CASES[f.__name__] = f
        if mpi:
            MPI_CASES.add(f.__name__)
        return f
    return register(fn) if fn else register


def run(*args, env=None, unset=(), limit_as=None, limit_fsize=None, binary=None,
        timeout=240):
    full_env = dict(os.environ)
    full_env.update(env or {})
    for name in unset:
        full_env.pop(name, None)

    def pre():
        if limit_as:
            resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))
        if limit_fsize:
            # A write past the limit then fails with EFBIG instead of
            # killing the process: the tool's short-write path.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_fsize, limit_fsize))
    cmd = [binary or BIN, *map(str, args)]
    if RANKS:
        cmd = [mpi_launcher(), "-np", str(RANKS), cmd[0], "--mpi", *cmd[1:]]
        full_env = dict(MPI_JOB_ENV, **full_env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=full_env, preexec_fn=pre,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def faulty():
    """The test-only build whose codelet can lose a tile (LP_FAULT_DROP_TILE,
    tests/support/fault_inject.c)."""
    path = os.environ.get("LP_FAULTY")
    check(path and os.path.exists(path), "lp-starpu-faulty not built (LP_FAULTY unset)")
    return path


def run_json(*args, **kw):
    rc, out, err = run(*args, "--json", "-", **kw)
    check(rc == 0, f"exit {rc}: {err}")
    return json.loads(out), err


def tasks_by_kind(report):
    kinds = {}
    for w in report["workers"]:
        kinds[w["kind"]] = kinds.get(w["kind"], 0) + w["tasks"]
    return kinds


def check_compare(report, rows, tiles):
    """A --compare --verify report: the scheduled run first, then one run per
    kind of worker present, each run verified, a forced run's tiles all on
    its own kind, and every run's checksum the scheduled run's to rounding."""
    runs = report["runs"]
    present = [k for k in ("cpu", "cuda", "opencl")
               if any(w["kind"] == k for w in report["workers"])]
    check([r["backend"] for r in runs] == ["auto"] + present,
          f"runs {[r['backend'] for r in runs]}, workers of kinds {present}")
    for r in runs:
        kinds, name = tasks_by_kind(r), r["backend"]
        check(r["rows"] == rows and r["tiles"] == tiles, f"{name}: {r['rows']} rows, {r['tiles']} tiles")
        check(sum(kinds.values()) == tiles, f"{name}: {kinds} tasks for {tiles} tiles")
        if name != "auto":
            check(kinds.get(name) == tiles, f"{name} run: tasks per kind {kinds}")
        check(r.get("max_rel_error") is not None and r["max_rel_error"] <= 1e-12,
              f"{name}: max_rel_error {r.get('max_rel_error')}")
        # Each row within 1e-12 of its reference, |row| < 1: the sums agree
        # within 1e-12 per row.
        check(abs(r["checksum"] - runs[0]["checksum"]) <= 1e-12 * rows,
              f"{name}: checksum {r['checksum']!r}, scheduled {runs[0]['checksum']!r}")


def write_npy(path, values, shape, descr="<f8", cut=0, fortran=False):
    """values in C order (row by row); written in the layout asked."""
    shape_s = "(%s%s)" % (", ".join(map(str, shape)), "," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_s)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * (pad % 64) + "\n"
    if fortran:   # columns one after the other
        rows, cols = shape
        values = [values[r * cols + c] for c in range(cols) for r in range(rows)]
    fmt = descr[0] + "%d" % len(values) + {"f8": "d", "f4": "f", "i8": "q"}[descr[1:]]
    blob = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
    blob += struct.pack(fmt, *values)
    with open(path, "wb") as f:
        f.write(blob[:len(blob) - cut] if cut else blob)


def as_stored(v, descr):
    """v as a file of that dtype holds it, read back as float64."""
    return struct.unpack("<f", struct.pack("<f", v))[0] if descr.endswith("f4") else v


def read_npy_vector(path, descr="<f8"):
    with open(path, "rb") as f:
        blob = f.read()
    check(blob[:8] == b"\x93NUMPY\x01\x00", "output is not a .npy v1 file")
    hlen = struct.unpack("<H", blob[8:10])[0]
    header = blob[10:10 + hlen].decode()
    check(f"'{descr}'" in header and "'fortran_order': False" in header, header)
    data = blob[10 + hlen:]
    size = 4 if descr.endswith("f4") else 8
    return list(struct.unpack("<%d%s" % (len(data) // size, "f" if size == 4 else "d"), data))


def has_worker(kind, env=None):
    # The tool must run either way: a crash here is a failure, not a skip.
    rc, out, err = run("--rows", 1, "--json", "-", env=env)
    check(rc == 0, f"the tool failed while looking for a {kind} worker: exit {rc}: {err}")
    return any(w["kind"] == kind for w in json.loads(out)["workers"])


OPENCL = {"STARPU_OPENCL_ON_CPUS": "1"}
# One CPU implementation for runs whose outputs are compared byte for byte:
# under dmda each worker may run any (README, Kernels), and two of them may
# round a row's last bit differently.
ONE_IMPL = ("--cpu-impl", "baseline")
# And only CPU workers, where a GPU's log would round differently again.
ONE_CODE = (*ONE_IMPL, "--backend", "cpu")


def pocl_installed():
    vendors = "/etc/OpenCL/vendors"
    return os.path.isdir(vendors) and any("pocl" in f for f in os.listdir(vendors))


def need_opencl():
    if not has_worker("opencl", OPENCL):
        # Where PoCL's ICD is installed (bootstrap installs it) the OpenCL
        # path must run: a missing worker is a failure, not a skip.
        check(not pocl_installed(), "PoCL's ICD is installed but StarPU found no OpenCL worker")
        raise Skip("StarPU found no OpenCL device (install pocl-opencl-icd)")


def nvidia_gpu_present():
    return os.path.exists("/dev/nvidia0")


def need_cuda():
    if not has_worker("cuda"):
        _, version, _ = run("--version")
        check(not (nvidia_gpu_present() and "CUDA yes" in version),
              "an NVIDIA GPU is present and lp-starpu has CUDA kernels, "
              "but StarPU found no CUDA worker")
        raise Skip("StarPU found no CUDA device on this machine")


# ---------------------------------------------------------------- usage
USAGE_ERRORS = {
    "unknown_flag": (["--frobnicate"], "unknown option '--frobnicate'"),
    "rows_negative": (["--rows", "-5"], "--rows '-5'"),
    "rows_not_numeric": (["--rows", "ten"], "--rows 'ten'"),
    "rows_overflow": (["--rows", "99999999999999999999999"], "--rows '99999999999999999999999'"),
    "rows_over_the_limit": (["--rows", "288230376151711745"], "from 0 to 288230376151711744"),
    "window_without_stream": (["--window", "64M"], "--window sizes the stream: add --stream"),
    "window_too_small": (["--stream", "--window", "1000"], "--window '1000'"),
    "tiles_zero": (["--tiles", "0"], "--tiles '0'"),
    "tile_rows_zero": (["--tile-rows", "0"], "--tile-rows '0'"),
    "tiles_and_tile_rows": (["--tiles", "4", "--tile-rows", "8"], "choose one"),
    "accel_tiles_without_rows": (["--accel-tiles", "3"], "--accel-tiles '3': expected KxR"),
    "accel_tiles_zero": (["--accel-tiles", "0x5"], "--accel-tiles '0x5': expected KxR"),
    "accel_tiles_all_rows": (["--rows", "100", "--accel-tiles", "2x50"],
                             "leave none of the 100 for the other tiles"),
    "accel_tiles_over_32_bits": (["--rows", "10G", "--accel-tiles", "1x5G"],
                                 "a tile holds at most 4294967295 rows"),
    "unknown_sched": (["--sched", "fastest"], "--sched 'fastest': unknown scheduler"),
    "unknown_backend": (["--backend", "tpu"], "--backend 'tpu'"),
    "missing_value": (["--rows"], "--rows needs a value"),
    "repeat_zero": (["--repeat", "0"], "--repeat '0'"),
    "bad_data": (["--data", "zeros"], "--data 'zeros'"),
    "seed_without_random": (["--seed", "3"], "--seed only applies"),
    "compare_with_backend": (["--compare", "--backend", "cpu"], "drop --backend"),
    "compare_with_accel_tiles": (["--compare", "--accel-tiles", "2x5"], "drop --accel-tiles"),
    "flag_with_value": (["--verify=yes"], "--verify takes no value"),
    "distribution_without_mpi": (["--distribution", "cyclic"],
                                 "--distribution only applies with --mpi"),
    "warmup_over_max": (["--warmup", "1001"], "--warmup '1001': expected a whole number from 0 to 1000"),
    "intensity_over_max": (["--intensity", "1000001"], "--intensity '1000001'"),
    "repeat_over_max": (["--repeat", "1000001"], "--repeat '1000001'"),
    "calibrate_with_trace": (["--calibrate", "--trace", "t.svg"], "--calibrate runs alone"),
    "calibrate_with_output": (["--calibrate", "--output", "o.npy"], "--calibrate runs alone"),
    "trace_to_stdout": (["--trace", "-"], "--trace -: the SVG would mix with the report"),
    "input_two_files": (["--input", "x.npy,y.npy"], "expected one file, or three files x,y,z"),
    "input_empty_name": (["--input", "x.npy,,z.npy"], "expected one file, or three files x,y,z"),
}


def usage_case(name, args, message):
    def fn():
        rc, out, err = run(*args)
        check(rc == 2, f"exit {rc}, expected 2; stderr: {err}")
        check(message in err, f"stderr lacks {message!r}: {err!r}")
        check(len(err.strip().splitlines()) == 1, f"not one line: {err!r}")
        check("checksum" not in out, "something ran")
    fn.__name__ = "usage_" + name
    return fn


for _name, (_args, _msg) in USAGE_ERRORS.items():
    case(usage_case(_name, _args, _msg))


@case
def help_and_version():
    rc, out, _ = run("--help")
    check(rc == 0 and "--sched NAME" in out and "Exit status" in out, "help incomplete")
    rc, out, _ = run("--version")
    check(rc == 0 and "StarPU 1." in out and "built with: CPU yes" in out, out)


@case
def sched_help_lists_policies():
    rc, out, _ = run("--sched", "help")
    check(rc == 0, f"exit {rc}")
    for p in ("dmda", "dmdas", "eager", "lws", "heteroprio", "modular-heft", "lp-eft"):
        check(f"  {p} " in out, f"{p} not listed")


@case(mpi=True)
def own_policy_from_flag_or_environment():
    for how in (("--sched", "lp-eft"), ()):
        report, err = run_json("--rows", 100003, "--tiles", 9, "--verify", *how,
                               env={"STARPU_SCHED": "lp-eft"} if not how else None)
        check(report["sched"] == "lp-eft", report["sched"])
        check(report["sched_source"] == ("--sched" if how else "STARPU_SCHED"),
              report["sched_source"])
        check(sum(tasks_by_kind(report).values()) == 9, report["workers"])
        check("not found" not in err and "Warning" not in err, err)


# ---------------------------------------------------------------- runs
@case(mpi=True)
def seed_checksum_matches_reference():
    report, _ = run_json("--rows", 100000, "--tiles", 7)
    ref = math.fsum(math.log(i) ** 3 for i in range(1, 100001))
    check(abs(report["checksum"] - ref) <= 1e-12 * ref, f"{report['checksum']} vs {ref}")
    for key in ("rows", "tiles", "sched", "backend", "checksum", "seconds",
                "median_seconds", "workers", "buses", "env"):
        check(key in report, f"JSON lacks {key}")
    check(report["rows"] == 100000 and report["tiles"] == 7, "rows/tiles wrong")
    check(sum(w["tasks"] for w in report["workers"]) == 7, "tasks do not add up to tiles")
    check(sum(w["rows"] for w in report["workers"]) == 100000, "rows do not add up")


@case(mpi=True)
def quiet_prints_only_the_checksum():
    rc, out, err = run("--rows", 1000, "--quiet")
    check(rc == 0, err)
    ref = math.fsum(math.log(i) ** 3 for i in range(1, 1001))
    check(len(out.splitlines()) == 1, f"more than one line: {out!r}")
    check(abs(float(out) - ref) <= 1e-12 * ref, out)
    check(err == "", f"--quiet wrote on stderr: {err!r}")


@case(mpi=True)
def quiet_json_to_stdout_is_only_json():
    rc, out, err = run("--rows", 1000, "--quiet", "--json", "-")
    check(rc == 0, err)
    report = json.loads(out)   # nothing before or after the JSON
    ref = math.fsum(math.log(i) ** 3 for i in range(1, 1001))
    check(abs(report["checksum"] - ref) <= 1e-12 * ref, report["checksum"])
    check(err == "", f"--quiet wrote on stderr: {err!r}")


@case(mpi=True)
def json_file_beside_the_text_report():
    rc, out, err = run("--rows", 1000, "--tiles", 3, "--json", "r.json")
    check(rc == 0, err)
    check(out.startswith("lp-starpu ") and "checksum" in out, f"no text report: {out!r}")
    report = json.load(open("r.json"))
    check(report["rows"] == 1000 and report["tiles"] == 3, report)
    text_sum = float(re.search(r"^checksum +(\S+)$", out, re.M).group(1))
    check(text_sum == report["checksum"], f"text {text_sum!r}, JSON {report['checksum']!r}")
    check([f for f in os.listdir(".") if "-tmp." in f] == [], "temporary file left")
    # An unwritable report is refused before the run, not after it.
    for opt, path in (("--json", "/nonexistent-dir/r.json"), ("--trace", "/nonexistent-dir/t.svg"),
                      ("--json", "."), ("--output", "/nonexistent-dir/o.npy")):
        t = time.monotonic()
        rc, out, err = run("--rows", "20M", "--repeat", 50, opt, path)
        check(rc == 1 and path in err, f"{opt} {path}: exit {rc}: {err}")
        check("checksum" not in out, f"{opt} {path}: the run went ahead")
        check(time.monotonic() - t < 10, f"{opt} {path}: refused only after the run")


@case(mpi=True)
def rows_zero_is_empty():
    report, err = run_json("--rows", 0)
    check(report["rows"] == 0 and report["tiles"] == 0 and report["checksum"] == 0, report)
    # idle ranks are said only where there are several
    check(("have no tile" in err) == (RANKS > 1), err)


@case(mpi=True)
def tiles_clamped_to_rows():
    rc, out, err = run("--rows", 5, "--tiles", 64, "--json", "-")
    check(rc == 0, err)
    check("64 tiles asked for 5 rows: using 5 tiles" in err, err)
    check(json.loads(out)["tiles"] == 5, out)


@case(mpi=True)
def repeat_reports_min_and_median():
    for repeat in (3, 4):
        report, _ = run_json("--rows", 20000, "--repeat", repeat)
        runs = report["run_seconds"]
        check(len(runs) == repeat and report["repeat"] == repeat, report)
        check(all(t > 0 for t in runs), f"a run took no time: {runs}")
        check(report["seconds"] == min(runs), "seconds is not the best run")
        s = sorted(runs)
        median = s[1] if repeat == 3 else (s[1] + s[2]) / 2   # even: the two middle ones
        check(abs(report["median_seconds"] - median) <= 1e-12 * median,
              f"median {report['median_seconds']} of {runs}, expected {median}")


@case
def warmup_runs_really_run():
    # Each warm-up run executes every task: StarPU's model, empty at first
    # (a directory of its own), records their times.  (A sample far from the
    # others would make StarPU drop the history: not on a loaded machine.)
    samples = {}
    for warmup in (0, 1):
        home = os.path.join(os.getcwd(), f"w{warmup}")
        report, _ = run_json("--rows", 100000, "--tiles", 4, "--warmup", warmup, *ONE_IMPL,
                             env={"STARPU_HOME": home, "STARPU_HISTORY_MAX_ERROR": "1000000"})
        check(report["warmup"] == warmup, report["warmup"])
        samples[warmup] = report["model_samples"]["cpu"]
    # StarPU keeps no sample of a model's very first task: what counts is
    # that the warm-up run added one sample per tile.
    check(samples[1] - samples[0] == 4, f"model samples after --warmup 0 and 1: {samples}")


@case
def default_tiles_a_multiple_of_the_workers():
    # 5M rows are 20 tiles of 256K rows: on 3 CPU workers 21 (7 each), on 2
    # workers 20; 1M rows on 3 workers: 4 per worker, 12.
    for ncpu, rows, tiles in ((3, "5M", 21), (2, "5M", 20), (3, "1M", 12)):
        report, _ = run_json("--rows", rows, "--backend", "cpu", "--warmup", 0,
                             env={"STARPU_NCPU": str(ncpu)})
        check(report["tiles"] == tiles, f"{ncpu} workers, {rows} rows: {report['tiles']} tiles")


@case(mpi=True)
def tile_rows_sets_tile_count():
    for rows, tile_rows, tiles in ((1000, 300, 4), (1000, 5000, 1), (5, 1, 5), (1000, 1000, 1)):
        rc, out, err = run("--rows", rows, "--tile-rows", tile_rows, "--verify", "--json", "-")
        check(rc == 0, err)
        report = json.loads(out)
        check(report["tiles"] == tiles, f"{rows} rows, --tile-rows {tile_rows}: "
                                        f"{report['tiles']} tiles, expected {tiles}")
        check(sum(w["tasks"] for w in report["workers"]) == tiles, report["workers"])
        check("tiles asked" not in err, f"a clamp notice without a clamp: {err}")


@case(mpi=True)
def intensity_sums_k_terms():
    report, _ = run_json("--rows", 20000, "--intensity", 3, "--verify", "--tiles", 5)
    ref = math.fsum(math.log(i + k) ** 3 for i in range(1, 20001) for k in range(3))
    check(report["intensity"] == 3, report)
    check(abs(report["checksum"] - ref) <= 1e-12 * ref, f"{report['checksum']} vs {ref}")
    rc, _, err = run("--intensity", "0")
    check(rc == 2 and "--intensity '0'" in err, f"exit {rc}: {err}")


@case(mpi=True)
def trace_svg_well_formed():
    import xml.etree.ElementTree as ET
    rc, _, err = run("--rows", 100000, "--tiles", 16, "--trace", "t.svg", "--repeat", 2)
    check(rc == 0, err)
    root = ET.parse("t.svg").getroot()
    tasks = svg_boxes(root, "task")
    check(len(tasks) == 16, f"{len(tasks)} task boxes, expected 16")
    titles = sorted(int(r.find(SVG + "title").text.split(":")[0].split()[1]) for r in tasks)
    check(titles == list(range(16)), titles)
    text = "".join(root.itertext())
    check("dmda" in text, "no scheduler in the title")
    for r in range(RANKS):   # one lane per worker of every rank, named after it
        check(f"rank {r}: CPU 0" in text, f"no lane for rank {r}'s worker")
    rc, _, err = run("--rows", 100, "--trace", "/nonexistent-dir/t.svg")
    check(rc == 1 and "/nonexistent-dir/t.svg: directory /nonexistent-dir does not exist" in err,
          f"exit {rc}: {err}")


SVG = "{http://www.w3.org/2000/svg}"


def svg_boxes(root, kind):
    return [r for r in root.iter(SVG + "rect") if r.get("class") == kind]


@case(mpi=True)
def trace_shows_each_links_copies():
    # 8 tiles forced on the OpenCL worker: each tile's x, y and z go to the
    # device and its out comes back, each copy a box on its link's lane
    # (from StarPU's FxT trace); on the CPU workers nothing moves.
    import xml.etree.ElementTree as ET
    need_opencl()
    os.mkdir("tmp")   # where the FxT traces go, and must not stay
    for backend, copies in (("opencl", {"NUMA 0 -> OpenCL 0": 24, "OpenCL 0 -> NUMA 0": 8}),
                            ("cpu", {})):
        rc, _, err = run("--rows", 200000, "--tiles", 8, "--backend", backend, "--trace", "t.svg",
                         env=dict(OPENCL, TMPDIR=os.path.abspath("tmp")))
        check(rc == 0, err)
        root = ET.parse("t.svg").getroot()
        seen = {}
        for box in svg_boxes(root, "transfer"):
            link = box.find(SVG + "title").text.split(":")[-2].strip()   # "rank r: " under MPI
            seen[link] = seen.get(link, 0) + 1
            size = box.find(SVG + "title").text.split(":")[-1]
            check("KiB" in size, f"{backend}: a copy of {size}")
        check(seen == copies, f"--backend {backend}: copies per link {seen}, expected {copies}")
        check(len(svg_boxes(root, "task")) == 8, f"--backend {backend}: task boxes")
        left = [f for f in os.listdir("tmp") if f.startswith("lp-starpu-fxt")]
        check(left == [], f"FxT trace directories left: {left}")


@case(mpi=True)
def calibrate_then_model_trusted():
    home = {"STARPU_HOME": os.getcwd()}   # starts uncalibrated every time
    rc, out, err = run("--rows", 200000, "--tiles", 8, "--calibrate", env=home)
    check(rc == 0, err)
    check("calibrating lp_logprod" in out and "then dmda" in out, out)
    report, err = run_json("--rows", 200000, "--tiles", 8, env=home)
    check(report["model_samples"]["cpu"] >= 10, report["model_samples"])
    check("not calibrated" not in err, err)
    # dmda predicted every task from the model: the report shows the sum
    # beside the measured busy time; eager predicts nothing.
    for w in report["workers"]:
        if w["tasks"]:
            check(w["predicted_ms"] is not None and w["predicted_ms"] > 0, w)
    report, _ = run_json("--rows", 200000, "--tiles", 8, "--sched", "eager", env=home)
    rc, out, err = run("--rows", 200000, "--tiles", 8, "--calibrate", "-q", env=home)
    check(rc == 0 and out == "", f"--calibrate -q: exit {rc}: {out!r} {err!r}")
    check(all(w["predicted_ms"] is None for w in report["workers"]), report["workers"])


@case
def calibrate_measures_the_memory_floor():
    # --calibrate times out = x*y*z on the rows (every CPU worker), keeps it
    # beside the models, and later reports say how far from it they are;
    # with other CPU workers the floor does not apply and is not shown.
    home = {"STARPU_HOME": os.getcwd()}
    args = ("--rows", 400000, "--tiles", 8)
    _, first, _ = run(*args, env=home)
    check("memory floor" not in first, first)
    rc, out, err = run(*args, "--calibrate", env=home)
    m = re.search(r"memory floor: .* (\d+\.\d+) GB/s", out)
    check(rc == 0 and m, f"exit {rc}: {out} {err}")
    rc, out, err = run(*args, "--json", "r.json", env=home)
    report = json.load(open("r.json"))
    floor = report["memory_floor_gbs"]
    check(floor and abs(floor - float(m.group(1))) <= 0.05 + 1e-3 * floor, (floor, m.group(1)))
    gbs = float(re.search(r"(\d+\.\d+) GB/s effective", out).group(1))
    pct = re.search(r"(\d+)% of the memory floor, (\d+\.\d) GB/s", out)
    check(pct and abs(int(pct.group(1)) - 100 * gbs / floor) <= 1, f"{out}")
    ncpu = sum(1 for w in report["workers"] if w["kind"] == "cpu")
    report, _ = run_json(*args, env=dict(home, STARPU_NCPU=str(ncpu - 1 if ncpu > 1 else 2)))
    check(report["memory_floor_gbs"] is None, report["memory_floor_gbs"])
    # Over more rows than it was measured on (400000 rows may sit in cache)
    # the floor is not applied, and the report says how to measure it.
    rc, out, err = run("--rows", 800000, "--tiles", 8, "--json", "r2.json", env=home)
    check(rc == 0 and "of the memory floor" not in out and
          "measured it over 400000 rows, too few" in out and "--calibrate --rows 800000" in out,
          f"exit {rc}: {out} {err}")
    check(json.load(open("r2.json"))["memory_floor_gbs"] is None, "floor applied to more rows")
    # Calibrating a smaller job keeps the floor measured over more rows.
    rc, out, err = run("--rows", 1000, "--calibrate", env=home)
    check(rc == 0 and "kept the one measured over 400000 rows" in out, f"exit {rc}: {out} {err}")
    report, _ = run_json(*args, env=home)
    check(report["memory_floor_gbs"] == floor, (report["memory_floor_gbs"], floor))


@case
def calibrated_accel_layout_only_under_its_policy():
    # An accelerators' layout --calibrate kept (lp-starpu-tiles: the line
    # ends with its tiles and the policy it was measured with) is the
    # default run's under that policy only; the others, a forced backend
    # and --compare (whose single-backend runs share the tiles) take the
    # equal tiles kept before it.  A line whose big tiles leave no row is
    # ignored, and --tiles is the user's.
    env = {"STARPU_HOME": os.getcwd(), "STARPU_HOSTNAME": "lptest"}
    workers = len(run_json("--rows", 400000, env=env)[0]["workers"])
    os.makedirs(os.path.join(".starpu", "sampling"), exist_ok=True)
    with open(os.path.join(".starpu", "sampling", "lp-starpu-tiles.lptest"), "w") as f:
        f.write(f"400000 0 1 {workers} 3\n400000 0 1 {workers} 6 2 50000 dmda\n"
                f"400000 0 1 {workers} 6 2 400000 lp-eft\n")
    def layout(*args):
        r = run_json("--rows", 400000, *args, env=env)[0]
        return r["tiles"], r["accel_tiles"], r["accel_tile_rows"], r["tiles_calibrated"]
    check(layout() == (6, 2, 50000, True), layout())
    check(layout("--sched", "dmda") == (6, 2, 50000, True), layout("--sched", "dmda"))
    for policy in ("lp-eft", "eager"):
        check(layout("--sched", policy) == (3, 0, 0, True), (policy, layout("--sched", policy)))
    for other in (("--backend", "cpu"), ("--compare",)):
        check(layout(*other) == (3, 0, 0, True), (other, layout(*other)))
    check(layout("--tiles", 5) == (5, 0, 0, False), layout("--tiles", 5))


@case
def calibrate_chooses_the_tile_count():
    # Without --tiles, --calibrate times several tile counts (multiples of
    # the workers, the formula's), keeps the fastest beside the models for
    # this job's shape, and a default run of that shape uses it (the report
    # and JSON say so); another shape keeps the formula.
    home = {"STARPU_HOME": os.getcwd()}
    args = ("--rows", 400000)
    first, _ = run_json(*args, env=home)
    check(first["tiles_calibrated"] is False, first["tiles_calibrated"])
    rc, out, err = run(*args, "--calibrate", env=home)
    m = re.search(r"tiles: median of 5 scheduled runs: (.*); (\d+) from now on for 400000 "
                  r"float64 rows on (\d+) workers", out)
    check(rc == 0 and m, f"exit {rc}: {out} {err}")
    tried = {int(t): float(ms) for t, ms in re.findall(r"(\d+) (\d+\.\d+) ms", m.group(1))}
    chosen, workers = int(m.group(2)), int(m.group(3))
    check(first["tiles"] in tried and workers in tried and chosen in tried, (tried, chosen))
    # (the times are printed to 0.001 ms: the tool compared them unrounded)
    check(chosen == first["tiles"] or tried[chosen] < 0.97 * tried[first["tiles"]] + 0.001,
          (chosen, tried))
    kept = glob.glob(os.path.join(os.getcwd(), ".starpu", "sampling", "lp-starpu-tiles.*"))
    check(len(kept) == 1, kept)
    lines = [line.split() for line in open(kept[0]) if not line.startswith("#")]
    check(lines == [["400000", "0", "1", str(workers), str(chosen)]], lines)
    after, _ = run_json(*args, env=home)
    check(after["tiles"] == chosen and after["tiles_calibrated"] is True, after["tiles"])
    check(run_json("--rows", 400001, env=home)[0]["tiles_calibrated"] is False, "other shape")
    # A kept count the formula never gives is the one a default run uses.
    with open(kept[0], "w") as f:
        f.write(f"400000 0 1 {workers} 3\n")
    after, _ = run_json(*args, env=home)
    check(after["tiles"] == 3 and after["tiles_calibrated"] is True, after["tiles"])
    _, text, _ = run(*args, env=home)
    check("(--calibrate's choice for this job here)" in text, text)
    # --tiles is the user's: nothing swept, nothing kept.
    rc, out, err = run(*args, "--tiles", 8, "--calibrate", env=home)
    check(rc == 0 and "tiles: median" not in out, f"exit {rc}: {out} {err}")
    check(open(kept[0]).read() == f"400000 0 1 {workers} 3\n", "the kept count changed")


@case
def calibrate_tries_counts_that_end_every_kind_together():
    # With an accelerator, --calibrate times a tile on each kind alone and
    # adds the counts after which both kinds end together
    # (lp_tiles_balanced, tests/test_tile_counts.c): with PoCL's OpenCL
    # device (far slower than a CPU core here) the device's share of 2, 3
    # or 4 CPU rounds is no tile, so those counts are whole rounds of the
    # CPU workers, 3 rounds among them (no other candidate gives it).  A
    # default run says so until --calibrate has chosen.
    need_opencl()
    home = dict(OPENCL, STARPU_HOME=os.getcwd())
    # Until then a scheduled default run says its count is the formula's.
    hint = "the formula's count: --calibrate measures the one that ends"
    _, text, _ = run("--rows", 400000, env=home)
    check(hint in text, text)
    _, text, _ = run("--rows", 400000, "--backend", "cpu", env=home)
    check(hint not in text, text)
    rc, out, err = run("--rows", 400000, "--calibrate", env=home)
    m = re.search(r"one tile \(of (\d+)\) on one worker of each kind, the kind alone "
                  r"\(median of 3\): cpu (\d+\.\d+) ms, opencl (\d+\.\d+) ms\n"
                  r"  tiles: median of 5 scheduled runs: (.*); ", out)
    check(rc == 0 and m, f"exit {rc}: {out} {err}")
    cpu_ms, opencl_ms = float(m.group(2)), float(m.group(3))
    check(0 < cpu_ms < opencl_ms, (cpu_ms, opencl_ms))
    tried = [int(t) for t in re.findall(r"(?:^|, )(\d+) \d+\.\d+ ms", m.group(4))]
    ncpu = sum(w["kind"] == "cpu" for w in run_json("--rows", 400000, env=home)[0]["workers"])
    share = [int(r * cpu_ms / opencl_ms) for r in (2, 3, 4)]
    check(share == [0, 0, 0] and 3 * ncpu in tried, (share, ncpu, tried))
    # And big tiles first for the device (lp_accel_layout): two of them,
    # holding 1, 1.1, 1.2 and 1.3 times the device's share of the rows by
    # the times above (to the rows the printed times' rounding allows).
    accel = re.findall(r"(\d+)x(\d+)\+(\d+) \d+\.\d+ ms", m.group(4))
    device = (1 / opencl_ms) / (1 / opencl_ms + ncpu / cpu_ms)
    check(len(accel) == 4 and all(k == "2" for k, _, _ in accel), accel)
    for (_, rows, _), stretch in zip(accel, (1.0, 1.1, 1.2, 1.3)):
        want = stretch * device * 400000 / 2
        check(abs(int(rows) - want) <= 0.02 * want + 1, (rows, want, accel))
    _, text, _ = run("--rows", 400000, env=home)
    check(hint not in text and "(--calibrate's choice for this job here)" in text, text)
    # Without an accelerator nothing is timed alone.
    rc, out, err = run("--rows", 400000, "--calibrate", env={"STARPU_HOME": os.getcwd()})
    check(rc == 0 and "the kind alone" not in out, out)


@case(mpi=True)
def calibrate_verifies_its_last_run():
    home = {"STARPU_HOME": os.getcwd()}
    args = ("--rows", 20000, "--tiles", 4, "--data", "random", "--calibrate", "--verify")
    rc, out, err = run(*args, env=home)
    check(rc == 0, err)
    m = re.search(r"verify: max relative error (\S+)", out)
    check(m and float(m.group(1)) <= 1e-12, f"no verification in: {out!r}")
    # A lost tile in the scheduled run that ends --calibrate is caught.
    rc, out, err = run(*args, env=dict(home, LP_FAULT_DROP_TILE="2"), binary=faulty())
    check(rc == 5 and "--verify failed" in err, f"exit {rc}: {err}")


@case
def model_learns_warm_times():
    # StarPU learns a tile's time from the first runs only (until 10
    # samples): those must not pay page faults the later runs do not (that
    # fault made the model x2.2 too slow).  One run's timing on a shared VM
    # is noisy (x0.6 to x1.6 seen once in ten), so up to three fresh models
    # are tried: a systematic error fails all three.
    ratios = []
    for attempt in range(3):
        env = {"STARPU_HOME": os.path.join(os.getcwd(), str(attempt)), "STARPU_NCPU": "1"}
        args = ("--rows", 4000000, "--tiles", 40, "--backend", "cpu", "--warmup", 0, *ONE_IMPL)
        run_json(*args, env=env)   # the model's samples: this process's first run
        report, _ = run_json(*args, "--repeat", 3, env=env)
        w = next(w for w in report["workers"] if w["tasks"])
        check(w["predicted_ms"] is not None, w)
        ratios.append(w["predicted_ms"] / w["busy_ms"])
        if 0.5 < ratios[-1] < 1.5:
            return
    check(False, "the model predicted x" + ", x".join(f"{r:.2f}" for r in ratios) +
          " of the time the tasks took, in three tries")


@case
def calibrate_script_covers_tile_sizes():
    env = {"STARPU_HOME": os.getcwd(), "LP_STARPU": BIN,
           "LP_CALIBRATE_TILE_ROWS": "16384 65536"}
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "perfmodels", "calibrate.sh")
    p = subprocess.run([script, "--rows", "200000"], capture_output=True, text=True,
                       env=dict(os.environ, **{k: str(v) for k, v in env.items()}),
                       timeout=240)
    check(p.returncode == 0, p.stderr)
    check(p.stdout.count("calibrating lp_logprod") == 3, p.stdout)
    for tile_rows in (16384, 65536):
        report, err = run_json("--rows", 200000, "--tile-rows", tile_rows, env=env)
        check(report["model_samples"]["cpu"] >= 10, (tile_rows, report["model_samples"]))


@case(mpi=True)
def uncalibrated_run_says_so():
    # A model of its own (the case runs in a fresh directory): repeatable.
    report, err = run_json("--rows", 50000, "--tiles", 4, "--warmup", 0,
                           env={"STARPU_HOME": os.getcwd()})
    check(report["model_samples"]["cpu"] < 10, report["model_samples"])
    check("the performance model is not calibrated for these tiles" in err, err)
    check(len([l for l in err.splitlines() if l.strip()]) == 1, f"more than one line: {err!r}")
    _, err = run_json("--rows", 50000, "--tiles", 4, "--warmup", 0, "--sched", "lp-eft",
                      env={"STARPU_HOME": os.getcwd()})
    check("so lp-eft placed tasks to measure them" in err, err)


@case(mpi=True)
def model_notices_once_per_run_never_quiet_or_eager():
    def notices(err):
        return err.count("the performance model is not calibrated")
    args = ("--rows", 50000, "--tiles", 4, "--warmup", 0)
    _, err = run_json(*args, "--sched", "eager", env={"STARPU_HOME": os.path.join(os.getcwd(), "a")})
    check(notices(err) == 0, f"a notice under eager, which uses no model: {err!r}")
    report, err = run_json(*args, "--compare", env={"STARPU_HOME": os.path.join(os.getcwd(), "b")})
    check(notices(err) == len(report["runs"]) >= 2,
          f"{notices(err)} notices for {len(report['runs'])} runs: {err!r}")
    rc, out, err = run(*args, "--quiet", env={"STARPU_HOME": os.path.join(os.getcwd(), "c")})
    # --quiet keeps one note only: a worker ran several CPU codes, whose
    # last bits may differ (the model still measuring them).
    said = [l for l in err.splitlines() if "ran several implementations" not in l]
    check(rc == 0 and said == [] and len(err.splitlines()) <= 1,
          f"--quiet: exit {rc}, stderr {err!r}")


@case
def quiet_says_when_a_worker_mixed_cpu_codes():
    # Uncalibrated under --cpu-impl any, dmda tries the implementations on
    # some tiles: a worker then ran two, whose last bits may differ.  --quiet
    # says so, once, and only then.
    mixed_seen = 0
    for attempt in range(12):
        home = {"STARPU_HOME": os.path.join(os.getcwd(), f"h{attempt}"), "STARPU_NCPU": "1"}
        rc, out, err = run("--rows", 400000, "--tiles", 40, "--warmup", 0, "-q", "--json",
                           "r.json", "--cpu-impl", "any", env=home)
        check(rc == 0 and len(out.splitlines()) == 1, f"exit {rc}: {out!r} {err!r}")
        mixed = any("," in w["impl"] for w in json.load(open("r.json"))["workers"])
        notes = err.count("ran several implementations")
        check(notes == (1 if mixed else 0) and len(err.splitlines()) == notes,
              f"mixed {mixed}, stderr {err!r}")
        mixed_seen += mixed
        if mixed_seen:
            return
    raise Skip("dmda ran one implementation per worker in 12 uncalibrated runs")


@case(mpi=True)
def tool_defaults_for_starpu_and_user_values_kept():
    # No STARPU_HOME nor STARPU_PERF_MODEL_DIR: models go under the cache.
    home = os.getcwd()
    for xdg, where in ((None, os.path.join(home, ".cache", "lp-starpu")),
                       (os.path.join(home, "xdg"), os.path.join(home, "xdg", "lp-starpu"))):
        env = {"HOME": home, "XDG_CACHE_HOME": xdg} if xdg else {"HOME": home}
        unset = ("STARPU_HOME", "STARPU_PERF_MODEL_DIR") + (() if xdg else ("XDG_CACHE_HOME",))
        report, _ = run_json("--rows", 10000, env=env, unset=unset)
        check(report["env"].get("STARPU_PERF_MODEL_DIR") == where, report["env"])
        check(os.path.isdir(os.path.join(where, "codelets")), f"no models in {where}")
    # The user's own values win over the tool's defaults, and are not called
    # the tool's.
    env = {"STARPU_HISTORY_MAX_ERROR": "42", "STARPU_SILENT": "0"}
    report, _ = run_json("--rows", 1000, env=env)
    check(report["env"]["STARPU_HISTORY_MAX_ERROR"] == "42", report["env"])
    check(report["env"]["STARPU_SILENT"] == "0", report["env"])
    rc, out, err = run("--rows", 1000, env=env)
    for line in out.splitlines():
        if "STARPU_HISTORY_MAX_ERROR" in line or "STARPU_SILENT" in line:
            check("lp-starpu's default" not in line, line)
    rc, out, err = run("--rows", 1000)
    check(re.search(r"STARPU_SILENT=1 +\(lp-starpu's default\)", out), out)


@case
def model_converges_over_runs():
    # Tiles run slower when both workers share the memory bus: the model must
    # still become trusted after a few ordinary runs (no --calibrate).
    # dmda calibrates each CPU implementation the processor runs (auto
    # included), about one per run of 16 tasks: trusted after one run per
    # implementation, and one more.
    home = {"STARPU_HOME": os.getcwd()}
    _, runs = cpu_impls()
    for _ in range(len(runs) + 2):
        report, err = run_json("--rows", 2000000, env=home)
    check(report["model_samples"]["cpu"] >= 10, report["model_samples"])
    check("not calibrated" not in err, err)


@case(mpi=True)
def random_data_verifies():
    rc, out, err = run("--rows", 200000, "--data", "random", "--seed", 9, "--verify")
    check(rc == 0, err)
    check("max relative error" in out, out)


@case(mpi=True)
def random_seed_changes_data():
    a, _ = run_json("--rows", 1000, "--data", "random", "--seed", 1, *ONE_CODE)
    b, _ = run_json("--rows", 1000, "--data", "random", "--seed", 1, *ONE_CODE)
    c, _ = run_json("--rows", 1000, "--data", "random", "--seed", 2, *ONE_CODE)
    check(a["checksum"] == b["checksum"], "same seed, different data")
    check(a["checksum"] != c["checksum"], "different seeds, same data")


@case(mpi=True)
def backend_cpu_runs_every_task_on_cpus():
    # With an OpenCL worker present too, forcing cpu must leave it idle.
    # random hands each task at submission to a worker drawn by speed, which
    # gives an OpenCL worker the backend did not rule out about 176 of 192
    # tiles whatever the timing (eager, which it used first, let the CPU
    # worker take all 192 when another test ran beside it).
    report, _ = run_json("--rows", 480000, "--tiles", 192, "--backend", "cpu", "--data", "random",
                         "--verify", "--sched", "random", env=OPENCL)
    check(report["max_rel_error"] <= 1e-12, report["max_rel_error"])
    kinds = tasks_by_kind(report)
    check(kinds.get("cpu") == 192, f"cpu ran {kinds.get('cpu')} of 192 tasks")
    check(sum(kinds.values()) == 192, f"other workers ran tasks: {kinds}")
    check(report["backend"] == "cpu", report["backend"])


@case(mpi=True)
def backend_missing_exits_3():
    rc, out, err = run("--rows", 10, "--backend", "cuda", "--output", "never.npy",
                       env={"STARPU_NCUDA": "0"})
    check(rc == 3, f"exit {rc}: {err}")
    check("no cuda worker" in err and "STARPU_NCUDA" in err, err)
    check(not os.path.exists("never.npy"), "--output written on failure")
    rc, _, err = run("--rows", 10, "--backend", "opencl", env={"STARPU_NOPENCL": "0"})
    check(rc == 3 and "no opencl worker" in err, f"exit {rc}: {err}")


@case
def env_variables_respected_and_reported():
    report, _ = run_json("--rows", 1000, env={"STARPU_NCPU": "1", "STARPU_NOPENCL": "0"})
    check(len(report["workers"]) == 1 and report["workers"][0]["kind"] == "cpu",
          report["workers"])
    check(report["env"].get("STARPU_NCPU") == "1", report["env"])
    rc, out, _ = run("--rows", 1000, env={"STARPU_NCPU": "1"})
    check("STARPU_NCPU=1" in out, "text report does not show STARPU_NCPU")


@case(mpi=True)
def sched_flag_beats_environment():
    report, err = run_json("--rows", 1000, env={"STARPU_SCHED": "eager"})
    check(report["sched"] == "eager" and report["sched_source"] == "STARPU_SCHED", report)
    report, err = run_json("--rows", 1000, "--sched", "lws", env={"STARPU_SCHED": "eager"})
    check(report["sched"] == "lws" and report["sched_source"] == "--sched", report)
    check("--sched lws overrides STARPU_SCHED=eager" in err, err)
    rc, _, err = run("--rows", 10, env={"STARPU_SCHED": "bogus"})
    check(rc == 2 and "STARPU_SCHED=bogus" in err, f"exit {rc}: {err}")


@case(mpi=True)
def compare_lists_each_backend():
    report, _ = run_json("--rows", 100000, "--tiles", 8, "--compare", "--verify",
                         "--data", "random")
    check_compare(report, 100000, 8)
    rc, out, _ = run("--rows", 1000, "--compare")
    check("comparison" in out and "scheduled" in out, out)


# ---------------------------------------------------------------- CPU code
CPU_FLAGS = {"avx2": ("avx2", "fma", "bmi2"), "avx2-lplog": ("avx2", "fma", "bmi2"),
             "avx512": ("avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd"),
             "avx512-lplog": ("avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512cd")}


REPRODUCIBLE = {"lplog", "avx2-lplog", "avx512-lplog"}   # log_lp.h's bits


def cpu_impls():
    """The CPU implementations built, in the codelet's order (impl 0 is
    auto), and those /proc/cpuinfo says this processor runs."""
    _, out, _ = run("--version")
    m = re.search(r"^CPU code: (.*) \(impl 0 to \d+", out, re.M)
    check(m, f"no CPU code line in --version: {out!r}")
    names = [n.split(" (")[0] for n in m.group(1).split(", ")]
    with open("/proc/cpuinfo") as f:
        flags = set(next(l for l in f if l.startswith("flags")).split(":", 1)[1].split())
    runs = [n for n in names[1:] if all(f in flags for f in CPU_FLAGS.get(n, ()))]
    return names, runs


def cpu_workers_impls(report):
    return {w["impl"] for w in report["workers"] if w["kind"] == "cpu" and w["tasks"]}


@case
def cpu_impl_each_one_runs_and_verifies():
    names, runs = cpu_impls()
    check(names[0] == "auto" and "baseline" in names, names)
    for name in names[1:]:
        for sched in ("eager", "dmda"):
            rc, out, err = run("--rows", 30011, "--tiles", 6, "--backend", "cpu", "--cpu-impl",
                               name, "--sched", sched, "--data", "random", "--verify",
                               "--json", "-", env={"STARPU_HOME": os.getcwd()})
            if name not in runs:   # this processor lacks its instructions
                check(rc == 3 and f"cannot run the {name} CPU implementation" in err,
                      f"{name}: exit {rc}: {err}")
                continue
            check(rc == 0, f"{name} under {sched}: exit {rc}: {err}")
            report = json.loads(out)
            check(cpu_workers_impls(report) == {name}, f"{name} under {sched}: {report['workers']}")
            check(report["max_rel_error"] <= 1e-12, report["max_rel_error"])
    rc, _, err = run("--cpu-impl", "sse9")
    check(rc == 2 and "--cpu-impl 'sse9': expected one of auto," in err, f"exit {rc}: {err}")


def decision_file():
    d = os.path.join(os.getcwd(), ".starpu", "sampling")
    found = [f for f in os.listdir(d) if f.startswith("lp-starpu-cpu-impl.")] if os.path.isdir(d) else []
    check(len(found) == 1, f"decision files in {d}: {found}")
    return os.path.join(d, found[0])


def measured_times(comment):
    """{implementation: ns per row} from the decision file's second line."""
    return dict(re.findall(r"([\w-]+) (\d+\.\d+)", comment))


@case
def cpu_impl_auto_is_measured_and_kept_with_the_models():
    _, runs = cpu_impls()
    home = {"STARPU_HOME": os.getcwd()}
    args = ("--rows", 40000, "--tiles", 8, "--backend", "cpu", "--sched", "eager", "--json", "-")
    report, _ = run_json(*args, env=home)
    path = decision_file()
    with open(path) as f:
        chosen, comment = f.read().splitlines()[:2]
    check(chosen in runs, f"decided {chosen!r}, this processor runs {runs}")
    times = measured_times(comment)
    check(sorted(times) == sorted(runs), f"measured {times}, expected {runs}")
    check(chosen == min(times, key=lambda n: float(times[n])), f"{chosen} is not the fastest: {times}")
    # The default runs the fastest reproducible one; any, the fastest of all.
    same_bits = min((n for n in times if n in REPRODUCIBLE), key=lambda n: float(times[n]))
    check(cpu_workers_impls(report) == {same_bits}, report["workers"])
    report, _ = run_json(*args, "--cpu-impl", "any", env=home)
    check(cpu_workers_impls(report) == {chosen}, report["workers"])
    # The decision is read back, not measured again: planted, it is obeyed.
    with open(path, "w") as f:
        f.write("baseline\n")
    report, _ = run_json(*args, env=home)
    check(cpu_workers_impls(report) == {"baseline"}, report["workers"])
    # A decision whose times lack one this processor runs (one built since)
    # is measured again, even where the one it has would be chosen.
    if len(runs) > 1:
        with open(path, "w") as f:
            f.write("lplog\n# ns per row, one thread, 8K rows in cache: lplog 1.000\n")
        report, _ = run_json(*args, env=home)
        with open(path) as f:
            lines = f.read().splitlines()
        check(sorted(measured_times(lines[1])) == sorted(runs), f"not measured again: {lines}")
        check(cpu_workers_impls(report) == {lines[0]}, report["workers"])
    # --calibrate measures again, says so and keeps the new fastest (two
    # close ones may swap places between measurements on a loaded machine).
    rc, out, err = run("--rows", 40000, "--tiles", 8, "--backend", "cpu", "--sched", "eager",
                       "--calibrate", env=home)
    with open(path) as f:
        lines = f.read().splitlines()
    check(len(lines) == 2, f"--calibrate left the planted decision: {lines}")
    again, times = lines[0], measured_times(lines[1])
    check(sorted(times) == sorted(runs) and again == min(times, key=lambda n: float(times[n])),
          f"kept {again!r} of {times}")
    check(rc == 0 and f"eager runs {again}, the fastest" in out, f"exit {rc}: {out} {err}")


def model_entries(home, size):
    """impl -> samples of the CPU model's entry for tiles of `size` bytes."""
    d = os.path.join(home, ".starpu", "sampling", "codelets", "45")
    text = "".join(open(os.path.join(d, f)).read() for f in os.listdir(d)
                   if f.startswith("lp_logprod."))
    samples = {}
    for block in re.split(r"# Model for ", text)[1:]:
        m = re.match(r"cpu0_impl(\d+)", block)
        if not m:
            continue
        for line in block.splitlines():
            cols = line.split()
            if len(cols) == 8 and not line.startswith("#") and cols[1] == str(size):
                samples[int(m.group(1))] = int(cols[7])
    return samples


@case
def cpu_impl_model_policy_calibrates_and_chooses_each():
    # --cpu-impl any: dmda picks among every implementation the processor
    # runs, up to the first it lacks (StarPU 1.3 keeps no history after a
    # gap in the implementations' numbers).
    names, runs = cpu_impls()
    allowed = []
    for name in names[1:]:
        if name not in runs:
            break
        allowed.append(name)
    home = {"STARPU_HOME": os.getcwd()}
    rows, tiles = 400000, 8
    rc, out, err = run("--rows", rows, "--tiles", tiles, "--backend", "cpu", "--calibrate",
                       "--cpu-impl", "any", env=home)
    check(rc == 0, err)
    check("dmda chooses per worker from the models" in out, out)
    # Each of those, auto (impl 0) included, has a trusted history for these
    # tiles, kept in the model's file.
    samples = model_entries(os.getcwd(), rows // tiles * 32)
    for name in ["auto"] + allowed:
        check(samples.get(names.index(name), 0) >= 10, f"{name}: {samples}")
    report, err = run_json("--rows", rows, "--tiles", tiles, "--backend", "cpu", "--cpu-impl",
                           "any", env=home)
    check("not calibrated" not in err, err)
    used = set()
    for w in report["workers"]:
        if w["kind"] == "cpu" and w["tasks"]:
            used |= {part.split()[0] for part in w["impl"].split(", ")}
    check(used and used <= set(allowed), f"dmda ran {used}; it may run {allowed}")


# ---------------------------------------------------------------- float32
def f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


@case(mpi=True)
def dtype_f32_matches_a_float_reference():
    # 100003 seed rows in float32: every row within 1e-5 of ln(i)^3 taken
    # from the stored float (--verify says 1e-05), the checksum summed in
    # double close to float64's, the report says float32 and 16 bytes a row.
    args = ("--rows", 100003, "--tiles", 7, "--verify", "--json", "-")
    rc, out, err = run(*args, "--dtype", "f32", "--output", "o32.npy")
    check(rc == 0, err)
    r32 = json.loads(out)
    r64, _ = run_json(*args)
    check(r32["dtype"] == "float32" and r64["dtype"] == "float64", (r32["dtype"], r64["dtype"]))
    check(0 < r32["max_rel_error"] <= 1e-5, r32["max_rel_error"])
    check(abs(r32["checksum"] - r64["checksum"]) <= 1e-6 * r64["checksum"],
          f"{r32['checksum']!r} vs {r64['checksum']!r}")
    check(r32["checksum"] != r64["checksum"], "float32 rows gave float64's checksum")
    rows = read_npy_vector("o32.npy", "<f4")
    check(len(rows) == 100003, len(rows))
    worst = max(abs(v - math.log(f32(i + 1)) ** 3) / max(math.log(i + 1) ** 3, 1e-300)
                for i, v in enumerate(rows) if i > 0)
    check(worst <= 1e-5 and rows[0] == 0.0, f"worst row {worst}")
    # The checksum is the sum of the float32 rows written, in double.
    check(abs(math.fsum(rows) - r32["checksum"]) <= 1e-9 * r32["checksum"],
          f"{math.fsum(rows)!r} vs {r32['checksum']!r}")
    if not RANKS:
        _, text, _ = run("--rows", 1000, "--dtype", "f32", "--verify")
        check("16 bytes per row, float32" in text and "tolerance 1e-05" in text, text)
        rc, _, err = run("--dtype", "f16")
        check(rc == 2 and "--dtype 'f16': expected f64 or f32" in err, f"exit {rc}: {err}")


@case(mpi=True)
def dtype_f32_every_backend_and_input():
    # Each backend alone (PoCL's OpenCL too, where present) in float32,
    # verified; float32 and float64 files read as float32.
    env = OPENCL
    report, _ = run_json("--rows", 50000, "--tiles", 6, "--dtype", "f32", "--data", "random",
                         "--verify", "--compare", env=env)
    backends = [r["backend"] for r in report["runs"]]
    for r in report["runs"]:
        check(r["dtype"] == "float32" and r["max_rel_error"] <= 1e-5, r)
    if has_worker("opencl", env):
        check("opencl" in backends, backends)
    rows = [(1.0 + i / 7, 2.0 + i / 3, 3.0 + i) for i in range(3000)]
    for descr in ("<f8", ">f4"):
        write_npy("in.npy", [v for r in rows for v in r], (len(rows), 3), descr=descr)
        rc, out, err = run("--input", "in.npy", "--dtype", "f32", "--verify", "--json", "-",
                           "--output", "o.npy")
        check(rc == 0, err)
        got = read_npy_vector("o.npy", "<f4")
        for i in (0, 1234, 2999):
            x, y, z = (f32(as_stored(v, descr)) for v in rows[i])
            ref = math.log(x) * math.log(y) * math.log(z)
            check(abs(got[i] - ref) <= 1e-5 * abs(ref), f"{descr} row {i}: {got[i]} vs {ref}")


@case(mpi=True)
def dtype_f32_streamed_matches_resident():
    args = ("--rows", 200003, "--tiles", 9, "--data", "random", "--verify", "--dtype", "f32",
            *ONE_CODE)
    rc, _, err = run(*args, "--output", "resident.npy", "--json", "resident.json")
    check(rc == 0, err[-800:])
    # Two slots of 76924 rows of 32 bytes: 4.9 MB.
    rc, _, err = run(*args, "--stream", "--window", "5M", "--output", "streamed.npy",
                     "--json", "streamed.json")
    check(rc == 0, err[-800:])
    resident, streamed = json.load(open("resident.json")), json.load(open("streamed.json"))
    check(streamed["streamed"] and resident["checksum"] == streamed["checksum"],
          f"{resident['checksum']!r} vs {streamed['checksum']!r}")
    check(open("resident.npy", "rb").read() == open("streamed.npy", "rb").read(), "outputs differ")
    check(streamed["io"]["write_bytes"] == 200003 * 4, streamed["io"])


@case
def accel_tiles_cut_the_rows_and_keep_the_bytes():
    # --accel-tiles 2x50000 --tiles 6: two tiles of 50000 rows first, the
    # 200007 left in 6 of 33334-33335; resident and streamed, on the CPU
    # workers and PoCL's device where it is installed, the same bytes as
    # equal tiles, and the report says the layout.  lp-starpu's own log:
    # glibc's gives a row other bits at another place in its tile (a
    # vector's lane or the scalar tail).
    env = OPENCL if has_worker("opencl", OPENCL) else {}
    args = ("--rows", 300007, "--data", "random", "--verify", "--cpu-impl", "lplog")
    rc, _, err = run(*args, "--tiles", 8, "--output", "equal.npy", env=env)
    check(rc == 0, err[-800:])
    layout = ("--accel-tiles", "2x50000", "--tiles", 6)
    rc, text, err = run(*args, *layout, "--output", "accel.npy", "--json", "accel.json", env=env)
    check(rc == 0, err[-800:])
    r = json.load(open("accel.json"))
    check((r["tiles"], r["accel_tiles"], r["accel_tile_rows"]) == (8, 2, 50000),
          (r["tiles"], r["accel_tiles"], r["accel_tile_rows"]))
    check(sum(w["rows"] for w in r["workers"]) == 300007, r["workers"])
    _, text, _ = run(*args, *layout, env=env)
    check("tiles       8: 2 of 50000 rows for the accelerators, 6 of 33334-33335 rows" in text,
          text)
    # Two slots of the largest tile (50000 rows of 32 bytes): 3.2 MB.
    rc, _, err = run(*args, *layout, "--stream", "--window", "3300k", "--output", "streamed.npy",
                     env=env)
    check(rc == 0, err[-800:])
    equal = open("equal.npy", "rb").read()
    check(open("accel.npy", "rb").read() == equal, "accel tiles: outputs differ")
    check(open("streamed.npy", "rb").read() == equal, "streamed accel tiles: outputs differ")
    # A window too small for two of the big tiles is refused, not recut.
    rc, _, err = run(*args, *layout, "--stream", "--window", "2M", env=env)
    check(rc == 2 and "--accel-tiles 2x50000: two tiles must fit in the window" in err,
          f"exit {rc}: {err}")


@case
def accel_tiles_no_accelerator_takes_said():
    # Tiles sized for an accelerator that none will take: said, and run.
    args = ("--rows", 100000, "--accel-tiles", "2x20000", "--tiles", 4)
    rc, out, err = run(*args, "--backend", "cpu")
    check(rc == 0 and "no accelerator works on this job" in err, f"exit {rc}: {err}")
    need_opencl()
    rc, out, err = run(*args, "--sched", "eager", env=OPENCL)
    check(rc == 0 and "eager does not place tiles by speed" in err, f"exit {rc}: {err}")
    rc, out, err = run(*args, "--sched", "dmda", env=OPENCL)
    check(rc == 0 and "--accel-tiles" not in err, f"exit {rc}: {err}")


# ---------------------------------------------------------------- lost results
# lp-starpu-faulty's codelet loses one tile's result on purpose: a lost
# result must fail --verify (exit 5), never pass on values an earlier run
# left in out[], and never replace an existing --output.
@case(mpi=True)
def verify_catches_a_lost_tile():
    with open("out.npy", "wb") as f:
        f.write(b"the user's earlier results")
    rc, out, err = run("--rows", 10000, "--tiles", 8, "--data", "random", "--verify",
                       "--output", "out.npy", env={"LP_FAULT_DROP_TILE": "3"}, binary=faulty())
    check(rc == 5, f"exit {rc}, expected 5: {err}")
    m = re.search(r"--verify failed \(backend auto\): row (\d+) has relative error inf", err)
    check(m and int(m.group(1)) == 3750, f"expected tile 3's first row, 3750: {err}")
    check(open("out.npy", "rb").read() == b"the user's earlier results", "--output replaced")
    check([f for f in os.listdir(".") if f != "out.npy"] == [], os.listdir("."))


@case(mpi=True)
def stale_results_of_an_earlier_run_never_pass():
    # The tile is lost only from its second execution on, so out[] still
    # holds the right values of the run before: each tile's two ends are
    # marked before the last run of each lp_run and a tile still marked
    # after it is made NaN, or this would pass.
    drop = {"LP_FAULT_DROP_TILE": "3:1"}
    args = ("--rows", 10000, "--tiles", 8, "--data", "random", "--verify", "--warmup", 0)
    rc, _, err = run(*args, "--repeat", 2, env=drop, binary=faulty())
    check(rc == 5 and "row 3750 has relative error inf" in err, f"--repeat 2: exit {rc}: {err}")
    rc, _, err = run(*args, "--compare", env=drop, binary=faulty())
    check(rc == 5 and "(backend auto): row 3750" in err, f"--compare: exit {rc}: {err}")
    # Streamed, with a slot per tile: tile 3's slot still holds tile 3's
    # results of the run before unless each read task poisons its slot.
    rc, _, err = run(*args, "--repeat", 2, "--stream", env=drop, binary=faulty())
    check(rc == 5 and "row 3750 has relative error inf" in err, f"--stream: exit {rc}: {err}")
    # Dropped from the third execution on: the runs are verified one by one.
    rc, out, err = run(*args, "--repeat", 2, env={"LP_FAULT_DROP_TILE": "3:2"}, binary=faulty())
    check(rc == 0, f"nothing lost yet, exit {rc}: {err}")
    check_lost_tile_nan(run(*args[:-3], "--repeat", 2, "--warmup", 0, "--output", "out.npy",
                            env=drop, binary=faulty()), range(3750, 5000))


def check_lost_tile_nan(result, lost):
    """Unverified, the run writes --output: the lost tile's every row is
    NaN (not only the two rows marked before the run), every other row is
    a result."""
    rc, _, err = result
    check(rc == 0, f"unverified run: exit {rc}: {err[-2000:]}")
    out = read_npy_vector("out.npy")
    nan = [i for i, v in enumerate(out) if math.isnan(v)]
    check(nan == list(lost), f"NaN rows {nan[:3]}..{nan[-3:]} ({len(nan)}), expected the lost "
                             f"tile's {lost[0]}..{lost[-1]}")


@case
def rows_beyond_memory_stream():
    # 100M rows need 3.2 GB; under a 1.5 GiB address space they stream
    # through a window that fits, with the right checksum (Euler-Maclaurin,
    # 40 digits: 533709231409.0130949...).
    if os.environ.get("LP_SANITIZED") == "1":
        raise Skip("sanitized build: AddressSanitizer maps terabytes of shadow memory "
                   "and cannot start under an RLIMIT_AS limit")
    rc, out, err = run("--rows", "100M", "--json", "-", limit_as=3 << 29)
    check(rc == 0, f"exit {rc}: {err}")
    check("streaming them through a window of" in err, err)
    report = json.loads(out)
    check(report["streamed"] and 0 < report["window_bytes"] < 1 << 29, report["window_bytes"])
    ref = 533709231409.0130949249282
    check(abs(report["checksum"] - ref) <= 1e-12 * ref, f"{report['checksum']!r} vs {ref!r}")
    # A window that cannot fit is refused before the run.
    rc, out, err = run("--rows", "100M", "--stream", "--window", "4G", limit_as=3 << 29)
    check(rc == 1 and "a window of 3.7 GiB does not fit" in err, f"exit {rc}: {err}")


# ---------------------------------------------------------------- files
@case(mpi=True)
def npy_round_trip():
    with tempfile.TemporaryDirectory() as d:
        rows = [(1.5 + i, 2.0 + 0.5 * i, 3.0 + i * i) for i in range(1001)]
        inp, outp = os.path.join(d, "in.npy"), os.path.join(d, "out.npy")
        write_npy(inp, [v for r in rows for v in r], (len(rows), 3))
        rc, out, err = run("--input", inp, "--output", outp, "--tiles", 3, "--verify")
        check(rc == 0, err)
        got = read_npy_vector(outp)
        check(len(got) == len(rows), f"{len(got)} values")
        for (x, y, z), v in zip(rows, got):
            ref = math.log(x) * math.log(y) * math.log(z)
            check(abs(v - ref) <= 1e-13 * abs(ref), f"{v} vs {ref}")
        check([f for f in os.listdir(d) if "-tmp." in f] == [], "temporary file left")


@case(mpi=True)
def npy_bad_files_named():
    with tempfile.TemporaryDirectory() as d:
        p = lambda n: os.path.join(d, n)
        write_npy(p("trunc.npy"), [1.0] * 30, (10, 3), cut=8)
        write_npy(p("i8.npy"), [1] * 30, (10, 3), descr="<i8")
        write_npy(p("shape.npy"), [1.0] * 40, (10, 4))
        write_npy(p("vec.npy"), [1.0] * 10, (10,))
        expect = {"missing.npy": "cannot open", "trunc.npy": "truncated",
                  "i8.npy": "not float64 or float32", "shape.npy": "is not (N, 3)",
                  "vec.npy": "is not (N, 3) (or give three 1-D files"}
        for name, msg in expect.items():
            out_path = p("out-" + name)
            rc, out, err = run("--input", p(name), "--output", out_path)
            check(rc == 1, f"{name}: exit {rc}")
            check(p(name) in err and msg in err, f"{name}: {err!r}")
            check(not os.path.exists(out_path), f"{name}: --output created on failure")


@case(mpi=True)
def bad_inputs_warned_or_strict():
    with tempfile.TemporaryDirectory() as d:
        inp = os.path.join(d, "bad.npy")
        vals = [2.0, 2.0, 2.0, 2.0, 0.0, 2.0, -1.0, 2.0, 2.0, float("nan"), 2.0, 2.0]
        write_npy(inp, vals, (4, 3))
        rc, out, err = run("--input", inp, "--verify")
        check(rc == 0, f"exit {rc}: {err}")
        check("3 rows with a non-positive or NaN input (first: row 1)" in err, err)
        outp = os.path.join(d, "out.npy")
        rc, out, err = run("--input", inp, "--strict", "--output", outp)
        check(rc == 4, f"--strict: exit {rc}")
        check(not os.path.exists(outp), "--output written under --strict failure")
        # An existing --output survives the failed run untouched.
        with open(outp, "wb") as f:
            f.write(b"keep me")
        rc, out, err = run("--input", inp, "--strict", "--output", outp)
        check(rc == 4 and open(outp, "rb").read() == b"keep me", f"exit {rc}: --output changed")
        check(sorted(os.listdir(d)) == ["bad.npy", "out.npy"], os.listdir(d))


@case(mpi=True)
def strict_passes_a_clean_file():
    rows = [(0.5 + i / 7, 1.5 + i / 3, 2.5 + i / 11) for i in range(3000)]
    write_npy("in.npy", [v for r in rows for v in r], (len(rows), 3))
    rc, out, err = run("--input", "in.npy", "--strict", "--output", "out.npy", "--tiles", 5)
    check(rc == 0, f"exit {rc}: {err}")
    check("non-positive" not in err, err)
    got = read_npy_vector("out.npy")
    check(len(got) == len(rows), f"{len(got)} values")
    for i, ((x, y, z), v) in enumerate(zip(rows, got)):
        ref = math.log(x) * math.log(y) * math.log(z)
        check(abs(v - ref) <= 1e-13 * abs(ref), f"row {i}: {v} vs {ref}")


@case
def short_write_keeps_the_old_output():   # not under mpirun: its own files hit the limit
    # A file size limit makes the write of out.npy (800 KB) fail part way.
    with open("out.npy", "wb") as f:
        f.write(b"old")
    rc, out, err = run("--rows", 100000, "--output", "out.npy", limit_fsize=100000,
                       env={"STARPU_HOME": os.path.join(os.getcwd(), "starpu")})
    check(rc == 1, f"exit {rc}: {err}")
    check("out.npy: cannot write: File too large" in err, err)
    check(open("out.npy", "rb").read() == b"old", "the old output was damaged")
    check([f for f in os.listdir(".") if "-tmp." in f] == [], f"temporary file left: {os.listdir('.')}")


@case(mpi=True)
def outputs_follow_links_and_never_replace_special_files():
    ref = math.fsum(math.log(i) ** 3 for i in range(1, 1001))
    # A symbolic link is written through: the link stays, its target changes.
    os.mkdir("real")
    os.symlink("real/out.npy", "link.npy")
    os.symlink("real/r.json", "link.json")
    rc, _, err = run("--rows", 1000, "--output", "link.npy", "--json", "link.json")
    check(rc == 0, err)
    check(os.path.islink("link.npy") and os.path.islink("link.json"), "a link was replaced")
    check(abs(math.fsum(read_npy_vector("real/out.npy")) - ref) <= 1e-12 * ref, "bad output")
    check(json.load(open("real/r.json"))["rows"] == 1000, "bad JSON")
    check(sorted(os.listdir("real")) == ["out.npy", "r.json"], os.listdir("real"))
    import stat
    if RANKS:
        # Every rank writes its rows at their offsets: a FIFO or a device
        # cannot take that, and is refused before the run, untouched.
        os.mkfifo("fifo.npy")
        rc, out, err = run("--rows", 1000, "--output", "fifo.npy")
        check(rc == 1 and "not a regular file: under --mpi every rank writes" in err,
              f"exit {rc}: {err[-800:]}")
        check(stat.S_ISFIFO(os.lstat("fifo.npy").st_mode), "the FIFO was replaced")
        return
    # A FIFO is written into, not replaced by a file.
    import threading
    os.mkfifo("fifo.npy")
    got = []
    reader = threading.Thread(target=lambda: got.append(open("fifo.npy", "rb").read()))
    reader.start()
    rc, _, err = run("--rows", 1000, "--output", "fifo.npy")
    reader.join(timeout=60)
    check(rc == 0, err)
    check(stat.S_ISFIFO(os.lstat("fifo.npy").st_mode), "the FIFO was replaced")
    check(got and len(got[0]) == 128 + 8000, f"read {len(got[0]) if got else 0} bytes")
    # Streamed, with a warm-up and two runs: the FIFO gets one copy, in
    # row order.
    rc, _, err = run("--rows", 1000, "--tiles", 7, "--output", "file.npy", *ONE_CODE)
    check(rc == 0, err)
    got = []
    reader = threading.Thread(target=lambda: got.append(open("fifo.npy", "rb").read()))
    reader.start()
    rc, _, err = run("--rows", 1000, "--tiles", 7, "--stream", "--window", "1M", "--repeat", 2,
                     "--output", "fifo.npy", *ONE_CODE)
    reader.join(timeout=60)
    check(rc == 0, err)
    check(got and got[0] == open("file.npy", "rb").read(), "the FIFO's bytes differ from the file's")
    # A device is written into, not replaced (a null device of our own).
    if os.geteuid() == 0:
        os.mknod("null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        rc, _, err = run("--rows", 1000, "--output", "null", "--json", "null")
        check(rc == 0, err)
        check(stat.S_ISCHR(os.lstat("null").st_mode), "the device was replaced")
    # /dev/full takes nothing: an error, and the device stays.
    if os.path.exists("/dev/full"):
        rc, _, err = run("--rows", 1000, "--output", "/dev/full")
        check(rc == 1 and "/dev/full: cannot write: No space left on device" in err,
              f"exit {rc}: {err}")
        check(stat.S_ISCHR(os.lstat("/dev/full").st_mode), "/dev/full was replaced")


@case
def standard_streams_as_outputs():
    # /dev/stdout and /dev/stderr are links to whatever the stream is (here
    # pipes: "pipe:[N]", no path): written through, never taken for a new
    # file in /proc.  Standard output itself carries the report, so the
    # JSON report there is refused before the run (--json - is for that).
    rc, out, err = run("--rows", 1000, "-q", "--json", "/dev/stderr")
    check(rc == 0 and out.strip() == "222084.04024893238", f"exit {rc}: {out} {err[-300:]}")
    check(json.loads(err)["rows"] == 1000, err[:300])
    with open("old.npy", "wb") as f:
        f.write(b"old")
    rc, out, err = run("--rows", 1000, "-q", "--output", "old.npy", "--json", "/dev/stdout")
    check(rc == 2 and "/dev/stdout: is where standard output goes, which carries the report" in err
          and out == "", f"exit {rc}: {out} {err}")
    check(open("old.npy", "rb").read() == b"old", "the old output was replaced")


@case
def json_report_is_utf8_whatever_the_names():
    # A file name (or an environment value) that is not UTF-8 goes into
    # the JSON report as U+FFFD: the report stays JSON.
    name = os.fsdecode(b"in\xff\xc3(\xed\xa0\x80).npy")   # a lone byte, a cut one, a surrogate
    write_npy(name, [1.5, 2.5, 3.5] * 4, (4, 3))
    home = os.path.abspath(os.fsdecode(b"home\xff"))
    p = subprocess.run([BIN, "--input", name, "-q", "--json", "-"], capture_output=True,
                       timeout=120, env=dict(os.environ, STARPU_HOME=home))
    check(p.returncode == 0, p.stderr)
    rep = json.loads(p.stdout.decode("utf-8"))   # strict: raises on a byte that is not UTF-8
    check("in\ufffd\ufffd(\ufffd\ufffd\ufffd).npy" in rep["data"], rep["data"])
    check(any(v.endswith("home\ufffd") for v in rep["env"].values()), rep["env"])


@case
def a_failed_report_keeps_the_old_output():
    # The reports are written before --output is renamed: a JSON report
    # that cannot be written (or a checksum standard output cannot take)
    # fails the run, and a failed run leaves the old output.
    if not os.path.exists("/dev/full"):
        raise Skip("no /dev/full here")
    with open("old.npy", "wb") as f:
        f.write(b"old")
    rc, _, err = run("--rows", 1000, "-q", "--output", "old.npy", "--json", "/dev/full")
    check(rc == 1 and "/dev/full: cannot write: No space left on device (the JSON report)" in err,
          f"exit {rc}: {err}")
    check(open("old.npy", "rb").read() == b"old", "the old output was replaced")
    check([f for f in os.listdir(".") if "-tmp." in f] == [], os.listdir("."))
    with open("/dev/full", "w") as full:
        p = subprocess.run([BIN, "--rows", "1000", "-q", "--output", "old.npy"], stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    check(p.returncode == 1 and "standard output: cannot write: No space left on device"
          in p.stderr, f"exit {p.returncode}: {p.stderr}")
    check(open("old.npy", "rb").read() == b"old", "the old output was replaced")


# ---------------------------------------------------------------- data at scale
LAYOUTS = [("<f8", False), ("<f8", True), ("<f4", False), (">f4", True), (">f8", False)]


def layout_rows(n):
    return [(0.5 + i / 7, 1.5 + i / 3, 2.5 + i / 11) for i in range(n)]


def check_output_rows(path, rows, descr="<f8"):
    got = read_npy_vector(path)
    check(len(got) == len(rows), f"{len(got)} values, expected {len(rows)}")
    for i, ((x, y, z), v) in enumerate(zip(rows, got)):
        x, y, z = (as_stored(w, descr) for w in (x, y, z))
        ref = math.log(x) * math.log(y) * math.log(z)
        check(abs(v - ref) <= 1e-13 * abs(ref), f"row {i}: {v} vs {ref}")


@case(mpi=True)
def input_layouts_resident_and_streamed():
    # Every .npy layout: C and Fortran order, float64 and float32, both byte
    # orders, and three 1-D files; in memory and streamed through a window
    # of two tiles.  Rows checked one by one against their own reference.
    rows = layout_rows(3001)
    flat = [v for r in rows for v in r]
    for descr, fortran in LAYOUTS:
        write_npy("in.npy", flat, (len(rows), 3), descr=descr, fortran=fortran)
        for how in ((), ("--stream", "--window", "1M")):
            rc, out, err = run("--input", "in.npy", "--tiles", 7, "--output", "out.npy",
                               "--verify", "--json", "r.json", *how)
            check(rc == 0, f"{descr} fortran={fortran} {how}: exit {rc}: {err[-800:]}")
            check_output_rows("out.npy", rows, descr)
            report = json.load(open("r.json"))
            check(report["streamed"] == bool(how), report["streamed"])
            layout = "Fortran order" if fortran else "C order"
            check(layout in report["input_layout"] and
                  ("float32" if descr.endswith("f4") else "float64") in report["input_layout"] and
                  ("big" if descr[0] == ">" else "little") in report["input_layout"],
                  report["input_layout"])
            check(report["io"]["read_bytes"] == 3 * len(rows) * 8, report["io"])
    for c, name in enumerate("xyz"):
        write_npy(f"{name}.npy", [r[c] for r in rows], (len(rows),), descr="<f4" if c else "<f8")
    rc, out, err = run("--input", "x.npy,y.npy,z.npy", "--stream", "--window", "1M", "--output",
                       "out.npy", "--verify")
    check(rc == 0, f"three files: exit {rc}: {err[-800:]}")
    got = read_npy_vector("out.npy")
    for i, ((x, y, z), v) in enumerate(zip(rows, got)):
        ref = math.log(x) * math.log(as_stored(y, "<f4")) * math.log(as_stored(z, "<f4"))
        check(abs(v - ref) <= 1e-13 * abs(ref), f"three files, row {i}: {v} vs {ref}")


@case(mpi=True)
def streamed_matches_resident():
    # The same rows in memory and through a window of two tiles (uneven
    # tiles): the same checksum bit for bit, the same output byte for byte,
    # and the memory the window bounds.
    args = ("--rows", 1000003, "--tiles", 13, "--data", "random", "--verify", *ONE_CODE)
    rc, _, err = run(*args, "--output", "resident.npy", "--json", "resident.json")
    check(rc == 0, err[-800:])
    # Two slots of 76924 rows of 32 bytes: 4.9 MB.
    rc, _, err = run(*args, "--stream", "--window", "5M", "--output", "streamed.npy",
                     "--json", "streamed.json", "--repeat", 2)
    check(rc == 0, err[-800:])
    resident, streamed = json.load(open("resident.json")), json.load(open("streamed.json"))
    check(resident["checksum"] == streamed["checksum"],
          f"{resident['checksum']!r} vs {streamed['checksum']!r}")
    check(streamed["max_rel_error"] <= 1e-12, streamed["max_rel_error"])
    check(open("resident.npy", "rb").read() == open("streamed.npy", "rb").read(), "outputs differ")
    check(not resident["streamed"] and streamed["streamed"], "residence")
    check(streamed["io"]["write_bytes"] == 1000003 * 8, streamed["io"])
    check(sum(w["tasks"] for w in streamed["workers"]) == 13, streamed["workers"])


@case
def stream_stopped_or_failed_midway_leaves_nothing():
    # A long streamed job with --output: SIGTERM mid-stream, and an input
    # that shrinks under a running stream, leave the old output as it was
    # and no temporary file.
    rows = layout_rows(400000)
    write_npy("in.npy", [v for r in rows for v in r], (len(rows), 3))
    with open("out.npy", "wb") as f:
        f.write(b"earlier results")
    job = [BIN, "--input", "in.npy", "--stream", "--window", "1M", "--tiles", "40", "--repeat",
           "100000", "--output", "out.npy"]
    p = subprocess.Popen(job, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    if p.poll() is not None:
        check(False, f"ended before the signal: {p.communicate()}")
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=120)
    check(p.returncode == 143 and "stopped by signal 15" in err, f"exit {p.returncode}: {err}")
    check(open("out.npy", "rb").read() == b"earlier results", "the old output was changed")
    check(sorted(os.listdir(".")) == ["in.npy", "out.npy"], os.listdir("."))
    p = subprocess.Popen(job, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    os.truncate("in.npy", 128 + 24 * 1000)   # the reads beyond row 1000 now fail
    out, err = p.communicate(timeout=120)
    check(p.returncode == 1 and "read error in tile" in err and "truncated while reading" in err,
          f"exit {p.returncode}: {err[-800:]}")
    check(open("out.npy", "rb").read() == b"earlier results", "the old output was changed")
    check(sorted(os.listdir(".")) == ["in.npy", "out.npy"], os.listdir("."))


@case(mpi=True)
def tiles_split_where_a_handle_ends():
    # A StarPU 1.3 vector holds at most 2^32 - 1 rows, so more rows than
    # that are cut into enough tiles.  The test build lowers the limit to
    # 30000 rows: 100000 rows asked in 2 tiles become 4, right to the row.
    args = ("--rows", 100000, "--data", "random", "--verify", "--json", "-")
    env = {"LP_TEST_MAX_TILE_ROWS": "30000"}
    for how in (("--tiles", 2), ("--tile-rows", 50000), ("--tiles", 2, "--stream")):
        rc, out, err = run(*args, *how, env=env, binary=faulty())
        check(rc == 0, f"{how}: exit {rc}: {err[-800:]}")
        report = json.loads(out)
        check(report["tiles"] == 4 and report["max_rel_error"] <= 1e-12, f"{how}: {report['tiles']}")
        check("a tile holds at most 30000 rows" in err, f"{how}: {err}")
        check(max(w["rows"] for w in report["workers"]) >= 25000, report["workers"])


@case(mpi=True)
def output_that_is_the_input_is_refused():
    write_npy("in.npy", [2.0, 3.0, 4.0] * 10, (10, 3))
    before = open("in.npy", "rb").read()
    os.symlink("in.npy", "alias.npy")
    os.link("in.npy", "hard.npy")
    for name in ("in.npy", "./in.npy", "alias.npy", "hard.npy"):
        for opt in ("--output", "--json", "--trace"):
            rc, out, err = run("--input", "in.npy", opt, name)
            check(rc == 2 and "is the input file" in err, f"{opt} {name}: exit {rc}: {err}")
            check("checksum" not in out, f"{opt} {name}: the run went ahead")
    check(open("in.npy", "rb").read() == before, "the input was changed")


@case(mpi=True)
def output_dir_missing_fails_early():
    rc, out, err = run("--rows", 10, "--output", "/nonexistent-dir/out.npy")
    check(rc == 1 and "directory /nonexistent-dir does not exist" in err, f"exit {rc}: {err}")
    os.mkdir("shut")
    os.chmod("shut", 0o500)
    rc, out, err = run("--rows", 10, "--output", "shut/out.npy")
    # root writes anywhere: the check is access(2)'s, as the write would be
    check(rc == (0 if os.geteuid() == 0 else 1), f"exit {rc}: {err}")
    check(rc == 0 or "directory shut is not writable" in err, err)


@case
def embed_example_matches_tool():
    embed = os.environ.get("LP_EMBED")
    if not embed or not os.path.exists(embed):
        raise Skip("examples/embed not built")
    p = subprocess.run([embed, "100000"], capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, p.stderr)
    # Every row checked against its reference (a checksum alone would pass
    # with tiles written at the wrong offsets).
    m = re.search(r"checksum (\S+), max relative error (\S+)", p.stdout)
    check(m and float(m.group(2)) <= 1e-12, p.stdout)
    report, _ = run_json("--rows", 100000, "--sched", "dmda")
    check(float(m.group(1)) == report["checksum"], f"{p.stdout!r} vs {report['checksum']!r}")


# ---------------------------------------------------------------- signals, progress
def run_on_tty(*args, on_stderr=None, timeout=180, preexec_fn=None):
    """Runs the tool with stderr on a pseudo-terminal (stdout a pipe, so keep
    it short); on_stderr(proc, text so far) is called after each read.
    Returns the exit status, stdout and stderr."""
    master, slave = pty.openpty()
    p = subprocess.Popen([BIN, *map(str, args)], stdout=subprocess.PIPE, stderr=slave,
                         stdin=subprocess.DEVNULL, preexec_fn=preexec_fn)
    os.close(slave)
    err, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 0.2)[0]:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:   # EIO: the tool has exited and closed the terminal
                break
            if not chunk:
                break
            err += chunk
            if on_stderr:
                on_stderr(p, err.decode(errors="replace"))
    finally:
        os.close(master)
        if p.poll() is None and time.monotonic() >= deadline:
            p.kill()
    out = p.stdout.read().decode()
    return p.wait(timeout=60), out, err.decode(errors="replace")


def no_output_left(name):
    left = [f for f in os.listdir(".") if f.startswith(name)]
    check(left == [], f"files left behind: {left}")


LONG_JOB = ("--rows", "10M", "--repeat", 100000)   # about half an hour


@case
def sigint_mid_run_stops_cleanly():
    # Waits for the progress line, so the signal comes between runs for sure.
    sent, on_stderr = interrupt_when("[run ")
    rc, out, err = run_on_tty(*LONG_JOB, "--output", "out.npy", on_stderr=on_stderr)
    check(sent, f"no progress line on the terminal: {err!r}")
    check(rc == 130, f"exit {rc}, expected 130: {err!r}")
    check(time.monotonic() - sent[0] < 30, "took more than 30 s to stop")
    check("stopped by signal 2" in err, err)
    check(re.search(r"\r {20,}\r", err), f"progress line not erased: {err!r}")
    check("checksum" not in out, "a report after an interruption")
    no_output_left("out.npy")


def interrupt_when(marker, signo=signal.SIGINT):
    sent = []

    def on_stderr(p, text):
        if not sent and marker in text:
            sent.append(time.monotonic())
            p.send_signal(signo)
    return sent, on_stderr


@case
def more_cpu_workers_than_cpus_said():
    # Each worker spins on a CPU: 2 of them on 1 CPU crawl, and StarPU,
    # silent by default, would not say why.
    one = {min(os.sched_getaffinity(0))}
    for quiet in ((), ("-q",)):
        p = subprocess.run([BIN, "--rows", "1000", *quiet], capture_output=True, text=True,
                           env=dict(os.environ, STARPU_NCPU="2"), timeout=120,
                           preexec_fn=lambda: os.sched_setaffinity(0, one))
        said = "2 CPU workers on 1 CPU: they share them" in p.stderr
        check(p.returncode == 0 and said != bool(quiet), f"exit {p.returncode}: {p.stderr}")
    rc, out, err = run("--rows", 1000, env={"STARPU_NCPU": "1"})
    check(rc == 0 and "CPU workers on" not in err, err)


@case
def sigint_ignored_at_start_stays_ignored():
    # A script's background job starts with SIGINT ignored: a Ctrl-C meant
    # for the script must not cut the job's runs short.
    sent = []

    def on_stderr(p, text):
        if not sent and "[run " in text:
            sent.append(time.monotonic())
            p.send_signal(signal.SIGINT)
            p.send_signal(signal.SIGINT)   # handled, a second one would end it at once
    rc, out, err = run_on_tty("--rows", "2M", "--repeat", 2000, "--output", "out.npy",
                              on_stderr=on_stderr,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    check(sent, f"no progress line on the terminal: {err!r}")
    check(rc == 0 and "stopping" not in err, f"exit {rc}: {err!r}")
    check("checksum" in out and os.path.exists("out.npy"), f"no report or output: {out!r}")


@case
def sigint_during_warmup_stops_cleanly():
    sent, on_stderr = interrupt_when("[warm-up ")
    rc, out, err = run_on_tty("--rows", "10M", "--warmup", 1000, "--output", "out.npy",
                              on_stderr=on_stderr)
    check(sent, f"no warm-up progress line: {err!r}")
    check(rc == 130 and "stopped by signal 2" in err, f"exit {rc}: {err!r}")
    check(time.monotonic() - sent[0] < 30, "took more than 30 s to stop")
    check("checksum" not in out, "a report after an interruption")
    no_output_left("out.npy")


@case
def sigint_during_compare_stops_cleanly():
    sent, on_stderr = interrupt_when("[run ")
    rc, out, err = run_on_tty("--compare", "--rows", "10M", "--repeat", 100000, "--output", "out.npy",
                              on_stderr=on_stderr)
    check(sent, f"no progress line: {err!r}")
    check(rc == 130 and "stopped by signal 2" in err, f"exit {rc}: {err!r}")
    check(time.monotonic() - sent[0] < 30, "took more than 30 s to stop")
    check("checksum" not in out and "comparison" not in out, "a report after an interruption")
    no_output_left("out.npy")


@case
def sigterm_during_data_generation_stops_early():
    # 240M rows: about 7.7 GB of columns, seconds to fill.  The signal comes
    # once a gigabyte is in place, while the rows are being made, and the
    # tool must stop in half the time the rest would take to make at the
    # pace the second half-gigabyte was made (a fast machine makes it all
    # in under 3 s, so a fixed bound alone would pass a tool that ignores
    # the signal until every row is made).
    rows = 240_000_000
    p = subprocess.Popen([BIN, "--rows", str(rows), "--output", "out.npy"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline, half_gib_at, rss = time.monotonic() + 60, None, 0
    while time.monotonic() < deadline and p.poll() is None:
        status = open(f"/proc/{p.pid}/status").read()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) << 10
        if half_gib_at is None and rss > 1 << 29:
            half_gib_at, half_gib_rss = time.monotonic(), rss
        if rss > 1 << 30:
            break
        time.sleep(0.02)
    pace = (rss - half_gib_rss) / max(time.monotonic() - half_gib_at, 1e-3) if half_gib_at else 0
    rest = (rows * 32 - rss) / pace if pace > 0 else 6.0
    sigterm_stops_within(p, min(3.0, rest / 2))


def sigterm_stops_within(p, seconds):
    """Sends SIGTERM to the running tool p (output to out.npy): it must end
    with 143 within `seconds`, say so, report nothing and leave no file.
    Returns its stderr."""
    if p.poll() is not None:
        check(False, f"ended before the signal: {p.communicate()}")
    t = time.monotonic()
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=120)
    check(p.returncode == 143, f"exit {p.returncode}, expected 143: {err}")
    check(time.monotonic() - t < seconds, f"took {time.monotonic() - t:.1f} s to stop")
    check("stopped by signal 15" in err, err)
    check("checksum" not in out, "a report after the signal")
    no_output_left("out.npy")
    return err


@case
def sigterm_stops_cleanly():
    p = subprocess.Popen([BIN, *map(str, LONG_JOB), "--output", "out.npy"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    err = sigterm_stops_within(p, 30)
    check("[run " not in err, f"progress line on a pipe: {err!r}")


@case
def progress_silent_with_quiet():
    # Long enough (about 6 s here) for a progress line, were one drawn.
    t = time.monotonic()
    rc, out, err = run_on_tty("--rows", "2M", "--repeat", 2000, "--quiet")
    if time.monotonic() - t < 3:
        raise Skip("this machine ran the job in under 3 s: too short to tell")
    check(rc == 0, f"exit {rc}: {err!r}")
    check("[run " not in err and "[warm-up " not in err, f"progress with --quiet: {err!r}")
    ref = math.fsum(math.log(i) ** 3 for i in range(1, 2000001))
    check(abs(float(out) - ref) <= 1e-12 * ref, out)


# ---------------------------------------------------------------- OpenCL
@case(mpi=True)
def opencl_backend_runs_every_task():
    need_opencl()
    report, _ = run_json("--rows", 200000, "--tiles", 10, "--backend", "opencl", "--verify",
                         "--data", "random", env=OPENCL)
    kinds = tasks_by_kind(report)
    check(kinds == {"opencl": 10, "cpu": 0}, kinds)
    moved = sum(b["bytes"] for b in report["buses"])
    check(moved >= 200000 * 32, f"only {moved} bytes crossed the buses")
    # Each link's copies as the bus model prices them, and the share of the
    # run they kept it busy: above zero where bytes moved, zero elsewhere.
    for b in report["buses"]:
        if b["bytes"]:
            check(b["model_ms"] > 0 and 0 < b["busy_share"] <= 1.5
                  and abs(b["busy_share"] - b["model_ms"] / (report["seconds"] * 1e3)) < 1e-9, b)
        else:
            check(b["model_ms"] == 0 and b["busy_share"] == 0, b)


@case
def opencl_heteroprio_runs_tasks_only_some_workers_can():
    # heteroprio asserts that every worker reading a task's bucket can run
    # it: with StarPU's default buckets a CPU-only task (--backend cpu,
    # streamed I/O, the host work after a run) aborted once an OpenCL worker
    # existed.
    need_opencl()
    for extra in (("--backend", "cpu"), ("--backend", "opencl"), ("--stream",), ()):
        report, _ = run_json("--rows", 100000, "--tiles", 8, "--sched", "heteroprio", "--verify",
                             "--data", "random", *extra, env=OPENCL)
        kinds = tasks_by_kind(report)
        check(sum(kinds.values()) == 8, (extra, kinds))
        if extra[:1] == ("--backend",):
            check(kinds.get(extra[1]) == 8, (extra, kinds))
        check(report["max_rel_error"] <= 1e-12, (extra, report["max_rel_error"]))


def opencl_and_cpu_both_used_by(sched):
    need_opencl()
    env = dict(OPENCL, STARPU_NCPU="1")
    # Calibrate both workers' models first, then let the policy split the
    # tiles.  PoCL's double log is 20 to 45 times slower than the CPU
    # worker's, so a model-based policy gives it 2 to 5% of the tiles: 200
    # tiles make that several.  Each tile carries 8 terms per row, so that
    # the CPU worker falls behind the submission of tiles even where
    # submitting one takes 130 us (under AddressSanitizer): a CPU worker
    # that keeps up is the earliest finish for every tile, and rightly so.
    args = ("--rows", 2000000, "--tiles", 200, "--intensity", 8)
    rc, _, err = run(*args, "--compare", "--repeat", 2, env=env)
    check(rc == 0, err)
    report, _ = run_json(*args, "--sched", sched, "--verify", "--data", "random", env=env)
    kinds = tasks_by_kind(report)
    check(kinds.get("cpu", 0) > 0 and kinds.get("opencl", 0) > 0, kinds)
    check(sum(kinds.values()) == 200, kinds)
    check(report["max_rel_error"] <= 1e-12, report["max_rel_error"])


@case
def opencl_and_cpu_both_used_by_dmda():
    opencl_and_cpu_both_used_by("dmda")


@case
def opencl_and_cpu_both_used_by_lp_eft():
    opencl_and_cpu_both_used_by("lp-eft")


def plant_fast_kernel(path):
    """Makes the OpenCL entries of a calibrated lp_logprod model claim a 1 us
    kernel; returns the CPU entry's mean (us).  StarPU stops recording once
    an entry has 10 samples, so the planted model holds for the next runs."""
    lines = open(path).read().split("\n")
    device, cpu_us = None, None
    for i, line in enumerate(lines):
        if line.startswith("# device type"):
            device = int(lines[i + 1])
        fields = line.split()
        if len(fields) == 8 and not line.startswith("#") and int(fields[7]) >= 10:
            n = int(fields[7])
            if device == 0:
                cpu_us = float(fields[3])
            elif device == 2:   # OpenCL: mean, deviation, sum, sum2
                fields[3:7] = ["1.0", "0.0", f"{n:.6e}", f"{n:.6e}"]
                lines[i] = "\t".join(fields)
    open(path, "w").write("\n".join(lines))
    return cpu_us


def plant_slow_link(bus_dir, host, link_us, nbuffers, buffer_bytes):
    """Sets the host-to-device bandwidth of StarPU's bus model so that one
    task's inputs (nbuffers of buffer_bytes) are predicted to take link_us."""
    lat = float(open(os.path.join(bus_dir, host + ".latency")).read()
                .split("\n")[1].split()[1])
    # starpu_transfer_predict: latency + size / bandwidth * 2 * (number of GPUs)
    bandwidth = 2 * nbuffers * buffer_bytes / (link_us - nbuffers * lat)
    path = os.path.join(bus_dir, host + ".bandwidth")
    lines = open(path).read().split("\n")
    row = lines[1].split("\t")
    row[1] = f"{bandwidth:e}"
    lines[1] = "\t".join(row)
    open(path, "w").write("\n".join(lines))


@case
def dmda_and_lp_eft_queue_transfers_on_the_link():
    # The GPU case, in the models: a fast kernel behind a slow link.  The
    # real StarPU schedulers decide from planted models (PoCL runs the
    # tiles at its own speed; only the decisions are checked): each OpenCL
    # tile costs 5 CPU tiles of link time.  Copies queued on the link, the
    # device gets about 40 / 6 of 40 tiles.  lp-eft queues them; so does
    # dmda (and dmdas, the same code) with the bootstrap's StarPU patch
    # (scripts/patches/*-dmda-link-queues.patch).  Unpatched, dmda counts
    # one copy per tile whatever the queue and gives the device 19 to 30.
    need_opencl()
    env = dict(OPENCL, STARPU_NCPU="1", STARPU_HOME=os.getcwd(), STARPU_HOSTNAME="lptest")
    # One CPU implementation: the model's CPU entry is the one both use.
    args = ("--rows", 2000000, "--tiles", 40, *ONE_IMPL)
    rc, _, err = run(*args, "--compare", "--repeat", 2, env=env)
    check(rc == 0, err)
    sampling = os.path.join(os.getcwd(), ".starpu", "sampling")
    cpu_us = plant_fast_kernel(os.path.join(sampling, "codelets", "45", "lp_logprod.lptest"))
    check(cpu_us, "no calibrated CPU entry")
    plant_slow_link(os.path.join(sampling, "bus"), "lptest", 5 * cpu_us, 3, 50000 * 8)
    opencl = {}
    for sched in ("dmda", "dmdas", "lp-eft"):
        report, _ = run_json(*args, "--sched", sched, "--verify", "--data", "random", env=env)
        opencl[sched] = tasks_by_kind(report).get("opencl", 0)
    print(f"OpenCL tiles: {opencl}")
    for sched, n in opencl.items():
        check(1 <= n <= 10, f"{sched}: OpenCL tiles: {opencl} (CPU tile {cpu_us:.0f} us)")


@case(mpi=True)
def opencl_compare_lists_cpu_opencl_scheduled():
    need_opencl()
    report, _ = run_json("--rows", 50000, "--tiles", 8, "--compare", "--verify", "--data", "random",
                         env=OPENCL)
    check([r["backend"] for r in report["runs"]] == ["auto", "cpu", "opencl"], report["runs"])
    check_compare(report, 50000, 8)


def memory_limit_evicts(kind, variable, limit_mib, args, env):
    """All tiles forced onto one device whose memory StarPU may use is capped
    below the data's size: the peak in use stays under the cap while more
    than the cap crosses the bus (tiles were evicted to make room), and
    without the cap the peak goes beyond it (the cap is what held it)."""
    args = (*args, "--backend", kind, "--verify", "--data", "random")
    cap = limit_mib << 20

    def device(report):
        return next(w for w in report["workers"] if w["kind"] == kind and w["tasks"])
    free_run, _ = run_json(*args, env=env)
    capped, _ = run_json(*args, env=dict(env, **{variable: str(limit_mib)}))
    for r in (free_run, capped):
        check(tasks_by_kind(r).get(kind) == r["tiles"], tasks_by_kind(r))
        check(r["max_rel_error"] <= 1e-12, r["max_rel_error"])
    check(device(capped)["mem_total_bytes"] == cap, device(capped))
    check(0 < device(capped)["mem_peak_bytes"] <= cap, f"capped: {device(capped)}")
    to_device = sum(b["bytes"] for b in capped["buses"] if not b["dst"].startswith("NUMA"))
    check(to_device > 2 * cap, f"only {to_device} bytes sent to the device")
    check(device(free_run)["mem_peak_bytes"] > cap, f"uncapped: {device(free_run)}")
    check(capped["checksum"] == free_run["checksum"],
          f"{capped['checksum']} != {free_run['checksum']}")


@case(mpi=True)
def opencl_memory_limit_evicts_correctly():
    need_opencl()
    # 32 MB of data through 8 MiB of device memory.
    memory_limit_evicts("opencl", "STARPU_LIMIT_OPENCL_MEM", 8, ("--rows", 1000000, "--tiles", 40),
                        OPENCL)


# ---------------------------------------------------------------- CUDA
@case(mpi=True)
def gpu_cuda_backend_verifies():
    need_cuda()
    report, _ = run_json("--backend", "cuda", "--verify", "--repeat", 3, "--data", "random")
    kinds = tasks_by_kind(report)
    check(kinds.get("cuda") == report["tiles"], kinds)
    check(report["max_rel_error"] <= 1e-12, report["max_rel_error"])


@case(mpi=True)
def gpu_compare_cpu_cuda_scheduled():
    need_cuda()
    report, _ = run_json("--compare", "--verify", "--repeat", 3, "--data", "random")
    check_compare(report, report["rows"], report["tiles"])
    check("cuda" in [r["backend"] for r in report["runs"]], report["runs"])


@case(mpi=True)
def gpu_lost_tile_caught():
    need_cuda()
    # The CUDA kernel skips tile 3 from its second execution on: the device
    # buffer (reused from the run before) must not pass for a result.
    rc, _, err = run("--backend", "cuda", "--verify", "--repeat", 2, "--warmup", 0, "--tiles", 40,
                     "--data", "random", env={"LP_FAULT_DROP_TILE": "3:1"}, binary=faulty())
    check(rc == 5 and "--verify failed" in err, f"exit {rc}: {err}")


@case
def gpu_lp_eft_uses_cpu_and_cuda():
    need_cuda()
    # Calibrated, lp-eft gives the GPU tiles only while its link keeps up,
    # so on a transfer-bound map both kinds of worker get tiles.
    rc, _, err = run("--compare", "--repeat", 5, env={"STARPU_CALIBRATE": "1"})
    check(rc == 0, err)
    report, _ = run_json("--sched", "lp-eft", "--verify", "--repeat", 3, "--data", "random")
    kinds = tasks_by_kind(report)
    check(kinds.get("cpu", 0) > 0 and kinds.get("cuda", 0) > 0, kinds)
    check(report["max_rel_error"] <= 1e-12, report["max_rel_error"])


@case
def gpu_cuda_memory_limit_evicts_correctly():
    need_cuda()
    # 320 MB of data (the default 10M rows) through 64 MiB of GPU memory.
    memory_limit_evicts("cuda", "STARPU_LIMIT_CUDA_MEM", 64, (), {})


# ---------------------------------------------------------------- MPI
# Open MPI on one machine, loopback only: shared memory between ranks, and
# the runtime's own wire-up on lo; as root in CI.  One CPU worker per rank
# (2 cores).
MPI_JOB_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
               "OMPI_MCA_rmaps_base_oversubscribe": "1",
               "OMPI_MCA_btl": "self,vader", "OMPI_MCA_oob_tcp_if_include": "lo",
               "STARPU_NCPU": "1"}
MPI_ENV = dict(MPI_JOB_ENV, STARPU_NOPENCL="0")


def mpi_launcher():
    import shutil
    launcher = shutil.which("mpirun")
    if not launcher:
        raise Skip("mpirun not found (install openmpi-bin)")
    return launcher


def mpirun(ranks, *args, env=None, binary=None, timeout=120):
    full_env = dict(os.environ, **MPI_ENV)
    full_env.update(env or {})
    p = subprocess.run([mpi_launcher(), "-np", str(ranks), binary or BIN, "--mpi",
                        *map(str, args)],
                       capture_output=True, text=True, env=full_env, timeout=timeout)
    if p.returncode == 2 and "built without StarPU-MPI" in p.stderr:
        raise Skip("lp-starpu was built without StarPU-MPI")
    return p.returncode, p.stdout, p.stderr


def mpirun_json(ranks, *args, env=None):
    rc, out, err = mpirun(ranks, *args, "--json", "-", env=env)
    check(rc == 0, f"{ranks} ranks: exit {rc}: {err[-2000:]}")
    return json.loads(out)


@case
def mpi_ranks_match_single_process():
    args = ("--rows", 100003, "--tiles", 7, "--data", "random", "--seed", 5, *ONE_CODE)
    rc, _, err = run(*args, "--output", "single.npy", env={"STARPU_NCPU": "1"})
    check(rc == 0, err)
    single = open("single.npy", "rb").read()
    ref, _ = run_json(*args, env={"STARPU_NCPU": "1"})
    for dist, sched in (("block", "dmda"), ("cyclic", "lp-eft")):
        for ranks in (1, 2, 3, 4):
            out = f"mpi-{dist}-{ranks}.npy"
            rep = mpirun_json(ranks, *args, "--distribution", dist, "--output", out,
                              "--verify", "--sched", sched)
            check(rep["sched"] == sched, rep["sched"])
            check(rep["max_rel_error"] <= 1e-12, rep["max_rel_error"])
            check(rep["checksum"] == ref["checksum"],
                  f"{dist} {ranks} ranks: checksum {rep['checksum']!r} != {ref['checksum']!r}")
            check(open(out, "rb").read() == single, f"{dist} {ranks} ranks: output differs")
            check(len(rep["ranks"]) == ranks, rep["ranks"])
            check(sum(r["tiles"] for r in rep["ranks"]) == 7, rep["ranks"])
            check(sum(r["tasks"] for r in rep["ranks"]) == 7, rep["ranks"])
            check(sum(w["tasks"] for w in rep["workers"]) == 7, rep["workers"])
            # StarPU-MPI's model: every rank registers every tile's four
            # handles with its owner, and each tile's task runs on its owner.
            check(all(r["handles"] == 4 * 7 for r in rep["ranks"]), rep["ranks"])
            check(all(r["tasks"] == r["tiles"] for r in rep["ranks"]), rep["ranks"])


@case
def mpi_accel_tiles_dealt_to_the_ranks():
    # --accel-tiles under MPI: the big tiles go to the ranks in turn, the
    # equal tiles as the distribution says; the bytes are one process's.
    args = ("--rows", 100003, "--accel-tiles", "4x10000", "--tiles", 6, "--data", "random",
            *ONE_CODE)
    rc, _, err = run(*args, "--output", "single.npy", env={"STARPU_NCPU": "1"})
    check(rc == 0, err)
    # 4 of 10000 rows, then 6 of 10000-10001 (60003 rows: 3 tiles of 10001)
    for dist, tiles, rows in (("block", [5, 5], [50003, 50000]),
                              ("cyclic", [5, 5], [50002, 50001])):
        rep = mpirun_json(2, *args, "--distribution", dist, "--output", f"{dist}.npy",
                          "--verify")
        check((rep["tiles"], rep["accel_tiles"], rep["accel_tile_rows"]) == (10, 4, 10000),
              (rep["tiles"], rep["accel_tiles"], rep["accel_tile_rows"]))
        check([r["tiles"] for r in rep["ranks"]] == tiles, (dist, rep["ranks"]))
        check([r["rows"] for r in rep["ranks"]] == rows, (dist, rep["ranks"]))
        check(open(f"{dist}.npy", "rb").read() == open("single.npy", "rb").read(),
              f"{dist}: outputs differ")
    # A layout every rank refuses alike is said once.
    rc, _, err = mpirun(2, "--rows", 1000, "--accel-tiles", "2x600")
    check(rc == 2 and err.count("leave none of the 1000") == 1, f"exit {rc}: {err[-1500:]}")


@case
def mpi_each_rank_reads_its_own_rows():
    rows = [(1.0 + i, 2.0 + i / 3, 3.0 + i / 7) for i in range(5000)]
    write_npy("in.npy", [v for r in rows for v in r], (len(rows), 3))
    rc, _, err = run("--input", "in.npy", "--tiles", 6, "--output", "single.npy", *ONE_CODE)
    check(rc == 0, err)
    rep = mpirun_json(3, "--input", "in.npy", "--tiles", 6, "--output", "mpi.npy", "--verify",
                      *ONE_CODE)
    check(open("mpi.npy", "rb").read() == open("single.npy", "rb").read(), "outputs differ")
    check(rep["max_rel_error"] <= 1e-12, rep["max_rel_error"])
    # 6 tiles of 834, 834, 833, 833, 833, 833 rows; block: rank r owns
    # tiles 2r and 2r+1, reads their rows and writes their results itself:
    # no row crosses MPI.
    check([r["tiles"] for r in rep["ranks"]] == [2, 2, 2], rep["ranks"])
    read = [r["read_bytes"] for r in rep["ranks"]]
    written = [r["write_bytes"] for r in rep["ranks"]]
    check(read == [(834 + 834) * 24, 2 * 833 * 24, 2 * 833 * 24], f"bytes read: {read}")
    check(written == [(834 + 834) * 8, 2 * 833 * 8, 2 * 833 * 8], f"bytes written: {written}")
    # A rank that cannot see the file (its own working directory, where
    # in.npy is not) says so, and every rank stops.
    os.mkdir("elsewhere")
    tool = [BIN, "--mpi", "--input", "in.npy"]
    p = subprocess.run([mpi_launcher(), "-np", "1", "-wdir", os.getcwd(), *tool, ":",
                        "-np", "1", "-wdir", os.path.abspath("elsewhere"), *tool],
                       capture_output=True, text=True, env=dict(os.environ, **MPI_ENV), timeout=60)
    check(p.returncode == 1, f"exit {p.returncode}: {p.stderr[-1000:]}")
    check("lp-starpu[rank 1]: in.npy: cannot open" in p.stderr and
          "every rank must see rank 0's files" in p.stderr, p.stderr[-1000:])
    # The same for the output: rank 1 cannot open the file rank 0 created
    # (a relative path, in another directory); nothing is left behind.
    tool = [BIN, "--mpi", "--input", os.path.abspath("in.npy"), "--output", "out.npy"]
    p = subprocess.run([mpi_launcher(), "-np", "1", "-wdir", os.getcwd(), *tool, ":",
                        "-np", "1", "-wdir", os.path.abspath("elsewhere"), *tool],
                       capture_output=True, text=True, env=dict(os.environ, **MPI_ENV), timeout=60)
    check(p.returncode == 1 and "lp-starpu[rank 1]: " in p.stderr and
          "the ranks must share a file system" in p.stderr, p.stderr[-1000:])
    check(not [f for f in os.listdir(".") if f.startswith("out.npy")] and
          not os.listdir("elsewhere"), f"files left: {os.listdir('.')}")


@case
def mpi_more_ranks_than_tiles():
    rc, out, err = mpirun(3, "--rows", 1000, "--tiles", 2, "--json", "-", "--output", "out.npy")
    check(rc == 0, err)
    check("3 ranks for 2 tiles: rank 2 has no tile and stays idle" in err, err)
    rep = json.loads(out)
    check([r["tiles"] for r in rep["ranks"]] == [1, 1, 0], rep["ranks"])
    ref = math.fsum(math.log(i) ** 3 for i in range(1, 1001))
    check(abs(rep["checksum"] - ref) <= 1e-12 * ref, rep["checksum"])
    # Each row in its place (a checksum alone passes with swapped tiles).
    for i, v in enumerate(read_npy_vector("out.npy")):
        row = math.log(i + 1) ** 3
        check(abs(v - row) <= 1e-12 * max(row, 1), f"row {i}: {v}, expected {row}")


def mpmd(*contexts, env=None):
    """mpirun of one rank per context, each context (environment, arguments
    [, working directory]) its own: rank r runs lp-starpu --mpi with
    contexts[r]."""
    cmd = [mpi_launcher()]
    for i, (ctx_env, args, *cwd) in enumerate(contexts):
        cmd += [":"] if i else []
        cmd += ["-np", "1", "env", *(["-C", cwd[0]] if cwd else []),
                *(f"{k}={v}" for k, v in ctx_env.items()), BIN, "--mpi", *map(str, args)]
    p = subprocess.run(cmd, capture_output=True, text=True,
                       env=dict(os.environ, **MPI_ENV, **(env or {})), timeout=120)
    return p.returncode, p.stdout, p.stderr


@case
def mpi_ranks_agree_on_the_job():
    # Every rank cuts the rows alike, whatever each one's own models or
    # memory say: rank 0's tile count (a count --calibrate kept is read
    # from each rank's own models) and the smallest window.  Before they
    # agreed, rank 1 cut other tiles and the job computed some rows twice,
    # others never, and exited 0 with a wrong checksum.
    host = {"STARPU_HOSTNAME": "lptest"}
    kept = os.path.join(os.getcwd(), "kept", ".starpu", "sampling")
    os.makedirs(kept)
    with open(os.path.join(kept, "lp-starpu-tiles.lptest"), "w") as f:
        f.write("200000 0 1 2 3\n")   # rows, float64, intensity 1, 2 workers: 3 tiles
    with_choice = dict(host, STARPU_HOME=os.path.join(os.getcwd(), "kept"))
    without = dict(host, STARPU_HOME=os.path.join(os.getcwd(), "none"))
    # lp-starpu's own log: the same bits whatever the tiles (glibc's differ
    # in the last bit at a tile's ragged end).
    args = ("--rows", 200000, "--data", "random", "--seed", 3, "--verify", "--cpu-impl", "lplog",
            "--backend", "cpu")
    ref, _ = run_json(*args, "--tiles", 5, env={"STARPU_NCPU": "1"})
    rc, _, err = run(*args, "--tiles", 5, "--output", "single.npy", env={"STARPU_NCPU": "1"})
    check(rc == 0, err)
    for first, second, tiles in ((with_choice, without, 3), (without, with_choice, None)):
        for dist in ("block", "cyclic"):
            job = (*args, "--distribution", dist, "--output", f"mpi-{dist}.npy", "--json", "-")
            rc, out, err = mpmd((first, job), (second, job))
            check(rc == 0, f"exit {rc}: {err[-1500:]}")
            rep = json.loads(out)
            check(tiles is None or rep["tiles"] == tiles, f"tiles {rep['tiles']}, not {tiles}")
            check(rep["tiles_calibrated"] is (tiles is not None), rep["tiles_calibrated"])
            check(sum(r["tiles"] for r in rep["ranks"]) == rep["tiles"], rep["ranks"])
            check(rep["checksum"] == ref["checksum"],
                  f"{dist}: checksum {rep['checksum']!r} != {ref['checksum']!r}")
            check(open(f"mpi-{dist}.npy", "rb").read() == open("single.npy", "rb").read(),
                  f"{dist}: output differs")
    # Streamed through windows of different sizes: the smaller cuts the
    # tiles on both ranks (two tiles must fit in it).
    job = (*args, "--stream", "--tiles", 2, "--json", "-", "--output", "streamed.npy")
    rc, out, err = mpmd(({}, (*job, "--window", "64M")), ({}, (*job, "--window", "1M")))
    check(rc == 0, f"exit {rc}: {err[-1500:]}")
    rep = json.loads(out)
    check(rep["tiles"] == -(-200000 // (2**20 // (2 * 32))), f"tiles {rep['tiles']}")
    check(rep["checksum"] == ref["checksum"], f"streamed: {rep['checksum']!r}")
    check(open("streamed.npy", "rb").read() == open("single.npy", "rb").read(), "streamed differs")
    # Ranks given different jobs stop, said once, and leave nothing behind:
    # other rows (--seed), another dealing of the tiles, a verification
    # one rank waits for (it was a wrong checksum, or StarPU-MPI's abort).
    plain = tuple(a for a in args if a != "--verify")
    for extra, option in ((("--intensity", 2), "--intensity"), (("--seed", 4), "--seed"),
                          (("--distribution", "cyclic"), "--distribution"),
                          (("--verify",), "--verify")):
        rc, out, err = mpmd(({}, (*plain, "--output", "odd.npy")),
                            ({}, (*plain, "--output", "odd.npy", *extra)))
        said = f"the ranks run different commands ({option} differs between them)"
        check(rc == 2 and said in err and err.count(said) == 1, f"exit {rc}: {err[-1500:]}")
        check("checksum" not in out, out)
        check(not [f for f in os.listdir(".") if f.startswith("odd.npy")], os.listdir("."))
    # The same command, but the one --input path another file on each node
    # (no shared file system): refused before any row is read.
    for d, rows in (("node0", 10), ("node1", 12)):
        os.mkdir(d)
        write_npy(os.path.join(d, "in.npy"), [2.0] * (3 * rows), (rows, 3))
    rc, out, err = mpmd(({}, ("--input", "in.npy", "--tiles", 2), "node0"),
                        ({}, ("--input", "in.npy", "--tiles", 2), "node1"))
    check(rc == 1 and "rank 1]: in.npy: 12 rows here, 10 at rank 0: not the input rank 0 reads"
          in err and
          "checksum" not in out, f"exit {rc}: {err[-1500:]}")


@case
def mpi_one_rank_reports_like_one_process():
    # One path: an MPI job of one rank reports what one process does, the
    # same keys (plus the ranks) and the same rows, worker names and result.
    args = ("--rows", 100003, "--tiles", 7, "--data", "random", "--verify", "--compare", *ONE_IMPL)
    env = {"STARPU_NCPU": "1"}
    single, _ = run_json(*args, env=env)
    rc, out, err = mpirun(1, *args, "--json", "-", env=env)
    check(rc == 0, err)
    one = json.loads(out)
    check(set(one) - set(single) == {"ranks", "distribution"} and set(single) <= set(one),
          f"keys: {sorted(set(one) ^ set(single))}")
    for a, b in zip(single["runs"], one["runs"]):
        check(set(a) == set(b), f"run keys: {sorted(set(a) ^ set(b))}")
        check(a["checksum"] == b["checksum"] and a["max_rel_error"] == b["max_rel_error"],
              f"{a['backend']}: {a['checksum']!r} vs {b['checksum']!r}")
        check([w["name"] for w in a["workers"]] == [w["name"] for w in b["workers"]] and
              not any(w["name"].startswith("rank ") for w in b["workers"]),
              f"worker names: {a['workers']} vs {b['workers']}")
    check(len(one["ranks"]) == 1 and one["ranks"][0]["tiles"] == 7, one["ranks"])
    rc, text_single, _ = run(*args, env=env)
    rc, text_one, _ = mpirun(1, *args, env=env)
    labels = lambda t: [l.split()[0] for l in t.splitlines() if l and not l.startswith(" ")]
    check(labels(text_single) == labels(text_one), f"{labels(text_single)} vs {labels(text_one)}")


@case
def mpi_progress_when_asked():
    # Under mpirun no rank's stderr is a terminal: --progress asks for the
    # line anyway (rank 0's), --quiet still wins.
    # Not a terminal: whole lines, the first after 2 s, then every 5 s
    # (1500 runs: about 6 s here, long enough that lines every 0.25 s
    # show; 600 took 5 s until the tiles were registered once per job,
    # 2.5 s since).
    args = ("--rows", "2M", "--repeat", 1500)
    start = time.monotonic()
    rc, out, err = mpirun(2, *args, "--progress", timeout=240)
    wall = time.monotonic() - start
    check(rc == 0, err[-2000:])
    lines = re.findall(r"^lp-starpu: \[run \d+/1500\] (?:\d+ s, about \d+ s left|\d+ of 1000000 "
                       r"rows \(\d+%\), [\d.e+]+ Mrows/s, about \d+ s left in this run)$", err, re.M)
    if not lines:
        check(wall < 4, f"no progress line in {wall:.1f} s: {err[-500:]!r}")
        raise Skip("this machine ran the job in under 4 s: too short for a progress line")
    check("\r" not in err and len(lines) <= 1 + wall / 5, f"{len(lines)} lines in {wall:.1f} s: "
          f"{err[-500:]!r}")
    rc, out, err = mpirun(2, *args, "--progress", "--quiet", timeout=240)
    check(rc == 0 and "[run " not in err, f"exit {rc}: {err[-500:]!r}")


@case
def no_worker_at_all_exits_3():
    rc, out, err = run("--rows", 10, env={"STARPU_NCPU": "0", "STARPU_NOPENCL": "0",
                                          "STARPU_NCUDA": "0"})
    check(rc == 3 and "StarPU found no worker to start" in err, f"exit {rc}: {err}")


@case
def mpi_lost_tile_caught():
    # Tile 5 (rank 1's, block distribution) is lost from its second run on:
    # its buffer still holds the first run's values unless poisoned.
    rc, out, err = mpirun(2, "--rows", 10000, "--tiles", 8, "--data", "random", "--verify",
                          "--repeat", 2, "--warmup", 0, env={"LP_FAULT_DROP_TILE": "5:1"},
                          binary=faulty())
    check(rc == 5, f"exit {rc}, expected 5: {err[-2000:]}")
    check("row 6250 has relative error inf" in err, err[-2000:])
    check_lost_tile_nan(mpirun(2, "--rows", 10000, "--tiles", 8, "--data", "random", "--repeat", 2,
                               "--warmup", 0, "--output", "out.npy",
                               env={"LP_FAULT_DROP_TILE": "5:1"}, binary=faulty()),
                        range(6250, 7500))


@case
def mpi_bad_input_ends_every_rank():
    import time
    start = time.monotonic()
    rc, out, err = mpirun(3, "--input", "missing.npy", timeout=60)
    check(rc == 1, f"exit {rc}")
    check(time.monotonic() - start < 20, "took too long to end")
    check(err.count("missing.npy: cannot open") == 1, f"not reported once: {err}")


@case
def mpi_missing_backend_same_status():
    rc, out, err = mpirun(2, "--rows", 100, "--backend", "opencl")
    check(rc == 3, f"exit {rc}: {err}")
    check("no opencl worker" in err, err)


def rank_pids(launcher_pid):
    """The lp-starpu processes mpirun started (its children)."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            comm = open(f"/proc/{entry}/comm").read().strip()
        except (OSError, IndexError, ValueError):
            continue
        if fields[1] == str(launcher_pid) and comm == "lp-starpu":
            pids.append(int(entry))
    return sorted(pids)


def running(pid):
    """Alive and not a zombie, with StarPU's threads started."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z" and int(fields[17]) >= 3   # state, num_threads


def mpi_signal_stops_every_rank(signo, to_rank=None):
    """Starts 2 ranks on a long job; once both are running, sends signo to
    mpirun (or to one rank).  Every rank must say it stopped, none may
    survive, and no output file may be left."""
    args = [mpi_launcher(), "-np", "2", BIN, "--mpi", "--rows", "1000000", "--repeat", "100000",
            "--output", "out.npy"]
    with open("stderr.txt", "w") as err_file:
        p = subprocess.Popen(args, env=dict(os.environ, **MPI_ENV), stdout=subprocess.DEVNULL,
                             stderr=err_file)
    deadline, ranks = time.monotonic() + 60, []
    while time.monotonic() < deadline and p.poll() is None:
        ranks = rank_pids(p.pid)
        if len(ranks) == 2 and all(running(r) for r in ranks):
            break
        time.sleep(0.2)
    check(len(ranks) == 2 and all(running(r) for r in ranks),
          f"the ranks never ran: {ranks}, {open('stderr.txt').read()[-2000:]}")
    time.sleep(1)   # well into the timed runs
    check(p.poll() is None and all(running(r) for r in ranks), "a rank ended by itself")
    os.kill(ranks[to_rank] if to_rank is not None else p.pid, signo)
    start = time.monotonic()
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        raise AssertionError("mpirun did not end within 30 s of the signal")
    check(rc != 0, "exit 0 after a signal")
    check(time.monotonic() - start < 15, "took too long to stop")
    err = open("stderr.txt").read()
    for r in range(2):
        check(f"lp-starpu[rank {r}]: stopped by signal" in err, f"rank {r} did not say it "
              f"stopped: {err[-2000:]}")
    time.sleep(0.5)
    check(not [r for r in ranks if running(r)], f"ranks still running: {ranks}")
    check(not [f for f in os.listdir(".") if f.startswith("out.npy")], "output or temp file left")


@case
def mpi_sigterm_ends_every_rank():
    mpi_signal_stops_every_rank(signal.SIGTERM)


@case
def mpi_sigint_ends_every_rank():
    mpi_signal_stops_every_rank(signal.SIGINT)


@case
def mpi_signal_to_one_rank_stops_all():
    mpi_signal_stops_every_rank(signal.SIGTERM, to_rank=1)

# ---------------------------------------------------------------- what a new user hit
def npy_rows(path, rows, descr="<f8"):
    """An N x 3 file of the given rows (each a 3-tuple)."""
    write_npy(path, [v for r in rows for v in r], (len(rows), 3), descr=descr)


@case(mpi=True)
def outputs_are_distinct_files_by_any_path():
    os.mkdir("d")
    open("keep.npy", "wb").write(b"precious")
    os.symlink("keep.npy", "alias")
    spellings = ("keep.npy", "./keep.npy", "d/../keep.npy", "alias", os.path.abspath("keep.npy"))
    for a, b in (("--output", "--json"), ("--output", "--trace"), ("--json", "--trace")):
        for other in spellings if a == "--output" and b == "--json" else ("alias",):
            rc, out, err = run("--rows", 10, a, "keep.npy", b, other, "-q")
            check(rc == 2 and "are the same file" in err, f"{a} keep.npy {b} {other}: exit {rc}: {err}")
            check(out == "", f"{a} {b} {other}: the run went ahead: {out!r}")
    check(open("keep.npy", "rb").read() == b"precious", "a refused run changed the file")
    # Not there yet: the same name is still the same file.
    rc, _, err = run("--rows", 10, "--output", "new.npy", "--json", "./new.npy", "-q")
    check(rc == 2 and not os.path.exists("new.npy"), f"exit {rc}: {err}")
    rc, _, err = run("--rows", 10, "--output", "a.npy", "--json", "a.json", "-q")
    check(rc == 0 and os.path.exists("a.npy") and os.path.exists("a.json"), err)


@case
def output_to_standard_output_refused():
    rc, out, err = run("--rows", 10, "--output", "-")
    check(rc == 2 and "--output -" in err and out == "", f"exit {rc}: {err}")
    check(len(err.strip().splitlines()) == 1, f"more than one line: {err!r}")
    # /dev/stdout into a file: that file carries the report.
    with open("report.txt", "w") as f:
        f.write("old\n")
    with open("report.txt", "a") as f:
        p = subprocess.run([BIN, "--rows", "10", "--output", "/dev/stdout"], stdout=f,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    check(p.returncode == 2 and "standard output" in p.stderr, f"exit {p.returncode}: {p.stderr}")
    check(open("report.txt").read() == "old\n", "the report file was replaced or written")
    # --json - still goes to standard output.
    report, _ = run_json("--rows", 10)
    check(report["rows"] == 10, report)


@case(mpi=True)
def read_only_output_needs_force():
    rc, _, err = run("--rows", 10, "--output", "ro.npy", "-q")
    check(rc == 0, err)
    first = read_npy_vector("ro.npy")
    os.chmod("ro.npy", 0o444)
    open("ro.json", "w").write("{}")
    os.chmod("ro.json", 0o444)
    for opt, name in (("--output", "ro.npy"), ("--json", "ro.json"), ("--trace", "ro.npy")):
        rc, out, err = run("--rows", 20, opt, name, "-q")
        check(rc == 1 and "read-only" in err and "--force" in err, f"{opt}: exit {rc}: {err}")
        check(out == "", f"{opt}: the run went ahead")
    check(read_npy_vector("ro.npy") == first, "a refused run changed the file")
    rc, _, err = run("--rows", 20, "--output", "ro.npy", "--force", "-q")
    check(rc == 0 and len(read_npy_vector("ro.npy")) == 20, f"--force: exit {rc}: {err}")
    check(os.stat("ro.npy").st_mode & 0o777 == 0o444, "the replaced file lost its mode")


def make_temp(name, head):
    with open(name, "wb") as f:
        f.write(head)


@case(mpi=True)
def stale_temporaries_of_a_killed_run_removed():
    import fcntl
    make_temp("out.npy.lp-starpu-tmp.Ab3dE9", b"\x93NUMPY\x01\x00" + b"x" * 100)   # ours, dead
    make_temp("out.npy.lp-starpu-tmp.Zz0000", b"")                                 # ours, killed early
    make_temp("out.npy.lp-starpu-tmp.Qq1111", b"my own notes")                    # not lp-starpu's
    make_temp("out.npy.lp-starpu-tmp.Live00", b"\x93NUMPY\x01\x00")                # a live writer's
    make_temp("out.npy.lp-starpu-tmp.toolong1", b"\x93NUMPY\x01\x00")             # not the pattern
    make_temp("other.npy.lp-starpu-tmp.Ab3dE9", b"\x93NUMPY\x01\x00")             # another output's
    make_temp("out.npy.tmp.backup", b"\x93NUMPY\x01\x00")             # the user's copy
    live = open("out.npy.lp-starpu-tmp.Live00", "rb")
    fcntl.flock(live, fcntl.LOCK_EX)
    rc, _, err = run("--rows", 10, "--output", "out.npy")
    live.close()
    check(rc == 0 and "removed 2 temporary files beside out.npy" in err, f"exit {rc}: {err}")
    left = sorted(f for f in os.listdir(".") if "tmp." in f)
    check(left == ["other.npy.lp-starpu-tmp.Ab3dE9", "out.npy.lp-starpu-tmp.Live00",
                   "out.npy.lp-starpu-tmp.Qq1111", "out.npy.lp-starpu-tmp.toolong1",
                   "out.npy.tmp.backup"], f"left: {left}")
    # A real run killed with SIGKILL leaves one; the next run removes it.
    p = subprocess.Popen([BIN, "--rows", "1M", "--intensity", "5000", "--output", "k.npy"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(f.startswith("k.npy.lp-starpu-tmp.")
                                                  for f in os.listdir(".")):
        time.sleep(0.05)
    time.sleep(0.5)
    p.kill()
    p.wait()
    stale = [f for f in os.listdir(".") if f.startswith("k.npy.lp-starpu-tmp.")]
    check(len(stale) == 1, f"the killed run left {stale}")
    rc, _, err = run("--rows", 10, "--output", "k.npy")
    check(rc == 0 and "removed 1 temporary file beside k.npy" in err, f"exit {rc}: {err}")
    check(not any(f.startswith("k.npy.lp-starpu-tmp.") for f in os.listdir(".")), os.listdir("."))


@case
def fifo_or_device_input_refused_at_once():
    os.mkfifo("fifo.npy")
    for name in ("fifo.npy", "/dev/zero"):
        t0 = time.monotonic()
        rc, out, err = run("--input", name, timeout=60)
        check(rc == 1 and "not a regular file" in err, f"{name}: exit {rc}: {err}")
        check(time.monotonic() - t0 < 30, f"{name}: took {time.monotonic() - t0:.0f} s")
        check(len(err.strip().splitlines()) == 1, f"{name}: {err!r}")


INF = float("inf")


@case(mpi=True)
def infinite_results_verify_and_sum_as_ieee():
    for descr, dtype in (("<f8", "f64"), ("<f4", "f32")):
        cases = {"inf": [(INF, 2, 2), (2, 2, 2)],              # log(inf) = inf
                 "-inf": [(INF, 0.5, 2), (2, 2, 2)],           # inf * negative
                 "nan": [(INF, 2, 2), (INF, 0.5, 2)],          # inf + -inf
                 "nan ": [(INF, 1, 2), (3, 3, 3)]}             # inf * log(1) = inf * 0
        for want, rows in cases.items():
            npy_rows("in.npy", rows, descr)
            report, err = run_json("--input", "in.npy", "--dtype", dtype, "--verify")
            check(report["checksum"] == want.strip(), f"{dtype} {rows}: checksum {report['checksum']!r}")
            check(report["max_rel_error"] == 0 or report["max_rel_error"] < 1e-5,
                  f"{dtype} {rows}: max_rel_error {report['max_rel_error']!r}")
            rc, out, err = run("--input", "in.npy", "--dtype", dtype, "--verify", "-q")
            check(rc == 0 and out.strip() == want.strip(), f"{dtype} {rows}: exit {rc}, {out!r}: {err}")
            rc, out, _ = run("--input", "in.npy", "--dtype", dtype, "--verify")
            check(rc == 0 and re.search(r"^checksum +%s$" % re.escape(want.strip()), out, re.M), out)
    # A NaN where a number is right still fails.
    rc, _, err = run("--rows", 10, "--data", "random", "--verify", binary=faulty(),
                     env={"LP_FAULT_DROP_TILE": "0"})
    check(rc == 5, f"a lost tile: exit {rc}: {err}")


@case(mpi=True)
def stream_cuts_tiles_to_fit_the_window():
    base, _ = run_json("--rows", 1000, "--warmup", 0)
    report, err = run_json("--rows", "8M", "--tiles", 1, "--stream", "--window", "4M",
                           "--warmup", 0)
    check("two tiles must fit in the window" in err, err)
    # 4 MB holds two tiles of 16384 rows (32 bytes each): 489 tiles.
    check(report["tiles"] >= 8000000 * 32 * 2 // 4000000, f"{report['tiles']} tiles")
    extra = report["peak_rss_bytes"] - base["peak_rss_bytes"]
    check(extra < 64 << 20, f"peak RSS {extra / 2**20:.0f} MiB above a 1000-row run's, "
          "for a 4 MB window (the rows: 244 MiB)")
    check(report["checksum"] == base["checksum"] or report["rows"] == 8000000, report)


@case
def tile_count_bounded_by_memory():
    if os.environ.get("LP_SANITIZED") == "1":
        raise Skip("sanitized build: AddressSanitizer maps terabytes of shadow memory "
                   "and cannot start under an RLIMIT_AS limit")
    t0 = time.monotonic()
    rc, out, err = run("--rows", 200000, "--tiles", 200000, limit_as=1536 << 20, timeout=120)
    check(rc == 2 and "at most" in err and "tiles fit" in err, f"exit {rc}: {err}")
    check(out == "" and len(err.strip().splitlines()) == 1, f"{out!r} {err!r}")
    check(time.monotonic() - t0 < 60, "refused only after a long while")


@case
def rows_whose_tile_table_cannot_fit_say_why():
    # 10^16 rows (allowed: up to 2^58) in the default tiles: the table of
    # 38 billion tiles alone is terabytes.  One line saying so, not a
    # silent exit 1.
    if os.environ.get("LP_SANITIZED") == "1":
        raise Skip("sanitized build: AddressSanitizer aborts on a terabyte calloc instead of "
                   "returning NULL")
    for extra in ((), ("--stream",)):
        rc, out, err = run("--rows", "10000000G", *extra, limit_as=4 << 30, timeout=120)
        check(rc == 1 and "no memory for the tiles' table" in err and "--tile-rows" in err,
              f"{extra}: exit {rc}: {err}")
        check(out == "" and len(err.strip().splitlines()) == 1, f"{out!r} {err!r}")


def run_on_tty_timed(*args, on_stderr, env=None):
    """run_on_tty with env, and the time each marker first showed."""
    old = dict(os.environ)
    os.environ.update(env or {})
    try:
        return run_on_tty(*args, on_stderr=on_stderr)
    finally:
        os.environ.clear()
        os.environ.update(old)


@case
def second_sigint_stops_at_once():
    # PoCL's OpenCL kernel cannot be stopped midway: a tile of several
    # seconds that only the second Ctrl-C cuts short.
    need_opencl()
    write_npy("out.npy", [1.0, 2.0], (2,))
    before = open("out.npy", "rb").read()
    sent = []

    def on_stderr(p, text):
        if not sent and "[run " in text:
            sent.append(time.monotonic())
            p.send_signal(signal.SIGINT)
        elif len(sent) == 1 and "stopping after the tiles in flight" in text:
            sent.append(time.monotonic())
            p.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    rc, out, err = run_on_tty_timed("--backend", "opencl", "--rows", 65536, "--tiles", 2,
                                    "--intensity", 6000, "--warmup", 0, "--output", "out.npy",
                                    on_stderr=on_stderr, env=OPENCL)
    check(len(sent) == 2, f"signals sent: {len(sent)}: {err!r}")
    tile = sent[0] - t0   # the first tile's time, about the second's
    check(sent[1] - sent[0] < 2, f"said it was stopping {sent[1] - sent[0]:.1f} s later")
    check(rc == 130 and "stopped at once" in err, f"exit {rc}: {err!r}")
    check(time.monotonic() - sent[1] < tile / 2, f"{time.monotonic() - sent[1]:.1f} s after the "
          f"second Ctrl-C, for tiles of {tile:.1f} s: it waited for the tile")
    check(open("out.npy", "rb").read() == before, "the old output was changed")
    check([f for f in os.listdir(".") if "-tmp." in f] == [], os.listdir("."))


@case
def one_sigint_stops_inside_long_tiles():
    # Four tiles on two CPU workers: the first two end (the progress line),
    # the signal comes while the last two run; their kernels stop between
    # pieces instead of finishing.
    sent, on_stderr = interrupt_when("[run ")
    t0 = time.monotonic()
    rc, out, err = run_on_tty_timed("--rows", 262144, "--tiles", 4, "--intensity", 50000,
                                    "--warmup", 0, "--sched", "eager", "--output", "out.npy",
                                    on_stderr=on_stderr, env={"STARPU_NCPU": "2"})
    check(sent and rc == 130, f"exit {rc}: {err!r}")
    tile = sent[0] - t0
    check(time.monotonic() - sent[0] < tile / 2, f"took {time.monotonic() - sent[0]:.1f} s to "
          f"stop, for tiles of {tile:.1f} s")
    check("stopping after the tiles in flight" in err and "stopped by signal 2" in err, err)
    no_output_left("out.npy")


@case
def progress_within_a_run():
    rc, _, err = run("--rows", "1M", "--tiles", 8, "--intensity", 3000, "--warmup", 0,
                     "--progress", "--sched", "eager")
    check(rc == 0, err)
    lines = re.findall(r"\[run 1/1\] (\d+) of 1000000 rows \((\d+)%\), [\d.e+]+ Mrows/s, "
                       r"about \d+ s left in this run", err)
    check(lines, f"no progress within the run: {err!r}")
    check(all(0 < int(d) < 1000000 for d, _ in lines), lines)


@case
def invalid_starpu_variables_refused():
    for var, value in (("STARPU_NCPU", "abc"), ("STARPU_NCUDA", "-1"), ("STARPU_SCHED_BETA", "x"),
                       ("STARPU_LIMIT_CPU_MEM", "12MB"), ("STARPU_CALIBRATE", "99999999999"),
                       ("STARPU_WORKERS_CPUID", "abc"), ("STARPU_WORKERS_COREID", ""),
                       ("STARPU_WORKERS_CUDAID", "0,1")):
        rc, out, err = run("--rows", 10, env={var: value})
        check(rc == 2 and var in err and out == "", f"{var}={value}: exit {rc}: {err}")
        check(len(err.strip().splitlines()) == 1, f"{var}={value}: {err!r}")
    rc, out, err = run("--rows", 10, "-q", env={"STARPU_NCPU": "1", "STARPU_SCHED_BETA": "2.5",
                                                "STARPU_WORKERS_CPUID": "1,0-"})
    check(rc == 0, f"valid values refused: {err}")


@case
def mpirun_without_mpi_refused():
    env = dict(os.environ, **MPI_ENV)
    p = subprocess.run([mpi_launcher(), "-np", "2", BIN, "--rows", "10"], capture_output=True,
                       text=True, env=env, timeout=120)
    check(p.returncode != 0 and "without --mpi" in p.stderr, f"exit {p.returncode}: {p.stderr}")
    check(p.stderr.count("without --mpi") == 1, f"said more than once: {p.stderr}")
    check("checksum" not in p.stdout, p.stdout)
    p = subprocess.run([mpi_launcher(), "-np", "1", BIN, "--rows", "10", "-q"],
                       capture_output=True, text=True, env=env, timeout=120)
    check(p.returncode == 0, f"one process under mpirun: exit {p.returncode}: {p.stderr}")


@case(mpi=True)
def file_jobs_read_and_write_once():
    rows = 100000
    write_npy("in.npy", [1.0 + (i % 97) for i in range(3 * rows)], (rows, 3))
    for streamed in ((), ("--stream",)):
        report, err = run_json("--input", "in.npy", "--output", "o.npy", *streamed)
        check(report["io"]["read_bytes"] == 24 * rows, f"{streamed}: read {report['io']}")
        check(report["io"]["write_bytes"] == 8 * rows, f"{streamed}: wrote {report['io']}")
        check(report["warmup"] == 0, f"{streamed}: warmup {report['warmup']}")
    for streamed in ((), ("--stream",)):
        rc, out, _ = run("--input", "in.npy", "--output", "o.npy", *streamed)
        check("a file job runs once, reading and writing its files once" in out, out)
    report, _ = run_json("--input", "in.npy", "--stream", "--warmup", 2)
    check(report["warmup"] == 2, "--warmup given is kept")



def main():
    global BIN, RANKS
    if sys.argv[1:] == ["--list"]:
        print("\n".join([*CASES, *("mpi2." + n for n in CASES if n in MPI_CASES)]))
        return 0
    name = sys.argv[2] if len(sys.argv) == 3 else ""
    if name.startswith("mpi2.") and name[5:] in MPI_CASES:
        name, RANKS = name[5:], 2
    if name not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    BIN = os.path.abspath(sys.argv[1])   # the cases run in a temporary directory
    return run_case(CASES[name], MPI_JOB_ENV, MPI_ENV)


if __name__ == "__main__":
    sys.exit(main())
