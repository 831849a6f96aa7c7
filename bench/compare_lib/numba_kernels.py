"""Numba kernels, in their own module so that importing compare_lib does
not need Numba."""
import math

from numba import prange


def log_product_rows(x, y, z, out, intensity):
    """Compiled twice: with njit, prange is a plain range (one core); with
    njit(parallel=True) the rows are split across Numba's threads."""
    for i in prange(x.shape[0]):
        acc = 0.0
        for k in range(intensity):
            acc += math.log(x[i] + k) * math.log(y[i] + k) * math.log(z[i] + k)
        out[i] = acc
