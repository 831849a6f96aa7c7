"""Which arrays are used in place, which are copied, which are refused."""
import mmap
import sys

import numpy as np
import pytest

from conftest import max_rel_error, random_columns, reference, run_child


def test_out_given_is_the_result(lp):
    x, y, z = random_columns(100_000)
    out = np.empty(100_000)
    r = lp.run(x, y, z, out=out)
    assert r.out is out and r.copied_inputs == 0
    assert max_rel_error(out, reference(x, y, z)) <= lp.VERIFY_TOLERANCE


def test_inputs_stay_as_they_were(lp):
    x, y, z = random_columns(10_000)
    before = [c.copy() for c in (x, y, z)]
    lp.logprod(x, y, z)
    assert all(np.array_equal(a, b) for a, b in zip((x, y, z), before))


@pytest.mark.parametrize("make", [
    lambda c: c.astype(np.float32),
    lambda c: c.astype(np.float16),
    lambda c: np.repeat(c, 2)[::2],                 # strided view
    lambda c: c.astype(c.dtype.newbyteorder()),     # other byte order (converted)
    lambda c: list(c),                              # a list becomes a float64 array
])
def test_other_floating_inputs_are_copied(lp, make):
    x, y, z = random_columns(5_000)
    x2 = make(x)
    r = lp.run(x2, y, z)
    assert r.copied_inputs == 1
    want = np.asarray(x2, dtype=np.float64)
    assert max_rel_error(r.out, reference(want, y, z)) <= lp.VERIFY_TOLERANCE


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_each_copied_input_counted_once(lp, dtype):
    # A list is made into an array, then converted to float32: one copy.
    lst = [1.5, 2.5, 3.5]
    assert lp.run(lst, lst, lst, dtype=dtype).copied_inputs == 3
    x = np.array(lst)   # float64: in place unless the run is float32
    assert lp.run(x, lst, x, dtype=dtype).copied_inputs == (1 if dtype == "float64" else 3)


def test_columns_may_be_one_array(lp):
    x = np.linspace(0.5, 3.0, 1000)
    assert max_rel_error(lp.logprod(x, x, x), reference(x, x, x)) <= lp.VERIFY_TOLERANCE


ZERO_COPY_CHILD = r"""
import resource, numpy as np, lp_starpu
n = 10_000_000                      # 80 MB a column
cols = [np.random.default_rng(i).uniform(0.5, 1.5, n) for i in range(3)]
out = np.ones(n)                    # touched: its pages count before the run
lp_starpu.logprod(cols[0][:1000], cols[1][:1000], cols[2][:1000])   # runtime up
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
r = lp_starpu.run(*cols, out=out)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024, r.copied_inputs, r.out is out)
"""


def test_zero_copy_allocates_nothing_of_the_inputs_size():
    p = run_child(ZERO_COPY_CHILD)
    assert p.returncode == 0, p.stderr
    grown, copied, same = p.stdout.split()
    assert (copied, same) == ("0", "True")
    # One copied column would add 80 MB to the peak.
    assert int(grown) < 16 * 2**20, f"peak RSS grew by {int(grown) / 2**20:.1f} MiB"


def test_float32_columns_used_in_place(lp):
    # dtype="float32": float32 arrays used as they are (no copy), out is
    # float32, every row within VERIFY_TOLERANCE_F32 of a reference taken
    # from the stored floats, the checksum their sum in double.
    x, y, z = (c.astype(np.float32) for c in random_columns(100_003))
    out = np.empty(100_003, dtype=np.float32)
    r = lp.run(x, y, z, out=out, dtype="float32", verify=True)
    assert r.out is out and r.copied_inputs == 0 and r.dtype == "float32"
    assert 0 < r.max_rel_error <= lp.VERIFY_TOLERANCE_F32
    want = reference(x.astype(np.float64), y.astype(np.float64), z.astype(np.float64))
    assert max_rel_error(out.astype(np.float64), want) <= lp.VERIFY_TOLERANCE_F32
    assert abs(r.checksum - np.sum(out, dtype=np.float64)) <= 1e-9 * abs(r.checksum)
    # A model-based policy may run several implementations on one worker
    # ("avx512 3, baseline 1"): the counts must add up to its tasks.
    for w in (w for w in r.workers if w.tasks and w.kind == "cpu"):
        parts = [p.split() for p in w.impl.split(", ")]
        if len(parts) == 1 and len(parts[0]) == 1:
            parts = [[parts[0][0], str(w.tasks)]]
        assert {name for name, _ in parts} <= {"baseline", "avx2", "avx512", "avx512-lplog"}, w.impl
        assert sum(int(n) for _, n in parts) == w.tasks, (w.impl, w.tasks)


def test_float32_run_copies_other_inputs_to_float32(lp):
    x, y, z = random_columns(5_000)   # float64: converted
    out = lp.logprod(x, y, z, dtype="float32")
    assert out.dtype == np.float32
    want = reference(*(c.astype(np.float32).astype(np.float64) for c in (x, y, z)))
    assert max_rel_error(out.astype(np.float64), want) <= lp.VERIFY_TOLERANCE_F32
    with pytest.raises(TypeError, match="not native float32"):
        lp.logprod(x, y, z, out=np.empty(5_000), dtype="float32")
    with pytest.raises(ValueError, match="unknown dtype"):
        lp.logprod(x, y, z, dtype="float16")


@pytest.mark.parametrize("dtype, name", [
    (np.float32, "float32"), ("f4", "float32"), ("=f4", "float32"), ("single", "float32"),
    (np.dtype("float32"), "float32"), ("float32", "float32"),
    (float, "float64"), ("d", "float64"), ("f8", "float64"), (np.float64, "float64"),
    (np.dtype("double"), "float64"),
    pytest.param("<f4", "float32", marks=pytest.mark.skipif(sys.byteorder != "little",
                                                           reason="<f4 is not native here")),
])
def test_dtype_in_any_numpy_spelling(lp, dtype, name):
    x, y, z = (c.astype(name) for c in random_columns(1_000))
    r = lp.run(x, y, z, dtype=dtype, verify=True)
    assert r.dtype == name and r.out.dtype == np.dtype(name) and r.copied_inputs == 0
    assert lp.logprod(x, y, z, dtype=dtype).dtype == np.dtype(name)


def _column_file(path, n, values=None, seed=5):
    """A file of float64 in [0.5, 1.5), 2n of them unless told: room for
    two columns."""
    np.random.default_rng(seed).uniform(0.5, 1.5, values or 2 * n).tofile(path)
    return np.fromfile(path)


@pytest.fixture(params=["proc", "memmap"])
def mappings_from(request, lp, monkeypatch):
    """Overlap by file found from /proc/self/maps, and without it (not
    Linux) from the np.memmap objects."""
    if request.param == "memmap":
        monkeypatch.setattr(lp._columns, "PROC_MAPS", "/nonexistent/maps")
    return request.param


@pytest.mark.parametrize("out_offset", [0, 8 * 500, 8 * 999])
@pytest.mark.parametrize("name", ["x", "y", "z"])
def test_memmaps_of_one_file_overlap(lp, tmp_path, mappings_from, out_offset, name):
    # Two np.memmap of one file are two mappings (two addresses) of the
    # same bytes: out's writes would reach the input the tasks read.
    n, path = 1000, tmp_path / "columns.f8"
    before = _column_file(path, n)
    args = dict(zip("xyz", random_columns(n)))
    args[name] = np.memmap(path, dtype="f8", mode="r+", shape=(n,))
    out = np.memmap(path, dtype="f8", mode="r+", offset=out_offset, shape=(n,))
    with pytest.raises(ValueError, match=f"out overlaps {name}"):
        lp.logprod(**args, out=out)
    with pytest.raises(ValueError, match=f"out overlaps {name}"):   # a view, as an ndarray
        lp.logprod(**{**args, name: np.asarray(args[name])[:n]}, out=np.asarray(out))
    del args, out
    assert np.array_equal(np.fromfile(path), before), "the file was written"


def test_raw_mmap_and_shared_memory_overlap(lp, tmp_path):
    # Any two mappings of one file: mmap.mmap under np.frombuffer, and one
    # shared memory block attached twice.
    n, path = 1000, tmp_path / "columns.f8"
    _column_file(path, n)
    y, z = random_columns(n)[1:]
    with open(path, "r+b") as f:
        m1, m2 = mmap.mmap(f.fileno(), 0), mmap.mmap(f.fileno(), 0)
    x, out = np.frombuffer(m1, count=n), np.frombuffer(m2, count=n, offset=8 * 10)
    with pytest.raises(ValueError, match="out overlaps x"):
        lp.logprod(x, y, z, out=out)
    del x, out
    m1.close(), m2.close()
    from multiprocessing import shared_memory
    try:
        block = shared_memory.SharedMemory(create=True, size=8 * n)
    except OSError as e:
        pytest.skip(f"no shared memory here: {e}")
    try:
        again = shared_memory.SharedMemory(name=block.name)
        x = np.ndarray((n,), buffer=block.buf)
        x[:] = y
        out = np.ndarray((n,), buffer=again.buf)
        with pytest.raises(ValueError, match="out overlaps x"):
            lp.logprod(x, y, z, out=out)
        del x, out
        again.close()
    finally:
        block.close()
        block.unlink()


def test_memmaps_of_one_file_apart_are_fine(lp, tmp_path, mappings_from):
    n, path = 1000, tmp_path / "columns.f8"
    before = _column_file(path, n)
    y, z = random_columns(n)[1:]
    x = np.memmap(path, dtype="f8", mode="r", shape=(n,))
    out = np.memmap(path, dtype="f8", mode="r+", offset=8 * n, shape=(n,))
    r = lp.run(x, y, z, out=out, verify=True)
    assert r.out is out and r.copied_inputs == 0
    out.flush()
    after = np.fromfile(path)
    assert np.array_equal(after[:n], before[:n])
    assert max_rel_error(after[n:], reference(before[:n], y, z)) <= lp.VERIFY_TOLERANCE


def test_private_out_over_the_same_file_is_fine(lp, tmp_path, mappings_from):
    # mode="c" (copy-on-write): what out gets stays in this process's copy.
    n, path = 1000, tmp_path / "columns.f8"
    before = _column_file(path, n)
    y, z = random_columns(n)[1:]
    x = np.memmap(path, dtype="f8", mode="r", shape=(n,))
    out = np.memmap(path, dtype="f8", mode="c", shape=(n,))
    lp.run(x, y, z, out=out, verify=True)
    assert max_rel_error(out, reference(before[:n], y, z)) <= lp.VERIFY_TOLERANCE
    assert np.array_equal(np.asarray(x), before[:n])
    assert np.array_equal(np.fromfile(path), before)


def test_inputs_may_overlap_each_other(lp, tmp_path, mappings_from):
    # They are only read: x, y and z from overlapping bytes of the file,
    # out from bytes of it that none of them reads.
    n, path = 1000, tmp_path / "columns.f8"
    before = _column_file(path, n, values=3 * n)
    x = np.memmap(path, dtype="f8", mode="r", shape=(n,))
    y = np.memmap(path, dtype="f8", mode="r+", offset=8 * (n // 2), shape=(n,))
    z = np.memmap(path, dtype="f8", mode="r+", shape=(n,))
    out = np.memmap(path, dtype="f8", mode="r+", offset=8 * 2 * n, shape=(n,))
    lp.logprod(x, y, z, out=out)
    want = reference(before[:n], before[n // 2:n // 2 + n], before[:n])
    assert max_rel_error(out, want) <= lp.VERIFY_TOLERANCE


def test_arrays_let_go_are_the_callers_again(lp):
    # The last call's arrays are watched by weak references (NumPy will not
    # resize an array so watched); a call on other arrays lets them go at
    # once, not at the next collection.
    import gc
    x, y, z = (np.full(1000, 1.5 + k) for k in range(3))
    gc.disable()
    try:
        lp.logprod(x, y, z)
        lp.logprod(x.copy(), y.copy(), z.copy())
        x.resize(10, refcheck=False)
    finally:
        gc.enable()
    assert x.shape == (10,)
