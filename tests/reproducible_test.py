#!/usr/bin/env python3
"""The same answer whatever the schedule: lp-starpu's outputs and checksums
compared byte for byte (not to a tolerance) across policies, worker counts,
tile counts, devices (PoCL's OpenCL device against the CPU), CPU codes, MPI
ranks, streamed and resident rows, and special input values.

    reproducible_test.py --list          the case names (CTest: reproducible.<name>)
    reproducible_test.py LP-STARPU CASE  run one case

Exit 0 passed, 1 failed, 77 skipped (with the reason).
"""
import json
import math
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from cases import Skip, check, run_case  # noqa: E402

BIN = None
CASES = {}
ROWS = 200003
# PoCL's OpenCL device beside the CPU workers, in every run here.
ENV = {"STARPU_OPENCL_ON_CPUS": "1", "STARPU_WORKERS_NOBIND": "1"}
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "OMPI_MCA_btl": "self,vader",
           "OMPI_MCA_oob_tcp_if_include": "lo", "STARPU_NCPU": "1"}


def case(fn):
    """A case; each compares with PoCL's OpenCL device, so skips without it."""
    def with_opencl():
        if not os.path.exists("/etc/OpenCL/vendors/pocl.icd"):
            raise Skip("no OpenCL device to compare (install pocl-opencl-icd)")
        fn()
    CASES[fn.__name__] = with_opencl
    return fn


def run(*args, env=None, launcher=()):
    full = dict(os.environ, **ENV)
    full.update(env or {})
    p = subprocess.run([*launcher, BIN, *map(str, args)], capture_output=True, text=True,
                       env=full, timeout=600)
    return p.returncode, p.stdout, p.stderr


def job(name, *args, env=None, launcher=()):
    """One run writing name.npy; its JSON report and its output's bytes."""
    rc, out, err = run(*args, "--output", f"{name}.npy", "--force", "--json", "-", env=env,
                       launcher=launcher)
    check(rc == 0, f"{name}: {' '.join(map(str, args))}: exit {rc}: {err[-1500:]}")
    with open(f"{name}.npy", "rb") as f:
        return json.loads(out), f.read()


def same_as(ref, got, name):
    """got (report, bytes) gives ref's bytes and checksum, bit for bit."""
    check(got[1] == ref[1], f"{name}: the output differs from the reference's")
    a, b = ref[0]["checksum"], got[0]["checksum"]
    check(a == b, f"{name}: checksum {b!r}, the reference's {a!r}")
    check(got[0]["reproducible"], f"{name}: the report says not reproducible")


def kinds(rep):
    return {w["kind"] for w in rep["workers"] if w["tasks"]}


def data(*extra):
    return ("--rows", ROWS, "--data", "random", "--seed", 11, *extra)


def reference(*extra):
    """One CPU worker, one tile, the portable code: the specification itself."""
    return job("ref", *data(*extra), "--backend", "cpu", "--cpu-impl", "lplog", "--tiles", 1,
               env={"STARPU_NCPU": "1", "STARPU_NOPENCL": "0"})


def policies():
    rc, out, err = run("--sched", "help")
    names = [line.split()[0] for line in out.splitlines()
             if line.startswith("  ") and line.split()]
    check(rc == 0 and "dmda" in names, f"--sched help: exit {rc}: {out[-500:]} {err[-500:]}")
    return names


@case
def every_policy_same_bytes():
    ref = reference()
    for sched in policies():
        got = job(sched, *data(), "--sched", sched, "--tiles", 17)
        same_as(ref, got, f"--sched {sched}")


@case
def workers_and_tiles_same_bytes():
    ref = reference()
    for ncpu in ("1", "2"):
        for tiles in (1, 17, 2442):
            got = job(f"n{ncpu}-t{tiles}", *data(), "--tiles", tiles, env={"STARPU_NCPU": ncpu})
            same_as(ref, got, f"STARPU_NCPU={ncpu} --tiles {tiles}")


@case
def opencl_and_every_cpu_code_same_bytes():
    for dtype in ("f64", "f32"):
        for intensity in (1, 3):
            extra = ("--dtype", dtype, "--intensity", intensity)
            ref = reference(*extra)
            runs = [("opencl", ("--backend", "opencl"))]
            runs += [(f"cpu-{impl}", ("--backend", "cpu", "--cpu-impl", impl))
                     for impl in ("lplog", "avx2-lplog", "avx512-lplog") if impl_runs(impl)]
            runs.append(("both", ("--sched", "eager", "--tiles", 64)))
            for name, args in runs:
                got = job(name, *data(*extra), *args)
                same_as(ref, got, f"{name} {dtype} intensity {intensity}")
                if name == "opencl":
                    check(kinds(got[0]) == {"opencl"}, kinds(got[0]))


def impl_runs(impl):
    rc, _, err = run("--rows", 10, "--backend", "cpu", "--cpu-impl", impl)
    if rc == 3:
        return False   # not on this processor
    check(rc == 0, f"--cpu-impl {impl}: exit {rc}: {err[-500:]}")
    return True


@case
def streamed_and_resident_same_bytes():
    ref = reference()
    for args in (("--stream", "--window", "1M"), ("--stream", "--window", "8M", "--tiles", 40)):
        same_as(ref, job("stream", *data(), *args), " ".join(map(str, args)))


@case
def mpi_ranks_same_bytes():
    launcher = shutil.which("mpirun")
    if not launcher:
        raise Skip("mpirun not found (install openmpi-bin)")
    ref = reference()
    for ranks in (1, 2, 3, 4):
        rc, _, err = run("--rows", 10, "--mpi", launcher=(launcher, "-np", "1"), env=MPI_ENV)
        if rc == 2 and "built without StarPU-MPI" in err:
            raise Skip("lp-starpu was built without StarPU-MPI")
        got = job(f"mpi{ranks}", *data(), "--mpi", "--tiles", 17, env=MPI_ENV,
                  launcher=(launcher, "-np", str(ranks)))
        same_as(ref, got, f"{ranks} ranks")


def write_npy(path, values, descr):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, 3), }" % (descr,
                                                                               len(values) // 3)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    fmt = "<%d%s" % (len(values), "d" if descr == "<f8" else "f")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
                + struct.pack(fmt, *values))


@case
def special_values_same_bytes():
    # Every pair of specials and ordinary values in x, y and z: 0, -0,
    # negative, +-inf, NaN, subnormals, the extremes, values next to 1.
    for descr, tiny, big in (("<f8", 5e-324, 1.7976931348623157e308),
                             ("<f4", 1e-45, 3.4028234663852886e38)):
        specials = [0.0, -0.0, -1.0, -math.inf, math.inf, math.nan, tiny, tiny * 3, big, 1.0,
                    2.0, 0.5, 1.0000001, 0.9999999, 1e-300 if descr == "<f8" else 1e-38, 7.0]
        # z subnormal, then z = 7: rows of a vector code's step (4 or 8) that
        # are normal but for one special value, as well as specials alone.
        values = [v for c in (specials[7], 7.0) for a in specials for b in specials
                  for v in (a, b, c)]
        write_npy("in.npy", values, descr)
        rows = len(values) // 3
        args = ("--input", "in.npy", "--warmup", 0, "--dtype", "f64" if descr == "<f8" else "f32")
        ref = job("sref", *args, "--backend", "cpu", "--cpu-impl", "lplog", "--tiles", 1,
                  env={"STARPU_NCPU": "1", "STARPU_NOPENCL": "0"})
        runs = [("opencl", ("--backend", "opencl", "--tiles", 3)),
                ("cpu", ("--backend", "cpu", "--tiles", 5)),
                ("both", ("--sched", "eager", "--tiles", 16))]
        # Each vector code on its own: their paths for vectors without a
        # special value must leave every other vector to the general one.
        runs += [(f"cpu-{impl}", ("--backend", "cpu", "--cpu-impl", impl, "--tiles", 5))
                 for impl in ("avx2-lplog", "avx512-lplog") if impl_runs(impl)]
        for name, extra in runs:
            same_as(ref, job(name, *args, *extra), f"{descr} specials, {name}")
        # NaN rows are the one quiet NaN; log(0) rows are +-inf or NaN.
        size = 8 if descr == "<f8" else 4
        body = ref[1][-rows * size:]
        nan = struct.pack("<d", math.nan) if size == 8 else struct.pack("<f", math.nan)
        out = [body[i:i + size] for i in range(0, len(body), size)]
        decoded = struct.unpack(f"<{rows}{'d' if size == 8 else 'f'}", body)
        check(all(o == nan for o, v in zip(out, decoded) if v != v),
              f"{descr}: a NaN row is not the quiet NaN {nan.hex()}")
        check(sum(1 for v in decoded if v != v) > 0 and math.inf in decoded,
              f"{descr}: expected NaN and infinite rows")


@case
def glibc_code_said_not_reproducible():
    rep, _ = job("glibc", "--rows", 1000, "--backend", "cpu", "--cpu-impl", "baseline")
    check(rep["reproducible"] is False, "--cpu-impl baseline: the report says reproducible")
    rep, _ = job("default", "--rows", 1000)
    check(rep["reproducible"] is True, "the default run: the report says not reproducible")


def main():
    global BIN
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    BIN = os.path.abspath(sys.argv[1])
    return run_case(CASES[sys.argv[2]], MPI_ENV)


if __name__ == "__main__":
    sys.exit(main())
