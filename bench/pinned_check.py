#!/usr/bin/env python3
"""What pinning costs and saves the Python module's calls, on a machine with
a CUDA worker (run by bench/gpu_check.sh; anywhere else it runs too, and
says that nothing was pinned).

Three ways to call lp_starpu.logprod on ROWS rows, backend BACKEND, each
timed per call (ms; first call, then the best of the next REPEAT):
  plain    NumPy arrays, the same ones every call: the first call pins their
           buffers (the module's pin cache), the next ones pin nothing;
  pinned   arrays from lp_starpu.empty(pinned=True): pinned at allocation
           (its time printed apart), no call pins;
  fresh    new NumPy arrays for every call (out=None too): every call pins
           (and unpins) its buffers, as every call did before the cache.
Run again under STARPU_DISABLE_PINNING=1 (gpu_check.sh does) for the same
calls without pinning: the copies go through staging buffers.

  bench/pinned_check.py [--rows N] [--repeat R] [--backend auto|cuda]"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import numpy as np  # noqa: E402

import lp_starpu  # noqa: E402


def columns(n, make):
    cols = [make(n) for _ in range(4)]
    for c in cols[:3]:
        c[:] = np.arange(1, n + 1)
    return cols


def timed(call, repeat, setup=lambda: None):
    """ms of the first call, and the best of the next repeat; each call
    gets what setup() made for it, untimed."""
    times = []
    for _ in range(repeat + 1):
        made = setup()
        t = time.perf_counter()
        call(made)
        times.append((time.perf_counter() - t) * 1e3)
    return times[0], min(times[1:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--backend", default="auto", choices=("auto", "cuda"))
    args = ap.parse_args()
    if args.rows < 1 or args.repeat < 1:
        ap.error("--rows and --repeat must be at least 1")
    lp_starpu.start()
    from lp_starpu import _runtime
    ncuda = _runtime.workers("cuda")
    if args.backend == "cuda" and not ncuda:
        print("pinned_check: no CUDA worker here; skipped")
        return 77
    n = args.rows
    print(f"# {n} rows, backend {args.backend}, {ncuda} CUDA worker(s), "
          f"STARPU_DISABLE_PINNING={os.environ.get('STARPU_DISABLE_PINNING', '')!r}")
    print("| calls on | first call ms | best of next ms | pinned |")
    print("| --- | ---: | ---: | --- |")

    def row(name, first, best, arrays):
        print(f"| {name} | {first:.2f} | {best:.2f} | "
              f"{all(lp_starpu.is_pinned(a) for a in arrays)} |", flush=True)

    x, y, z, out = columns(n, np.empty)
    first, best = timed(lambda _: lp_starpu.logprod(x, y, z, out=out, backend=args.backend),
                        args.repeat)
    want = out.copy()
    row("plain (same arrays)", first, best, (x, y, z, out))
    del x, y, z, out

    t = time.perf_counter()
    x, y, z, out = columns(n, lambda k: lp_starpu.empty(k, pinned=True))
    made = (time.perf_counter() - t) * 1e3
    first, best = timed(lambda _: lp_starpu.logprod(x, y, z, out=out, backend=args.backend),
                        args.repeat)
    row(f"pinned (allocated and pinned in {made:.1f} ms)", first, best, (x, y, z, out))
    if not np.array_equal(out, want):
        print("pinned_check: the pinned arrays' results differ", file=sys.stderr)
        return 1
    del x, y, z, out

    last = []

    def fresh(cols):
        last[:] = [*cols, lp_starpu.logprod(*cols, backend=args.backend)]

    first, best = timed(fresh, args.repeat, setup=lambda: columns(n, np.empty)[:3])
    row("fresh arrays every call", first, best, last)
    if not np.array_equal(last[3], want):
        print("pinned_check: the fresh arrays' results differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
