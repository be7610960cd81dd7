"""A minimal WebSocket client (RFC 6455) on the standard library: the handshake, masked text frames
out, text/binary/ping/close frames in. Enough for exec/stream; no extensions, no compression."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import ssl
import struct
import threading
import urllib.parse
from typing import Dict, Optional

from . import errors

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocket:
    """One client connection. ``send_text`` may be called from any thread; ``receive`` from one."""

    def __init__(self, url: str, headers: Dict[str, str], timeout: Optional[float] = None) -> None:
        parsed = urllib.parse.urlsplit(url)
        secure = parsed.scheme in ("https", "wss")
        port = parsed.port or (443 if secure else 80)
        try:
            raw = socket.create_connection((parsed.hostname, port), timeout=timeout)
        except OSError as exc:
            raise errors.ConnectionError(f"cannot reach {parsed.hostname}:{port}: {exc}") from exc
        self._socket = ssl.create_default_context().wrap_socket(raw, server_hostname=parsed.hostname) if secure else raw
        self._socket.settimeout(None)
        self._send_lock = threading.Lock()
        self._buffer = b""
        key = base64.b64encode(os.urandom(16)).decode()
        target = (parsed.path or "/") + ("?" + parsed.query if parsed.query else "")
        lines = [f"GET {target} HTTP/1.1", f"Host: {parsed.hostname}:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._socket.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = self._read_until(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ")[1])
        if status != 101:
            length = next((int(h.split(":", 1)[1]) for h in header_lines if h.lower().startswith("content-length:")), 0)
            body = self._read_exactly(length) if length else b""
            self.close()
            from ._http import _error  # the same envelope as every other call
            raise _error(status, body)
        accept = next((h.split(":", 1)[1].strip() for h in header_lines if h.lower().startswith("sec-websocket-accept:")), "")
        if accept != base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode():
            self.close()
            raise errors.ConnectionError("WebSocket handshake: wrong Sec-WebSocket-Accept")

    def send_text(self, text: str) -> None:
        """Sends one text message (masked, as clients must)."""
        self._send(0x1, text.encode())

    def receive(self) -> Optional[str]:
        """The next text message, or None when the server closed the connection."""
        message = b""
        while True:
            try:
                first, second = self._read_exactly(2)
            except (OSError, EOFError):
                return None
            opcode, final = first & 0x0F, bool(first & 0x80)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read_exactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read_exactly(8))[0]
            payload = self._read_exactly(length)
            if opcode == 0x8:
                try:
                    self._send(0x8, payload[:2])
                except OSError:
                    pass
                return None
            if opcode == 0x9:
                self._send(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            message += payload
            if final:
                return message.decode("utf-8", errors="replace")

    def close(self) -> None:
        """Closes the connection (the server kills a command whose stream closes)."""
        try:
            self._send(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        try:
            self._socket.close()
        except OSError:
            pass

    def _send(self, opcode: int, payload: bytes) -> None:
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", length)
        mask = os.urandom(4)
        repeated = (mask * (length // 4 + 1))[:length]
        masked = (int.from_bytes(payload, 'big') ^ int.from_bytes(repeated, 'big')).to_bytes(length, 'big') if length else b""
        with self._send_lock:
            self._socket.sendall(header + mask + masked)

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            chunk = self._socket.recv(4096)
            if not chunk:
                raise errors.ConnectionError("connection closed during the WebSocket handshake")
            self._buffer += chunk
        head, self._buffer = self._buffer.split(marker, 1)
        return head

    def _read_exactly(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self._socket.recv(max(65536, count - len(self._buffer)))
            if not chunk:
                raise EOFError("connection closed")
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data
