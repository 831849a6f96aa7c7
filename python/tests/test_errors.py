"""Every error the module raises, and what it means."""
import os

import numpy as np
import pytest

from conftest import random_columns, run_child

N = 1000


def cols():
    return random_columns(N)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.complex128, np.longdouble, bool,
                                   object])
def test_refused_dtypes_raise_type_error(lp, dtype):
    x, y, z = cols()
    with pytest.raises(TypeError, match="dtype"):
        lp.logprod(x.astype(dtype), y, z)


@pytest.mark.parametrize("kwargs, match", [
    ({"out": np.empty(N, dtype=np.float32)}, "out: dtype"),
    ({"out": [0.0] * N}, "numpy.ndarray"),
    ({"sched": 3}, "sched"),
    ({"intensity": 1.5}, "intensity"),
    ({"tiles": "4"}, "tiles"),
    ({"tiles": np.float64(4)}, "tiles"),
    ({"tiles": np.True_}, "tiles"),
    ({"intensity": True}, "intensity"),
    ({"accel_tiles": 2}, "accel_tiles"),
    ({"accel_tiles": (2, 1.5)}, "accel_tiles rows"),
    ({"backend": None}, "backend"),
    ({"backend": ["cpu"]}, "backend"),
])
def test_wrong_argument_types(lp, kwargs, match):
    with pytest.raises(TypeError, match=match):
        lp.logprod(*cols(), **kwargs)


def test_shapes_and_lengths_raise_value_error(lp):
    x, y, z = cols()
    with pytest.raises(ValueError, match="one-dimensional"):
        lp.logprod(x.reshape(10, 100), y, z)
    with pytest.raises(ValueError, match="differ in length"):
        lp.logprod(x, y[:-1], z)
    with pytest.raises(ValueError, match="empty"):
        lp.logprod(x[:0], y[:0], z[:0])


@pytest.mark.parametrize("make_out, match", [
    (lambda x: np.empty(N + 1), "shape"),
    (lambda x: np.empty(2 * N)[::2], "C-contiguous"),
    (lambda x: np.frombuffer(bytes(8 * N)), "writeable"),
    (lambda x: x, "overlaps x"),
])
def test_bad_out_raises_value_error(lp, make_out, match):
    x, y, z = cols()
    with pytest.raises(ValueError, match=match):
        lp.logprod(x, y, z, out=make_out(x))


@pytest.mark.parametrize("kwargs, match", [
    ({"sched": "no-such-policy"}, "unknown scheduling policy"),
    ({"sched": "dmda\0junk"}, "unknown scheduling policy"),
    ({"backend": "tpu"}, "unknown backend"),
    ({"tiles": 0}, "tiles"),
    ({"tiles": -3}, "tiles"),
    ({"intensity": 0}, "intensity"),
    ({"accel_tiles": (0, 5)}, "accel_tiles count"),
    ({"accel_tiles": (2, N // 2)}, "leave none"),
])
def test_unknown_or_out_of_range_raise_value_error(lp, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lp.logprod(*cols(), **kwargs)
    with pytest.raises(ValueError, match="repeat"):
        lp.run(*cols(), repeat=0)


@pytest.mark.parametrize("kwargs, match", [
    ({"repeat": 2**31}, r"repeat=2147483648: expected 1\.\.2147483647$"),
    ({"repeat": 2**32 + 1}, "repeat=4294967297: expected 1..2147483647"),
    ({"warmup": 2**32}, "warmup=4294967296: expected 0..2147483646"),
    ({"warmup": -1}, "warmup=-1: expected 0..2147483646"),
    # The runs, warmup + repeat, are a C int too.
    ({"repeat": 2**31 - 1, "warmup": 1}, r"warmup=1: expected 0\.\.0$"),
    ({"repeat": 2**30, "warmup": 2**30}, "warmup=1073741824: expected 0..1073741823"),
])
def test_runs_beyond_a_c_int_raise_value_error(lp, kwargs, match):
    # Not wrapped around by ctypes (2**32 + 1 would run once).
    with pytest.raises(ValueError, match=match):
        lp.run(*cols(), **kwargs)


def test_numpy_integers_taken(lp):
    r = lp.run(*cols(), tiles=np.int64(4), intensity=np.int32(2), repeat=np.uint8(2),
               warmup=np.int16(1))
    assert (r.tiles, r.intensity, r.repeat, r.warmup) == (4, 2, 2, 1)


def test_more_tiles_than_rows_become_one_row_a_tile(lp):
    # As the tool does: clamped to the rows, not refused.
    x, y, z = (c[:10] for c in cols())
    r = lp.run(x, y, z, tiles=N, verify=True)
    assert (r.rows, r.tiles) == (10, 10)
    assert sum(w.tasks for w in r.workers) == 10
    assert r.max_rel_error <= lp.VERIFY_TOLERANCE
    assert lp.run(x, y, z, tiles=10).tiles == 10


@pytest.mark.parametrize("make", [np.ma.masked_array, lambda c: np.ma.masked_less(c, 0.7)])
@pytest.mark.parametrize("which", ["x", "y", "z", "out"])
def test_masked_arrays_refused(lp, make, which):
    # Their mask would be ignored: the caller says which values to use.
    args = dict(zip("xyz", cols()), out=np.zeros(N))
    args[which] = make(args[which])
    with pytest.raises(TypeError, match=rf"{which}\.filled\(.*{which}\.data"):
        lp.logprod(**args)


@pytest.mark.parametrize("dtype", ["float16", np.float16, np.int32, "f8,f8", "(2,)f4",
                                   np.dtype("f4").newbyteorder(), "no-such-type", 3, complex])
def test_refused_run_dtypes_raise_value_error(lp, dtype):
    for fn in (lp.logprod, lp.run):
        with pytest.raises(ValueError, match="unknown dtype.*float64, float32"):
            fn(*cols(), dtype=dtype)


ENVIRONMENT_CHILD = r"""
import os, numpy as np, lp_starpu
x = np.linspace(1, 2, 1000)
try:
    lp_starpu.logprod(x, x, x)
    print("ran?!")
except ValueError as e:
    print("caught", e)
os.environ[VAR] = GOOD     # fixed: the next call starts StarPU
print("then", lp_starpu.run(x, x, x, verify=True).max_rel_error <= lp_starpu.VERIFY_TOLERANCE)
"""


@pytest.mark.parametrize("var, bad, good", [("STARPU_NCPU", "abc", "2"),
                                            ("STARPU_WORKERS_CPUID", "abc", "0 1")])
def test_invalid_starpu_variable_raises_value_error(var, bad, good):
    # StarPU would abort the interpreter in starpu_init.
    p = run_child(f"VAR, GOOD = {var!r}, {good!r}\n" + ENVIRONMENT_CHILD, env={var: bad})
    assert p.returncode == 0, f"the child died ({p.returncode}): {p.stderr[-2000:]}"
    first, second = p.stdout.splitlines()
    assert first.startswith("caught ") and var in first and bad in first, first
    assert second == "then True"


def test_missing_backend_is_a_runtime_error(lp):
    lp.start()
    if lp._runtime.workers("cuda"):
        pytest.skip("this machine has a CUDA worker")
    with pytest.raises(lp.BackendUnavailableError, match="cuda") as e:
        lp.logprod(*cols(), backend="cuda")
    assert isinstance(e.value, RuntimeError) and e.value.status == 3


NO_WORKER_CHILD = r"""
import numpy as np, lp_starpu
x = np.linspace(1, 2, 1000)
try:
    lp_starpu.logprod(x, x, x)
except lp_starpu.BackendUnavailableError as e:
    print("caught", e.status, e)
"""


def test_library_reason_in_the_exception():
    # The library never prints: why StarPU did not start reaches the
    # exception (lp_last_error), and nothing of it reaches stderr.
    p = run_child(NO_WORKER_CHILD, env={"STARPU_NCPU": "0", "STARPU_NCUDA": "0",
                                        "STARPU_NOPENCL": "0"})
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.startswith("caught 3 StarPU found no worker to start"), p.stdout
    assert "found no worker" not in p.stderr, p.stderr


def test_errors_cross_process_boundaries(lp):
    import pickle
    for e in (lp.Error("m", 1), lp.BackendUnavailableError("b", 3), lp.VerifyError("v", [7])):
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is type(e) and str(back) == str(e) and back.status == e.status
    assert back.result == [7]


LOST_TILE_CHILD = r"""
import numpy as np, lp_starpu
x, y, z = (np.random.default_rng(i).uniform(0.5, 1.5, 4000) for i in range(3))
try:
    lp_starpu.run(x, y, z, tiles=4, backend="cpu", verify=True)
except lp_starpu.VerifyError as e:
    import pickle
    e = pickle.loads(pickle.dumps(e))   # as from a process pool's worker
    r = e.result
    print("caught", e.status, r.worst_row, int(np.isnan(r.out).sum()), isinstance(e, RuntimeError))
"""


def run_losing_a_tile(child, drop):
    """child on the test build whose codelet returns a tile unwritten
    (LP_FAULT_DROP_TILE=drop, tests/support/fault_inject.c)."""
    faulty = os.environ.get("LP_FAULTY_LIB")
    if not faulty:
        pytest.skip("LP_FAULTY_LIB (the test build that loses a tile) not given")
    p = run_child(child, env={"LP_STARPU_LIB": faulty, "LP_FAULT_DROP_TILE": drop})
    assert p.returncode == 0, p.stderr
    return p


def test_lost_tile_raises_verify_error():
    # The faulty build's codelet returns tile 2 unwritten: verify must say so.
    p = run_losing_a_tile(LOST_TILE_CHILD, "2")
    assert p.stdout.split() == ["caught", "5", "2000", "1000", "True"]


STALE_TILE_CHILD = r"""
import numpy as np, lp_starpu
x, y, z = (np.random.default_rng(i).uniform(0.5, 1.5, 4000) for i in range(3))
out = np.empty_like(x)
lp_starpu.logprod(x, y, z, out=out, tiles=4, backend="cpu")   # every tile written
good = out.copy()
lp_starpu.logprod(x, y, z, out=out, tiles=4, backend="cpu")   # tile 2 now lost
print(int(np.isnan(out).sum()), bool(np.isnan(out[2000:3000]).all()),
      bool(np.array_equal(np.delete(out, np.s_[2000:3000]), np.delete(good, np.s_[2000:3000]))))
"""


def test_logprod_leaves_lost_rows_nan_not_the_last_calls():
    # logprod computes no checksum, but out is still poisoned before the
    # run: tile 2, lost from its second execution on, is NaN, not the
    # first call's (right) values.
    p = run_losing_a_tile(STALE_TILE_CHILD, "2:1")
    assert p.stdout.split() == ["1000", "True", "True"]


INTERRUPT_CHILD = r"""
import sys, time, numpy as np, lp_starpu
x, y, z = (np.random.default_rng(i).uniform(0.5, 1.5, 2_000_000) for i in range(3))
lp_starpu.logprod(x[:100], y[:100], z[:100])
out = np.ones_like(x)                           # an earlier call's results, say
print("running", flush=True)
try:
    lp_starpu.run(x, y, z, out=out, repeat=100000)
    print("finished?!", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
print("nan", bool(np.isnan(out).all()), flush=True)   # no tile cut short, none stale
r = lp_starpu.run(x, y, z, verify=True)         # the runtime is still usable
print("again", r.max_rel_error <= lp_starpu.VERIFY_TOLERANCE, flush=True)
"""


def test_ctrl_c_raises_keyboard_interrupt_and_the_runtime_goes_on():
    import signal
    import subprocess
    import sys
    import tempfile
    import time
    from conftest import PYTHON_DIR
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)
    errfile = tempfile.TemporaryFile(mode="w+")   # not a pipe: it can never fill up
    p = subprocess.Popen([sys.executable, "-c", INTERRUPT_CHILD], env=env, text=True,
                         stdout=subprocess.PIPE, stderr=errfile)
    try:
        assert p.stdout.readline().strip() == "running"
        time.sleep(1.5)   # well inside the 100000 runs
        assert p.poll() is None, "the run ended before the signal"
        sent = time.monotonic()
        p.send_signal(signal.SIGINT)
        # A child that never stops must fail the test, not hang it.
        import select
        ready, _, _ = select.select([p.stdout], [], [], 30)
        assert ready, "no KeyboardInterrupt within 30 s of Ctrl-C"
        assert p.stdout.readline().strip() == "interrupted"
        stopped = time.monotonic() - sent
        # Through the same buffered reader as the lines above (communicate
        # reads the pipe itself, and would miss lines already buffered).
        out = p.stdout.read()
        p.wait(timeout=60)
    finally:
        p.kill()
    errfile.seek(0)
    err = errfile.read()
    assert p.returncode == 0, err
    assert out.split() == ["nan", "True", "again", "True"]
    assert stopped < 5, f"{stopped:.1f} s from Ctrl-C to KeyboardInterrupt"
