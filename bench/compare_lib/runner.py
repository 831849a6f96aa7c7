"""Measuring one approach at one (N, intensity) into a Row, whatever
happens: skipped when it cannot run here, FAILED when it errs or its
checksum is off."""
import sys
import traceback

from .results import FAILED, SKIPPED, Row, Unavailable, record


def log(msg):
    print(f"[compare] {msg}", file=sys.stderr, flush=True)


def run_row(approach, ctx, rows, intensity, reference_of):
    """`reference_of(n)` gives the reference checksum for n rows (the plain
    Python loop is measured on fewer rows than the others)."""
    row = Row(approach.key, approach.label, approach.group, rows=rows)
    measured = min(rows, approach.max_rows) if approach.max_rows else rows
    try:
        timing, row.note = approach.measure(ctx, measured, intensity)
    except Unavailable as e:
        row.status, row.reason = SKIPPED, str(e)
        return row
    except Exception as e:  # one approach's crash must not lose the others' results
        traceback.print_exc()
        row.status, row.reason = FAILED, f"{type(e).__name__}: {e}"
        return row
    record(row, timing, reference_of(measured), rows, measured if measured != rows else None)
    if row.extrapolated:
        row.note = "; ".join(filter(None, [
            f"extrapolated from N={measured:,} (measured best {timing.best_s:.3f} s)", row.note]))
    return row


def describe_row(row):
    if row.status == SKIPPED:
        return f"{row.label}: skipped ({row.reason})"
    if row.status == FAILED:
        return f"{row.label}: FAILED ({row.reason})"
    return f"{row.label}: best {row.best_s * 1e3:.2f} ms, median {row.median_s * 1e3:.2f} ms"
