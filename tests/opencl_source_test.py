#!/usr/bin/env python3
"""The OpenCL program (codelets/log_lp.h followed by codelets/logprod.cl,
as CMake joins them) compiles for a device without doubles (many
integrated GPUs: no cl_khr_fp64), with the float kernel only, and for one
with doubles, with both kernels.  Before, a device without doubles failed
the program's build, and with it every lp_start on that machine.  Clang's
OpenCL front end stands for the devices' compilers.

    opencl_source_test.py CLANG CODELETS_DIR        (exit 77: no clang)
"""
import os
import re
import subprocess
import sys


def main():
    clang, codelets = sys.argv[1], sys.argv[2]
    if not clang or not os.path.exists(clang):
        print("SKIP: no clang to compile OpenCL C with")
        return 77
    source = "".join(open(os.path.join(codelets, f)).read() for f in ("log_lp.h", "logprod.cl"))
    failed = 0
    for ext, kernels in (("-cl_khr_fp64", {"lp_logprod_f32"}),
                         ("+cl_khr_fp64", {"lp_logprod", "lp_logprod_f32"})):
        args = [clang, "-x", "cl", "-cl-std=CL1.2", "-target", "spir64", "-Xclang",
                f"-cl-ext={ext}", "-"]
        check = subprocess.run(args[:-1] + ["-fsyntax-only", "-"], input=source, text=True,
                               capture_output=True)
        pre = subprocess.run(args[:-1] + ["-E", "-"], input=source, text=True,
                             capture_output=True)
        found = set(re.findall(r"__kernel\s+void\s+(\w+)\s*\(", pre.stdout))
        if check.returncode != 0 or pre.returncode != 0 or found != kernels:
            print(f"FAIL {ext}: exit {check.returncode}, kernels {sorted(found)}, expected "
                  f"{sorted(kernels)}\n{check.stderr[-1500:]}")
            failed = 1
        else:
            print(f"ok {ext}: kernels {sorted(found)}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
