"""A WebSub hub stand-in on 127.0.0.1, answering publish pings as public hubs do.

A ping is a form-encoded POST with `hub.mode=publish` and `hub.url=<topic>`. The hub answers 204
No Content (Google's hub; `accepted` = 202 for hubs that queue the fetch), 400 when the request is
not a ping (wrong mode, no URL, not a form), or the next scripted fault (status, Retry-After).
Every ping is recorded with the answer it got.
"""

from __future__ import annotations

import contextlib
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hub:
    def __init__(self, accepted: int = 204) -> None:
        self.accepted = accepted
        self.faults: list[tuple[int, str | None]] = []  # answered first, in order
        self.pings: list[tuple[str, int]] = []  # (topic, status answered)
        self.lock = threading.Lock()
        self.url = ""

    def accepted_topics(self) -> list[str]:
        return [topic for topic, status in self.pings if 200 <= status < 300]


def _handler(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            form = urllib.parse.parse_qs(body)
            kind = self.headers.get("Content-Type", "")
            topic = (form.get("hub.url") or [""])[0]
            with hub.lock:
                if (
                    not kind.startswith("application/x-www-form-urlencoded")
                    or form.get("hub.mode") != ["publish"]
                    or not topic.startswith(("https://", "http://"))
                ):
                    status, retry_after = 400, None
                elif hub.faults:
                    status, retry_after = hub.faults.pop(0)
                else:
                    status, retry_after = hub.accepted, None
                hub.pings.append((topic, status))
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            text = b"" if status == 204 else b"error" if status >= 400 else b"accepted"
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            if status != 204:
                self.wfile.write(text)

    return Handler


@contextlib.contextmanager
def running_hub(accepted: int = 204) -> Iterator[Hub]:
    hub = Hub(accepted)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hub.url = f"http://127.0.0.1:{server.server_port}/hub"
    try:
        yield hub
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
