"""The catalogue: every approach the comparison knows, Python and lp-starpu,
behind one interface, measure(ctx, rows, intensity) -> (Timing, note)."""
import os

from . import module
from . import pyapproaches as py
from . import starpu
from .timing import measure

DASK_WORKERS = 2


class Context:
    """What every measurement shares: the lp-starpu runner, the timing
    rule, and the input columns of the last N (made once per N, untimed)."""

    def __init__(self, lp, repeat, warmup):
        self.lp, self.repeat, self.warmup = lp, repeat, warmup
        self._columns = (None, None)

    def columns(self, n):
        if self._columns[0] != n:
            self._columns = (None, None)  # drop the old arrays before making new ones
            self._columns = (n, py.seed_columns(n))
        return self._columns[1]


class PyApproach:
    group = "Python"

    def __init__(self, key, label, factory, note, max_rows=None):
        self.key, self.label, self.factory, self.note = key, label, factory, note
        self.max_rows = max_rows  # measure on at most this many rows, extrapolate above

    def measure(self, ctx, rows, intensity):
        run, close = self.factory(*ctx.columns(rows), intensity)
        try:
            return measure(run, py.checksum, ctx.repeat, ctx.warmup), self.note
        finally:
            if close:
                close()


class LpApproach:
    group = "lp-starpu"
    max_rows = None

    def __init__(self, key, label, args, env, mpi, note):
        self.key, self.label, self.args, self.env, self.mpi, self.note = key, label, args, env, mpi, note

    def measure(self, ctx, rows, intensity):
        if "--sched" in self.args:
            ctx.lp.calibrate(rows, intensity)
        report = ctx.lp.report(rows, intensity, ctx.repeat, ctx.warmup, self.args, self.env, self.mpi)
        note = "; ".join(filter(None, [starpu.workers_note(report), self.note]))
        return starpu.timing_of(report), note


class LpModuleApproach:
    """lp-starpu's Python module, in this process, on ctx.columns(): the
    very arrays the Python approaches get."""
    group = "lp-starpu"
    max_rows = None

    def __init__(self, key, label, backend, calibrate, note):
        self.key, self.label, self.backend, self.note = key, label, backend, note
        self.calibrate = calibrate

    def measure(self, ctx, rows, intensity):
        lp_starpu = module.load(ctx.lp.binary, ctx.lp.starpu_home)
        if self.calibrate:
            # dmda decides from the models: fill them as for the subprocess
            # row, then restart the runtime so that it reads them.
            ctx.lp.calibrate(rows, intensity)
            lp_starpu.stop()
        run, _ = module.factory(lp_starpu, self.backend, "dmda")(*ctx.columns(rows), intensity)
        return measure(run, py.checksum, ctx.repeat, ctx.warmup), self.note


def catalogue(python_loop_rows):
    cores = os.cpu_count()
    pythons = [
        PyApproach("python-loop", "Python loop (math.log)", py.python_loop,
                   "CPython, one core", max_rows=python_loop_rows),
        PyApproach("numpy", "NumPy", py.numpy_expr,
                   "one core; temporaries allocated per run"),
        PyApproach("numba", "Numba @njit", py.numba_serial, "one core"),
        PyApproach("numba-parallel", "Numba @njit(parallel=True), prange",
                   py.numba_parallel, f"{cores} threads"),
        PyApproach("dask-threads", "Dask array, threads", py.dask_threads,
                   f"chunks of {py.CHUNK_ROWS} rows"),
        PyApproach("dask-distributed", f"Dask distributed, {DASK_WORKERS} processes",
                   py.dask_distributed(DASK_WORKERS),
                   "LocalCluster; x, y, z go to the workers and out comes back every run"),
        PyApproach("cupy", "CuPy", py.cupy_expr, "includes host<->GPU transfers"),
        PyApproach("numba-cuda", "Numba CUDA", py.numba_cuda, "includes host<->GPU transfers"),
    ]
    lps = [LpApproach(*c) for c in starpu.configurations(cores)]
    in_process = [
        LpModuleApproach("lp-py-cpu", "lp-starpu Python module, all CPU workers", "cpu", False,
                         "in this process, on the NumPy rows' arrays (no copy)"),
        LpModuleApproach("lp-py-sched", "lp-starpu Python module, scheduled (dmda)", "auto", True,
                         "in this process, on the NumPy rows' arrays; after a calibration pass"),
    ]
    return pythons + lps + in_process


# The sweep's approaches: lp-starpu's backends, the two Python CPU approaches
# that are serious contenders at every N, and the two Python GPU ones (the
# other side of the crossover; skipped without a GPU).
SWEEP_KEYS = ["lp-cpu", "lp-cuda", "lp-opencl", "lp-sched", "numpy", "numba-parallel",
              "cupy", "numba-cuda"]
