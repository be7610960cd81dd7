"""Config resolution, error mapping and the retry policy, against a local HTTP server (no platform)."""

import http.server
import json
import os
import tempfile
import threading
import unittest
from unittest import mock

import wrenn
from wrenn._http import RetryPolicy, Transport
from wrenn.config import Settings, resolve


class Server:
    """A loopback HTTP server answering from a list of (status, body), recording what it got."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.requests.append((self.command, self.path, dict(self.headers), self.rfile.read(length) if length else b""))
                status, body = outer.answers.pop(0) if outer.answers else (200, {})
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02)


class ConfigTests(unittest.TestCase):
    def test_arguments_then_environment_then_config_file(self):
        with tempfile.TemporaryDirectory() as home:
            os.makedirs(os.path.join(home, "wrenn"))
            with open(os.path.join(home, "wrenn", "config.json"), "w") as f:
                json.dump({"api_url": "http://file:1", "api_key": "wrn_file"}, f)
            with mock.patch.dict(os.environ, {"XDG_CONFIG_HOME": home}, clear=False):
                os.environ.pop("WRENN_API_URL", None)
                os.environ.pop("WRENN_API_KEY", None)
                self.assertEqual(resolve(), Settings("http://file:1", "wrn_file"))
                with mock.patch.dict(os.environ, {"WRENN_API_URL": "http://env:2/", "WRENN_API_KEY": "wrn_env"}):
                    self.assertEqual(resolve(), Settings("http://env:2", "wrn_env"))
                    self.assertEqual(resolve("http://arg:3", "wrn_arg"), Settings("http://arg:3", "wrn_arg"))

    def test_missing_values_say_how_to_get_them(self):
        with tempfile.TemporaryDirectory() as home, mock.patch.dict(os.environ, {"XDG_CONFIG_HOME": home}):
            os.environ.pop("WRENN_API_URL", None)
            os.environ.pop("WRENN_API_KEY", None)
            with self.assertRaisesRegex(wrenn.ConfigurationError, "WRENN_API_URL"):
                resolve()
            with self.assertRaisesRegex(wrenn.ConfigurationError, "not an http"):
                resolve("ftp://x", "k")


class ErrorAndRetryTests(unittest.TestCase):
    def test_envelopes_become_typed_errors_with_code_and_message(self):
        cases = [(400, wrenn.BadRequestError), (401, wrenn.UnauthorizedError), (403, wrenn.ForbiddenError), (404, wrenn.NotFoundError),
                 (409, wrenn.ConflictError), (501, wrenn.NotSupportedError), (500, wrenn.SandboxError), (504, wrenn.TimeoutError)]
        for status, kind in cases:
            server = Server([(status, {"error": {"code": f"c{status}", "message": f"m{status}"}})])
            try:
                with self.assertRaises(kind) as caught:
                    Transport(Settings(server.url, "k"), retry=RetryPolicy(attempts=1)).json("POST", "/x", {})
                self.assertEqual((caught.exception.status, caught.exception.code, caught.exception.message), (status, f"c{status}", f"m{status}"))
            finally:
                server.close()

    def test_idempotent_calls_retry_on_503_and_others_do_not(self):
        server = Server([(503, {"error": {"code": "no_capacity", "message": "busy"}}), (200, {"ok": True})])
        try:
            self.assertEqual(Transport(Settings(server.url, "k"), retry=FAST).json("GET", "/x"), {"ok": True})
            self.assertEqual(len(server.requests), 2)
            self.assertEqual(server.requests[0][2]["X-API-Key"], "k")
        finally:
            server.close()
        server = Server([(503, {"error": {"code": "no_capacity", "message": "busy"}}), (200, {"ok": True})])
        try:
            with self.assertRaises(wrenn.SandboxError):
                Transport(Settings(server.url, "k"), retry=FAST).json("POST", "/x", {})
            self.assertEqual(len(server.requests), 1, "a POST is never retried")
        finally:
            server.close()

    def test_connection_errors_retry_then_raise(self):
        server = Server([])
        url = server.url
        server.close()
        with self.assertRaises(wrenn.ConnectionError):
            Transport(Settings(url, "k"), retry=FAST).json("GET", "/x")

    def test_no_retry_on_404(self):
        server = Server([(404, {"error": {"code": "not_found", "message": "gone"}})] * 3)
        try:
            with self.assertRaises(wrenn.NotFoundError):
                Transport(Settings(server.url, "k"), retry=FAST).json("GET", "/x")
            self.assertEqual(len(server.requests), 1)
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
