#!/usr/bin/env python3
"""`cmake --install` into a temporary prefix, then the prefix moved elsewhere:
the installed tool runs from another directory without LD_LIBRARY_PATH, its
StarPU is the one installed beside it, nothing points back into the build,
`cc $(pkg-config --cflags --libs lp-starpu) examples/embed.c` builds and
runs, the man page is there and names every option of --help, and the
Python module loads the installed library.

    install_test.py BUILD_DIR SOURCE_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROWS = 100000
# The seed data's checksum for 10^5 rows: the exact sum of the rows,
# rounded once, which is also sum of ln(i)^3 correctly rounded
# (119145182.8819195123 to 20 digits).
CHECKSUM = "119145182.88191952"


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p.stdout


def clean_env():
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "PKG_CONFIG_PATH", "LP_STARPU_LIB")}
    env["STARPU_SILENT"] = "1"
    return env


def main(build, source):
    work = tempfile.mkdtemp(prefix="lp-install-test-")
    try:
        first, prefix = os.path.join(work, "first"), os.path.join(work, "moved")
        run(["cmake", "--install", build, "--prefix", first])
        os.rename(first, prefix)   # relocatable: nothing may name `first`
        elsewhere = os.path.join(work, "elsewhere")
        os.mkdir(elsewhere)
        env = clean_env()
        tool = os.path.join(prefix, "bin", "lp-starpu")

        out = run([tool, "--rows", str(ROWS), "--backend", "cpu", "--verify", "--quiet"],
                  cwd=elsewhere, env=env)
        if out.strip() != CHECKSUM:
            sys.exit(f"FAIL: installed tool printed {out.strip()!r}, expected {CHECKSUM}")

        # The StarPU found at run time is the one in the prefix, when the
        # build used the bootstrap's; nothing is unresolved.
        ldd = run(["ldd", tool], env=env)
        if "not found" in ldd:
            sys.exit(f"FAIL: unresolved libraries:\n{ldd}")
        bundled = os.path.exists(os.path.join(prefix, "lib", "libstarpu-1.3.so.9"))
        for lib in ("libstarpu-1.3.so", "libstarpumpi-1.3.so", "libfxt.so"):
            line = next((l for l in ldd.splitlines() if lib in l), None)
            if bundled and line and os.path.realpath(prefix) not in os.path.realpath(
                    line.split("=>")[1].split("(")[0].strip()):
                sys.exit(f"FAIL: {lib} not taken from the prefix: {line.strip()}")
        for path, dirs, files in os.walk(prefix):
            for f in files:
                full = os.path.join(path, f)
                if os.path.islink(full) or not (f.endswith((".so",)) or ".so." in f
                                                 or path.endswith("bin")):
                    continue
                dyn = subprocess.run(["readelf", "-d", full], capture_output=True, text=True).stdout
                for m in re.finditer(r"\((?:RPATH|RUNPATH)\)\s+Library r\w*path: \[(.*)\]", dyn):
                    if build in m.group(1) or source in m.group(1) or first in m.group(1):
                        sys.exit(f"FAIL: {full} has run path {m.group(1)}")

        # pkg-config, in the order the issue gives: flags before the source.
        penv = dict(env, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
        flags = run(["pkg-config", "--cflags", "--libs", "lp-starpu"], env=penv).split()
        version = run(["pkg-config", "--modversion", "lp-starpu"], env=penv).strip()
        if version != "0.1.0":
            sys.exit(f"FAIL: pkg-config --modversion gave {version}")
        embed = os.path.join(work, "embed")
        run(["cc", *flags, os.path.join(source, "examples", "embed.c"), "-o", embed], env=penv)
        out = run([embed, str(ROWS)], cwd=elsewhere, env=env)
        if f"checksum {CHECKSUM}" not in out:
            sys.exit(f"FAIL: embed printed {out!r}")

        man = os.path.join(prefix, "share", "man", "man1", "lp-starpu.1")
        text = open(man).read().replace("\\-", "-")
        options = set(re.findall(r"(--[a-z][a-z-]+)", run([tool, "--help"], env=env)))
        missing = sorted(o for o in options if o not in text)
        if missing:
            sys.exit(f"FAIL: the man page lacks {', '.join(missing)}")
        if shutil.which("groff"):
            warnings = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", man],
                                      capture_output=True, text=True).stderr
            if warnings.strip():
                sys.exit(f"FAIL: groff warns about the man page:\n{warnings}")

        # The Python module, pointed at the prefix's lib/.
        try:
            import numpy  # noqa: F401
        except ImportError:
            print("Python module not tried: no NumPy")
        else:
            code = ("import numpy as np, lp_starpu, os\n"
                    "x = np.arange(1, %d + 1, dtype=np.float64)\n"
                    "r = lp_starpu.run(x, x.copy(), x.copy(), backend='cpu', verify=True)\n"
                    "print(repr(r.checksum), os.path.realpath(lp_starpu.library_path()))\n" % ROWS)
            pyenv = dict(env, LP_STARPU_LIB=os.path.join(prefix, "lib"),
                         PYTHONPATH=os.path.join(source, "python"))
            checksum, lib = run([sys.executable, "-c", code], cwd=elsewhere, env=pyenv).split()
            if float(checksum) != float(CHECKSUM) or not lib.startswith(os.path.realpath(prefix)):
                sys.exit(f"FAIL: the module gave {checksum} from {lib}")
        print(f"installed, moved and run: {prefix}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2]))
