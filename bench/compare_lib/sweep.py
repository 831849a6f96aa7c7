"""The crossover sweep: lp-starpu's backends and NumPy / parallel Numba over
N = 10^3 .. max and several intensities, to see where the fixed costs
(start of a task graph, device transfers, thread wake-ups) stop mattering
and where arithmetic starts to."""
from .results import OK, SKIPPED, Row
from .runner import describe_row, log, run_row


def sizes(min_rows, max_rows):
    """min_rows, 10x it, ... up to max_rows (itself included)."""
    out, n = [], min_rows
    while n < max_rows:
        out.append(n)
        n *= 10
    return out + [max_rows]


def _point(row, intensity):
    ok = row.status == OK
    return {"intensity": intensity, "rows": row.rows, "key": row.key, "label": row.label,
            "status": row.status, "best_s": row.best_s, "median_s": row.median_s,
            "ns_per_row": row.best_s / row.rows * 1e9 if ok else None,
            "rel_error": row.rel_error, "reason": row.reason}


def run(ctx, approaches, min_rows, max_rows, intensities, budget_s):
    """Every (N, intensity, approach), N outermost so that the input
    columns are made once per N. An approach that cannot run here is tried
    once; a point predicted to run longer than budget_s is skipped."""
    unavailable = {}   # key -> reason
    last = {}          # (key, intensity) -> (rows, best_s) of the last point measured
    points = []
    for n in sizes(min_rows, max_rows):
        for k in intensities:
            reference = ctx.lp.reference_checksum(n, k, verify=False)
            for a in approaches:
                row = _sweep_row(a, ctx, n, k, reference, unavailable, last, budget_s)
                log(f"sweep N={n:.0e} K={k}: {describe_row(row)}")
                points.append(_point(row, k))
    return points


def _sweep_row(a, ctx, n, k, reference, unavailable, last, budget_s):
    if a.key in unavailable:
        return Row(a.key, a.label, a.group, SKIPPED, rows=n, reason=unavailable[a.key])
    predicted = _predicted_s(last, a.key, n, k)
    if predicted > budget_s:
        return Row(a.key, a.label, a.group, SKIPPED, rows=n,
                   reason=f"predicted {predicted:.0f} s per run > budget {budget_s:g} s")
    row = run_row(a, ctx, n, k, lambda _n: reference)
    if row.status == SKIPPED:
        unavailable[a.key] = row.reason
    elif row.status == OK:
        last[(a.key, k)] = (n, row.best_s)
    return row


def _predicted_s(last, key, n, k):
    """A run's time, linear in N from the last point of this intensity, or
    in the work per row (K) from the nearest smaller intensity at this N
    (an upper bound: fixed costs do not grow with K); 0 with nothing to go
    by."""
    if (key, k) in last:
        prev_rows, prev_best = last[(key, k)]
        return prev_best * n / prev_rows
    below = [(j, best) for (key_j, j), (rows, best) in last.items()
             if key_j == key and rows == n and j < k]
    if not below:
        return 0.0
    j, best = max(below)   # the nearest intensity: the fixed costs weigh least
    return best * k / j
