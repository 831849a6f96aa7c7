"""The Numba CUDA kernel, in its own module: importing it needs numba.cuda,
which is only imported once a CUDA device is known to exist. `cuda` is a
module global so that Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1, for
checking the kernel without a GPU) can stand in for it."""
import math

from numba import cuda


@cuda.jit
def log_product_rows(x, y, z, out, intensity):
    i = cuda.grid(1)
    if i < x.shape[0]:
        acc = 0.0
        for k in range(intensity):
            acc += math.log(x[i] + k) * math.log(y[i] + k) * math.log(z[i] + k)
        out[i] = acc
