"""bench/.venv: the pinned Python side, installed from PyPI or from a local
wheelhouse, never into the Python that runs bench/compare; or
bench/.venv-system: the running Python's own packages plus Dask from a
small wheelhouse (a machine without network that lacks only Dask).
Standard library only: this runs before the venv exists."""
import hashlib
import os
import shutil
import subprocess
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(BENCH, ".venv")
REQUIREMENTS = os.path.join(BENCH, "requirements.txt")
GPU_REQUIREMENTS = os.path.join(BENCH, "requirements-gpu.txt")
DASK_REQUIREMENTS = os.path.join(BENCH, "requirements-dask.txt")
OVER_SYSTEM = os.path.join(BENCH, ".venv-system")
STAMP_NAME = ".bench-installed"

# Wheel tags of the x86_64 Linux machines the comparison runs on; pip needs
# them spelled out to fetch wheels for another Python than its own.
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_24_x86_64",
             "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_12_x86_64",
             "manylinux2010_x86_64", "manylinux_2_5_x86_64", "manylinux1_x86_64"]


def python(venv=VENV):
    return os.path.join(venv, "bin", "python")


def active():
    return os.path.realpath(sys.prefix) in (os.path.realpath(VENV),
                                            os.path.realpath(OVER_SYSTEM))


def has_nvidia_gpu():
    if not shutil.which("nvidia-smi"):
        return False
    out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return out.returncode == 0 and "GPU" in out.stdout


def _fingerprint(files):
    h = hashlib.sha256()
    for f in files:
        with open(f, "rb") as fh:
            h.update(fh.read())
    return h.hexdigest()


def _installed(venv, wanted):
    """Whether venv holds what the fingerprint `wanted` names (its stamp)."""
    try:
        with open(os.path.join(venv, STAMP_NAME)) as f:
            return f.read() == wanted
    except FileNotFoundError:
        return False


def _stamp(venv, wanted):
    with open(os.path.join(venv, STAMP_NAME), "w") as f:
        f.write(wanted)


def _create(wheelhouse, venv=VENV, system_site=False):
    make = [sys.executable, "-m", "venv"] + (["--system-site-packages"] if system_site else [])
    try:
        subprocess.run(make + [venv], check=True)
        return
    except subprocess.CalledProcessError:
        if not wheelhouse:
            sys.exit("compare: cannot create bench/.venv (on Debian/Ubuntu: apt-get install "
                     "python3-venv), or use --no-venv with the packages already installed")
    # No ensurepip (python3-venv missing) but a wheelhouse: pip runs from
    # its own wheel to install itself into a venv made without it.
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run(make + ["--without-pip", venv], check=True)
    wheels = [f for f in os.listdir(wheelhouse) if f.startswith("pip-") and f.endswith(".whl")]
    if not wheels:
        sys.exit(f"compare: no pip wheel in {wheelhouse} to bootstrap bench/.venv with")
    subprocess.run([python(venv), os.path.join(wheelhouse, wheels[0], "pip"), "install", "-q",
                    "--no-index", "--find-links", wheelhouse, "pip"], check=True)


def ensure(wheelhouse=None):
    """Create or update bench/.venv when the requirements changed; returns
    its python. GPU packages only where nvidia-smi sees a GPU, and their
    failure only costs the GPU rows (they are then skipped, with the reason)."""
    gpu = has_nvidia_gpu()
    files = [REQUIREMENTS, DASK_REQUIREMENTS] + ([GPU_REQUIREMENTS] if gpu else [])
    wanted = _fingerprint(files)
    if _installed(VENV, wanted):
        return python()
    print(f"[compare] installing {', '.join(os.path.basename(f) for f in files)} into {VENV}",
          file=sys.stderr, flush=True)
    if not os.path.exists(python()):
        _create(wheelhouse)
    pip = [python(), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if wheelhouse:
        pip += ["--no-index", "--find-links", wheelhouse]
    subprocess.run(pip + ["-r", REQUIREMENTS], check=True)
    if gpu and subprocess.run(pip + ["-r", GPU_REQUIREMENTS]).returncode != 0:
        print("[compare] GPU packages did not install: CuPy and Numba CUDA rows will be skipped",
              file=sys.stderr)
        return python()  # no stamp: the next run tries again
    _stamp(VENV, wanted)
    return python()


def ensure_over_system(wheelhouse):
    """bench/.venv-system: a venv that sees the running Python's packages
    (NumPy, Numba, CuPy, numba-cuda as the machine has them) and adds only
    Dask and distributed, offline, from `wheelhouse` (made with
    --download-wheels DIR --dask-only: about 7 MB, small enough to carry
    to a GPU node whose Python lacks only Dask).  Returns its python."""
    wanted = _fingerprint([DASK_REQUIREMENTS])
    if _installed(OVER_SYSTEM, wanted):
        return python(OVER_SYSTEM)
    print(f"[compare] installing requirements-dask.txt from {wheelhouse} into {OVER_SYSTEM}",
          file=sys.stderr, flush=True)
    if not os.path.exists(python(OVER_SYSTEM)):
        _create(wheelhouse, OVER_SYSTEM, system_site=True)
    subprocess.run([python(OVER_SYSTEM), "-m", "pip", "install", "-q",
                    "--disable-pip-version-check", "--no-index", "--find-links", wheelhouse,
                    "-r", DASK_REQUIREMENTS], check=True)
    _stamp(OVER_SYSTEM, wanted)
    return python(OVER_SYSTEM)


def download_wheels(dest, python_version, dask_only=False):
    """Every wheel bench/.venv needs, GPU packages and pip included (or,
    dask_only, what bench/.venv-system adds: Dask's and pip), for CPython
    `python_version` on x86_64 Linux: made where PyPI is reachable, carried
    to a machine without network, used there with --wheelhouse (or
    --add-wheels)."""
    # Dask's file is complete but for NumPy: without dependencies, the
    # wheelhouse holds no NumPy (16 MB) that the machine already has.
    wanted = (["--no-deps", "-r", DASK_REQUIREMENTS] if dask_only
              else ["-r", REQUIREMENTS, "-r", GPU_REQUIREMENTS])
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
           "--only-binary=:all:", "--implementation", "cp", "--python-version", python_version,
           "-d", dest, *wanted, "pip"]
    for p in PLATFORMS:
        cmd += ["--platform", p]
    return subprocess.run(cmd).returncode
