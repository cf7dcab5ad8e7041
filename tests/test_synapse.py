"""The Matrix channel against a real homeserver: Synapse (the `matrix-synapse` package, in the test
extra), started on 127.0.0.1 with a throwaway configuration. A bot user registered with the
shared secret, a room, then a role's whole life through `jobfeed notify`; the notices, the thread
and the edit are read back through the client-server API.

Synapse starts in about 2 s here (the test waits for its "now listening" log line); the module
shares one server between its tests.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import yaml
from click.testing import CliRunner

from jobfeed.cli import cli
from notify_fixtures import config_toml, write_posting

SHARED_SECRET = "throwaway-registration-secret"
LIFE = [
    ("2024-03-01T09:00:00+01:00", {"poste_ferme": "2024-03-20"}),
    ("2024-03-14T09:00:00+01:00", {"poste_ferme": "2024-03-20"}),
    ("2024-03-15T09:00:00+01:00", {"poste_ferme": "2024-04-30"}),
    ("2024-03-16T09:00:00+01:00", {"poste_ferme": "2024-04-30", "poste_pourvu": "true"}),
]


class Homeserver:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def register(self, user: str) -> str:
        """A user registered with the shared secret (the admin API); returns its access token."""
        api = f"{self.url}/_synapse/admin/v1/register"
        nonce = self.http.get(api, timeout=10).json()["nonce"]
        password = "p4ssw0rd-" + user
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), user.encode(), password.encode(), b"notadmin"]))
        answer = self.http.post(
            api,
            json={
                "nonce": nonce,
                "username": user,
                "password": password,
                "admin": False,
                "mac": mac.hexdigest(),
            },
            timeout=10,
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def client(self, token: str, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.http.request(
            method, self.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    folder = tmp_path_factory.mktemp("synapse")
    config = folder / "homeserver.yaml"
    generate = [sys.executable, "-m", "synapse.app.homeserver", "--server-name", "localhost"]
    generate += ["--config-path", str(config), "--generate-config", "--report-stats=no"]
    subprocess.run([*generate, "--data-directory", str(folder)], cwd=folder, check=True, capture_output=True)
    settings = yaml.safe_load(config.read_text())
    port = free_port()
    settings.update(
        listeners=[
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        registration_shared_secret=SHARED_SECRET,
        trusted_key_servers=[],
        federation_domain_whitelist=[],
        rc_message={"per_second": 1000, "burst_count": 1000},
    )
    settings.pop("log_config", None)
    config.write_text(yaml.safe_dump(settings))
    process = subprocess.Popen(
        [sys.executable, "-m", "synapse.app.homeserver", "-c", str(config)],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    listening, lines = threading.Event(), collections.deque(maxlen=50)

    def read_log() -> None:  # Synapse says when it listens; its log is kept for a failure message
        assert process.stdout is not None
        for raw in process.stdout:
            lines.append(raw.decode("utf-8", "replace"))
            if b"Synapse now listening on TCP port" in raw:
                listening.set()
        listening.set()  # it ended

    threading.Thread(target=read_log, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        assert listening.wait(60), "Synapse did not start within 60 s"
        assert process.poll() is None, "".join(lines)
        assert requests.get(url + "/health", timeout=5).status_code == 200
        yield Homeserver(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_role_lives_in_one_thread_on_synapse(homeserver: Homeserver, tmp_path: Path) -> None:
    bot = homeserver.register("jobfeed")
    reader = homeserver.register("reader")
    room = homeserver.client(bot, "POST", "/_matrix/client/v3/createRoom", json={"name": "Jobs"})["room_id"]
    homeserver.client(
        bot, "POST", f"/_matrix/client/v3/rooms/{quote(room)}/invite", json={"user_id": "@reader:localhost"}
    )
    homeserver.client(reader, "POST", f"/_matrix/client/v3/join/{quote(room)}", json={})
    postes = tmp_path / "postes"
    write_posting(postes, "role-900", "Other role")
    toml = f'[[notify]]\nkind = "matrix"\nserver = "{homeserver.url}"\nchannel = "{room}"\nlanguage = "en"\n'
    config = config_toml(tmp_path, toml)
    state = tmp_path / "state.json"
    outputs = []

    def run(now: str) -> None:
        args = [
            "notify",
            "--config",
            str(config),
            "--postes",
            str(postes),
            "--state",
            str(state),
            "--now",
            now,
        ]
        result = CliRunner().invoke(cli, args, env={"MATRIX_ACCESS_TOKEN": bot}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)

    run(LIFE[0][0])  # the baseline
    for now, front in LIFE:
        write_posting(postes, "role-001", "Data <b>engineer</b> @room", contrat="CDI", **front)
        run(now)
    record = json.loads(state.read_text())["threads"]["matrix:MATRIX_ACCESS_TOKEN"]["role-001"]

    rooms = f"/_matrix/client/v3/rooms/{quote(room)}"
    chunk = homeserver.client(reader, "GET", f"{rooms}/messages", params={"dir": "b", "limit": 50})["chunk"]
    notices = [e for e in chunk if e["type"] == "m.room.message"]
    assert all(e["sender"] == "@jobfeed:localhost" and e["content"]["msgtype"] == "m.notice" for e in notices)
    roots = [e for e in notices if "m.relates_to" not in e["content"]]
    assert [r["event_id"] for r in roots] == [record["root"]]
    [root] = roots
    assert root["content"]["body"].startswith("New role: Data <b>engineer</b> @\u2060room")
    assert "Data &lt;b&gt;engineer&lt;/b&gt; @\u2060room" in root["content"]["formatted_body"]
    assert root["content"]["format"] == "org.matrix.custom.html"

    v1 = f"/_matrix/client/v1/rooms/{quote(room)}/relations/{quote(root['event_id'])}"
    thread = homeserver.client(reader, "GET", f"{v1}/m.thread", params={"dir": "f"})["chunk"]
    assert [e["content"]["body"].split(":")[0] for e in thread] == [
        "Closing soon",
        "Deadline changed",
        "Role closed",
    ]
    edits = homeserver.client(reader, "GET", f"{v1}/m.replace")["chunk"]
    assert len(edits) == 1 and edits[0]["content"]["m.new_content"]["body"].startswith("Role closed: ")
    # the server counts the thread's replies on the root
    seen = homeserver.client(reader, "GET", f"{rooms}/event/{quote(root['event_id'])}")
    assert seen["unsigned"]["m.relations"]["m.thread"]["count"] == 3
    for text in [state.read_text(), *outputs]:
        assert bot not in text


def test_a_repeated_send_is_the_same_event(homeserver: Homeserver) -> None:
    """What makes a lost answer harmless: the transaction id is jobfeed's event id."""
    import requests as http

    from jobfeed.announce.diff import Event
    from jobfeed.announce.matrix import MatrixRoom, notice
    from jobfeed.announce.threads import txn_id

    bot = homeserver.register("jobfeed2")
    room = homeserver.client(bot, "POST", "/_matrix/client/v3/createRoom", json={})["room_id"]
    matrix = MatrixRoom(http.Session(), bot, homeserver.url, room)
    content = notice(Event(id="r:opened:2024-03-01", kind="opened", role="r", name="Role"), "fr")
    txn = txn_id("matrix:X", "r:opened:2024-03-01", "post")
    first, second = matrix.post(content, None, txn), matrix.post(content, None, txn)
    assert first == second
    chunk = homeserver.client(
        bot, "GET", f"/_matrix/client/v3/rooms/{quote(room)}/messages", params={"dir": "b"}
    )
    assert [e["event_id"] for e in chunk["chunk"] if e["type"] == "m.room.message"] == [first]
