"""Exceptions: TypeError and ValueError for what the caller passed, these
for what happened at run time."""


class Error(RuntimeError):
    """A runtime failure (StarPU, memory, a codelet); `status` is the C API's
    lp_status (the tool's exit status)."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class BackendUnavailableError(Error):
    """The backend asked for has no StarPU worker here (status 3)."""


class VerifyError(Error):
    """verify=True found a row beyond the tolerance (status 5); `result` is
    the complete Result, `result.worst_row` the first such row."""

    def __init__(self, message, result):
        super().__init__(message, 5)
        self.result = result

    def __reduce__(self):   # through pickle (a process pool's worker to its parent)
        return type(self), (str(self), self.result)
