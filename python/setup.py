"""Records, in lp_starpu/_install_paths.py, where the installed module looks
for liblp-starpu first: $LP_STARPU_LIB and $LP_STARPU_PREFIX/lib as they were
at install time, then this checkout's build/ (see lp_starpu/_abi.py)."""
import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
SONAME = "liblp-starpu.so.0"


def recorded_libraries():
    libs = []
    lib = os.environ.get("LP_STARPU_LIB")
    if lib:
        lib = os.path.abspath(lib)
        libs.append(os.path.join(lib, SONAME) if os.path.isdir(lib) else lib)
    prefix = os.environ.get("LP_STARPU_PREFIX")
    if prefix:
        libs.append(os.path.join(os.path.abspath(prefix), "lib", SONAME))
    libs.append(os.path.normpath(os.path.join(HERE, "..", "build", SONAME)))
    return libs


class BuildPyRecordingPaths(build_py):
    def run(self):
        super().run()
        path = os.path.join(self.build_lib, "lp_starpu", "_install_paths.py")
        with open(path, "w") as f:
            f.write('"""Written by setup.py when the package was installed."""\n'
                    f"LIBRARIES = {recorded_libraries()!r}\n")


setup(cmdclass={"build_py": BuildPyRecordingPaths})
