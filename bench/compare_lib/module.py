"""lp-starpu in this very process, through its Python module (python/), on
the arrays the Python approaches use: no file, no subprocess, no copy (the
columns are C-contiguous float64, used in place)."""
import importlib
import os
import sys

from .results import Unavailable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))


def load(binary, starpu_home):
    """The module, bound to the library built beside `binary`, its models in
    `starpu_home` (shared with the subprocess rows).  The user's STARPU_*
    variables are dropped as for the subprocess rows: they would change
    what a row means."""
    for k in [k for k in os.environ if k.startswith("STARPU_")]:
        del os.environ[k]
    os.environ["STARPU_HOME"] = starpu_home
    os.environ.setdefault("LP_STARPU_LIB", os.path.join(os.path.dirname(binary),
                                                        "liblp-starpu.so.0"))
    if os.path.join(ROOT, "python") not in sys.path:
        sys.path.insert(0, os.path.join(ROOT, "python"))
    try:
        return importlib.import_module("lp_starpu")
    except ImportError as e:
        raise Unavailable(f"lp_starpu module not importable ({e})") from None


def factory(lp_starpu, backend, sched):
    """A run() over the columns, as the Python approaches' factories give."""
    def make(x, y, z, intensity):
        import numpy as np
        out = np.empty_like(x)

        def run():
            return lp_starpu.logprod(x, y, z, out=out, backend=backend, sched=sched,
                                     intensity=intensity)
        try:   # untimed: a backend without a worker here is skipped, not failed
            run()
        except lp_starpu.BackendUnavailableError as e:
            raise Unavailable(str(e)) from None
        return run, None
    return make
