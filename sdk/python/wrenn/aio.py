"""The async API: the same calls as :mod:`wrenn.sandbox`, awaitable. Each call runs the blocking one on a
worker thread (``asyncio.to_thread``), so an event loop never blocks on the network."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from .sandbox import Sandbox, SandboxInfo, TemplateInfo, Templates


class AsyncCommands:
    """``sandbox.commands`` for :class:`AsyncSandbox`."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    async def run(self, cmd: str, args: Optional[List[str]] = None, **options: Any) -> Any:
        """As :meth:`wrenn.commands.Commands.run`; callbacks run on the worker thread."""
        return await asyncio.to_thread(self._sandbox.commands.run, cmd, args, **options)


class AsyncFiles:
    """``sandbox.files`` for :class:`AsyncSandbox`."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._files = sandbox.files

    async def write(self, path: str, data: Any, **options: Any) -> Any:
        """As :meth:`wrenn.files.Files.write`."""
        return await asyncio.to_thread(self._files.write, path, data, **options)

    async def read(self, path: str, **options: Any) -> Any:
        """As :meth:`wrenn.files.Files.read` (``format="text"`` or ``"bytes"``)."""
        return await asyncio.to_thread(self._files.read, path, **options)

    async def list(self, path: str, **options: Any) -> Any:
        """As :meth:`wrenn.files.Files.list`."""
        return await asyncio.to_thread(self._files.list, path, **options)

    async def exists(self, path: str, **options: Any) -> bool:
        """As :meth:`wrenn.files.Files.exists`."""
        return await asyncio.to_thread(self._files.exists, path, **options)

    async def make_dir(self, path: str, **options: Any) -> bool:
        """As :meth:`wrenn.files.Files.make_dir`."""
        return await asyncio.to_thread(self._files.make_dir, path, **options)

    async def remove(self, path: str, **options: Any) -> None:
        """As :meth:`wrenn.files.Files.remove`."""
        await asyncio.to_thread(self._files.remove, path, **options)


class AsyncSandbox:
    """``async with await AsyncSandbox.create() as sb:`` — killed at the end of the block."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self.sandbox_id = sandbox.sandbox_id
        self.commands = AsyncCommands(sandbox)
        self.files = AsyncFiles(sandbox)

    @classmethod
    async def create(cls, template: Optional[str] = None, **options: Any) -> "AsyncSandbox":
        """As :meth:`wrenn.sandbox.Sandbox.create`."""
        return cls(await asyncio.to_thread(Sandbox.create, template, **options))

    @classmethod
    async def connect(cls, sandbox_id: str, **options: Any) -> "AsyncSandbox":
        """As :meth:`wrenn.sandbox.Sandbox.connect`."""
        return cls(await asyncio.to_thread(Sandbox.connect, sandbox_id, **options))

    @staticmethod
    async def list(**options: Any) -> List[SandboxInfo]:
        """As :meth:`wrenn.sandbox.Sandbox.list`."""
        return await asyncio.to_thread(Sandbox.list, **options)

    async def info(self) -> SandboxInfo:
        """The sandbox now."""
        return await asyncio.to_thread(self._sandbox.info)

    async def kill(self) -> None:
        """Destroys the sandbox."""
        await asyncio.to_thread(self._sandbox.kill)

    async def pause(self) -> SandboxInfo:
        """Freezes it."""
        return await asyncio.to_thread(self._sandbox.pause)

    async def resume(self, timeout: Optional[int] = None) -> SandboxInfo:
        """Continues it."""
        return await asyncio.to_thread(self._sandbox.resume, timeout)

    async def ping(self) -> None:
        """Resets the inactivity timer."""
        await asyncio.to_thread(self._sandbox.ping)

    async def set_timeout(self, timeout: int) -> None:
        """Seconds of inactivity before it is paused (0 = never)."""
        await asyncio.to_thread(self._sandbox.set_timeout, timeout)

    async def create_template(self, name: str) -> TemplateInfo:
        """Makes a template of it."""
        return await asyncio.to_thread(self._sandbox.create_template, name)

    async def __aenter__(self) -> "AsyncSandbox":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.kill()


class AsyncTemplates:
    """Async :class:`wrenn.sandbox.Templates`."""

    @staticmethod
    async def list(**options: Any) -> List[TemplateInfo]:
        return await asyncio.to_thread(Templates.list, **options)

    @staticmethod
    async def delete(name: str, **options: Dict[str, Any]) -> None:
        await asyncio.to_thread(Templates.delete, name, **options)
