"""A real HTTP server on 127.0.0.1 that answers like Slack's and Mattermost's incoming webhooks.

Each request is read in full, then answered according to the next scripted fault, or 200 "ok"
once the script is empty (`sticky` repeats the last fault forever). Faults: an HTTP answer (status,
body, headers), "drop" (close the connection after reading the body, without answering) and
"hang" (read the body, then say nothing until the client gives up). `shown` lists the payloads a
real platform would have posted: those answered 200 "ok" and those whose answer was dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_PATH = "/hooks/T0SECRETTEAM/B0SECRETHOOK/s3cr3tT0k3nXYZ"

SLACK = {
    400: (400, "invalid_payload", {}),
    403: (403, "invalid_token", {}),
    404: (404, "no_service", {}),
    410: (410, "channel_is_archived", {}),
    429: (429, "rate_limited", {"Retry-After": "0"}),
    500: (500, "internal_error", {}),
    503: (503, "service_unavailable", {}),
}
MATTERMOST = {
    400: (
        400,
        json.dumps(
            {
                "id": "web.incoming_webhook.invalid.app_error",
                "message": "Invalid webhook.",
                "detailed_error": "",
                "request_id": "8f3n1",
                "status_code": 400,
            }
        ),
        {"Content-Type": "application/json"},
    ),
    404: (
        404,
        json.dumps({"id": "web.incoming_webhook.invalid.app_error", "message": "Invalid webhook."}),
        {},
    ),
    429: (429, "rate limited", {"Retry-After": "0"}),
    500: (500, json.dumps({"id": "app.post.save.app_error", "message": "Unable to save the post."}), {}),
    501: (
        501,
        json.dumps(
            {
                "id": "web.incoming_webhook.disabled.app_error",
                "message": "Incoming webhooks have been disabled by the system admin.",
                "status_code": 501,
            }
        ),
        {},
    ),
    503: (503, "Service Unavailable", {}),
}


@dataclasses.dataclass
class Fault:
    kind: str  # "http", "drop", "hang"
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    seconds: float = 1.0


def http_fault(platform: str, status: int) -> Fault:
    table = SLACK if platform == "slack" else MATTERMOST
    status, body, headers = table[status]
    return Fault("http", status, body, dict(headers))


class Webhook:
    """The server; `url` holds a secret path, like a real webhook URL."""

    def __init__(self, delay: float = 0.0, per_second: float = 0.0) -> None:
        self.faults: list[Fault] = []
        self.sticky = False
        self.delay = delay
        self.per_second = per_second
        self.received: list[dict[str, Any]] = []
        self.shown: list[dict[str, Any]] = []
        #: The answer to a post that is shown: Slack's and Mattermost's 200 "ok"; Teams' 202 "".
        self.ok: tuple[int, str] = (200, "ok")
        #: Each request's headers and raw body, in the order they came (a signature is checked on these).
        self.raw: list[tuple[dict[str, str], bytes]] = []
        self.requests = 0
        self.answered = 0  # requests whose handling is over (answered, dropped or given up)
        self.arrived = threading.Event()
        self._last_accepted = 0.0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                webhook._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{SECRET_PATH}"

    def fail(self, *faults: Fault, sticky: bool = False) -> None:
        with self._lock:
            self.faults = list(faults)
            self.sticky = sticky

    def clear(self) -> None:
        self.fail()

    def _next_fault(self) -> Fault | None:
        with self._lock:
            if not self.faults:
                return None
            return self.faults[0] if self.sticky and len(self.faults) == 1 else self.faults.pop(0)

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Wait until `ready()` (called under the server's lock) is true, at most `timeout` seconds;
        woken by every request that arrives or ends, and every 50 ms for conditions outside it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        try:
            self._respond(handler)
        finally:
            with self._changed:
                self.answered += 1
                self._changed.notify_all()

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        payload = json.loads(body.decode("utf-8"))
        with self._changed:
            self.raw.append((dict(handler.headers.items()), body))
            self.requests += 1
            self.received.append(payload)
            self._changed.notify_all()
        self.arrived.set()
        if handler.path != SECRET_PATH:
            self._answer(handler, 404, "no_service", {})
            return
        fault = self._next_fault()
        if fault is None and self.per_second:
            with self._lock:
                wait = self._last_accepted + 1 / self.per_second - time.monotonic()
                if wait <= 0:
                    self._last_accepted = time.monotonic()
            if wait > 0:
                fault = Fault("http", 429, "rate_limited", {"Retry-After": f"{wait:.3f}"})
        if self.delay:
            time.sleep(self.delay)
        if fault is None:
            with self._lock:
                self.shown.append(payload)
            self._answer(handler, self.ok[0], self.ok[1], {"Content-Type": "text/plain"})
        elif fault.kind == "drop":
            with self._lock:
                self.shown.append(payload)  # the platform posted it; only the answer is lost
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
        elif fault.kind == "hang":
            time.sleep(fault.seconds)
            handler.close_connection = True
        else:
            self._answer(handler, fault.status, fault.body, fault.headers)

    @staticmethod
    def _answer(handler: BaseHTTPRequestHandler, status: int, body: str, headers: dict[str, str]) -> None:
        data = body.encode("utf-8")
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:
            pass

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """A URL where nothing listens: the port was just bound and released."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{SECRET_PATH}"


@contextlib.contextmanager
def webhook(**kwargs: Any) -> Iterator[Webhook]:
    with Webhook(**kwargs) as server:
        yield server
