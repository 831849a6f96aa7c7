"""Results against independent references: NumPy in long double, row by
row, and the seed data's known checksum."""
import math

import numpy as np
import pytest

from conftest import max_rel_error, random_columns, reference

SEED_10M_CHECKSUM = 34986983045.742981   # README; the tool gives the same


def test_random_rows_match_long_double_reference(lp):
    x, y, z = random_columns(1_000_003)
    out = lp.logprod(x, y, z)
    assert out.shape == x.shape and out.dtype == np.float64
    assert max_rel_error(out, reference(x, y, z)) <= lp.VERIFY_TOLERANCE


def test_each_column_is_read_as_itself(lp):
    # log(x) log(y) log(z) with x = 2, y = 3, z = 5 in different rows'
    # order: swapping or repeating columns gives another number.
    x, y, z = np.full(100, 2.0), np.full(100, 3.0), np.full(100, 5.0)
    x[7] = 7.0
    out = lp.logprod(x, y, z, tiles=4)
    expected = math.log(2) * math.log(3) * math.log(5)
    assert np.allclose(np.delete(out, 7), expected, rtol=1e-14, atol=0)
    assert math.isclose(out[7], math.log(7) * math.log(3) * math.log(5), rel_tol=1e-14)


def test_intensity_sums_k_terms(lp):
    x, y, z = random_columns(50_000, seed=3)
    out = lp.logprod(x, y, z, intensity=4)
    assert max_rel_error(out, reference(x, y, z, intensity=4)) <= lp.VERIFY_TOLERANCE


def test_seed_checksum_and_rows(lp):
    x = np.arange(1, 10_000_001, dtype=np.float64)
    r = lp.run(x, x.copy(), x.copy(), verify=True)
    assert math.isclose(r.checksum, SEED_10M_CHECKSUM, rel_tol=1e-13)
    assert r.max_rel_error <= lp.VERIFY_TOLERANCE
    rows = np.r_[0:1000, 4_999_000:5_001_000, 9_999_000:10_000_000]   # tile edges among them
    assert max_rel_error(r.out[rows], reference(x[rows], x[rows], x[rows])) <= 1e-15 * 4
    assert math.isclose(r.checksum, math.fsum(r.out), rel_tol=1e-13)


def test_accel_tiles_cut_the_rows_as_the_tool_does(lp):
    # Two tiles of 30000 rows first, the 40001 left in 4: every row once,
    # the same rows as equal tiles give (lp-starpu's own log: the same
    # bits wherever a row falls in its tile).
    x, y, z = random_columns(100_001, seed=5)
    r = lp.run(x, y, z, tiles=4, accel_tiles=(2, 30_000), verify=True)
    assert (r.tiles, r.accel_tiles, r.accel_tile_rows) == (6, 2, 30_000)
    assert sum(w.rows for w in r.workers) == 100_001
    equal = lp.run(x, y, z, tiles=6)
    assert equal.accel_tiles == 0 and r.max_rel_error <= lp.VERIFY_TOLERANCE
    if r.reproducible and equal.reproducible:
        assert np.array_equal(r.out, equal.out) and r.checksum == equal.checksum


def test_report_fields_like_the_tool(lp):
    x, y, z = random_columns(200_000, seed=11)
    r = lp.run(x, y, z, backend="cpu", tiles=7, repeat=4, warmup=1)
    assert (r.rows, r.tiles, r.repeat, r.warmup, r.backend) == (200_000, 7, 4, 1, "cpu")
    assert len(r.run_seconds) == 4 and all(t > 0 for t in r.run_seconds)
    assert r.seconds == min(r.run_seconds)
    middle = sorted(r.run_seconds)[1:3]
    assert math.isclose(r.median_seconds, sum(middle) / 2, rel_tol=1e-12)
    # Every task on a CPU worker (a GPU machine lists its idle CUDA worker).
    assert r.workers and all(w.kind == "cpu" for w in r.workers if w.tasks)
    assert sum(w.tasks for w in r.workers) == 7
    assert sum(w.rows for w in r.workers) == 200_000
    assert all(w.busy_ms > 0 for w in r.workers if w.tasks)
    assert all(b.bytes == 0 for b in r.buses)   # CPU workers share host memory
    assert r.sched == lp.start()  # the policy the runtime runs
    assert max_rel_error(r.out, reference(x, y, z)) <= lp.VERIFY_TOLERANCE
    # The runtime's cost per tile: the workers' time outside the 7 tasks.
    busy = sum(w.busy_ms for w in r.workers if w.kind == "cpu") * 1e-3
    cpus = sum(1 for w in r.workers if w.kind == "cpu")
    assert math.isclose(r.tile_cost_seconds, (cpus * r.seconds - busy) / 7, rel_tol=1e-6)
    assert r.register_seconds > 0
    assert r.reproducible   # lp-starpu's own log on every tile (the default)


def test_the_same_buffers_with_new_inputs_give_new_rows(lp):
    # Two calls on the very same arrays: the second reads what they hold now.
    x, y, z = random_columns(100_000, seed=5)
    out = np.empty_like(x)
    for backend in ("cpu", "auto"):
        for seed in (6, 7):
            x[:], y[:], z[:] = random_columns(100_000, seed=seed)
            lp.run(x, y, z, out=out, backend=backend, tiles=5, repeat=2, warmup=1)
            assert max_rel_error(out, reference(x, y, z)) <= lp.VERIFY_TOLERANCE


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_infinite_and_nan_rows_verified_and_summed_as_ieee(lp, dtype):
    # As NumPy: log(inf) = inf, log(0.5) < 0, log(-1) = nan.  verify=True
    # accepts a row that is the same infinity (or NaN) as its reference,
    # and the checksum is the IEEE sum of the rows.
    inf = np.inf

    def run(x, y, z=(2, 2, 3)):
        cols = [np.array(c, dtype=dtype) for c in (x, y, z)]
        r = lp.run(*cols, dtype=dtype, verify=True)
        with np.errstate(invalid="ignore"):
            want = np.log(cols[0]) * np.log(cols[1]) * np.log(cols[2])
        finite = np.isfinite(want)
        assert np.array_equal(np.isnan(r.out), np.isnan(want))
        assert np.array_equal(r.out[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
        assert max_rel_error(r.out[finite], reference(*(c[finite] for c in cols))) <= 1e-5
        return r

    r = run((inf, 2, 3), (2, 2, 3))
    assert r.out[0] == inf and r.checksum == inf
    r = run((inf, 2, 3), (0.5, 2, 3))
    assert r.out[0] == -inf and r.checksum == -inf
    r = run((inf, inf, 3), (2, 0.5, 3))
    assert (r.out[0], r.out[1]) == (inf, -inf) and math.isnan(r.checksum)
    r = run((-1.0, 2, 3), (2, 2, 3))
    assert math.isnan(r.out[0]) and math.isnan(r.checksum)
