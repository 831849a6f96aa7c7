"""What the numbers were measured on: CPU, memory, GPU and the versions of
everything that ran."""
import importlib.metadata
import os
import platform
import shutil
import subprocess


def _first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    return lines[0] if lines else None


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def memory_gib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    return None


def gpus():
    """One line per GPU from nvidia-smi; empty without an NVIDIA driver."""
    if not shutil.which("nvidia-smi"):
        return []
    out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
                          "--format=csv,noheader"], capture_output=True, text=True)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()] if out.returncode == 0 else []


def os_name():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()


def package_versions():
    versions = {"python": platform.python_version()}
    for name in ("numpy", "numba", "dask", "distributed", "matplotlib", "cupy-cuda12x", "numba-cuda"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def describe(description, lp_version):
    gpu = gpus()
    cores = os.cpu_count()
    auto = f"{cores}-core {cpu_model()}, {', '.join(gpu) if gpu else 'no GPU'}"
    return {
        "description": description or auto,
        "cpu_model": cpu_model(),
        "cores": cores,
        "memory_gib": memory_gib(),
        "gpus": gpu,
        "os": os_name(),
        "kernel": platform.release(),
        "versions": {**package_versions(), "lp-starpu": lp_version,
                     "mpirun": _first_line(["mpirun", "--version"]) if shutil.which("mpirun") else None},
    }
