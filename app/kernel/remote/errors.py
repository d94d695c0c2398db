"""The two exceptions a module api call raises besides the callee's own typed errors."""

from __future__ import annotations


class RemoteCallFailed(Exception):
    """A remote module api call that could not be completed: the callee answered 5xx or
    refused the request, the connection failed or timed out, the circuit breaker for the
    callee module is open, the bound on concurrent calls is reached, or the answer was not
    what the function declares. The one exception a caller must expect from a remote call
    (typed errors of the callee's ``api.py`` come back as themselves)."""

    def __init__(self, module: str, function: str, reason: str) -> None:
        super().__init__(f"{module}.{function}: {reason}")
        self.module = module
        self.function = function
        self.reason = reason


class ApiContractError(TypeError):
    """Arguments or a result that do not fit a module api function's declared types, or a
    value that cannot cross the wire (an ORM object, a non-frozen or unknown class). Raised
    on the caller's side before anything is sent, and by the strict local binding."""
