#!/usr/bin/env python3
"""pytest with the given arguments; exit 77 (CTest's skip) when pytest or
NumPy is missing, so that a machine without them skips with the reason
instead of failing or pretending to pass.  Any other outcome is pytest's."""
import sys

for module in ("pytest", "numpy"):
    try:
        __import__(module)
    except ImportError:
        print(f"SKIPPED: {module} is not installed for {sys.executable} "
              "(Debian: python3-pytest, python3-numpy)")
        sys.exit(77)

import pytest  # noqa: E402

rc = pytest.main(sys.argv[1:])
# "No tests collected" (5) must not pass for a green test.
sys.exit(int(rc))
