"""One StarPU runtime per process: started on first use (StarPU reads its
STARPU_* variables then), restarted only for another policy, stopped at
exit.  Runs go one at a time; each runs in a helper thread so that Ctrl-C
reaches the main thread, which asks the run to stop, waits for the tasks in
flight, and raises KeyboardInterrupt."""
import atexit
import os
import signal
import threading

from . import _abi
from .errors import BackendUnavailableError, Error

_lock = threading.RLock()
_lib = None
_running_sched = None   # None: not started
_started = False
_stop_at_exit = False   # atexit registered (once)


def lib():
    global _lib
    with _lock:
        if _lib is None:
            _lib = _abi.load()
        return _lib


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
    if not lib().lp_sched_known(sched.encode()):
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


def start(sched=None):
    """Starts StarPU with `sched` (None: STARPU_SCHED, else dmda) unless it
    already runs it; another policy restarts it.  Returns the policy's name."""
    global _running_sched, _started, _stop_at_exit
    with _lock:
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
        return _running_sched



def last_error():
    """Why the library's last failing call failed: it never prints, so the
    exceptions carry it."""
    return (lib().lp_last_error() or b"").decode(errors="replace")


def stop():
    """Stops StarPU if it runs; the next call starts it again."""
    global _started, _running_sched
    with _lock:
        if _started:
            lib().lp_stop()
            _started, _running_sched = False, None


def workers(backend):
    return lib().lp_backend_workers(_abi.BACKENDS.index(backend))


def call_interruptibly(fn, *args):
    """fn(*args) in a helper thread; Ctrl-C asks the run to stop, waits
    for it, and raises KeyboardInterrupt.  The end is told by an Event the
    thread sets, not by Thread.join/is_alive: a join interrupted by Ctrl-C
    can mark a running thread as stopped (CPython up to 3.12)."""
    box, done = {}, threading.Event()

    def target():
        try:
            box["status"] = fn(*args)
        finally:
            done.set()
    worker = threading.Thread(target=target, name="lp_starpu run", daemon=True)
    interrupted = False
    worker.start()
    while not done.is_set():
        try:
            done.wait(0.1)
        except KeyboardInterrupt:
            if not interrupted:
                lib().lp_request_stop(signal.SIGINT)
            interrupted = True
    if interrupted or box.get("status") == _abi.ERR_INTERRUPTED:
        lib().lp_request_stop(0)   # the next run starts afresh
        raise KeyboardInterrupt
    return box["status"]
