"""Runs of build/lp-starpu: one subprocess per configuration, its JSON
report parsed. The rows' timing and checksum come from lp-starpu itself,
which follows the same rule as the Python side (warm-up runs untimed, data
from host RAM back to host RAM)."""
import json
import os
import shutil
import statistics
import subprocess

from .results import Unavailable
from .timing import Timing

EXIT_BACKEND_UNAVAILABLE = 3
MPI_RANKS = 2

# Open MPI refuses root without these; shared memory and loopback keep the
# ranks on this machine. Only defaults: the user's own settings win.
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_btl": "self,vader",
    "OMPI_MCA_oob_tcp_if_include": "lo",
}


class LpStarpu:
    def __init__(self, binary, starpu_home):
        self.binary = binary
        self.starpu_home = starpu_home

    def _env(self, extra):
        # The user's STARPU_* variables would change what a row means (a
        # STARPU_NCPU=1 left in the shell turns "all CPU workers" into one),
        # so each run gets only the ones its configuration sets.
        env = {k: v for k, v in os.environ.items() if not k.startswith("STARPU_")}
        env["STARPU_HOME"] = self.starpu_home
        env.update(extra or {})
        return env

    def version(self):
        return subprocess.run([self.binary, "--version"], capture_output=True,
                              text=True, check=True).stdout.strip()

    def report(self, rows, intensity=1, repeat=1, warmup=1, args=(), env=None, mpi=False):
        """The JSON report of one lp-starpu invocation; Unavailable when the
        backend asked for does not exist here (exit status 3)."""
        cmd = [self.binary, "--rows", str(rows), "--intensity", str(intensity),
               "--repeat", str(repeat), "--warmup", str(warmup), "--json", "-", *args]
        env = self._env(env)
        if mpi:
            cmd = self._mpirun(env) + cmd
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        last_line = (proc.stderr.strip().splitlines() or [""])[-1]
        if proc.returncode == EXIT_BACKEND_UNAVAILABLE:
            raise Unavailable(last_line)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: exit status {proc.returncode}: {last_line}")
        return json.loads(proc.stdout)

    def _mpirun(self, env):
        mpirun = shutil.which("mpirun")
        if not mpirun:
            raise Unavailable("mpirun not found")
        for k, v in MPI_ENV.items():
            env.setdefault(k, v)
        return [mpirun, "-np", str(MPI_RANKS), "--oversubscribe"]

    def reference_checksum(self, rows, intensity=1, verify=True):
        """The checksum every approach must match: one CPU run, with every
        row checked against lp-starpu's long-double reference when
        `verify` (seconds at 10^7 rows; too slow for the sweep's high
        intensities, where the plain CPU run is the reference)."""
        args = ["--backend", "cpu"] + (["--verify"] if verify else [])
        return self.report(rows, intensity, repeat=1, warmup=0, args=args)["checksum"]

    def calibrate(self, rows, intensity):
        """Untimed runs that fill the performance model dmda schedules with:
        --compare forces every backend, so every kind of worker is measured
        on this N's tile sizes."""
        self.report(rows, intensity, repeat=3, warmup=0, args=["--compare"],
                    env={"STARPU_CALIBRATE": "1"})


def timing_of(report):
    runs = report["run_seconds"]
    return Timing(min(runs), statistics.median(runs), runs, report["checksum"])


def workers_note(report):
    """Who ran the tasks: CPU workers counted, other devices named."""
    def plural(n, word):
        return f"{n} {word}{'' if n == 1 else 's'}"
    cpu = [w for w in report["workers"] if w["kind"] == "cpu" and w["tasks"]]
    parts = []
    if cpu:
        parts.append(f"{plural(len(cpu), 'CPU worker')} "
                     f"({plural(sum(w['tasks'] for w in cpu), 'task')})")
    parts += [f"{w['name']} ({plural(w['tasks'], 'task')})" for w in report["workers"]
              if w["kind"] != "cpu" and w["tasks"]]
    return ", ".join(parts)


def configurations(cores):
    """(key, label, extra arguments, environment, mpi, why-note) of each
    lp-starpu row. The scheduled run gets the default set of workers (on a
    GPU machine: CPUs and the GPU); PoCL's OpenCL worker is left out of it
    because its driving thread takes a core, which on a small machine costs
    more than the device gives."""
    per_rank = str(max(1, cores // MPI_RANKS))
    return [
        ("lp-cpu1", "lp-starpu, 1 CPU worker", ["--backend", "cpu"], {"STARPU_NCPU": "1"}, False, ""),
        ("lp-cpu", "lp-starpu, all CPU workers", ["--backend", "cpu"], {}, False, ""),
        ("lp-cuda", "lp-starpu, CUDA only", ["--backend", "cuda"], {}, False,
         "includes host<->GPU transfers"),
        ("lp-opencl", "lp-starpu, OpenCL only", ["--backend", "opencl"],
         {"STARPU_OPENCL_ON_CPUS": "1"}, False, "includes host<->device transfers"),
        ("lp-sched", "lp-starpu, scheduled (dmda)", ["--sched", "dmda"], {}, False,
         "after a calibration pass"),
        ("lp-mpi2", f"lp-starpu, {MPI_RANKS} MPI ranks", ["--mpi"], {"STARPU_NCPU": per_rank}, True,
         f"STARPU_NCPU={per_rank} per rank; each rank makes its own rows, only tile sums "
         "are gathered"),
    ]
