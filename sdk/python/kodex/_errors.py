"""The errors the SDK raises: every one is a KodexError."""

from typing import Any, Optional


class KodexError(Exception):
    """Something went wrong driving kodex. Every error the SDK raises is one."""


class KodexNotFoundError(KodexError):
    """The kodex binary was not found (kodex_path, or `kodex` on PATH)."""


class KodexExitedError(KodexError):
    """`kodex app-server` exited, or could not be talked to.

    exit_code is its exit status (None if it is unknown) and stderr the last
    lines it wrote there."""

    def __init__(self, message: str, exit_code: Optional[int] = None, stderr: str = "") -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.stderr = stderr


class KodexRPCError(KodexError):
    """kodex answered a request with a JSON-RPC error (code, message, data)."""

    def __init__(self, method: str, code: int, message: str, data: Any = None) -> None:
        super().__init__("%s: %s (JSON-RPC error %d)" % (method, message, code))
        self.method = method
        self.code = code
        self.message = message
        self.data = data


class TurnFailedError(KodexError):
    """A turn ended as failed (the model or a tool could not go on)."""

    def __init__(self, message: str, turn_id: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.turn_id = turn_id


class TurnInterruptedError(TurnFailedError):
    """A turn ended because it was interrupted (Thread.interrupt, an approval
    answered "cancel")."""
