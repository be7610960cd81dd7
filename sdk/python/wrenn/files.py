"""Files in a sandbox: streamed both ways, so large files never sit in memory."""

from __future__ import annotations

import io
import posixpath
from dataclasses import dataclass
from typing import IO, Iterable, Iterator, List, Optional, Tuple, Union

from . import errors
from ._http import Transport

Data = Union[str, bytes, IO[bytes], Iterable[bytes]]
_CHUNK = 64 * 1024


@dataclass
class EntryInfo:
    """One entry of a directory listing."""

    name: str
    path: str
    type: str
    size: int
    mode: int
    owner: Optional[str]
    modified_at: Optional[str]
    symlink_target: Optional[str]


@dataclass
class WriteInfo:
    """Where a write put its bytes, and how many."""

    path: str
    size: int


class Files:
    """``sandbox.files``: read, write, list, make directories, remove; as ``user`` unless told otherwise."""

    def __init__(self, transport: Transport, sandbox_id: str) -> None:
        self._transport = transport
        self._base = f"/v1/sandboxes/{sandbox_id}/files"

    def write(self, path: str, data: Data, *, user: Optional[str] = None) -> WriteInfo:
        """Writes ``data`` (text, bytes, a binary file object, or an iterable of byte chunks) to ``path``, creating parent directories. File objects and iterables stream."""
        if isinstance(data, str):
            body: object = data.encode()
        elif isinstance(data, (bytes, bytearray)):
            body = bytes(data)
        elif hasattr(data, "read"):
            body = _chunks(data)  # type: ignore[arg-type]
        else:
            body = iter(data)  # type: ignore[arg-type]
        _, answer = self._transport.request("POST", self._base, body, {"Content-Type": "application/octet-stream"}, {"path": path, "user": user})
        import json

        written = json.loads(answer)["files"][0]
        return WriteInfo(written["path"], int(written.get("size", 0)))

    def write_files(self, files: List[Tuple[str, Data]], *, user: Optional[str] = None) -> List[WriteInfo]:
        """Writes several files, each as :meth:`write` does."""
        return [self.write(path, data, user=user) for path, data in files]

    def read(self, path: str, *, format: str = "text", user: Optional[str] = None) -> Union[str, bytes, Iterator[bytes]]:  # noqa: A002
        """The file at ``path``: ``format="text"`` (str), ``"bytes"``, or ``"stream"`` (an iterator of chunks that must be read to the end or closed)."""
        if format not in ("text", "bytes", "stream"):
            raise ValueError("format must be 'text', 'bytes' or 'stream'")
        response, connection = self._transport.open("GET", self._base, query={"path": path, "user": user})
        try:
            self._transport.raise_for(response)
        except BaseException:
            connection.close()
            raise
        if format == "stream":
            return _stream(response, connection)
        try:
            data = response.read()
        finally:
            connection.close()
        return data.decode() if format == "text" else data

    def list(self, path: str, *, depth: int = 1, user: Optional[str] = None) -> List[EntryInfo]:
        """Entries under ``path``, ``depth`` levels down."""
        answer = self._transport.json("GET", self._base + "/list", query={"path": path, "depth": depth, "user": user})
        return [EntryInfo(e.get("name", ""), e.get("path", ""), e.get("type", ""), int(e.get("size", 0)), int(e.get("mode", 0)),
                          e.get("owner"), e.get("modified_at"), e.get("symlink_target")) for e in answer.get("entries", [])]

    def exists(self, path: str, *, user: Optional[str] = None) -> bool:
        """True when something is at ``path``."""
        clean = posixpath.normpath(path)
        if clean in ("/", "."):
            return True
        parent, name = posixpath.split(clean)
        try:
            return any(e.name == name for e in self.list(parent or ".", depth=1, user=user))
        except errors.NotFoundError:
            return False
        except errors.BadRequestError as exc:
            if "not a directory" in exc.message:
                return False
            raise

    def make_dir(self, path: str, *, user: Optional[str] = None) -> bool:
        """Creates the directory and its parents; False when it already existed."""
        body = {"path": path}
        if user:
            body["user"] = user
        return bool(self._transport.json("POST", self._base + "/mkdir", body).get("created", False))

    def remove(self, path: str, *, user: Optional[str] = None) -> None:
        """Removes a file or a whole directory; nothing there is not an error."""
        self._transport.request("DELETE", self._base, query={"path": path, "user": user})


def _chunks(source: IO[bytes]) -> Iterator[bytes]:
    while True:
        chunk = source.read(_CHUNK)
        if not chunk:
            return
        yield chunk if isinstance(chunk, bytes) else bytes(chunk)


def _stream(response, connection) -> Iterator[bytes]:
    try:
        while True:
            chunk = response.read(_CHUNK)
            if not chunk:
                return
            yield chunk
    finally:
        connection.close()


__all__ = ["Files", "EntryInfo", "WriteInfo", "io"]
