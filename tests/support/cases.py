"""What the case scripts share (cli_test.py, sim_test.py,
reproducible_test.py): a case fails by check (an AssertionError), skips by
raising Skip with the reason, and runs in a temporary directory of its
own."""
import os
import tempfile

SKIP = 77   # CTest's skip code (SKIP_RETURN_CODE)


class Skip(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def run_case(fn, *mpi_envs):
    """fn() in a temporary directory, the verdict printed: 0 passed, 1
    failed, 77 skipped.  Each dict in mpi_envs gets an Open MPI session
    directory of the case's own: mpiruns of cases run side by side otherwise
    race to make /tmp/ompi.HOST.UID ("mkdir ... File exists", orte_init
    failed)."""
    try:
        with tempfile.TemporaryDirectory() as d, tempfile.TemporaryDirectory() as ompi:
            os.chdir(d)
            for env in mpi_envs:
                env["OMPI_MCA_orte_tmpdir_base"] = ompi
            fn()
    except Skip as e:
        print(f"SKIP: {e}")
        return SKIP
    except AssertionError as e:
        print(f"FAIL: {e}")
        return 1
    print("PASS")
    return 0
