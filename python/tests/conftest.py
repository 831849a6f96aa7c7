"""Shared by the module's tests: data, and a child Python for what needs a
process of its own (its own runtime, environment or memory peak)."""
import os
import subprocess
import sys

import numpy as np
import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def random_columns(n, seed=7):
    """Three different columns in [0.5, 1.5): a kernel that reads one column
    three times, or mixes them up, cannot match the reference."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, n) for _ in range(3)]


def reference(x, y, z, intensity=1):
    """Long-double reference, row by row."""
    xs, ys, zs = (np.asarray(c, dtype=np.longdouble) for c in (x, y, z))
    out = np.zeros(len(xs), dtype=np.longdouble)
    for k in range(intensity):
        out += np.log(xs + k) * np.log(ys + k) * np.log(zs + k)
    return out


def max_rel_error(out, ref):
    ref = np.asarray(ref, dtype=np.longdouble)
    err = np.abs(np.asarray(out, dtype=np.longdouble) - ref) / np.maximum(np.abs(ref), 1e-300)
    return float(np.max(err))


def run_child(code, env=None, timeout=120, **kw):
    """Runs `code` in a new Python with this test's module and library."""
    full = dict(os.environ)
    full["PYTHONPATH"] = PYTHON_DIR + os.pathsep + full.get("PYTHONPATH", "")
    full.update(env or {})
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True,
                          text=True, timeout=timeout, **kw)


@pytest.fixture(scope="session")
def lp():
    import lp_starpu
    return lp_starpu
