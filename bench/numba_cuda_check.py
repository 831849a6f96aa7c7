#!/usr/bin/env python3
"""bench/numba_cuda_check.py: bench/compare's Numba CUDA kernel compiles
to PTX for the H200 (compute capability 9.0) on a NumPy without
np.row_stack, as NumPy 2.5 is (numba-cuda 0.30.4 failed there: see
restore_row_stack in compare_lib/pyapproaches.py).  No GPU needed: NVVM
compiles.  It also says whether the compilation fails without the
restore (it does with numba-cuda 0.30.4, and with Numba 0.68's own CUDA
target).  Exit 0 ok, 1 failed, 77 skipped (no numba-cuda, or
no NVVM: it prints why).  Run by bench/gpu_check.sh; by hand with the
Python that has numba-cuda (CUDA_HOME pointing at a toolkit if NVVM is not
installed as a wheel)."""
import os
import subprocess
import sys

BENCH = os.path.dirname(os.path.realpath(__file__))
CHILD = r"""
import sys
import numpy as np
sys.path.insert(0, sys.argv[2])
try:
    del np.row_stack          # as NumPy 2.5 has it
except AttributeError:
    pass
from compare_lib import pyapproaches
if sys.argv[1] == "restore":
    pyapproaches.restore_row_stack(np)
try:
    from numba import cuda
    from numba.core.errors import NumbaError
    from compare_lib.cuda_kernels import log_product_rows
except ImportError as e:
    print(f"SKIP numba-cuda not importable: {e}")
    sys.exit(77)
from numba import float64, int64, void
signature = void(float64[:], float64[:], float64[:], float64[:], int64)
try:
    ptx, _ = cuda.compile_ptx(log_product_rows.py_func, signature, cc=(9, 0))
except AttributeError as e:
    print(f"FAILED {e}")
    sys.exit(1)
except Exception as e:   # NVVM missing or refusing: nothing was checked
    print(f"SKIP the CUDA compiler did not run here: {type(e).__name__}: {e}")
    sys.exit(77)
print(f"compiled {len(ptx)} characters of PTX")
"""


def compile_kernel(mode):
    p = subprocess.run([sys.executable, "-c", CHILD, mode, BENCH], capture_output=True,
                       text=True)
    lines = (p.stdout.strip() or p.stderr.strip() or "no output").splitlines()
    return p.returncode, lines[-1]


def main():
    rc, line = compile_kernel("restore")
    if rc == 77:
        print(f"numba_cuda_check: {line}")
        return 77
    if rc != 0:
        print(f"numba_cuda_check: FAILED with row_stack restored: {line}")
        return 1
    bare, bare_line = compile_kernel("bare")
    # Where this numba-cuda never needs row_stack, the restore is harmless
    # and the check says so rather than failing.
    needed = "needed" if bare != 0 else "not needed by this numba-cuda"
    print(f"numba_cuda_check: ok: {line} with np.row_stack removed and restored "
          f"(without the restore: {bare_line}; the restore is {needed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
