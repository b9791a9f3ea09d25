"""A real HTTP receiver, as a case system's middleware would run: a threaded http.server on
127.0.0.1 that keeps each request (headers and raw body) and answers with the statuses a test
queues (200 once they run out)."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: list[dict] = []
        self.statuses: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/panelflow-events"

    def bodies(self, event: str | None = None) -> list[dict]:
        return [json.loads(r["body"]) for r in self.received
                if event is None or r["headers"].get("X-Panelflow-Event") == event]


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.server.received.append({"path": self.path, "headers": dict(self.headers),
                                     "body": body, "status": status})
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if status < 300 else b"receiver down for maintenance")


def verify(secret: str, request: dict) -> bool:
    """What a receiver does: recompute the HMAC over "<t>.<raw body>" and compare."""
    parts = dict(p.split("=", 1) for p in request["headers"]["X-Panelflow-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + request["body"],
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
