"""One runtime per process: policies, restarts, and which library."""
import os
import signal

import numpy as np
import pytest

from conftest import max_rel_error, random_columns, reference, run_child


def test_policy_asked_for_is_the_one_run(lp):
    x, y, z = random_columns(20_000)
    for sched in ("eager", "dmda", "lp-eft", "eager"):
        r = lp.run(x, y, z, sched=sched, verify=True)
        assert r.sched == sched
        assert r.max_rel_error <= lp.VERIFY_TOLERANCE
    # sched=None keeps whatever runs.
    assert lp.run(x, y, z).sched == "eager"


def test_policies_listed(lp):
    names = lp.policies()
    assert {"dmda", "eager", "lp-eft"} <= set(names)


def test_stop_then_use_again(lp):
    x, y, z = random_columns(1000)
    lp.stop()
    lp.stop()   # twice is harmless
    assert max_rel_error(lp.logprod(x, y, z), reference(x, y, z)) <= lp.VERIFY_TOLERANCE


def test_library_is_the_one_asked_for(lp):
    want = os.environ.get("LP_STARPU_LIB")
    if want:
        assert os.path.realpath(lp.library_path()) == os.path.realpath(want)


def test_worker_variables_read_at_start():
    code = ("import numpy as np, lp_starpu\n"
            "x = np.linspace(1, 2, 10000)\n"
            "r = lp_starpu.run(x, x, x, backend='cpu', tiles=8)\n"
            "print(len(r.workers), sum(w.tasks for w in r.workers))\n")
    p = run_child(code, env={"STARPU_NCPU": "1"})
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["1", "8"]


def test_struct_layout_checked_against_the_library():
    code = ("import ctypes, lp_starpu._abi as abi\n"
            "class Short(ctypes.Structure):\n"
            "    _fields_ = abi.Report._fields_[:-1]\n"
            "abi.STRUCTS['lp_report'] = Short\n"
            "try:\n"
            "    abi.load()\n"
            "except OSError as e:\n"
            "    print(e)\n")
    p = run_child(code)
    assert p.returncode == 0, p.stderr
    assert "struct lp_report" in p.stdout and "different versions" in p.stdout


def test_missing_library_named():
    p = run_child("import numpy as np, lp_starpu\nlp_starpu.logprod(np.ones(3), np.ones(3), np.ones(3))",
                  env={"LP_STARPU_LIB": "/nonexistent/liblp-starpu.so.0"})
    assert p.returncode != 0
    assert "liblp-starpu not found" in p.stderr and "/nonexistent/liblp-starpu.so.0" in p.stderr


def test_progress_counts_every_row_of_every_run(lp):
    x, y, z = random_columns(40_000)
    calls = []
    r = lp.run(x, y, z, tiles=16, repeat=2, warmup=1, progress=lambda d, t: calls.append((d, t)))
    total = 3 * len(x)
    assert calls and all(t == total for _, t in calls)
    done = [d for d, _ in calls]
    # Each count once: a run's end that its last tile told already is not
    # told again.
    assert done == sorted(set(done)) and done[-1] == total
    # tiles end within a run, not only at its end
    assert any(d % len(x) for d in done), done
    assert r.repeat == 2
    calls.clear()
    out = lp.logprod(x, y, z, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (len(x), len(x))
    assert max_rel_error(out, reference(x, y, z)) <= lp.VERIFY_TOLERANCE


def test_progress_exception_stops_the_run(lp):
    x, y, z = random_columns(40_000)

    class Enough(Exception):
        pass

    def stop(done, total):
        raise Enough(f"{done} of {total}")
    with pytest.raises(Enough):
        lp.run(x, y, z, tiles=16, repeat=3, progress=stop)
    with pytest.raises(TypeError):
        lp.run(x, y, z, progress=3)
    # the runtime goes on
    assert max_rel_error(lp.logprod(x, y, z), reference(x, y, z)) <= lp.VERIFY_TOLERANCE


def test_an_ignored_sigint_stays_ignored(lp):
    # A script's background job or a daemon runs with SIGINT ignored: a
    # SIGINT sent to it must not stop its runs.
    x, y, z = random_columns(40_000)
    sent = []

    def progress(done, total):
        if not sent:
            sent.append(done)
            os.kill(os.getpid(), signal.SIGINT)
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        r = lp.run(x, y, z, tiles=16, repeat=3, progress=progress)
    finally:
        signal.signal(signal.SIGINT, before)
    assert sent and r.repeat == 3 and len(r.run_seconds) == 3
    assert max_rel_error(r.out, reference(x, y, z)) <= lp.VERIFY_TOLERANCE


HANDLERS_CHILD = r"""
import ctypes, numpy as np, lp_starpu
libc = ctypes.CDLL(None, use_errno=True)

def handlers():   # each signal's C handler: struct sigaction begins with it
    seen = {}
    for s in range(1, 32):
        act = ctypes.create_string_buffer(256)
        if libc.sigaction(s, None, act) == 0:
            seen[s] = bytes(act[:8])
    return seen
before = handlers()
x = np.linspace(1.5, 2.5, 1000)
lp_starpu.logprod(x, x, x)   # StarPU starts, and the device libraries it loads
after = handlers()
print(sorted(s for s in before if after.get(s) != before[s]))
"""


def test_the_runtime_leaves_the_processs_signal_handlers_as_they_were():
    # PoCL's LLVM puts a handler of its own on SIGINT and a dozen more:
    # Python's Ctrl-C (or a SIGINT ignored) would be its.
    p = run_child(HANDLERS_CHILD)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "[]", p.stdout


CROWDED_CHILD = r"""
import os, warnings, numpy as np, lp_starpu
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    x = np.linspace(1.5, 2.5, 1000)
    lp_starpu.logprod(x, x, x)
print([str(w.message) for w in seen if w.category is RuntimeWarning])
"""


def test_more_cpu_workers_than_cpus_warned():
    # Each worker spins on a CPU: 2 of them on 1 CPU crawl.
    p = run_child(CROWDED_CHILD, env={"STARPU_NCPU": "2"})
    assert p.returncode == 0, p.stderr[-2000:]
    assert "2 CPU workers on 1 CPU: they share them" in p.stdout, p.stdout
    p = run_child(CROWDED_CHILD, env={"STARPU_NCPU": "1"})
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr[-2000:]


def test_a_child_forked_while_the_runtime_runs_is_told_so(lp):
    # multiprocessing's default start method before Python 3.14: StarPU's
    # workers stay in the parent, and a run in the child would wait for
    # them forever.  The child gets lp_starpu.Error, and stops (at exit
    # too) without waiting; the parent goes on.
    import select
    import warnings
    x, y, z = random_columns(10_000)
    lp.logprod(x, y, z)
    r, w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # fork of a threaded process
        pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            try:
                lp.logprod(x, y, z)
                said = "ran"
            except lp.Error as e:
                said = str(e)
            lp.stop()
            os.write(w, said.encode())
        finally:
            os._exit(0)
    os.close(w)
    ready = select.select([r], [], [], 60)[0]
    said = os.read(r, 4096).decode() if ready else "nothing within 60 s"
    os.close(r)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert "forked" in said and "spawn" in said, said
    assert max_rel_error(lp.logprod(x, y, z), reference(x, y, z)) <= lp.VERIFY_TOLERANCE


def _lp_run_replaced(lp, monkeypatch, wrap):
    """lp_run replaced, for this test, by wrap(the library's lp_run)."""
    lib = lp._runtime.lib()
    monkeypatch.setattr(lib, "lp_run", wrap(lib.lp_run))
    return lib


def test_progress_exception_at_the_last_runs_end_is_raised(lp, monkeypatch):
    # The library looks at the stop flag once a run: the stop asked by the
    # call at the last run's end (the one telling done == total when the
    # last tile's call was skipped, overlapping another) comes after it.
    # Without progress_rows every call is a run's end.
    def ends_only(lp_run):
        def run(opt, data, report):
            opt.progress_rows = None
            return lp_run(opt, data, report)
        return run
    _lp_run_replaced(lp, monkeypatch, ends_only)
    x, y, z = random_columns(10_000)
    out = np.zeros_like(x)

    class Enough(Exception):
        pass

    def stop(done, total):
        if done == total:
            raise Enough
    with pytest.raises(Enough):
        lp.run(x, y, z, out=out, repeat=2, progress=stop)
    assert np.isnan(out).all()   # as after any error
    monkeypatch.undo()
    # The stop is not left for the next call.
    assert max_rel_error(lp.logprod(x, y, z), reference(x, y, z)) <= lp.VERIFY_TOLERANCE


@pytest.mark.parametrize("verify", [False, True])
def test_ctrl_c_after_the_last_run_raises_keyboard_interrupt(lp, monkeypatch, verify):
    # Ctrl-C during the checksum or verify pass, after the library's last
    # look at the stop flag: asked here as lp_run returns.
    def then_ctrl_c(lp_run):
        def run(opt, data, report):
            status = lp_run(opt, data, report)
            lib.lp_request_stop(signal.SIGINT)
            return status
        return run
    lib = _lp_run_replaced(lp, monkeypatch, then_ctrl_c)
    x, y, z = random_columns(10_000)
    out = np.zeros_like(x)
    with pytest.raises(KeyboardInterrupt):
        lp.run(x, y, z, out=out, verify=verify)
    assert np.isnan(out).all()
    monkeypatch.undo()
    assert not lib.lp_stop_requested()
    r = lp.run(x, y, z, out=out, verify=True)
    assert r.max_rel_error <= lp.VERIFY_TOLERANCE


CALLBACK_CHILD = r"""
import numpy as np, lp_starpu
x = np.linspace(1, 2, 10000)
seen = []
lp_starpu.logprod(x, x, x, tiles=4, progress=lambda d, t: seen.append(
    (lp_starpu.is_pinned(x), lp_starpu.library_path(), lp_starpu.policies())))
print("read", bool(seen) and all(type(p) is bool and lib and "dmda" in names
                                 for p, lib, names in seen))
for name, call in [("logprod", lambda: lp_starpu.logprod(x, x, x)),
                   ("run", lambda: lp_starpu.run(x, x, x)),
                   ("start", lp_starpu.start), ("stop", lp_starpu.stop),
                   ("empty", lambda: lp_starpu.empty(8, pinned=True)),
                   ("asarray", lambda: lp_starpu.asarray(x, pinned=True))]:
    try:
        lp_starpu.logprod(x, x, x, tiles=4, progress=lambda d, t: call())
        print(name, "ran?!")
    except RuntimeError as e:
        print(name, "progress callback" in str(e))
print("then", lp_starpu.run(x, x, x, verify=True).max_rel_error <= lp_starpu.VERIFY_TOLERANCE)
"""


def test_progress_callback_calling_the_module():
    # The callback runs while its call holds the runtime's lock, on a
    # StarPU worker or in the call's own thread: reading the module works,
    # what needs the runtime raises RuntimeError (by the call) rather than
    # wait forever for its own run, or run StarPU inside it.  A child: a
    # hang must fail the test, not stop it.
    p = run_child(CALLBACK_CHILD, timeout=60)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.split() == ["read", "True", "logprod", "True", "run", "True", "start",
                                "True", "stop", "True", "empty", "True", "asarray", "True",
                                "then", "True"], p.stdout


KEPT_CHILD = r"""
import sys, numpy as np, lp_starpu
backend = sys.argv[1]
try:
    lp_starpu.start()
    lp_starpu.logprod([1.5], [1.5], [1.5], backend=backend)
except lp_starpu.BackendUnavailableError as e:
    print("skip", e)
    sys.exit(0)
rng = np.random.default_rng(3)
x, y, z = (rng.uniform(0.5, 1.5, 100_003) for _ in range(3))
out = np.empty_like(x)
got = []
for k in range(3):
    # verify=True: every row against what x, y and z hold when the run
    # starts; a device's copy of the last call's x would fail it.
    r = lp_starpu.run(x, y, z, out=out, backend=backend, tiles=5, verify=True)
    got.append(r.handles_registered)
    x[:] = rng.uniform(0.5, 1.5, len(x))   # the caller's new data, in place
got.append(lp_starpu.run(x.copy(), y, z, out=out, backend=backend, tiles=5,
                         verify=True).handles_registered)
got.append(lp_starpu.run(x, y, z, out=out, backend=backend, tiles=4).handles_registered)
print(*got)
"""


@pytest.mark.parametrize("backend", ["cpu", "opencl"])
def test_tiles_kept_between_calls_read_the_new_data(backend):
    # The last call's tiles stay registered for a call on the very same
    # arrays (no handle registered), and still read the inputs changed in
    # place between the calls, on the OpenCL device too (PoCL), whose
    # copies of the last call's rows must not be used; other arrays, or
    # another tile count, register their own.
    p = run_child(KEPT_CHILD.replace("sys.argv[1]", repr(backend)),
                  env={"STARPU_OPENCL_ON_CPUS": "1"})
    assert p.returncode == 0, p.stderr[-2000:]
    if p.stdout.startswith("skip"):
        pytest.skip(f"no {backend} worker here: {p.stdout.strip()}")
    assert p.stdout.split() == ["20", "0", "0", "20", "16"], p.stdout


def test_kept_tiles_let_go_with_their_arrays(lp):
    # The kept lp_data holds its arrays weakly: collecting one lets the
    # tiles go (unregistered, before the memory is freed), and stop() too.
    from lp_starpu import _runtime
    x, y, z = random_columns(1000)
    out = np.empty_like(x)
    lp.run(x, y, z, out=out, backend="cpu")
    assert _runtime._kept is not None and _runtime._kept.serves([x, y, z, out], 1000, 0)
    # A view is not the array (it may outlive it): its call registers anew.
    assert lp.run(x[:], y, z, out=out, backend="cpu").handles_registered > 0
    assert lp.run(x, y, z, out=out, backend="cpu").handles_registered > 0
    assert lp.run(x, y, z, out=out, backend="cpu").handles_registered == 0
    del x
    assert _runtime._kept is None
    x = np.ones(1000) * 1.5
    lp.run(x, y, z, out=out, backend="cpu")
    assert _runtime._kept is not None
    lp.stop()
    assert _runtime._kept is None
    assert lp.run(x, y, z, out=out, backend="cpu").handles_registered > 0
