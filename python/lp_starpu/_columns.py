"""Which arrays are used in place and which are copied.

Inputs: 1-D arrays of one length, of a floating dtype float16, float32 or
float64 (TypeError otherwise; integers, complex and long double are refused,
not guessed at).  The run's element type is float64 unless dtype="float32"
is asked for.  A C-contiguous, aligned array of that type in native byte
order is used in place; any other accepted input (a list too) is copied to
it first.  `out`: None (allocated), or a writeable, C-contiguous, aligned,
native 1-D array of that type and length that overlaps no input; it is
never copied, so anything else is refused.  Masked arrays are refused: the
run would ignore their mask."""
import mmap
import os

import numpy as np

ACCEPTED = (np.float16, np.float32, np.float64)


def _is_in_place(a, dtype):
    return (a.dtype == np.dtype(dtype) and a.dtype.isnative and a.flags.c_contiguous
            and a.flags.aligned)


def inputs(x, y, z, dtype="float64"):
    """The three columns as arrays lp_data_wrap can take, and how many
    were copied."""
    cols, copied = [], 0
    for name, given in (("x", x), ("y", y), ("z", z)):
        _refuse_masked(name, given)
        a = np.asarray(given)
        if a.dtype.type not in ACCEPTED:
            raise TypeError(f"{name}: dtype {a.dtype} is not float16, float32 or float64")
        if a.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, not of shape {a.shape}")
        in_place = _is_in_place(a, dtype)
        # Once an input, a list say, made into an array and then converted.
        copied += not (in_place and isinstance(given, np.ndarray))
        if not in_place:
            a = np.ascontiguousarray(a, dtype=dtype)
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
    _refuse_masked("out", out)
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, not {type(out).__name__}")
    if out.dtype != np.dtype(dtype) or not out.dtype.isnative:
        raise TypeError(f"out: dtype {out.dtype} is not native {dtype} (out is never copied)")
    if out.shape != (rows,):
        raise ValueError(f"out must have shape ({rows},), not {out.shape}")
    if not (out.flags.c_contiguous and out.flags.aligned and out.flags.writeable):
        raise ValueError("out must be writeable, C-contiguous and aligned (out is never copied)")
    _refuse_overlap(out, cols)
    return out


def _refuse_masked(name, a):
    """np.asarray would drop the mask, and the run would compute (or
    write) the masked rows as if they were data."""
    if isinstance(a, np.ma.MaskedArray):
        raise TypeError(f"{name} is a numpy.ma.MaskedArray, whose mask the run would ignore: "
                        f"pass {name}.filled(value) or {name}.data explicitly")


def _span(a):
    """The virtual addresses [first, end) of a C-contiguous array."""
    first = a.__array_interface__["data"][0]
    return first, first + a.nbytes


PROC_MAPS = "/proc/self/maps"


def _handler_name(a):
    """The name of the allocator NumPy took a's memory from (NumPy >= 1.22),
    or None."""
    for module in ("_core", "core"):
        get = getattr(getattr(getattr(np, module, None), "multiarray", None),
                      "get_handler_name", None)
        if get is not None:
            return get(a)
    return None


def _numpy_allocated(a):
    """a's memory was allocated by NumPy's default allocator: anonymous
    private memory, with no file or shared mapping behind it (np.memmap,
    frombuffer over an mmap or shared memory all have another base)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a.base is None and a.flags.owndata and _handler_name(a) == "default_allocator"


def _mappings(arrays):
    """The file-backed mappings of this process as (first, end, shared,
    (device, inode), file offset of first).  From /proc/self/maps: every
    mapping (np.memmap, mmap.mmap, shared memory, one a library made);
    without it (not Linux) from the np.memmap in each array's bases."""
    try:
        with open(PROC_MAPS) as f:
            lines = f.read().splitlines()
    except OSError:
        return [m for a in arrays for m in _memmap_mapping(a)]
    found = []
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) >= 5 and fields[4] != "0":   # inode 0: anonymous
            first, end = (int(v, 16) for v in fields[0].split("-"))
            found.append((first, end, fields[1][3] == "s", (fields[3], fields[4]),
                          int(fields[2], 16)))
    return found


def _memmap_mapping(a):
    while a is not None and not (isinstance(a, np.memmap) and a.filename
                                 and getattr(a, "_mmap", None) is not None):
        a = getattr(a, "base", None)
    if a is None:
        return []
    try:
        st = os.stat(a.filename)
    except OSError:   # gone since: nothing to compare it with
        return []
    first = np.frombuffer(a._mmap, dtype=np.uint8).__array_interface__["data"][0]
    return [(first, first + len(a._mmap), a.mode != "c", (st.st_dev, st.st_ino),
             a.offset - a.offset % mmap.ALLOCATIONGRANULARITY)]


def _file_bytes(span, mappings, shared_only=False):
    """The file bytes behind the addresses `span`: ((device, inode), first, end)."""
    lo, hi = span
    for first, end, shared, file, offset in mappings:
        if lo < end and first < hi and (shared or not shared_only):
            yield file, offset + max(lo, first) - first, offset + min(hi, end) - first


def _refuse_overlap(out, cols):
    """out may share no byte with an input: at the same addresses, or (two
    mappings of one file, np.memmap twice, say) at the same bytes of a file
    when out's mapping is shared; a private (copy-on-write) out keeps what
    it writes.  Inputs may overlap each other: they are only read."""
    lo, hi = _span(out)
    for name, a in zip("xyz", cols):
        first, end = _span(a)
        if first < hi and lo < end:
            raise ValueError(f"out overlaps {name}: the tasks would read what they write")
    if _numpy_allocated(out):   # no file's bytes to share (saves reading the maps)
        return
    mappings = _mappings([out, *cols])
    written = list(_file_bytes((lo, hi), mappings, shared_only=True))
    if not written:
        return
    for name, a in zip("xyz", cols):
        for file, first, end in _file_bytes(_span(a), mappings):
            if any(file == wfile and first < wend and wfirst < end
                   for wfile, wfirst, wend in written):
                raise ValueError(f"out overlaps {name}: the tasks would read what they write "
                                 "(both map the same bytes of one file)")
