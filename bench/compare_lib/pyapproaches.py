"""The Python approaches, each a factory: given the input columns it returns
`run()`, which computes out from host RAM back into host RAM (the same span
lp-starpu times), and optionally `close()`. Imports are lazy: a missing
package only skips the approaches that need it."""
import functools
import math

from .results import Unavailable

# Rows per Dask chunk: lp-starpu's default tile, so both split the work the
# same way.
CHUNK_ROWS = 262144


def seed_columns(n):
    """x = y = z = i for i = 1..N, as three separate arrays: sharing one
    would read a third of the memory the job really reads."""
    np = _import("numpy")
    x = np.arange(1, n + 1, dtype=np.float64)
    return x, x.copy(), x.copy()


def checksum(out):
    import numpy as np
    if isinstance(out, list):
        return math.fsum(out)
    return float(np.sum(out))


def log_product(xp, x, y, z, intensity):
    """out = sum over k < K of log(x+k) log(y+k) log(z+k), written once for
    any array module with NumPy's API (NumPy, Dask array, CuPy)."""
    out = xp.log(x) * xp.log(y) * xp.log(z)
    for k in range(1, intensity):
        out = out + xp.log(x + k) * xp.log(y + k) * xp.log(z + k)
    return out


def _import(name):
    try:
        return __import__(name, fromlist=["_"])
    except ImportError as e:
        raise Unavailable(f"{name} not installed ({e})") from None


def python_loop(x, y, z, intensity):
    """The seed program: a plain loop over Python floats with math.log."""
    if intensity != 1:
        raise Unavailable("the plain loop is the seed job only (intensity 1)")
    xs, ys, zs = x.tolist(), y.tolist(), z.tolist()
    log = math.log

    def run():
        out = [0.0] * len(xs)
        for i in range(len(xs)):
            out[i] = log(xs[i]) * log(ys[i]) * log(zs[i])
        return out
    return run, None


def numpy_expr(x, y, z, intensity):
    np = _import("numpy")
    return (lambda: log_product(np, x, y, z, intensity)), None


@functools.lru_cache(maxsize=None)  # compile once per process, not per N
def _numba_kernel(parallel):
    numba = _import("numba")
    from . import numba_kernels
    return numba.njit(parallel=parallel)(numba_kernels.log_product_rows)


def _numba(parallel):
    def factory(x, y, z, intensity):
        kernel = _numba_kernel(parallel)
        import numpy as np
        out = np.empty_like(x)

        def run():
            kernel(x, y, z, out, intensity)
            return out
        return run, None
    return factory


numba_serial = _numba(parallel=False)
numba_parallel = _numba(parallel=True)


def _dask_expr(x, y, z, intensity):
    da = _import("dask.array")
    cols = [da.from_array(c, chunks=CHUNK_ROWS) for c in (x, y, z)]
    return log_product(da, *cols, intensity)


def dask_threads(x, y, z, intensity):
    _import("dask.array")
    # Graph building is inside run(): it is part of what a Dask user pays.
    return (lambda: _dask_expr(x, y, z, intensity).compute(scheduler="threads")), None


def dask_distributed(workers):
    def factory(x, y, z, intensity):
        import logging
        import shutil
        import tempfile
        distributed = _import("distributed")
        import dask
        # The workers' scratch space goes away with them instead of staying
        # in /tmp/dask-scratch-space.
        scratch = tempfile.mkdtemp(prefix="lp-compare-dask-")
        with dask.config.set({"temporary-directory": scratch}):
            cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR)
        client = distributed.Client(cluster)

        def run():
            return client.compute(_dask_expr(x, y, z, intensity), sync=True)

        def close():
            client.close()
            cluster.close()
            shutil.rmtree(scratch, ignore_errors=True)
        return run, close
    return factory


def cupy_expr(x, y, z, intensity):
    cp = _import("cupy")
    try:
        devices = cp.cuda.runtime.getDeviceCount()
    except Exception as e:  # no driver, or CUDA libraries CuPy cannot load
        raise Unavailable(f"no usable CUDA device ({e})") from None
    if devices < 1:
        raise Unavailable("no CUDA device")
    import numpy as np
    out = np.empty_like(x)

    def run():
        # Host -> device, compute, device -> host: the same span as
        # lp-starpu's CUDA run, whose data also starts in host RAM.
        cols = [cp.asarray(c) for c in (x, y, z)]
        log_product(cp, *cols, intensity).get(out=out)
        return out
    return run, None


def restore_row_stack(np):
    """numba-cuda 0.30.4 (the newest release) registers an overload for
    np.row_stack whenever NumPy >= 2.0, so its first kernel compilation
    fails on NumPy 2.5, which removed that alias of np.vstack
    ("module 'numpy' has no attribute 'row_stack'", the GPU node's NumPy
    2.5.2).  Giving NumPy the alias back, the same function, lets the
    kernel compile; nothing here calls it.  bench/numba_cuda_check.py
    compiles the kernel with row_stack removed."""
    if not hasattr(np, "row_stack"):
        np.row_stack = np.vstack


def numba_cuda(x, y, z, intensity):
    restore_row_stack(_import("numpy"))
    cuda = _import("numba.cuda")
    if not cuda.is_available():
        raise Unavailable("no CUDA device (numba.cuda.is_available() is false)")
    import numpy as np
    from .cuda_kernels import log_product_rows as kernel
    out = np.empty_like(x)
    threads = 256
    blocks = (len(x) + threads - 1) // threads

    def run():
        cols = [cuda.to_device(c) for c in (x, y, z)]
        d_out = cuda.device_array_like(out)
        kernel[blocks, threads](*cols, d_out, intensity)
        d_out.copy_to_host(out)
        return out
    return run, None
