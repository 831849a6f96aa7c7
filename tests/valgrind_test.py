#!/usr/bin/env python3
"""One small run of lp-starpu under Valgrind's memcheck.

    valgrind_test.py BIN

Fails on any memory error outside tests/sanitizers/valgrind.supp, on a
definite leak, or on a wrong checksum.  Exit 77 (skipped) without valgrind.
It runs under lp-starpu's own policy, lp-eft, so that memcheck sees the
policy's code as well as the tool's.
"""
import math
import os
import shutil
import subprocess
import sys

ROWS = 10000


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    valgrind = shutil.which("valgrind")
    if not valgrind:
        print("SKIP: valgrind is not installed")
        return 77
    supp = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "sanitizers", "valgrind.supp")
    cmd = [valgrind, "--error-exitcode=99", "--leak-check=full",
           "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
           "--num-callers=30", f"--suppressions={supp}",
           sys.argv[1], "--rows", str(ROWS), "--tiles", "4", "--backend", "cpu", "--quiet",
           "--sched", "lp-eft"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print(p.stderr[-20000:])
        print(f"FAIL: exit {p.returncode} (99: memcheck found errors)")
        return 1
    ref = math.fsum(math.log(i) ** 3 for i in range(1, ROWS + 1))
    got = float(p.stdout)
    if abs(got - ref) > 1e-12 * ref:
        print(f"FAIL: checksum {got!r}, expected {ref!r}")
        return 1
    if "definitely lost: 0 bytes" not in p.stderr and "no leaks are possible" not in p.stderr:
        print(p.stderr[-5000:])
        print("FAIL: no leak summary, or a definite leak")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
