"""A real HTTP server on 127.0.0.1 that answers like the chat APIs jobfeed threads through:
Slack's Web API (`chat.postMessage`, `chat.update`), Mattermost's REST API (`/api/v4/posts`, patch),
a Discord webhook (`?wait=true`, `thread_id`, `thread_name` in a forum, `PATCH …/messages/{id}`)
and Matrix's client-server API (`PUT …/send/m.room.message/{txnId}`, idempotent per transaction).

Each platform checks its secret as the real one does (a bearer token, or the webhook's token in
its path) and answers with its own documented bodies. Messages are kept in `messages`, with their
thread parent and their edits. Scripted faults (`fail`), taken one per request in order:
`Fault("http", …)` answers that instead of doing anything, "pass" does the call as usual, "drop" does the call and closes the
connection without answering (the platform showed it, the answer is lost), "hang" reads the
request and answers nothing (done nothing) until the client gives up or is killed.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from webhook_server import Fault

SLACK_TOKEN = "xoxb-1111-2222-s3cr3tSlackB0tT0ken"
MATTERMOST_TOKEN = "mmtok3nS3cr3tXyZ0123456789"
MATRIX_TOKEN = "syt_Ym90_s3cr3tMatrixT0k3n_0abc"
DISCORD_PATH = "/api/webhooks/112233445566778899/D1sc0rdS3cr3tW3bh00kT0k3nABCDEF"
ROOM = "!roomid:localhost"
TOKENS = [SLACK_TOKEN, MATTERMOST_TOKEN, MATRIX_TOKEN, DISCORD_PATH, *DISCORD_PATH.split("/")[-2:]]

ERRORS: dict[str, dict[int, tuple[int, Any, dict[str, str]]]] = {
    "slack": {
        200: (200, {"ok": False, "error": "channel_not_found"}, {}),
        201: (200, {"ok": False, "error": "internal_error"}, {}),
        401: (200, {"ok": False, "error": "invalid_auth"}, {}),
        429: (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"}),
        503: (503, "service unavailable", {}),
    },
    "mattermost": {
        401: (
            401,
            {"id": "api.context.session_expired.app_error", "message": "Invalid or expired session"},
            {},
        ),
        403: (403, {"id": "api.context.permissions.app_error", "message": "You do not have permission"}, {}),
        429: (429, "memstore limit exceeded", {"Retry-After": "0", "X-Ratelimit-Remaining": "0"}),
        500: (500, {"id": "app.post.save.app_error", "message": "Unable to save the post."}, {}),
    },
    "discord": {
        400: (400, {"code": 50035, "message": "Invalid Form Body", "errors": {}}, {}),
        404: (404, {"code": 10015, "message": "Unknown Webhook"}, {}),
        429: (
            429,
            {"message": "You are being rate limited.", "retry_after": 0.01, "global": False},
            {
                "Retry-After": "1",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": "0.01",
                "X-RateLimit-Scope": "user",
            },
        ),
        500: (500, {"message": "500: Internal Server Error", "code": 0}, {}),
    },
    "matrix": {
        401: (401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."}, {}),
        403: (403, {"errcode": "M_FORBIDDEN", "error": "User @bot:localhost not in room"}, {}),
        429: (429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 10}, {}),
        502: (502, "<html>Bad Gateway</html>", {}),
    },
}


def api_fault(platform: str, status: int) -> Fault:
    status, body, headers = ERRORS[platform][status]
    text = body if isinstance(body, str) else json.dumps(body)
    return Fault("http", status, text, dict(headers))


@dataclasses.dataclass
class Posted:
    platform: str
    id: str
    content: dict[str, Any]
    parent: str | None = None  # the root, for a reply
    edits: list[dict[str, Any]] = dataclasses.field(default_factory=list)


class ChatAPI:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.messages: list[Posted] = []
        self.requests: list[tuple[str, str]] = []  # (method, path without the secret)
        self.txns: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                api._handle(self, "POST")

            def do_PUT(self) -> None:
                api._handle(self, "PUT")

            def do_PATCH(self) -> None:
                api._handle(self, "PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    @property
    def discord_url(self) -> str:
        return self.base + DISCORD_PATH

    def fail(self, *faults: Fault) -> None:
        with self._lock:
            self.faults = list(faults)

    def roots(self, platform: str) -> list[Posted]:
        return [m for m in self.messages if m.platform == platform and m.parent is None]

    def replies(self, platform: str, root: str) -> list[Posted]:
        return [m for m in self.messages if m.platform == platform and m.parent == root]

    def wait_until(self, ready: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    # --- the platforms -------------------------------------------------------------------------------

    def _new_id(self, platform: str) -> str:
        n = next(self._ids)
        return {
            "slack": f"17000000{n:02d}.000100",
            "mattermost": f"{n:026d}",
            "discord": f"{9000 + n}",
            "matrix": f"$event{n}",
        }[platform]

    def _find(self, platform: str, message_id: str) -> Posted | None:
        return next((m for m in self.messages if m.platform == platform and m.id == message_id), None)

    def _do(self, method: str, path: str, query: dict[str, str], auth: str, body: Any) -> tuple[int, Any]:
        """The platform's behaviour: (status, JSON answer)."""
        if path.startswith("/api/chat."):
            if auth != f"Bearer {SLACK_TOKEN}":
                return 200, {"ok": False, "error": "invalid_auth"}
            if path == "/api/chat.postMessage":
                if "thread_ts" in body and self._find("slack", body["thread_ts"]) is None:
                    return 200, {"ok": False, "error": "thread_not_found"}
                posted = Posted("slack", self._new_id("slack"), body, body.get("thread_ts"))
                self.messages.append(posted)
                return 200, {"ok": True, "channel": body["channel"], "ts": posted.id, "message": {}}
            found = self._find("slack", body.get("ts", ""))
            if found is None:
                return 200, {"ok": False, "error": "message_not_found"}
            found.edits.append(body)
            return 200, {"ok": True, "channel": body["channel"], "ts": found.id, "text": body.get("text")}
        if path.startswith("/api/v4/posts"):
            if auth != f"Bearer {MATTERMOST_TOKEN}":
                return 401, {
                    "id": "api.context.session_expired.app_error",
                    "message": "Invalid or expired session",
                }
            if method == "POST" and path == "/api/v4/posts":
                root = body.get("root_id") or None
                if root and self._find("mattermost", root) is None:
                    return 400, {"id": "api.post.create_post.root_id.app_error", "message": "Invalid RootId"}
                posted = Posted("mattermost", self._new_id("mattermost"), body, root)
                self.messages.append(posted)
                return 201, {"id": posted.id, "channel_id": body["channel_id"], "root_id": root or ""}
            found = self._find("mattermost", path.split("/")[4])
            if method != "PUT" or not path.endswith("/patch") or found is None:
                return 404, {"id": "app.post.get.app_error", "message": "Unable to get the post."}
            found.edits.append(body)
            return 200, {"id": found.id, "message": body.get("message")}
        if path.startswith("/api/webhooks/"):
            if not path.startswith(DISCORD_PATH):
                return 401, {"code": 50027, "message": "Invalid Webhook Token"}
            thread = query.get("thread_id")
            if method == "POST":
                if query.get("wait") != "true":
                    return 204, None
                if "thread_name" in body and thread:
                    return 400, {"code": 220003, "message": "thread_name and thread_id cannot both be set"}
                if thread and self._find("discord", thread) is None:
                    return 400, {"code": 10003, "message": "Unknown Channel"}
                posted = Posted("discord", self._new_id("discord"), body, thread)
                self.messages.append(posted)
                channel = posted.id if "thread_name" in body else (thread or "4242")
                return 200, {"id": posted.id, "channel_id": channel, "type": 0, "embeds": body.get("embeds")}
            message_id = path.rsplit("/", 1)[1]
            found = self._find("discord", message_id)
            if found is None or (thread or None) != (
                found.parent or (found.id if "thread_name" in found.content else None)
            ):
                return 404, {"code": 10008, "message": "Unknown Message"}
            found.edits.append(body)
            return 200, {"id": found.id, "channel_id": thread}
        if path.startswith("/_matrix/client/v3/rooms/"):
            if auth != f"Bearer {MATRIX_TOKEN}":
                return 401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."}
            parts = path.split("/")
            room, txn = unquote(parts[5]), unquote(parts[-1])
            if room != ROOM:
                return 403, {"errcode": "M_FORBIDDEN", "error": "User not in room"}
            if txn in self.txns:
                return 200, {"event_id": self.txns[txn]}
            relation = body.get("m.relates_to", {})
            event_id = self._new_id("matrix")
            self.txns[txn] = event_id
            if relation.get("rel_type") == "m.replace":
                found = self._find("matrix", relation["event_id"])
                if found is None:
                    return 400, {"errcode": "M_BAD_JSON", "error": "unknown event"}
                found.edits.append(body)
            else:
                parent = relation.get("event_id") if relation.get("rel_type") == "m.thread" else None
                self.messages.append(Posted("matrix", event_id, body, parent))
            return 200, {"event_id": event_id}
        return 404, {"error": "not found"}

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        try:
            length = int(handler.headers.get("Content-Length") or 0)
            raw = handler.rfile.read(length).decode("utf-8")
            body = json.loads(raw) if raw else {}
            split = urlsplit(handler.path)
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            with self._changed:
                shown = split.path.replace(DISCORD_PATH, "/api/webhooks/<secret>")
                self.requests.append((method, shown))
                self._changed.notify_all()
                fault = self.faults.pop(0) if self.faults else None
            if fault is not None and fault.kind == "pass":
                fault = None
            if fault is not None and fault.kind == "http":
                self._answer(handler, fault.status, fault.body, fault.headers)
                return
            if fault is not None and fault.kind == "hang":
                time.sleep(fault.seconds)
                handler.close_connection = True
                return
            with self._changed:
                status, answer = self._do(
                    method, split.path, query, handler.headers.get("Authorization", ""), body
                )
                self._changed.notify_all()
            if fault is not None:  # "drop": done, answer lost
                handler.close_connection = True
                return
            self._answer(
                handler,
                status,
                "" if answer is None else json.dumps(answer),
                {"Content-Type": "application/json"},
            )
        finally:
            with self._changed:
                self._changed.notify_all()

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

    def __enter__(self) -> ChatAPI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
