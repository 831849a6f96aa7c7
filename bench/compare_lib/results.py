"""One row of the comparison: what ran, how long, and whether it counted."""
import dataclasses
from typing import Optional

OK, SKIPPED, FAILED = "ok", "skipped", "FAILED"


class Unavailable(Exception):
    """The approach cannot run here (package, device or launcher missing)."""


@dataclasses.dataclass
class Row:
    key: str                 # stable id, as given to --only
    label: str               # what the table shows
    group: str               # "Python" or "lp-starpu"
    status: str = OK
    rows: int = 0            # N the time stands for
    best_s: Optional[float] = None
    median_s: Optional[float] = None
    run_s: Optional[list] = None
    measured_rows: Optional[int] = None  # set when best_s is extrapolated
    checksum: Optional[float] = None
    rel_error: Optional[float] = None
    note: str = ""           # where it ran, what the time includes
    reason: str = ""         # why it was skipped or failed

    @property
    def extrapolated(self):
        return self.measured_rows is not None and self.measured_rows != self.rows

    def as_dict(self):
        d = dataclasses.asdict(self)
        d["extrapolated"] = self.extrapolated
        return d


def record(row, timing, reference, rows, measured_rows=None):
    """Fill `row` from a measurement; a checksum off the reference by more
    than CHECKSUM_RTOL marks it FAILED (its time then does not count).
    With `measured_rows` < rows the times are scaled linearly to `rows`
    (only the plain Python loop: its cost per row does not depend on N)."""
    from .timing import CHECKSUM_RTOL, rel_error
    measured = measured_rows or rows
    scale = rows / measured
    row.rows = rows
    row.measured_rows = measured_rows
    row.checksum = timing.checksum
    row.rel_error = rel_error(timing.checksum, reference)
    row.run_s = timing.run_s
    if row.rel_error > CHECKSUM_RTOL:
        row.status = FAILED
        row.reason = (f"checksum {timing.checksum!r} differs from the reference "
                      f"{reference!r} (relative error {row.rel_error:.2e} > {CHECKSUM_RTOL:g})")
        return row
    row.best_s = timing.best_s * scale
    row.median_s = timing.median_s * scale
    return row
