"""Shared pieces of the events tests: an administrator, a webhook, and a local receiver."""

from __future__ import annotations

import errno
import http.server
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from traseu.core.models import Role, User
from traseu.events.models import Webhook
from traseu.events.signing import verify_signature
from traseu.events.webhooks import webhook_create

PORTS = range(8131, 8140)


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create_user("admin", password=None, role=Role.ADMIN)


@dataclass
class Received:
    key: str
    kind: str
    body: dict[str, Any]
    signature_ok: bool


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that checks signatures and deduplicates on the
    delivery id, as the docs tell receivers to. ``answers`` is a queue of statuses to answer
    before answering 200 (``"drop"`` closes the connection without an answer)."""

    port: int
    secret: str = ""
    answers: list[int | str] = field(default_factory=list)
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    processed: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        import time

        length = int(request.headers.get("Content-Length", "0"))
        raw = request.rfile.read(length)
        key = request.headers.get("X-Traseu-Delivery", "")
        ok = verify_signature(
            self.secret,
            request.headers.get("X-Traseu-Timestamp", ""),
            raw,
            request.headers.get("X-Traseu-Signature", ""),
        )
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            body = json.loads(raw)
            self.requests.append(Received(key, request.headers["X-Traseu-Event"], body, ok))
            if ok and key not in self.processed:
                self.processed[key] += 1  # the receiver's own idempotency: process once
            answer: int | str = self.answers.pop(0) if self.answers else 200
        if answer == "drop":
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        assert isinstance(answer, int)
        request.send_response(answer)
        request.send_header("Content-Length", "2")
        request.end_headers()
        request.wfile.write(b"ok")

    def arrivals(self) -> Counter[str]:
        """How many requests arrived per delivery id."""
        return Counter(r.key for r in self.requests)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as error:
                if error.errno == errno.EADDRINUSE:
                    continue
                raise
            return port
    raise RuntimeError("no free port in 8131-8139")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver on a free port, not started: tests start it (or leave it down)."""
    found = Receiver(port=free_port())
    yield found
    found.stop()


@pytest.fixture
def hook(admin: User, receiver: Receiver) -> Webhook:
    """A webhook to the receiver for every event kind; the receiver knows its secret."""
    created, secret = webhook_create(
        actor=admin,
        url=receiver.url,
        event_kinds=["deal.won", "deal.lost", "stage.changed", "handoff.created"],
    )
    receiver.secret = secret
    return created
