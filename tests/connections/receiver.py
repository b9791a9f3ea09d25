"""A real HTTP receiver, as a case system's middleware would run: a threaded http.server on
127.0.0.1 that keeps each request (headers and raw body) and answers with the statuses a test
queues, for a case or any (200 once they run out)."""
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
        self.statuses_for: dict[str, list[int]] = {}  # per case id, before `statuses`

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/panelflow-events"

    def about(self, instance_id: str) -> list[dict]:
        """The requests about one case (the scheduler pass begins cases of its own, such as
        CTMP's weekly return, which are events too)."""
        return [r for r in self.received if json.loads(r["body"])["case"]["id"] == instance_id]

    def bodies(self, event: str | None = None, instance_id: str | None = None) -> list[dict]:
        return [json.loads(r["body"]) for r in self.received
                if (event is None or r["headers"].get("X-Panelflow-Event") == event)
                and (instance_id is None or json.loads(r["body"])["case"]["id"] == instance_id)]


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        case_id = json.loads(body or b"{}").get("case", {}).get("id")
        queued = self.server.statuses_for.get(case_id) or self.server.statuses
        status = queued.pop(0) if queued else 200
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
