"""lp_starpu: out = log(x) * log(y) * log(z) on NumPy arrays, as a StarPU task
graph in this process (tiles scheduled on CPU cores and accelerators).

    import numpy as np, lp_starpu
    x = np.arange(1, 10_000_001, dtype=np.float64)
    out = lp_starpu.logprod(x, x, x)                  # one run
    r = lp_starpu.run(x, x, x, repeat=5, warmup=1)    # timed, with a report
    r.seconds, r.checksum, r.workers, r.buses

One StarPU runtime per process: started on first use (the STARPU_*
variables are read then), restarted only when another `sched` is asked
for, stopped at exit.  Runs are one at a time.  Arrays: see _columns.py
(C-contiguous float64 is used in place, never copied); pinned memory for
CUDA workers, paid once per buffer: see _pins.py (empty(..., pinned=True))."""
import ctypes
import dataclasses
import math
import operator
import signal
from typing import List, Optional

import numpy as np

from . import _abi, _columns, _pins, _runtime
from .errors import BackendUnavailableError, Error, VerifyError

__all__ = ["logprod", "run", "Result", "Worker", "Bus", "start", "stop", "policies",
           "library_path", "empty", "zeros", "asarray", "is_pinned", "Error",
           "BackendUnavailableError", "VerifyError", "VERIFY_TOLERANCE", "VERIFY_TOLERANCE_F32"]
__version__ = "0.1.0"

VERIFY_TOLERANCE = 1e-12       # LP_VERIFY_TOLERANCE: verify's bound per row
VERIFY_TOLERANCE_F32 = 1e-5    # LP_VERIFY_TOLERANCE_F32: the same for dtype="float32"
INT_MAX = 2**31 - 1            # lp_options.repeat and warmup are C ints


@dataclasses.dataclass
class Worker:
    """One StarPU worker in the best run; the fields of the JSON report."""
    name: str
    kind: str
    tasks: int
    rows: int
    busy_ms: float
    predicted_ms: Optional[float]      # None unless the model predicted every task
    mem_total_bytes: Optional[int]     # None: unknown
    mem_peak_bytes: int
    impl: str = ""                     # the code it ran: "avx512", "cuda", ... ("" no task)


@dataclasses.dataclass
class Bus:
    src: str
    dst: str
    bytes: int
    transfers: int
    model_ms: Optional[float] = None     # the bus model's price of them (None: no model)
    busy_share: Optional[float] = None   # model_ms over the best run's time


@dataclasses.dataclass
class Result:
    out: "numpy.ndarray"   # noqa: F821 (the out given, or a new array)
    seconds: float         # best of repeat
    median_seconds: float
    run_seconds: List[float]
    checksum: float        # the exact sum of out, rounded once
    rows: int
    tiles: int
    sched: str
    backend: str
    intensity: int
    repeat: int
    warmup: int
    workers: List[Worker]
    buses: List[Bus]
    model_samples: dict    # backend -> samples the model holds for these tiles
    copied_inputs: int     # inputs that were not used in place
    dtype: str = "float64"  # the element type of the run (and of out)
    max_rel_error: Optional[float] = None   # verify=True only
    worst_row: Optional[int] = None
    tile_cost_seconds: float = float("nan")   # the runtime's cost per tile (lp_report)
    register_seconds: float = 0.0   # registering the tiles (not in seconds)
    handles_registered: int = 0     # StarPU handles the call registered (0: kept from the last)
    reproducible: bool = True   # every tile ran lp-starpu's own log (lp_report)
    accel_tiles: int = 0        # the first tiles, of accel_tile_rows rows each (accel_tiles=)
    accel_tile_rows: int = 0


def start(sched=None):
    """Starts the runtime now (first use does it otherwise); returns the
    policy StarPU runs."""
    return _runtime.start(sched)


def stop():
    """Stops the runtime (the next call starts it again)."""
    _runtime.stop()


def policies():
    """The scheduling policies `sched` accepts."""
    return _runtime.policies()


def library_path():
    """The liblp-starpu the module loaded."""
    return _runtime.lib().path


def empty(shape, dtype="float64", *, pinned=False):
    """np.empty(shape, dtype) for float64 or float32; pinned=True: on whole
    pages of its own, page-locked for the CUDA workers' DMA until it is
    collected (as CuPy's empty_pinned), so that no call pins it again.
    Pinning starts the runtime; without a CUDA worker nothing is pinned
    (is_pinned False) until a runtime with one runs on it.  Memory the
    system will not pin (the locked-memory limit) is used unpinned, with a
    RuntimeWarning."""
    dtype = _dtype_name(dtype)
    if not pinned:
        return np.empty(_pins._shape(shape), dtype)
    return _pins.empty(shape, dtype, stacklevel=3)


def zeros(shape, dtype="float64", *, pinned=False):
    """empty(), filled with zeros."""
    a = empty(shape, dtype, pinned=pinned)
    a.fill(0)
    return a


def asarray(a, dtype="float64", *, pinned=False):
    """a as a C-contiguous native array of dtype (float64 or float32),
    used in place by the calls: a itself if it is one, else a copy.
    pinned=True: a itself only if is_pinned(a), else a copy made with
    empty(pinned=True); without a CUDA worker, as pinned=False (nothing
    to pin for)."""
    dtype = _dtype_name(dtype)
    _columns._refuse_masked("a", a)
    array = np.asarray(a)
    if array.dtype.kind not in "fiu":   # None, complex, bool, text: not numbers to convert
        raise TypeError(f"a: dtype {array.dtype} is not a real number type")
    if pinned:
        _runtime.start()
        pinned = _runtime.workers("cuda") > 0   # else nothing to pin for
    if _columns._is_in_place(array, dtype) and (not pinned or is_pinned(array)):
        return array
    if not pinned:
        return np.ascontiguousarray(array, dtype=dtype)
    copy = _pins.empty(array.shape, dtype, stacklevel=3)
    copy[...] = array
    return copy


def is_pinned(a):
    """True if all of a's bytes are page-locked memory lp_starpu holds
    (empty(pinned=True), or an array a run that may use a CUDA worker
    pinned: each is pinned once, until it is collected)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"is_pinned takes a numpy.ndarray, not {type(a).__name__}")
    return _pins.pinned(a)


def logprod(x, y, z, *, out=None, sched=None, backend="auto", tiles=None, intensity=1,
            dtype="float64", progress=None, accel_tiles=None):
    """out[i] = log(x[i]) * log(y[i]) * log(z[i]) (with intensity K: the sum
    over k < K of log(x+k) log(y+k) log(z+k)); returns out.  Rows a run
    would leave unwritten are NaN, never an earlier call's values.
    progress, accel_tiles: see run()."""
    # No checksum: nothing returns it, and its pass over out costs a
    # third of the run on 2 cores.
    return _run(x, y, z, out=out, sched=sched, backend=backend, tiles=tiles,
                intensity=intensity, repeat=1, warmup=0, verify=False, dtype=dtype,
                progress=progress, checksum=False, accel_tiles=accel_tiles).out


def _whole(name, value, low, high=None):
    # Any integer (np.int64 too: __index__), never a bool or a float.
    if isinstance(value, (bool, np.bool_)) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    value = operator.index(value)
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name}={value}: expected {low}.." + ("" if high is None else f"{high}"))
    return value


def _dtype_name(dtype):
    """"float64" or "float32" from any NumPy spelling of them (np.float32,
    "f4", float, np.dtype("d"), ...): the name the C API's enum follows."""
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        dt = None
    if dt is None or dt.name not in _abi.DTYPES or not dt.isnative:
        raise ValueError(f"unknown dtype {dtype!r}; known: {', '.join(_abi.DTYPES)} "
                         "(native byte order; any NumPy spelling: np.float32, 'f4', ...)")
    return dt.name


def run(x, y, z, *, out=None, sched=None, backend="auto", tiles=None, intensity=1,
        repeat=1, warmup=0, verify=False, dtype="float64", progress=None, accel_tiles=None):
    """`warmup` untimed runs, then `repeat` timed ones (tasks, rows to the
    devices and results back in host memory, as the tool times them;
    registering the tiles with StarPU is not timed: register_seconds).
    The tiles stay registered for the next call on the very same x, y, z
    and out arrays (not views of them), which then registers none
    (handles_registered 0) and still reads what the arrays hold when it
    runs.  Returns a Result.  verify=True checks every row of the last run
    against a long-double reference and raises VerifyError beyond
    VERIFY_TOLERANCE (VERIFY_TOLERANCE_F32 for dtype="float32": float32
    columns, logf, half the bytes; the checksum is still summed in double).
    progress(done, total), if given, is called with the rows done so far
    over every run of the call (warm-up included; total = rows x runs):
    as tiles end, from StarPU's worker threads (never two calls at once),
    and at each run's end; each done once, growing, the last total.  An
    exception it raises stops the run and is raised by this call.  It may
    not run, start or stop the runtime, nor make pinned arrays (its own
    run holds it): RuntimeError.  accel_tiles=(K, R): K tiles of R rows
    first, sized for the accelerators, `tiles` (or the default) cutting
    the rows left (the tool's --accel-tiles; for policies that place tiles
    by the model, dmda and lp-eft)."""
    return _run(x, y, z, out=out, sched=sched, backend=backend, tiles=tiles,
                intensity=intensity, repeat=repeat, warmup=warmup, verify=verify, dtype=dtype,
                progress=progress, accel_tiles=accel_tiles)


class _Progress:
    """A caller's progress(done, total) as lp_options' two callbacks: rows
    done in the run in flight, plus the runs already done."""

    def __init__(self, lib, fn, rows, runs):
        self.lib, self.fn, self.rows, self.total = lib, fn, rows, rows * runs
        self.runs_done = self.last = 0
        self.error = None
        # Kept here: ctypes callbacks must outlive the call.
        self.on_rows = _abi.PROGRESS_ROWS(lambda arg, done, total: self._tell(
            self.runs_done * self.rows + done))
        self.on_run = _abi.PROGRESS_RUNS(self._run_done)

    def _run_done(self, arg, done, total):
        self.runs_done = done
        self._tell(done * self.rows)

    def _tell(self, done):
        # A tile's call that came after a later one, or the run's end told
        # by its last tile already.
        if self.error is not None or done <= self.last:
            return
        self.last = done
        _runtime.in_callback.active = True   # fn calling the runtime: _runtime.locked()
        try:
            self.fn(done, self.total)
        except BaseException as e:   # KeyboardInterrupt too: raised after the stop
            self.error = e
            self.lib.lp_request_stop(signal.SIGINT)
        finally:
            _runtime.in_callback.active = False

    def install(self, opt):
        opt.progress = ctypes.cast(self.on_run, ctypes.c_void_p)
        opt.progress_rows = ctypes.cast(self.on_rows, ctypes.c_void_p)


def _accel_tiles(value, rows):
    """(K, R) checked against the rows: K tiles of R rows leave one at least."""
    if value is None:
        return 0, 0
    if not isinstance(value, tuple) or len(value) != 2:
        raise TypeError(f"accel_tiles must be a (count, rows) tuple, not {value!r}")
    count, each = _whole("accel_tiles count", value[0], 1), _whole("accel_tiles rows", value[1], 1)
    if each > 0xFFFFFFFF:
        raise ValueError(f"accel_tiles={value}: a tile holds at most 4294967295 rows")
    if count * each >= rows:
        raise ValueError(f"accel_tiles={value}: {count} tiles of {each} rows leave none of the "
                         f"{rows} for the other tiles")
    return count, each


def _run(x, y, z, *, out, sched, backend, tiles, intensity, repeat, warmup, verify, dtype,
         progress=None, checksum=True, accel_tiles=None):
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a str, not {type(backend).__name__}")
    if backend not in _abi.BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; known: {', '.join(_abi.BACKENDS)}")
    dtype = _dtype_name(dtype)
    intensity = _whole("intensity", intensity, 1, 1000000)
    # lp_options' ints, and their sum (the runs) too.
    repeat = _whole("repeat", repeat, 1, INT_MAX)
    warmup = _whole("warmup", warmup, 0, INT_MAX - repeat)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable or None, not {type(progress).__name__}")
    cols, copied = _columns.inputs(x, y, z, dtype)
    rows = len(cols[0])
    # More tiles than rows: one row a tile, as the tool does (it says so).
    tiles = 0 if tiles is None else min(_whole("tiles", tiles, 1), rows)
    accel, accel_rows = _accel_tiles(accel_tiles, rows)
    out = _columns.output(out, rows, cols, dtype)
    with _runtime.locked():
        _runtime.start(sched)
        if _runtime.workers(backend) == 0:
            raise BackendUnavailableError(f"no StarPU worker of backend {backend!r} here", 3)
        lib = _runtime.lib()
        opt = _abi.Options()
        lib.lp_options_init(opt)
        opt.backend = _abi.BACKENDS.index(backend)
        opt.tiles, opt.intensity, opt.repeat, opt.warmup = tiles, intensity, repeat, warmup
        opt.accel_tiles, opt.accel_tile_rows = accel, accel_rows
        opt.quiet, opt.verify = 1, int(bool(verify))
        opt.no_checksum = int(not checksum)
        opt.keep_tiles = 1   # for the next call on these arrays (_runtime.kept_data)
        told = None if progress is None else _Progress(lib, progress, rows, warmup + repeat)
        if told is not None:
            told.install(opt)
        if backend in ("auto", "cuda") and _runtime.workers("cuda"):
            _pins.hold_for_run([*cols, out], stacklevel=4)   # once per buffer
        data = _runtime.kept_data([*cols, out], rows, _abi.DTYPES.index(dtype))
        report = _abi.Report()
        try:
            status = _runtime.run_interruptibly(opt, data, report)
        except KeyboardInterrupt:
            # A stop after the last run's leaves its rows; none may pass
            # for a result.
            out.fill(np.nan)
            if told is not None and told.error is not None:   # the stop the callback asked for
                raise told.error from None
            raise
        if status not in (_abi.OK, _abi.ERR_VERIFY):
            raise Error(f"the run failed: {_runtime.last_error() or f'lp_status {status}'}",
                        status)
        try:
            result = _result(report, out, backend, copied, verify)
        finally:
            lib.lp_report_free(report)
    if status == _abi.ERR_VERIFY:
        bound = VERIFY_TOLERANCE_F32 if dtype == "float32" else VERIFY_TOLERANCE
        raise VerifyError(f"row {result.worst_row}: relative error {result.max_rel_error:.3g} "
                          f"beyond {bound:g}", result)
    return result


def _none_if(value, missing):
    return None if missing(value) else value


def _result(rep, out, backend, copied, verify):
    workers = [Worker(w.name.decode(), _abi.BACKENDS[w.kind], w.tasks, w.rows, w.busy_ms,
                      _none_if(w.predicted_ms, math.isnan),
                      _none_if(w.mem_total_bytes, lambda v: v < 0), w.mem_peak_bytes,
                      w.impl.decode())
               for w in rep.workers[:rep.nworkers]]
    buses = [Bus(b.src.decode(), b.dst.decode(), b.bytes, b.transfers,
                 _none_if(b.model_seconds * 1e3, math.isnan),
                 _none_if(b.model_seconds / rep.seconds if rep.seconds > 0 else math.nan,
                          math.isnan))
             for b in rep.buses[:rep.nbuses]]
    samples = {_abi.BACKENDS[k]: rep.model_samples[k] for k in range(1, len(_abi.BACKENDS))
               if rep.model_samples[k] >= 0}
    return Result(out=out, seconds=rep.seconds, median_seconds=rep.median_seconds,
                  run_seconds=list(rep.run_seconds[:rep.repeat]), checksum=rep.checksum,
                  rows=rep.rows, tiles=rep.tiles, sched=rep.sched.decode(), backend=backend,
                  intensity=rep.intensity, repeat=rep.repeat, warmup=rep.warmup,
                  workers=workers, buses=buses, model_samples=samples, copied_inputs=copied,
                  dtype=_abi.DTYPES[rep.dtype],
                  max_rel_error=rep.max_rel_error if verify else None,
                  worst_row=rep.worst_row if verify else None,
                  tile_cost_seconds=rep.tile_cost_seconds,
                  register_seconds=rep.register_seconds,
                  handles_registered=rep.handles_registered,
                  reproducible=bool(rep.reproducible),
                  accel_tiles=rep.accel_tiles, accel_tile_rows=rep.accel_tile_rows)
