"""One StarPU runtime per process: started on first use (StarPU reads its
STARPU_* variables then), restarted only for another policy, stopped at
exit.  Runs go one at a time, in the caller's thread; Ctrl-C asks the run
to stop, waits for the tasks in flight, and raises KeyboardInterrupt.  The
last call's columns stay registered with StarPU for the next call on the
same arrays (kept_data)."""
import atexit
import os
import threading
import warnings
import weakref

from . import _abi
from .errors import BackendUnavailableError, Error

_lock = threading.RLock()
_lib = None
_running_sched = None   # None: not started
_started = False
_stop_at_exit = False   # atexit registered (once)
_forked = False   # a child forked while StarPU ran (in this process or an ancestor)
# .active: this thread runs a progress callback, for the run that holds
# _lock (its worker threads would wait for it forever, its own thread
# would run StarPU inside lp_run): locked() refuses it.
in_callback = threading.local()


def lib():
    global _lib
    if _lib is not None:   # no lock: a progress callback's thread cannot take it
        return _lib
    with _lock:
        if _lib is None:
            _lib = _abi.load()
        return _lib


def locked():
    """_lock, for starting, stopping or running StarPU; RuntimeError from
    a progress callback, which would wait for its own run."""
    if getattr(in_callback, "active", False):
        raise RuntimeError("lp_starpu: a progress callback cannot run, start or stop the "
                           "runtime, nor make pinned arrays (its own run holds it)")
    return _lock


def _environment_defaults():
    """The module's own STARPU_* default (lp_start sets lp-starpu's others,
    for the tool and the module alike): StarPU's SIGINT handler would come
    before Python's."""
    os.environ.setdefault("STARPU_CATCH_SIGNALS", "0")


def check_sched(sched):
    if sched is None:
        return None
    if not isinstance(sched, str):
        raise TypeError(f"sched must be a str or None, not {type(sched).__name__}")
    if "\0" in sched or not lib().lp_sched_known(sched.encode()):
        raise ValueError(f"unknown scheduling policy {sched!r}; known: {', '.join(policies())}")
    return sched


def policies():
    names, i = [], 0
    while True:
        name = lib().lp_sched_nth(i)
        if name is None:
            return names
        names.append(name.decode())
        i += 1


def _after_fork_in_child():
    """StarPU's worker threads stay in the parent; what the child holds of
    its state is theirs, half-copied.  Nothing of it is touched here again
    (stopping it would wait for workers that are not here): start() refuses."""
    global _lock, _started, _running_sched, _kept, _forked
    _lock = threading.RLock()   # another of the parent's threads may have held it
    if _started:
        _forked = True
        _started, _running_sched, _kept = False, None, None


os.register_at_fork(after_in_child=_after_fork_in_child)


def start(sched=None):
    """Starts StarPU with `sched` (None: STARPU_SCHED, else dmda) unless it
    already runs it; another policy restarts it.  Returns the policy's name."""
    global _running_sched, _started, _stop_at_exit
    with locked():
        if _forked:
            raise Error("lp_starpu: this process was forked from one whose StarPU runtime was "
                        "running, and its workers stayed there: start the children with "
                        "multiprocessing's 'spawn' or 'forkserver' method, or call lp_starpu "
                        "in the parent only after forking")
        sched = check_sched(sched)
        if _started and (sched is None or sched == _running_sched):
            return _running_sched
        if _started:
            stop()
        _environment_defaults()
        # StarPU aborts the process on a STARPU_* number it cannot read.
        bad = _abi.check_environment(lib())
        if bad:
            raise ValueError(bad)
        opt = _abi.Options()
        lib().lp_options_init(opt)
        opt.sched = sched.encode() if sched else None
        status = lib().lp_start(opt)
        why = last_error()
        if status == _abi.ERR_USAGE:
            raise ValueError(f"StarPU refused the policy "
                             f"{sched or os.environ.get('STARPU_SCHED')!r}: {why}")
        if status == _abi.ERR_BACKEND:
            raise BackendUnavailableError(why, status)
        if status != _abi.OK:
            raise Error(why or "StarPU failed to start", status)
        if not _stop_at_exit:
            atexit.register(stop)
            _stop_at_exit = True
        _started = True
        _running_sched = lib().lp_sched_name().decode()
        _say_crowded_cpus()
        return _running_sched


def _say_crowded_cpus():
    # A CPU worker spins on its CPU while it waits: more of them than CPUs
    # share them, and every run crawls (StarPU, silent, would not say why).
    ncpu, cpus = workers("cpu"), len(os.sched_getaffinity(0))
    if ncpu > cpus:
        warnings.warn(f"lp_starpu: {ncpu} CPU workers on {cpus} CPU{'s' if cpus > 1 else ''}: "
                      f"they share them, and the runs crawl (STARPU_NCPU="
                      f"{os.environ.get('STARPU_NCPU', 'unset')})", RuntimeWarning, stacklevel=4)



def last_error():
    """Why the library's last failing call failed: it never prints, so the
    exceptions carry it."""
    return (lib().lp_last_error() or b"").decode(errors="replace")


class _Kept:
    """The last call's x, y, z and out, wrapped as an lp_data whose tiles
    the library keeps registered with StarPU (lp_options.keep_tiles): a
    call on the same arrays registers nothing (each run still reads what
    the arrays hold then).  Held by weak references: it keeps no array
    alive, and is let go as soon as one of them is collected (or, if a run
    holds the lock then, by the next call or stop())."""

    def __init__(self, arrays, rows, dtype_index):
        self.key = (tuple(_address(a) for a in arrays), rows, dtype_index)
        self.refs = [weakref.ref(a, self._gone) for a in arrays]
        self.data = _abi.opaque(lib(), "lp_data")
        lib().lp_data_wrap(self.data, rows, dtype_index, *self.key[0])

    def serves(self, arrays, rows, dtype_index):
        # The very same arrays, alive: an array that took a collected one's
        # place (its entry not yet let go, the lock being held then), or a
        # view of one, gets an entry of its own, watched in turn.
        return (self.key == (tuple(_address(a) for a in arrays), rows, dtype_index)
                and all(r() is a for r, a in zip(self.refs, arrays)))

    def _gone(self, _ref):
        # From the collector, in any thread: never wait for the lock (a
        # run's progress callback may be the one collecting).
        if _lock.acquire(blocking=False):
            try:
                if _kept is self:
                    let_go_kept()
            finally:
                _lock.release()


_kept = None   # a _Kept, or None


def _address(a):
    return a.__array_interface__["data"][0]


def kept_data(arrays, rows, dtype_index):
    """The lp_data for a call on arrays (x, y, z, out; C-contiguous, of
    rows elements of the dtype): the last call's if it had these very
    arrays, else a new one.  Under _lock."""
    global _kept
    if _kept is None or not _kept.serves(arrays, rows, dtype_index):
        let_go_kept()
        _kept = _Kept(arrays, rows, dtype_index)
    return _kept.data


def let_go_kept():
    """The kept tiles unregistered and the lp_data freed.  Under _lock."""
    global _kept
    if _kept is not None:
        kept, _kept = _kept, None
        lib().lp_data_free(kept.data)
        # Its weak references go now, not at the next collection (they hold
        # it through their callback): NumPy will not resize an array while
        # one watches it.
        kept.refs = []


def stop():
    """Stops StarPU if it runs; the next call starts it again."""
    global _started, _running_sched
    with locked():
        let_go_kept()
        if _started:
            lib().lp_stop()
            _started, _running_sched = False, None


def workers(backend):
    return lib().lp_backend_workers(_abi.BACKENDS.index(backend))


def run_interruptibly(opt, data, report):
    """lp_run in this thread.  On the main thread SIGINT is routed to the
    run for its span (lp_options.stop_on_sigint: Python's own handler
    could not run before lp_run returns): Ctrl-C asks the run to stop,
    the tasks in flight end, and KeyboardInterrupt is raised.  No helper
    thread: on a small machine whose cores StarPU's workers keep busy,
    waking one cost 1-2 ms a call."""
    opt.stop_on_sigint = int(threading.current_thread() is threading.main_thread())
    status = lib().lp_run(opt, data, report)
    # The library reads the flag once a run: a stop asked after the last
    # one's (its progress call at the end, Ctrl-C during the checksum or
    # verify) leaves it set, and a complete report.
    if status == _abi.ERR_INTERRUPTED or lib().lp_stop_requested():
        if status in (_abi.OK, _abi.ERR_VERIFY):   # else lp_run freed it
            lib().lp_report_free(report)
        lib().lp_request_stop(0)   # the next run starts afresh
        raise KeyboardInterrupt
    return status
