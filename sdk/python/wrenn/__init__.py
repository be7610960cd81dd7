"""Wrenn's Python SDK: sandboxes, commands, files and templates, sync (:class:`Sandbox`) and async
(:class:`AsyncSandbox`). Standard library only.

    from wrenn import Sandbox
    with Sandbox.create() as sb:
        print(sb.commands.run("echo hello").stdout)
"""

from ._http import RetryPolicy
from .aio import AsyncSandbox, AsyncTemplates
from .commands import CommandHandle, CommandResult
from .errors import (
    APIError,
    BadRequestError,
    CommandExitError,
    ConfigurationError,
    ConflictError,
    ConnectionError,
    ForbiddenError,
    NotFoundError,
    NotSupportedError,
    PayloadTooLargeError,
    SandboxError,
    TimeoutError,
    UnauthorizedError,
    WrennError,
)
from .files import EntryInfo, WriteInfo
from .sandbox import Sandbox, SandboxInfo, TemplateInfo, Templates

__all__ = [
    "APIError", "AsyncSandbox", "AsyncTemplates", "BadRequestError", "CommandExitError", "CommandHandle", "CommandResult",
    "ConfigurationError", "ConflictError", "ConnectionError", "EntryInfo", "ForbiddenError", "NotFoundError", "NotSupportedError",
    "PayloadTooLargeError", "RetryPolicy", "Sandbox", "SandboxError", "SandboxInfo", "TemplateInfo", "Templates", "TimeoutError",
    "UnauthorizedError", "WrennError", "WriteInfo",
]
__version__ = "0.1.0"
