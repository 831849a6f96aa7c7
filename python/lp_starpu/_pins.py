"""Pinned (page-locked) host memory for the CUDA workers' DMA, paid once
per buffer rather than per call (the library's lp_pin):

- arrays made pinned: empty/zeros/asarray(..., pinned=True), on whole pages
  of their own;
- a cache of the arrays runs took: a run that may use a CUDA worker pins
  the buffer each array lies in (the ndarray owning its memory), once,
  until that owner is collected (or the process exits).

Without a CUDA worker nothing is pinned, and a CPU-only run pins nothing.
Memory the system will not pin (the locked-memory limit) is used unpinned,
with a RuntimeWarning, once per buffer."""
import ctypes
import math
import mmap
import operator
import os
import warnings
import weakref

import numpy as np

from . import _abi, _runtime
from ._runtime import _address

_held = {}   # address lp_pin was given -> the weakref.finalize ending it


def _after_fork_in_child():
    # The parent's pins, to end there, not here (the runtime refuses to run here).
    for end in _held.values():
        end.detach()
    _held.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _owner(a):
    """The ndarray owning a's memory, or None: memory of another object (a
    file mapping, bytes, a ctypes buffer) whose end this cannot watch."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a if a.flags.owndata else None


def _release(lib, addr):
    _held.pop(addr, None)
    lib.lp_unpin(addr)


def _hold(owner, addr, nbytes, stacklevel):
    """lp_pin(addr, nbytes) until owner is collected; True if pinned.
    stacklevel: warnings.warn's, from here, for the caller's line."""
    lib = _runtime.lib()
    pinned = ctypes.c_int(0)
    status = lib.lp_pin(addr, nbytes, ctypes.byref(pinned))
    if status in (_abi.OK, _abi.ERR_RUNTIME) and addr not in _held:
        _held[addr] = weakref.finalize(owner, _release, lib, addr)
        if status == _abi.ERR_RUNTIME:
            warnings.warn(f"lp_starpu: {_runtime.last_error()}", RuntimeWarning,
                          stacklevel=stacklevel)
    return bool(pinned.value)


def _bounds(a):
    """The bytes [first, end) a's elements lie in, whatever its strides."""
    first = end = _address(a)
    for n, stride in zip(a.shape, a.strides):
        if stride < 0:
            first += stride * (n - 1)
        else:
            end += stride * (n - 1)
    return first, end + a.itemsize


def pinned(a):
    """True if all of a's bytes lie in memory lp_starpu holds pinned."""
    if not a.size:
        return False
    first, end = _bounds(a)
    return bool(_runtime.lib().lp_pinned(first, end - first))


def hold_for_run(arrays, stacklevel):
    """The cache: each array's buffer pinned for a run that may use a CUDA
    worker (the caller checked that there is one), kept so until its owner
    is collected.  Arrays pinned already cost a lookup.  An array that is
    less than half of its buffer (a slice of a larger one) is left to the
    run, which pins its bytes alone for as long as its tiles are kept:
    pinning the whole buffer could cost far more than the run."""
    for a in arrays:
        if a.nbytes and not pinned(a):
            owner = _owner(a)
            if owner is not None and 2 * a.nbytes >= owner.nbytes:
                _hold(owner, _address(owner), owner.nbytes, stacklevel + 1)


def _shape(shape):
    """shape as a tuple of ints (an int: one dimension), as NumPy takes it."""
    try:
        dims = (operator.index(shape),)
    except TypeError:
        try:
            dims = tuple(operator.index(d) for d in shape)
        except TypeError:
            raise TypeError(f"shape must be an int or a sequence of ints, not {shape!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"negative dimensions are not allowed: {shape!r}")
    return dims


def empty(shape, dtype, stacklevel):
    """An uninitialised array of shape and dtype on whole pages of its own,
    held pinned (lp_pin) until it is collected: pinned at once when StarPU
    has a CUDA worker, else by the first run that may use one."""
    shape = _shape(shape)
    dtype = np.dtype(dtype)
    count = math.prod(shape)
    page = mmap.PAGESIZE
    span = max(1, -(-count * dtype.itemsize // page)) * page   # whole pages
    raw = np.empty(span + page, np.uint8)
    first = -_address(raw) % page
    array = raw[first:first + count * dtype.itemsize].view(dtype).reshape(shape)
    _runtime.start()
    _hold(raw, _address(raw) + first, span, stacklevel + 1)
    return array
