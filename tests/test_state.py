import json
from pathlib import Path

import pytest

from jobfeed.announce.diff import Event, RoleSnapshot
from jobfeed.announce.state import SCHEMA_VERSION, NotifyState, load_state, roles_in_feed, save_state
from jobfeed.errors import StateError


def event(n: int, kind: str = "opened") -> Event:
    return Event(id=f"r{n}:{kind}:2024-03-01", kind=kind, role=f"r{n}", name=f"Role {n}", team="T")


def test_missing_file_is_a_first_run(tmp_path: Path) -> None:
    state = load_state(tmp_path / "state.json")
    assert state.is_baseline and state.outbox == {}


def test_round_trip_is_readable_sorted_json(tmp_path: Path) -> None:
    path = tmp_path / "feeds" / "state.json"
    state = NotifyState(
        roles={"b": RoleSnapshot("open", "B"), "a": RoleSnapshot("closed", "A", deadline="2024-03-01")}
    )
    state.enqueue("slack:SLACK_WEBHOOK_URL", [event(1), event(2)])
    state.last_run = "2024-03-01T09:00:00+01:00"
    save_state(path, state)
    raw = json.loads(path.read_text())
    assert raw["schema_version"] == SCHEMA_VERSION
    assert list(raw["roles"]) == ["a", "b"]
    assert [e["id"] for e in raw["outbox"]["slack:SLACK_WEBHOOK_URL"]] == [
        "r1:opened:2024-03-01",
        "r2:opened:2024-03-01",
    ]
    again = load_state(path)
    assert again == state
    assert again.dumps() == state.dumps()
    assert path.read_text().startswith("{\n  ")


def test_enqueue_replaces_same_id_and_delivered_keeps_channel_known() -> None:
    state = NotifyState(roles={})
    state.enqueue("c", [event(1), event(2)])
    state.enqueue("c", [event(1)])
    assert [e.id for e in state.pending("c")] == ["r2:opened:2024-03-01", "r1:opened:2024-03-01"]
    state.delivered("c", ["r1:opened:2024-03-01", "r2:opened:2024-03-01"])
    assert state.pending("c") == [] and state.known_channels() == ["c"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"schema_version": 1, "roles": {"a": {"title": "x"}}}', "damaged"),
        ('{"schema_version": 1, "roles": [], "outbox": {}}', "damaged"),
        ('{"roles": {}}', "unknown state schema_version None"),
    ],
)
def test_corrupt_state_names_the_file_and_the_recovery(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(StateError) as e:
        load_state(path)
    assert str(path) in str(e.value) and expected in str(e.value)
    assert f"git checkout -- {path}" in str(e.value)


def test_newer_schema_asks_for_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"schema_version": SCHEMA_VERSION + 1}))
    with pytest.raises(StateError, match=r"newer jobfeed.*upgrade jobfeed"):
        load_state(path)


def test_roles_in_feed_reads_the_role_ids_of_this_site_only(tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    assert roles_in_feed(feed, "jobs.example.org,2024") == set()  # no feed: nothing known
    items = [
        {"id": "tag:jobs.example.org,2024:dev"},
        {"id": "tag:jobs.example.org,2024:stage.2024"},
        {"id": "tag:other.org,2020:dev-other"},
        {"title": "no id"},
        "not an item",
    ]
    feed.write_text(json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": items}))
    assert roles_in_feed(feed, "jobs.example.org,2024") == {"dev", "stage.2024"}


@pytest.mark.parametrize("text", ["{oops", "[]", '{"items": {"a": 1}}', "\udcff"])
def test_an_unreadable_feed_is_a_clear_error_with_the_recovery(tmp_path: Path, text: str) -> None:
    feed = tmp_path / "feed.json"
    feed.write_text(text, errors="surrogateescape")
    with pytest.raises(StateError) as e:
        roles_in_feed(feed, "jobs.example.org,2024")
    assert str(feed) in str(e.value) and f"git checkout -- {tmp_path / 'state.json'}" in str(e.value)
