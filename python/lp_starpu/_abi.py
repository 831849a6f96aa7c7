"""liblp-starpu.so through ctypes: where it is found, and the C structs of
include/lp_starpu.h, checked against the library's own sizes on load."""
import ctypes
import os
import shutil

LIBRARY_ENV = "LP_STARPU_LIB"
SONAME = "liblp-starpu.so.0"

# Exit statuses (enum lp_status).
OK, ERR_RUNTIME, ERR_USAGE, ERR_BACKEND, ERR_INPUT, ERR_VERIFY, ERR_INTERRUPTED = range(7)
BACKENDS = ("auto", "cpu", "cuda", "opencl")   # enum lp_backend, in order
DTYPES = ("float64", "float32")                # enum lp_dtype, in order


class Options(ctypes.Structure):
    _fields_ = [("sched", ctypes.c_char_p), ("backend", ctypes.c_int),
                ("tiles", ctypes.c_size_t), ("tile_rows", ctypes.c_size_t),
                ("repeat", ctypes.c_int), ("warmup", ctypes.c_int),
                ("quiet", ctypes.c_int), ("verify", ctypes.c_int),
                ("intensity", ctypes.c_uint),
                ("progress", ctypes.c_void_p), ("progress_arg", ctypes.c_void_p),
                ("cpu_impl", ctypes.c_char_p), ("progress_rows", ctypes.c_void_p),
                ("no_checksum", ctypes.c_int), ("keep_tiles", ctypes.c_int),
                ("stop_on_sigint", ctypes.c_int),
                ("accel_tiles", ctypes.c_size_t), ("accel_tile_rows", ctypes.c_size_t)]


_double_p = ctypes.POINTER(ctypes.c_double)

# lp_options.progress (after each run) and progress_rows (as tiles end, from
# StarPU's worker threads).
PROGRESS_RUNS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_int)
PROGRESS_ROWS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64)



class WorkerStats(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 96), ("kind", ctypes.c_int),
                ("tasks", ctypes.c_uint), ("rows", ctypes.c_size_t),
                ("busy_ms", ctypes.c_double), ("predicted_ms", ctypes.c_double),
                ("mem_total_bytes", ctypes.c_longlong), ("mem_peak_bytes", ctypes.c_longlong),
                ("impl", ctypes.c_char * 64)]


class BusStats(ctypes.Structure):
    _fields_ = [("src", ctypes.c_char * 32), ("dst", ctypes.c_char * 32),
                ("bytes", ctypes.c_uint64), ("transfers", ctypes.c_uint),
                ("model_seconds", ctypes.c_double)]



class Report(ctypes.Structure):
    _fields_ = [("rows", ctypes.c_size_t), ("tiles", ctypes.c_size_t),
                ("sched", ctypes.c_char * 64), ("backend", ctypes.c_int),
                ("checksum", ctypes.c_double), ("verified", ctypes.c_int),
                ("max_rel_error", ctypes.c_double), ("worst_row", ctypes.c_size_t),
                ("worst_values", ctypes.c_double * 4),
                ("repeat", ctypes.c_int), ("warmup", ctypes.c_int),
                ("intensity", ctypes.c_uint),
                ("seconds", ctypes.c_double), ("own_seconds", ctypes.c_double),
                ("median_seconds", ctypes.c_double), ("run_seconds", _double_p),
                ("nworkers", ctypes.c_uint), ("workers", ctypes.POINTER(WorkerStats)),
                ("nbuses", ctypes.c_uint), ("buses", ctypes.POINTER(BusStats)),
                ("tasks", ctypes.c_void_p),   # lp_task_record[tiles]: not read here
                ("model_samples", ctypes.c_int * len(BACKENDS)),
                ("dtype", ctypes.c_int),
                ("register_seconds", ctypes.c_double),
                ("handles_registered", ctypes.c_size_t),
                ("tile_cost_seconds", ctypes.c_double),
                ("reproducible", ctypes.c_int),
                ("accel_tiles", ctypes.c_size_t), ("accel_tile_rows", ctypes.c_size_t)]


# The structs the module reads or writes, mirrored and checked against the
# library's sizes; lp_data it never looks into (opaque(), below).
STRUCTS = {"lp_options": Options, "lp_report": Report, "lp_worker_stats": WorkerStats,
           "lp_bus_stats": BusStats}


def opaque(lib, cname):
    """Zeroed memory for a C struct the module only passes along, of the
    library's own size for it (8-byte aligned)."""
    return (ctypes.c_uint64 * ((lib.lp_struct_size(cname.encode()) + 7) // 8))()


def candidates():
    """Where the library is looked for, in order: LP_STARPU_LIB (the file,
    or a directory holding it); the build tree or prefix recorded when the
    package was installed; lib/ beside an lp-starpu on PATH; this package's
    checkout (python/ next to build/); then the system's loader."""
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return [os.path.join(env, SONAME) if os.path.isdir(env) else env]
    found = []
    try:
        from . import _install_paths
        found += _install_paths.LIBRARIES
    except ImportError:
        pass
    tool = shutil.which("lp-starpu")
    if tool:
        found.append(os.path.join(os.path.dirname(os.path.realpath(tool)), "..", "lib", SONAME))
    here = os.path.dirname(os.path.abspath(__file__))
    found.append(os.path.join(here, "..", "..", "build", SONAME))
    found.append(SONAME)   # LD_LIBRARY_PATH, ldconfig
    return found


def _declare(lib):
    c = ctypes
    sigs = {
        "lp_options_init": (None, [c.POINTER(Options)]),
        "lp_start": (c.c_int, [c.POINTER(Options)]),
        "lp_last_error": (c.c_char_p, []),
        "lp_stop": (None, []),
        "lp_request_stop": (None, [c.c_int]),
        "lp_stop_requested": (c.c_int, []),
        "lp_sched_name": (c.c_char_p, []),
        "lp_sched_known": (c.c_int, [c.c_char_p]),
        "lp_sched_nth": (c.c_char_p, [c.c_int]),
        "lp_backend_workers": (c.c_uint, [c.c_int]),
        "lp_data_wrap": (c.c_int, [c.c_void_p, c.c_size_t, c.c_int] + [c.c_void_p] * 4),
        "lp_data_free": (None, [c.c_void_p]),
        "lp_run": (c.c_int, [c.POINTER(Options), c.c_void_p, c.POINTER(Report)]),
        "lp_report_free": (None, [c.POINTER(Report)]),
        "lp_struct_size": (c.c_size_t, [c.c_char_p]),
        "lp_pin": (c.c_int, [c.c_void_p, c.c_size_t, c.POINTER(c.c_int)]),
        "lp_unpin": (c.c_int, [c.c_void_p]),
        "lp_pinned": (c.c_int, [c.c_void_p, c.c_size_t]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    # Newer than some builds the module may meet: declared where present.
    optional = {
        "lp_check_environment": (c.c_int, [c.c_char_p, c.c_size_t]),
    }
    for name, (restype, argtypes) in optional.items():
        if hasattr(lib, name):
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = restype, argtypes


def check_environment(lib):
    """None, or the one-line message of lp_check_environment on a STARPU_*
    variable that StarPU would abort the process on (STARPU_NCPU=abc, say);
    None too from a library without that function."""
    if not hasattr(lib, "lp_check_environment"):
        return None
    msg = ctypes.create_string_buffer(512)
    if lib.lp_check_environment(msg, len(msg)) == OK:
        return None
    return msg.value.decode(errors="replace") or "a STARPU_* variable holds an invalid value"


def load():
    """The library, its functions declared and its structs checked; raises
    OSError naming every place tried."""
    tried = []
    for path in candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(f"{path} (no such file)")
            continue
        try:
            lib = ctypes.CDLL(os.path.normpath(path) if os.sep in path else path)
        except OSError as e:
            tried.append(f"{path} ({e})")
            continue
        _declare(lib)
        for cname, struct in STRUCTS.items():
            size = lib.lp_struct_size(cname.encode())
            if size != ctypes.sizeof(struct):
                raise OSError(f"{path}: struct {cname} is {size} bytes there, "
                              f"{ctypes.sizeof(struct)} in lp_starpu: library and "
                              "module come from different versions")
        lib.path = os.path.normpath(path) if os.sep in path else path
        return lib
    raise OSError("liblp-starpu not found (build it with `make build`, or set "
                  f"{LIBRARY_ENV}); tried: " + "; ".join(tried))
