"""Sandboxes: create, connect, list, use, pause, resume, kill — and templates made from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ._http import RetryPolicy, Transport
from .commands import Commands
from .config import resolve
from .files import Files


@dataclass
class SandboxInfo:
    """A sandbox as the API describes it."""

    id: str
    state: str
    template: str
    vcpus: int
    memory_mb: int
    timeout_sec: int
    metadata: Dict[str, str] = field(default_factory=dict)
    host_id: Optional[str] = None
    created_at: Optional[str] = None
    last_active_at: Optional[str] = None

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "SandboxInfo":
        return cls(data["id"], data["state"], data.get("template", ""), int(data.get("vcpus", 0)), int(data.get("memory_mb", 0)),
                   int(data.get("timeout_sec", 0)), dict(data.get("metadata") or {}), data.get("host_id"), data.get("created_at"), data.get("last_active_at"))


@dataclass
class TemplateInfo:
    """A template: a sandbox's files frozen under a name, to start new sandboxes from."""

    name: str
    raw: Dict[str, Any]


def _transport(api_url: Optional[str], api_key: Optional[str], retry: Optional[RetryPolicy]) -> Transport:
    return Transport(resolve(api_url, api_key), retry=retry or RetryPolicy())


class Sandbox:
    """An isolated machine. ``with Sandbox.create() as sb:`` kills it at the end of the block."""

    def __init__(self, info: SandboxInfo, transport: Transport) -> None:
        self._transport = transport
        self.info_cache = info
        self.sandbox_id = info.id
        self.commands = Commands(transport, info.id)
        self.files = Files(transport, info.id)

    @classmethod
    def create(
        cls,
        template: Optional[str] = None,
        *,
        vcpus: Optional[int] = None,
        memory_mb: Optional[int] = None,
        timeout: Optional[int] = None,
        metadata: Optional[Dict[str, str]] = None,
        envs: Optional[Dict[str, str]] = None,
        api_url: Optional[str] = None,
        api_key: Optional[str] = None,
        retry: Optional[RetryPolicy] = None,
    ) -> "Sandbox":
        """Creates a sandbox (from ``template``, default the base image) and waits until it runs. ``timeout`` is seconds of inactivity before it is paused (0/None = never)."""
        transport = _transport(api_url, api_key, retry)
        body: Dict[str, Any] = {}
        for key, value in (("template", template), ("vcpus", vcpus), ("memory_mb", memory_mb), ("timeout_sec", timeout), ("metadata", metadata), ("env", envs)):
            if value is not None:
                body[key] = value
        return cls(SandboxInfo.from_json(transport.json("POST", "/v1/sandboxes", body)), transport)

    @classmethod
    def connect(cls, sandbox_id: str, *, api_url: Optional[str] = None, api_key: Optional[str] = None, retry: Optional[RetryPolicy] = None) -> "Sandbox":
        """An existing sandbox by id (:class:`NotFoundError` when your team has none)."""
        transport = _transport(api_url, api_key, retry)
        return cls(SandboxInfo.from_json(transport.json("GET", f"/v1/sandboxes/{sandbox_id}")), transport)

    @staticmethod
    def list(*, state: Optional[List[str]] = None, metadata: Optional[Dict[str, str]] = None, api_url: Optional[str] = None, api_key: Optional[str] = None) -> List[SandboxInfo]:
        """Your team's sandboxes (not stopped ones), all pages, filtered by state and metadata pairs."""
        transport = _transport(api_url, api_key, None)
        result: List[SandboxInfo] = []
        cursor = None
        while True:
            query: Dict[str, Any] = {"limit": 1000, "cursor": cursor, "metadata": [f"{k}={v}" for k, v in (metadata or {}).items()] or None,
                                     "state": ",".join(state) if state else None}
            page = transport.json("GET", "/v1/sandboxes", query=query)
            result += [SandboxInfo.from_json(s) for s in page.get("sandboxes", [])]
            cursor = page.get("next_cursor")
            if not cursor:
                return result

    def info(self) -> SandboxInfo:
        """The sandbox now."""
        self.info_cache = SandboxInfo.from_json(self._transport.json("GET", f"/v1/sandboxes/{self.sandbox_id}"))
        return self.info_cache

    def kill(self) -> None:
        """Destroys the sandbox; killing one that is already gone is not an error."""
        from .errors import NotFoundError

        try:
            self._transport.request("DELETE", f"/v1/sandboxes/{self.sandbox_id}")
        except NotFoundError:
            pass

    def pause(self) -> SandboxInfo:
        """Freezes every process where it stands (exec and files then answer 409)."""
        return SandboxInfo.from_json(self._transport.json("POST", f"/v1/sandboxes/{self.sandbox_id}/pause"))

    def resume(self, timeout: Optional[int] = None) -> SandboxInfo:
        """Continues a paused sandbox; ``timeout`` replaces its inactivity timeout."""
        body = {"timeout_sec": timeout} if timeout is not None else None
        return SandboxInfo.from_json(self._transport.json("POST", f"/v1/sandboxes/{self.sandbox_id}/resume", body))

    def ping(self) -> None:
        """Resets the inactivity timer."""
        self._transport.request("POST", f"/v1/sandboxes/{self.sandbox_id}/ping")

    def set_timeout(self, timeout: int) -> None:
        """Seconds of inactivity before the sandbox is paused (0 = never)."""
        self._transport.json("POST", f"/v1/sandboxes/{self.sandbox_id}/timeout", {"timeout_sec": int(timeout)})

    def create_template(self, name: str) -> TemplateInfo:
        """Makes template ``name`` of this sandbox's files (it stays as it was)."""
        data = self._transport.json("POST", "/v1/snapshots", {"sandbox_id": self.sandbox_id, "name": name})
        return TemplateInfo(data.get("name", name), data)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


class Templates:
    """Templates of your team: ``Templates.list()``, ``Templates.delete(name)``."""

    @staticmethod
    def list(*, api_url: Optional[str] = None, api_key: Optional[str] = None) -> List[TemplateInfo]:
        """Every template of your team, oldest first."""
        data = _transport(api_url, api_key, None).json("GET", "/v1/snapshots")
        return [TemplateInfo(t.get("name", ""), t) for t in data.get("snapshots", [])]

    @staticmethod
    def delete(name: str, *, api_url: Optional[str] = None, api_key: Optional[str] = None) -> None:
        """Removes a template no sandbox uses (409 otherwise)."""
        _transport(api_url, api_key, None).request("DELETE", f"/v1/snapshots/{name}")
