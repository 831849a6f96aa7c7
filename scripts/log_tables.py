#!/usr/bin/env python3
"""Prints the constants of codelets/log_avx512.h (lp_log8), for checking
them or making new ones: needs mpmath (pip install mpmath).

  - the tables: for c = k/20, k = 15..30 (stored at k mod 16), 1/c rounded
    to double, and -log(1/c) in two parts, the first rounded to a multiple
    of 2^-42 (as ln2's first part is) so that e ln2 + log c is exact;
  - the polynomial P, degree 8, with log1p(r) = r + r^2 P(r) on
    |r| <= 0.0334 (m in [0.75, 1.5) is within 1/40 of c, so |r| < 1/30):
    least squares on Chebyshev nodes, which is close to minimax here, and
    its largest error over the interval, to be below 2^-55.
"""
import mpmath as mp

mp.mp.prec = 200
R = mp.mpf("0.0334")
GRID = mp.mpf(2) ** -42
LN2_HI = float.fromhex("0x1.62e42fefa3800p-1")


def tables():
    inv, hi, lo = [0.0] * 16, [0.0] * 16, [0.0] * 16
    for k in range(15, 31):
        invc = 1.0 if k == 20 else float(mp.mpf(20) / k)
        lc = -mp.log(mp.mpf(invc))
        h = mp.nint(lc / GRID) * GRID
        inv[k % 16], hi[k % 16], lo[k % 16] = invc, float(h), float(lc - h)
        assert mp.mpf(hi[k % 16]) == h
    return (("LP_LOG_INVC", inv), ("LP_LOG_LOGC_HI", hi), ("LP_LOG_LOGC_LO", lo))


def p_exact(r):
    return (mp.log1p(r) - r) / (r * r) if r else mp.mpf(-0.5)


def polynomial(degree=8, nodes=400):
    pts = [R * mp.cos(mp.pi * (i + mp.mpf(0.5)) / nodes) for i in range(nodes)]
    a = mp.matrix([[r ** j for j in range(degree + 1)] for r in pts])
    b = mp.matrix([p_exact(r) for r in pts])
    c = mp.lu_solve(a.T * a, a.T * b)
    coef = [float(c[j]) for j in range(degree + 1)]
    err = max(abs(sum(mp.mpf(coef[j]) * r ** j for j in range(degree + 1)) - p_exact(r))
              for r in (R * mp.mpf(i) / 2000 for i in range(-2000, 2001)))
    return coef, err


def main():
    for name, values in tables():
        print(f"static const double {name}[16] = {{")
        for i in range(0, 16, 4):
            print("    " + ", ".join(v.hex() for v in values[i:i + 4]) + ",")
        print("};")
    print("ln2, second part:", float(mp.log(2) - mp.mpf(LN2_HI)).hex())
    coef, err = polynomial()
    print("P, highest degree first:", ", ".join(c.hex() for c in reversed(coef)))
    print(f"P's largest error on |r| <= {R}: 2^{float(mp.log(err, 2)):.1f}")


if __name__ == "__main__":
    main()
