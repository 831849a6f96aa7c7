#!/usr/bin/env python3
"""One small run of lp-starpu under Valgrind's memcheck.

    valgrind_test.py BIN

Fails on any memory error outside tests/sanitizers/valgrind.supp, on a
definite leak, or on a wrong result.  Exit 77 (skipped) without valgrind.
It runs under lp-starpu's own policy, lp-eft, and reads its rows from a
.npy file and writes --output, --json and --trace, so that memcheck sees the
policy, the reader, the writers and both reports as well as the run.
"""
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROWS = 10000


def write_input(path):
    """ROWS x 3 float64 .npy (C order); returns the expected results."""
    rows = [(0.5 + i / 7, 1.5 + i / 3, 2.5 + i / 11) for i in range(ROWS)]
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, 3), }" % ROWS
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%dd" % (3 * ROWS), *[v for r in rows for v in r]))
    return [math.log(x) * math.log(y) * math.log(z) for x, y, z in rows]


def read_output(path):
    blob = open(path, "rb").read()
    hlen = struct.unpack("<H", blob[8:10])[0]
    data = blob[10 + hlen:]
    return struct.unpack("<%dd" % (len(data) // 8), data)


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
    work = tempfile.mkdtemp()
    expected = write_input(os.path.join(work, "in.npy"))
    cmd = [valgrind, "--error-exitcode=99", "--leak-check=full",
           "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
           "--num-callers=30", f"--suppressions={supp}",
           sys.argv[1], "--input", "in.npy", "--tiles", "4", "--backend", "cpu", "--quiet",
           "--sched", "lp-eft", "--verify", "--output", "out.npy", "--json", "r.json",
           "--trace", "t.svg"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=work)
    if p.returncode != 0:
        print(p.stderr[-20000:])
        print(f"FAIL: exit {p.returncode} (99: memcheck found errors)")
        return 1
    ref = math.fsum(expected)
    got = float(p.stdout)
    if abs(got - ref) > 1e-12 * abs(ref):
        print(f"FAIL: checksum {got!r}, expected {ref!r}")
        return 1
    out = read_output(os.path.join(work, "out.npy"))
    bad = [i for i, (v, e) in enumerate(zip(out, expected)) if abs(v - e) > 1e-13 * abs(e)]
    if len(out) != ROWS or bad:
        print(f"FAIL: --output has {len(out)} rows, wrong rows {bad[:5]}")
        return 1
    report = json.load(open(os.path.join(work, "r.json")))
    svg = open(os.path.join(work, "t.svg")).read()
    if report["rows"] != ROWS or report["max_rel_error"] > 1e-12 or svg.count("tile ") < 4:
        print(f"FAIL: JSON report or trace incomplete: {report}")
        return 1
    shutil.rmtree(work)
    if "definitely lost: 0 bytes" not in p.stderr and "no leaks are possible" not in p.stderr:
        print(p.stderr[-5000:])
        print("FAIL: no leak summary, or a definite leak")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
