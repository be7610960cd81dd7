"""Running commands in a sandbox: to completion, streamed with callbacks, or in the background."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Union

from . import errors
from ._http import Transport
from ._websocket import WebSocket

OutputHandler = Callable[[str], None]


@dataclass
class CommandResult:
    """What a finished command left: its output and exit code. A non-zero exit is a result, not an error."""

    stdout: str
    stderr: str
    exit_code: int
    timed_out: bool = False
    error: Optional[str] = None


@dataclass
class _Collected:
    stdout: List[str] = field(default_factory=list)
    stderr: List[str] = field(default_factory=list)


class CommandHandle:
    """A command running in the background: ``wait()`` for its result, ``kill()`` it, ``send_stdin()`` to it."""

    def __init__(self, socket: WebSocket, on_stdout: Optional[OutputHandler], on_stderr: Optional[OutputHandler]) -> None:
        self._socket = socket
        self._on_stdout = on_stdout
        self._on_stderr = on_stderr
        self._collected = _Collected()
        self._result: Optional[CommandResult] = None
        self._failure: Optional[BaseException] = None
        self._started = threading.Event()
        self._done = threading.Event()
        self.pid: Optional[int] = None
        self._reader = threading.Thread(target=self._read, name="wrenn-command", daemon=True)
        self._reader.start()

    def send_stdin(self, data: Union[str, bytes]) -> None:
        """Writes to the command's stdin."""
        raw = data.encode() if isinstance(data, str) else data
        self._socket.send_text(json.dumps({"type": "stdin", "data": base64.b64encode(raw).decode(), "encoding": "base64"}))

    def close_stdin(self) -> None:
        """End of file on the command's stdin."""
        self._socket.send_text(json.dumps({"type": "close_stdin"}))

    def kill(self) -> None:
        """SIGKILL to the command and everything it started; ``wait()`` then returns its result."""
        try:
            self._socket.send_text(json.dumps({"type": "signal", "signal": "SIGKILL"}))
        except OSError:
            pass

    def wait(self, timeout: Optional[float] = None) -> CommandResult:
        """Blocks until the command ends and returns its result (a non-zero exit is a result too)."""
        if not self._done.wait(timeout):
            raise errors.TimeoutError(0, "timeout", "the command did not end in time")
        if self._failure is not None:
            raise self._failure
        assert self._result is not None
        return self._result

    def _read(self) -> None:
        try:
            while True:
                text = self._socket.receive()
                if text is None:
                    self._failure = errors.SandboxError(502, "host_unavailable", "the command's stream ended without an exit")
                    return
                event = json.loads(text)
                kind = event.get("type")
                if kind == "started":
                    self.pid = event.get("pid")
                    self._started.set()
                elif kind in ("stdout", "stderr"):
                    data = event.get("data", "")
                    if event.get("encoding") == "base64":
                        data = base64.b64decode(data).decode("utf-8", errors="replace")
                    (self._collected.stdout if kind == "stdout" else self._collected.stderr).append(data)
                    handler = self._on_stdout if kind == "stdout" else self._on_stderr
                    if handler is not None:
                        handler(data)
                elif kind == "exit":
                    self._result = CommandResult(
                        "".join(self._collected.stdout), "".join(self._collected.stderr),
                        int(event.get("exit_code", -1)), bool(event.get("timed_out", False)))
                    if self._result.timed_out:
                        self._failure = errors.TimeoutError(504, "timeout", f"the command ran past its timeout ({event.get('status')})")
                    return
                elif kind == "error":
                    self._failure = errors.error_for(_status_of(event.get("code")), event.get("code"), event.get("message"))
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to wait()
            self._failure = exc
        finally:
            self._started.set()
            self._done.set()
            self._socket.close()


class Commands:
    """``sandbox.commands``: run commands in one sandbox."""

    def __init__(self, transport: Transport, sandbox_id: str) -> None:
        self._transport = transport
        self._sandbox_id = sandbox_id

    def run(
        self,
        cmd: str,
        args: Optional[List[str]] = None,
        *,
        envs: Optional[Dict[str, str]] = None,
        cwd: Optional[str] = None,
        user: Optional[str] = None,
        timeout: Optional[int] = 60,
        on_stdout: Optional[OutputHandler] = None,
        on_stderr: Optional[OutputHandler] = None,
        stdin: Union[None, str, bytes] = None,
        background: bool = False,
        check: bool = False,
    ) -> Union[CommandResult, CommandHandle]:
        """Runs ``cmd`` (a shell line when ``args`` is empty, else the program) and returns its
        :class:`CommandResult`; with ``background=True`` returns a :class:`CommandHandle` at once.
        Output goes to ``on_stdout`` / ``on_stderr`` as it comes; ``stdin`` is written then closed.
        ``check=True`` raises :class:`CommandExitError` for a non-zero exit. ``timeout`` is in seconds."""
        body: Dict[str, object] = {"cmd": cmd}
        if args:
            body["args"] = list(args)
        if envs:
            body["env"] = dict(envs)
        if cwd:
            body["cwd"] = cwd
        if user:
            body["user"] = user
        if timeout:
            body["timeout_sec"] = int(timeout)
        url = self._transport.settings.api_url + f"/v1/sandboxes/{self._sandbox_id}/exec/stream"
        socket = WebSocket(url, {"X-API-Key": self._transport.settings.api_key}, timeout=30)
        socket.send_text(json.dumps(body))
        handle = CommandHandle(socket, on_stdout, on_stderr)
        if stdin is not None:
            handle.send_stdin(stdin)
            handle.close_stdin()
        if background:
            return handle
        result = handle.wait()
        if check and result.exit_code != 0:
            raise errors.CommandExitError(result)
        return result


def _status_of(code: Optional[str]) -> int:
    return {"not_found": 404, "bad_request": 400, "conflict": 409, "timeout": 504, "host_unavailable": 502, "forbidden": 403}.get(code or "", 500)
