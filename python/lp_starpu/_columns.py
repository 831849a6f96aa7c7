"""Which arrays are used in place and which are copied.

Inputs: 1-D arrays of one length, of a floating dtype float16, float32 or
float64 (TypeError otherwise; integers, complex and long double are refused,
not guessed at).  The run's element type is float64 unless dtype="float32"
is asked for.  A C-contiguous, aligned array of that type in native byte
order is used in place; any other accepted input (a list too) is copied to
it first.  `out`: None (allocated), or a writeable, C-contiguous, aligned,
native 1-D array of that type and length that overlaps no input; it is
never copied, so anything else is refused."""
import numpy as np

ACCEPTED = (np.float16, np.float32, np.float64)


def _is_in_place(a, dtype):
    return (a.dtype == np.dtype(dtype) and a.dtype.isnative and a.flags.c_contiguous
            and a.flags.aligned)


def inputs(x, y, z, dtype="float64"):
    """The three columns as arrays lp_data_wrap_as can take, and how many
    were copied."""
    cols, copied = [], 0
    for name, given in (("x", x), ("y", y), ("z", z)):
        a = np.asarray(given)
        copied += not isinstance(given, np.ndarray)   # a list, say: made into an array
        if a.dtype.type not in ACCEPTED:
            raise TypeError(f"{name}: dtype {a.dtype} is not float16, float32 or float64")
        if a.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, not of shape {a.shape}")
        if not _is_in_place(a, dtype):
            a = np.ascontiguousarray(a, dtype=dtype)
            copied += 1
        cols.append(a)
    lengths = {len(a) for a in cols}
    if len(lengths) != 1:
        raise ValueError(f"x, y and z differ in length: {len(cols[0])}, {len(cols[1])}, "
                         f"{len(cols[2])}")
    if not len(cols[0]):
        raise ValueError("x, y and z are empty: nothing to compute")
    return cols, copied


def output(out, rows, cols, dtype="float64"):
    if out is None:
        return np.empty(rows, dtype=dtype)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, not {type(out).__name__}")
    if out.dtype != np.dtype(dtype) or not out.dtype.isnative:
        raise TypeError(f"out: dtype {out.dtype} is not native {dtype} (out is never copied)")
    if out.shape != (rows,):
        raise ValueError(f"out must have shape ({rows},), not {out.shape}")
    if not (out.flags.c_contiguous and out.flags.aligned and out.flags.writeable):
        raise ValueError("out must be writeable, C-contiguous and aligned (out is never copied)")
    for name, a in zip("xyz", cols):
        if np.may_share_memory(out, a):
            raise ValueError(f"out overlaps {name}: the tasks would read what they write")
    return out
