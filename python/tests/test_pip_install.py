"""`pip install ./python` (the README's line) into a fresh virtual
environment, then the module used from elsewhere with neither PYTHONPATH
nor LP_STARPU_LIB: it finds the library recorded at install."""
import os
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR

SOURCE = os.path.dirname(PYTHON_DIR)


def test_pip_install_then_import_from_anywhere(tmp_path):
    lib = os.environ.get("LP_STARPU_LIB")
    if not lib:
        pytest.skip("LP_STARPU_LIB (the build's library) not given")
    venv = tmp_path / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"no venv here (Debian: python3-venv): {made.stderr.strip()[-200:]}")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LP_STARPU_LIB")}
    # The checkout's build/ is found without help; another build dir is
    # told at install time, as the README says.
    if os.path.realpath(os.path.dirname(lib)) != os.path.realpath(os.path.join(SOURCE, "build")):
        env["LP_STARPU_LIB"] = lib
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index",
                          "--no-build-isolation", "--no-deps", "--quiet", "./python"],
                         cwd=SOURCE, env=env, capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    env.pop("LP_STARPU_LIB", None)
    code = ("import numpy as np, lp_starpu\n"
            "x = np.linspace(1, 2, 1000)\n"
            "out = lp_starpu.logprod(x, x, x)\n"
            "print(lp_starpu.__file__, lp_starpu.library_path(), float(abs(out - np.log(x)**3).max()))\n")
    used = subprocess.run([str(venv / "bin" / "python"), "-c", code], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True)
    assert used.returncode == 0, used.stderr
    module, library, err = used.stdout.split()
    assert module.startswith(str(venv)), module          # the installed copy, not the checkout
    assert os.path.realpath(library) == os.path.realpath(lib)
    assert float(err) < 1e-12
