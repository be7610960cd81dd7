"""Typed errors. Every API error carries the HTTP status and the server's code and message."""

from __future__ import annotations

from typing import Optional


class WrennError(Exception):
    """Base of every error the SDK raises."""


class ConfigurationError(WrennError):
    """No API URL or key: pass them, set WRENN_API_URL / WRENN_API_KEY, or run `wrenn up` / `wrenn login`."""


class APIError(WrennError):
    """The API answered with an error envelope ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} ({status} {code})")
        self.status = status
        self.code = code
        self.message = message


class BadRequestError(APIError):
    """400: malformed or out-of-range input."""


class UnauthorizedError(APIError):
    """401: no key, or a key that is not valid."""


class ForbiddenError(APIError):
    """403: the sandbox's user may not do that (e.g. write /etc as ``user``)."""


class NotFoundError(APIError):
    """404: no such sandbox (in your team), template or file."""


class ConflictError(APIError):
    """409: the sandbox is not in a state that allows the call (e.g. exec while paused)."""


class PayloadTooLargeError(APIError):
    """413: a JSON body over the limit."""


class NotSupportedError(APIError):
    """501: the sandbox's runtime cannot do that yet."""


class SandboxError(APIError):
    """500/502/503: the platform, host or sandbox failed or has no capacity."""


class TimeoutError(APIError):  # noqa: A001 - the name E2B's SDK uses
    """504 (or a command past its timeout): the operation ran out of time."""


class ConnectionError(WrennError):  # noqa: A001
    """The control plane could not be reached (after retries for idempotent calls)."""


class CommandExitError(WrennError):
    """Raised by ``commands.run(..., check=True)`` when the command exits non-zero."""

    def __init__(self, result: "object") -> None:
        self.result = result
        super().__init__(f"command exited with {getattr(result, 'exit_code', '?')}: {getattr(result, 'stderr', '')[-500:]}")


_BY_STATUS = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    501: NotSupportedError,
    504: TimeoutError,
}


def error_for(status: int, code: Optional[str], message: Optional[str]) -> APIError:
    """The typed error for an HTTP status and the server's envelope."""
    kind = _BY_STATUS.get(status, SandboxError if status >= 500 else APIError)
    return kind(status, code or "error", message or f"HTTP {status}")
