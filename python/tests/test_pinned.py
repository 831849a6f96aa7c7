"""Pinned arrays (empty/zeros/asarray(pinned=True)) and the pin cache of
the arrays runs take: pinned exactly when StarPU has a CUDA worker, on
whole pages of their own, held until collected, and never by a CPU-only
run.  Where there is no CUDA worker (CI) nothing is pinned, which these
tests check too; on a GPU machine they check the pinning itself."""
import gc
import mmap

import numpy as np
import pytest

from conftest import max_rel_error, random_columns, reference


@pytest.fixture(scope="module")
def cuda(lp):
    from lp_starpu import _runtime
    lp.start()
    return _runtime.workers("cuda") > 0


def held():
    from lp_starpu import _pins
    gc.collect()
    return len(_pins._held)


def pages(a):
    first = a.__array_interface__["data"][0]
    return set(range(first // mmap.PAGESIZE, (first + a.nbytes - 1) // mmap.PAGESIZE + 1))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_pinned_arrays_on_pages_of_their_own(lp, cuda, dtype):
    before = held()
    arrays = [lp.empty(1000, dtype, pinned=True), lp.zeros((3, 700), dtype, pinned=True),
              lp.empty(0, dtype, pinned=True)]
    assert [a.shape for a in arrays] == [(1000,), (3, 700), (0,)]
    assert all(a.dtype == np.dtype(dtype) and a.flags.c_contiguous and a.flags.writeable
               for a in arrays)
    assert not arrays[1].any()
    for a in arrays[:2]:
        assert a.__array_interface__["data"][0] % mmap.PAGESIZE == 0
        assert lp.is_pinned(a) == cuda
    assert not pages(arrays[0]) & pages(arrays[1])
    # Any view inside is pinned too, whatever its strides.
    assert lp.is_pinned(arrays[1][::-2, ::3]) == cuda and lp.is_pinned(arrays[0][7:9]) == cuda
    assert held() == before + 3
    del arrays, a
    assert held() == before   # each collected array let its pages go


def test_plain_arrays_are_numpy_arrays(lp):
    before = held()
    a, b = lp.empty(5), lp.zeros(5, np.float32)
    assert a.dtype == np.float64 and b.dtype == np.float32 and not b.any()
    assert not lp.is_pinned(a) and held() == before


def test_runs_on_pinned_arrays(lp, cuda):
    x, y, z = random_columns(200_003)
    cols = [lp.asarray(c, pinned=True) for c in (x, y, z)]
    out = lp.empty(200_003, pinned=True)
    for call in range(2):   # the second call on the same arrays reuses their tiles
        for c, new in zip(cols, random_columns(200_003, seed=call)):
            c[:] = new
        r = lp.run(*cols, out=out, tiles=7)
        assert r.out is out and r.copied_inputs == 0
        assert max_rel_error(out, reference(*cols)) <= lp.VERIFY_TOLERANCE
        assert all(lp.is_pinned(a) == cuda for a in (*cols, out))
    assert r.handles_registered == 0


def test_cpu_runs_pin_nothing(lp, cuda):
    x, y, z = random_columns(50_000)
    before = held()
    out = lp.logprod(x, y, z, backend="cpu")
    assert max_rel_error(out, reference(x, y, z)) <= lp.VERIFY_TOLERANCE
    assert held() == before and not any(lp.is_pinned(a) for a in (x, y, z, out))
    # A run that may use a CUDA worker pins each buffer once (only if
    # there is one), until it is collected.
    out = lp.logprod(x, y, z)
    assert all(lp.is_pinned(a) == cuda for a in (x, y, z, out))
    assert held() == before + 4 * cuda
    del x, y, z, out
    assert held() == before


def test_cache_holds_each_buffer_once(lp):
    """What a run that may use a CUDA worker holds (called directly: here
    there may be none, and then lp_pin records without pinning)."""
    from lp_starpu import _pins
    before = held()
    big = np.ones(100_000)
    _pins.hold_for_run([big[:10_000], big[50_000:]], stacklevel=1)
    assert held() == before + 1      # the half: its whole buffer, once
    _pins.hold_for_run([big, big[1:]], stacklevel=1)
    assert held() == before + 1      # the same buffer again
    other = np.ones(100_000)
    _pins.hold_for_run([other[:49_999]], stacklevel=1)
    assert held() == before + 1      # under half of its buffer: left to the run
    del big
    assert held() == before


def test_asarray(lp, cuda):
    x = np.arange(1.0, 11.0)
    assert lp.asarray(x) is x
    assert lp.asarray(x, pinned=True) is x or cuda
    assert lp.asarray(x, pinned=True) is not x or not cuda
    if cuda:
        p = lp.asarray(x, pinned=True)
        assert lp.is_pinned(p) and lp.asarray(p, pinned=True) is p
    for given, dtype in (([1, 2, 3], "float64"), (x, "float32"), (x[::2], "float64")):
        a = lp.asarray(given, dtype, pinned=True)
        assert a.dtype == np.dtype(dtype) and a.flags.c_contiguous
        assert np.array_equal(a, np.asarray(given, dtype=dtype))


def test_bad_input(lp):
    with pytest.raises(ValueError, match="negative"):
        lp.empty(-1, pinned=True)
    with pytest.raises(TypeError, match="shape"):
        lp.zeros("x", pinned=True)
    with pytest.raises(ValueError, match="unknown dtype"):
        lp.empty(3, "int32", pinned=True)
    with pytest.raises(TypeError, match="MaskedArray"):
        lp.asarray(np.ma.masked_array([1.0, 2.0], mask=[0, 1]))
    with pytest.raises(TypeError, match="ndarray"):
        lp.is_pinned([1.0])
    for wrong in (None, np.array([1 + 2j]), [True, False], ["1.0"]):
        with pytest.raises(TypeError, match="real number"):
            lp.asarray(wrong)
