#!/usr/bin/env python3
"""Prints the constants of codelets/log_avx512.h (lp_log8 for double,
lp_logf16 for float), for checking them or making new ones: needs mpmath
(pip install mpmath).

  - the tables: for c = k/20, k = 15..30 (stored at k mod 16), 1/c rounded
    to the type, and -log(1/c) in two parts, the first rounded to the grid
    of ln2's first part (2^-42 for double, 2^-16 for float), so that
    e ln2 + log c is exact;
  - the polynomial P with log1p(r) = r + r^2 P(r) on |r| <= 0.0334 (m in
    [0.75, 1.5) is within 1/40 of c, so |r| < 1/30): degree 8 for double,
    4 for float; least squares on Chebyshev nodes (close to minimax here),
    and its largest error, to be below 2^-55 (double) and 2^-30 (float).
"""
import struct

import mpmath as mp

mp.mp.prec = 200
R = mp.mpf("0.0334")
TYPES = {  # name: (C type, suffix, rounding, grid of the first parts, degree of P, prefix)
    "double": ("double", "", float, mp.mpf(2) ** -42, 8, "LP_LOG_"),
    "float": ("float", "f", lambda v: struct.unpack("<f", struct.pack("<f", float(v)))[0],
              mp.mpf(2) ** -16, 4, "LP_LOGF_"),
}


def p_exact(r):
    return (mp.log1p(r) - r) / (r * r) if r else mp.mpf(-0.5)


def constants(ctype, suffix, rnd, grid, degree, prefix):
    ln2_hi = mp.nint(mp.log(2) / grid) * grid
    print(f"/* {ctype}: ln2 = {float(ln2_hi).hex()}{suffix} + "
          f"{rnd(mp.log(2) - ln2_hi).hex()}{suffix} */")
    inv, hi, lo = [0.0] * 16, [0.0] * 16, [0.0] * 16
    for k in range(15, 31):
        invc = 1.0 if k == 20 else rnd(mp.mpf(20) / k)
        lc = -mp.log(mp.mpf(invc))
        h = mp.nint(lc / grid) * grid
        inv[k % 16], hi[k % 16], lo[k % 16] = invc, rnd(h), rnd(lc - h)
        assert mp.mpf(hi[k % 16]) == h
    for name, values in (("INVC", inv), ("LOGC_HI", hi), ("LOGC_LO", lo)):
        print(f"static const {ctype} {prefix}{name}[16] = {{")
        for i in range(0, 16, 4):
            print("    " + ", ".join(v.hex() + suffix for v in values[i:i + 4]) + ",")
        print("};")
    pts = [R * mp.cos(mp.pi * (i + mp.mpf(0.5)) / 400) for i in range(400)]
    a = mp.matrix([[r ** j for j in range(degree + 1)] for r in pts])
    b = mp.matrix([p_exact(r) for r in pts])
    c = mp.lu_solve(a.T * a, a.T * b)
    coef = [rnd(c[j]) for j in range(degree + 1)]
    err = max(abs(sum(mp.mpf(coef[j]) * r ** j for j in range(degree + 1)) - p_exact(r))
              for r in (R * mp.mpf(i) / 2000 for i in range(-2000, 2001)))
    print(f"/* {ctype} P, highest degree first: "
          + ", ".join(v.hex() + suffix for v in reversed(coef))
          + f"; largest error 2^{float(mp.log(err, 2)):.1f} */")


def main():
    for args in TYPES.values():
        constants(*args)


if __name__ == "__main__":
    main()
