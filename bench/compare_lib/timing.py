"""The timing rule every approach follows, and the checksum check."""
import dataclasses
import statistics
import time

# Relative tolerance between an approach's checksum and the reference: far
# above the rounding differences of summation orders (about 1e-15 here), far
# below any real error (one wrong row out of 10^7 already moves it ~1e-7).
CHECKSUM_RTOL = 1e-9


@dataclasses.dataclass
class Timing:
    best_s: float
    median_s: float
    run_s: list
    checksum: float


def rel_error(value, reference):
    return abs(value - reference) / abs(reference) if reference else abs(value)


def measure(run, checksum_of, repeat, warmup):
    """Warm-up runs untimed (JIT compilation, first-touch page faults), then
    `repeat` timed runs of `run()`. The checksum of each result is taken
    outside the timed region; the worst one (farthest from the first) is
    kept so that a run that differs from the others cannot hide."""
    for _ in range(warmup):
        run()
    times, sums = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
        sums.append(checksum_of(out))
        del out  # free before the next run allocates its own
    worst = max(sums, key=lambda s: abs(s - sums[0]))
    return Timing(min(times), statistics.median(times), times, worst)
