#!/usr/bin/env python3
"""A what-if machine for lp-starpu-sim: a captured machine whose model of
lp_logprod also holds tile sizes that were never run there, each fitted
from the sizes that were.

    scripts/machine_fill_sizes.py SRC DST [--tiles N,N,...]
                                  [--accel-tiles KxA+N,...] [--rows R]
                                  [--name NAME] [--date YYYY-MM-DD]

SRC and DST are directories of perfmodels/machines/.  A simulated run
needs a history entry for every tile size it runs (StarPU's simulator has
no other way to time a task), so a capture taken at a few tile counts can
only be simulated at those.  For each tile count N of R float64 rows
(default 10M) at intensity 1, and for each worker and implementation of
the model, this adds the entry of each of N's tile sizes that is missing:
(--accel-tiles KxA+N: the layout of lp-starpu's --accel-tiles KxA
--tiles N, K tiles of A rows then N equal tiles of the rows left) ;
its mean is fitted to the calibrated entries the capture has for float64
at intensity 1 (fit(): a line a + b * rows where their sizes are far
enough apart, else time per row), its deviation the captured ones' mean
relative deviation, its samples the fewest the captured ones have.  The
buses are not touched: a copy's time comes from their bandwidth and
latency, for any size.  Captured entries stay as they are.

The added entries are a fit, not measurements: machine.conf says so, and
which sizes were captured, and a run on the GPU node replaces them
(bench/gpu_check.sh's capture).
"""
import argparse
import datetime
import os
import re
import shutil
import struct
import sys

SAMPLING = os.path.join("starpu-home", ".starpu", "sampling")
F64_ROW_BYTES = 32   # x, y, z and out, float64
VECTOR_INTERFACE_ID = 2
CRC32C_POLY_BE = 0x1EDC6F41
CALIBRATED = 10   # samples StarPU wants of an entry before it trusts it


def crc32c_be(value, crc):
    """StarPU's starpu_hash_crc32c_be: the 4 bytes of value as they lie in
    memory (little-endian here), big-endian CRC32C."""
    for byte in struct.pack("<I", value & 0xFFFFFFFF):
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) & 0xFFFFFFFF) ^ (CRC32C_POLY_BE if crc & 0x80000000 else 0)
    return crc


def footprint(rows, intensity=1):
    """lp_logprod_footprint of a float64 tile of rows rows: the task's four
    vectors' footprints chained (starpu_task_data_footprint), then the
    intensity."""
    handle = crc32c_be(crc32c_be(rows, 0), VECTOR_INTERFACE_ID)
    fp = 0
    for _ in range(4):
        fp = crc32c_be(handle, fp)
    return crc32c_be(intensity, fp)


def tile_rows(rows, tiles):
    """The sizes lp-starpu cuts rows into for tiles tiles: the first rows %
    tiles tiles one row longer."""
    return {rows // tiles + (1 if rows % tiles else 0), rows // tiles} - {0}


def accel_rows(rows, spec):
    """The sizes of the layout KxA+N: K tiles of A rows, then the rows
    left in N tiles as tile_rows cuts them."""
    m = re.fullmatch(r"(\d+)x(\d+)\+(\d+)", spec)
    if not m:
        raise ValueError(spec)
    k, a, n = map(int, m.groups())
    if k < 1 or a < 1 or n < 1 or k * a >= rows or n > rows - k * a:
        raise ValueError(spec)
    return {a} | tile_rows(rows - k * a, n)


def fit(points):
    """a, b of mean = a + b * rows through points (rows, mean, samples): the
    least-squares line where the sizes are far enough apart to give a slope
    (the largest 1.5x the smallest) and it is not negative anywhere; else
    time per row, the samples' weighted average (sizes close together give
    a slope of noise: on the H200 capture, 156250 rows took longer than
    166667 on the same CPU code)."""
    xs = [x for x, _, _ in points]
    if max(xs) >= 1.5 * min(xs):
        n = len(points)
        mx = sum(xs) / n
        my = sum(y for _, y, _ in points) / n
        sxx = sum((x - mx) ** 2 for x in xs)
        b = sum((x - mx) * (y - my) for x, y, _ in points) / sxx
        a = my - b * mx
        if a >= 0 and b >= 0:
            return a, b
    return 0.0, sum(y * k for _, y, k in points) / sum(x * k for x, _, k in points)


def fill_block(entries, wanted):
    """entries: the block's lines of history; the lines to add for wanted
    (a set of rows), [] where the block has no float64 entry to fit."""
    have, points, rel_dev, samples = set(), [], [], []
    for line in entries:
        f = line.split()
        fp, size = int(f[0], 16), int(f[1])
        have.add(fp)
        mean, dev, n = float(f[3]), float(f[4]), int(f[7])
        if (size % F64_ROW_BYTES == 0 and footprint(size // F64_ROW_BYTES) == fp
                and n >= CALIBRATED):
            points.append((size // F64_ROW_BYTES, mean, n))
            rel_dev.append(dev / mean if mean > 0 else 0.0)
            samples.append(n)
    if not points:
        return []
    a, b = fit(points)
    rel = sum(rel_dev) / len(rel_dev)
    n = min(samples)
    added = []
    for rows in sorted(wanted):
        fp = footprint(rows)
        if fp in have:
            continue
        mean = a + b * rows
        dev = mean * rel
        added.append(f"{fp:08x}\t{rows * F64_ROW_BYTES:<15d}\t{0.0:<15e}\t{mean:<15e}\t"
                     f"{dev:<15e}\t{mean * n:<15e}\t{(dev * dev + mean * mean) * n:<15e}\t{n}\n")
    return added


def fill_model(path, wanted):
    """The history file at path with wanted's entries added to every
    block; the number added."""
    lines = open(path).readlines()
    out, i, total = [], 0, 0
    while i < len(lines):
        out.append(lines[i])
        if lines[i].startswith("# number of entries"):
            count_at = len(out)
            count = int(lines[i + 1])
            out.append(lines[i + 1])
            i += 2
            # the regression lines and the header, then the entries
            while not lines[i].startswith("# hash"):
                out.append(lines[i])
                i += 1
            out.append(lines[i])
            entries = lines[i + 1:i + 1 + count]
            out.extend(entries)
            added = fill_block(entries, wanted)
            out.extend(added)
            out[count_at] = f"{count + len(added)}\n"
            total += len(added)
            i += 1 + count
            continue
        i += 1
    with open(path, "w") as f:
        f.writelines(out)
    return total


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--tiles", default="", help="tile counts, comma-separated")
    p.add_argument("--accel-tiles", default="",
                   help="layouts KxA+N (K tiles of A rows, N of the rest), comma-separated")
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--name")
    p.add_argument("--date", default=datetime.date.today().isoformat())
    a = p.parse_args()
    try:
        counts = sorted({int(t) for t in a.tiles.split(",") if t})
    except ValueError:
        sys.exit(f"machine_fill_sizes: --tiles {a.tiles!r}: not a list of whole numbers")
    layouts = [s for s in a.accel_tiles.split(",") if s]
    if not counts and not layouts:
        sys.exit("machine_fill_sizes: --tiles or --accel-tiles: the sizes to fit")
    if counts and (counts[0] < 1 or counts[-1] > a.rows):
        sys.exit(f"machine_fill_sizes: --tiles: each count from 1 to the rows ({a.rows})")
    wanted = set().union(*(tile_rows(a.rows, t) for t in counts))
    for spec in layouts:
        try:
            wanted |= accel_rows(a.rows, spec)
        except ValueError:
            sys.exit(f"machine_fill_sizes: --accel-tiles {spec!r}: expected KxA+N, K tiles of "
                     f"A rows and N more, within the {a.rows} rows")
    if os.path.exists(a.dst):
        sys.exit(f"machine_fill_sizes: {a.dst} exists; remove it first")
    src_conf = os.path.join(a.src, "machine.conf")
    if not os.path.isfile(src_conf):
        sys.exit(f"machine_fill_sizes: {a.src}: no machine.conf")
    shutil.copytree(a.src, a.dst)
    codelets = os.path.join(a.dst, SAMPLING, "codelets")
    added = 0
    for version in os.listdir(codelets):
        for name in os.listdir(os.path.join(codelets, version)):
            if name.startswith("lp_logprod."):
                added += fill_model(os.path.join(codelets, version, name), wanted)
    src_name = os.path.basename(os.path.normpath(a.src))
    name = a.name or os.path.basename(os.path.normpath(a.dst))
    conf = open(src_conf).read()
    conf = re.sub(r"^name\s*=.*$", f"name = {name}", conf, flags=re.M)
    conf = re.sub(r"^(description\s*=.*)$", r"\1 (tile sizes fitted)", conf, flags=re.M)
    head = (f"# A what-if machine, not a capture: {src_name} with its model of lp_logprod\n"
            f"# fitted at tile sizes it never ran (scripts/machine_fill_sizes.py,\n"
            f"# {a.date}): {a.rows} float64 rows in {','.join(map(str, counts + layouts))} tiles,\n"
            f"# {added} entries, each a least-squares line through the sizes captured.\n")
    with open(os.path.join(a.dst, "machine.conf"), "w") as f:
        f.write(head + conf)
    print(f"{a.dst}: {added} fitted entries")


if __name__ == "__main__":
    main()
