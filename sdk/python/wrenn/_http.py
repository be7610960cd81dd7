"""The HTTP transport: http.client, the error envelope turned into typed errors, and retries with
backoff only where a retry is safe (connection errors and 502/503/504 on idempotent calls)."""

from __future__ import annotations

import http.client
import json
import random
import socket
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, BinaryIO, Dict, Iterable, Optional, Union

from . import errors
from .config import Settings

Body = Union[None, bytes, BinaryIO, Iterable[bytes]]

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a safe call: ``attempts`` in all, doubling from ``base_delay`` up to ``max_delay`` with jitter."""

    attempts: int = 4
    base_delay: float = 0.2
    max_delay: float = 3.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before try number ``attempt + 1`` (``attempt`` counts from 1)."""
        return min(self.max_delay, self.base_delay * (2 ** (attempt - 1))) * (0.5 + random.random() / 2)


class Transport:
    """One control plane, one key. Thread-safe: every request opens its own connection."""

    def __init__(self, settings: Settings, timeout: float = 300.0, retry: RetryPolicy = RetryPolicy()) -> None:
        self.settings = settings
        self.timeout = timeout
        self.retry = retry
        parsed = urllib.parse.urlsplit(settings.api_url)
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname or "localhost"
        self._port = parsed.port or (443 if self._https else 80)
        self._prefix = parsed.path.rstrip("/")

    def connection(self, timeout: Optional[float] = None) -> http.client.HTTPConnection:
        """A new connection to the control plane."""
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return kind(self._host, self._port, timeout=timeout if timeout is not None else self.timeout)

    def path(self, path: str, query: Optional[Dict[str, Any]] = None) -> str:
        """The request path with the URL's prefix and an encoded query (lists repeat the key)."""
        items = []
        for key, value in (query or {}).items():
            if value is None:
                continue
            for one in value if isinstance(value, (list, tuple)) else [value]:
                items.append((key, str(one)))
        return self._prefix + path + ("?" + urllib.parse.urlencode(items) if items else "")

    def headers(self, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
        """The key, a user agent, and ``extra``."""
        headers = {"X-API-Key": self.settings.api_key, "User-Agent": "wrenn-python/0.1"}
        headers.update(extra or {})
        return headers

    def json(self, method: str, path: str, body: Any = None, query: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None) -> Any:
        """Sends a JSON call and returns the decoded answer (None for an empty one)."""
        payload = None if body is None else json.dumps(body).encode()
        response, data = self.request(method, path, payload, {"Content-Type": "application/json"} if payload is not None else None, query, timeout)
        return json.loads(data) if data else None

    def request(self, method: str, path: str, body: Body = None, headers: Optional[Dict[str, str]] = None, query: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None):
        """Sends and reads the whole answer; returns (response, bytes). Retries only what is safe."""
        attempt = 0
        retryable = method in IDEMPOTENT and (body is None or isinstance(body, bytes))
        while True:
            attempt += 1
            try:
                response, connection = self.open(method, path, body, headers, query, timeout)
                try:
                    data = response.read()
                finally:
                    connection.close()
            except errors.ConnectionError:
                if retryable and attempt < self.retry.attempts:
                    time.sleep(self.retry.delay(attempt))
                    continue
                raise
            if response.status >= 400:
                error = _error(response.status, data)
                if retryable and response.status in RETRY_STATUSES and attempt < self.retry.attempts:
                    time.sleep(self.retry.delay(attempt))
                    continue
                raise error
            return response, data

    def open(self, method: str, path: str, body: Body = None, headers: Optional[Dict[str, str]] = None, query: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None):
        """Sends and returns (response, connection) with the body unread, for streams; the caller closes the connection."""
        connection = self.connection(timeout)
        all_headers = self.headers(headers)
        try:
            if body is not None and not isinstance(body, bytes) and "Content-Length" not in all_headers:
                connection.request(method, self.path(path, query), body=body, headers=all_headers, encode_chunked=True)
            else:
                connection.request(method, self.path(path, query), body=body, headers=all_headers)
            return connection.getresponse(), connection
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            if isinstance(exc, socket.timeout):
                raise errors.TimeoutError(0, "timeout", f"no answer from {self.settings.api_url} in time") from exc
            raise errors.ConnectionError(f"cannot reach {self.settings.api_url}: {exc}") from exc

    @staticmethod
    def raise_for(response: http.client.HTTPResponse) -> None:
        """Raises the typed error for a failed streaming response (reading its body)."""
        if response.status >= 400:
            raise _error(response.status, response.read())


def _error(status: int, data: bytes) -> errors.APIError:
    try:
        envelope = json.loads(data).get("error", {})
        return errors.error_for(status, envelope.get("code"), envelope.get("message"))
    except (ValueError, AttributeError):
        return errors.error_for(status, None, data.decode(errors="replace")[:500] or None)
