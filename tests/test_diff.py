import datetime as dt
from pathlib import Path

import pytest

from jobfeed.announce.diff import (
    REMOVED,
    Event,
    RoleSnapshot,
    diff,
    disappeared,
    mass_disappearance,
    snapshot_of,
    with_removed,
)
from jobfeed.config import Config
from jobfeed.core.lifecycle import classify
from jobfeed.core.postings import load_postings
from notify_fixtures import write_posting

PARIS = dt.timezone(dt.timedelta(hours=1))
DAY1 = dt.datetime(2024, 3, 1, 9, tzinfo=PARIS)


def snap(folder: Path, now: dt.datetime, days: int = 7) -> dict[str, RoleSnapshot]:
    loaded = load_postings(folder, Config())
    assert not loaded.errors, loaded.problems
    return snapshot_of(classify(loaded.postings, now), days, lambda p: f"https://x.org/{p.id}")


def kinds(events: list) -> list[tuple[str, str, str | None]]:
    return [(e.kind, e.role, e.reason) for e in events]


def test_new_open_role_is_opened_and_scheduled_one_waits_for_its_day(tmp_path: Path) -> None:
    write_posting(tmp_path, "a", "A")
    write_posting(tmp_path, "b", "B", poste_ouvert="2024-03-05")
    first = snap(tmp_path, DAY1)
    events = diff({}, first, DAY1.date())
    assert kinds(events) == [("opened", "a", None)]
    assert events[0].id == "a:opened:2024-01-15"
    later = DAY1 + dt.timedelta(days=5)
    events = diff(first, snap(tmp_path, later), later.date())
    assert kinds(events) == [("opened", "b", None)]
    assert events[0].id == "b:opened:2024-03-05"


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ({"poste_pourvu": "true"}, "filled"),
        ({"status": "closed"}, "closed"),
        ({"poste_ferme": "2024-03-01"}, "expired"),
    ],
)
def test_closed_with_its_reason(tmp_path: Path, front: dict[str, str], reason: str) -> None:
    write_posting(tmp_path, "a", "A", poste_ferme="2024-06-01")
    before = snap(tmp_path, DAY1)
    write_posting(tmp_path, "a", "A", **{"poste_ferme": "2024-06-01", **front})
    after_now = DAY1 + dt.timedelta(days=1)
    events = diff(before, snap(tmp_path, after_now), after_now.date())
    assert kinds(events) == [("closed", "a", reason)]
    assert events[0].id == "a:closed:2024-03-02"


def test_removed_file_is_closed_removed_and_reopened_role(tmp_path: Path) -> None:
    write_posting(tmp_path, "a", "A")
    write_posting(tmp_path, "b", "B", status="closed")
    before = snap(tmp_path, DAY1)
    (tmp_path / "a.md").unlink()
    write_posting(tmp_path, "b", "B", status="open")
    events = diff(before, snap(tmp_path, DAY1), DAY1.date())
    assert kinds(events) == [("reopened", "b", None), ("closed", "a", "removed")]


def test_deadline_changed_extended_or_brought_forward(tmp_path: Path) -> None:
    write_posting(tmp_path, "a", "A", poste_ferme="2024-06-01")
    before = snap(tmp_path, DAY1)
    write_posting(tmp_path, "a", "A", poste_ferme="2024-07-01")
    events = diff(before, snap(tmp_path, DAY1), DAY1.date())
    assert kinds(events) == [("deadline_changed", "a", None)]
    assert (events[0].previous_deadline, events[0].deadline) == ("2024-06-01", "2024-07-01")
    assert events[0].id == "a:deadline_changed:2024-07-01"


def test_closing_soon_once_per_role_and_deadline(tmp_path: Path) -> None:
    write_posting(tmp_path, "a", "A", poste_ferme="2024-03-10")
    s1 = snap(tmp_path, DAY1)  # 9 days left: not yet
    d2 = DAY1 + dt.timedelta(days=3)
    s2 = snap(tmp_path, d2)  # 6 days left: closing soon
    assert kinds(diff(s1, s2, d2.date())) == [("closing_soon", "a", None)]
    d3 = d2 + dt.timedelta(days=1)
    s3 = snap(tmp_path, d3)
    assert diff(s2, s3, d3.date()) == []  # said once
    write_posting(tmp_path, "a", "A", poste_ferme="2024-04-30")
    s4 = snap(tmp_path, d3)
    assert kinds(diff(s3, s4, d3.date())) == [("deadline_changed", "a", None)]
    d5 = dt.datetime(2024, 4, 25, 9, tzinfo=PARIS)
    events = diff(s4, snap(tmp_path, d5), d5.date())
    assert [e.id for e in events] == ["a:closing_soon:2024-04-30"]  # again, for the new deadline


def test_same_snapshot_gives_no_event(tmp_path: Path) -> None:
    write_posting(tmp_path, "a", "A")
    s = snap(tmp_path, DAY1)
    assert diff(s, s, DAY1.date()) == []


def test_mass_disappearance() -> None:
    role = RoleSnapshot(state="open", title="x")
    ten = {str(i): role for i in range(10)}
    assert mass_disappearance(ten, {str(i): role for i in range(4)})  # 6 of 10 gone
    assert not mass_disappearance(ten, {str(i): role for i in range(5)})  # half is not more than half
    four = {str(i): role for i in range(4)}
    assert not mass_disappearance(four, {})  # fewer than 5


def test_a_removed_role_is_remembered_so_adding_it_back_reopens_it(tmp_path: Path) -> None:
    write_posting(tmp_path, "a", "A")
    write_posting(tmp_path, "s", "S", poste_ouvert="2024-06-01")  # scheduled: never announced
    write_posting(tmp_path, "b", "B")
    first = snap(tmp_path, DAY1)
    (tmp_path / "a.md").unlink()
    (tmp_path / "s.md").unlink()
    second = with_removed(first, snap(tmp_path, DAY1))
    assert second["a"].state == REMOVED and second["a"].title == "A" and "s" not in second
    assert kinds(diff(first, second, DAY1.date())) == [("closed", "a", "removed")]
    third = with_removed(second, snap(tmp_path, DAY1))
    assert third == second and diff(second, third, DAY1.date()) == []  # announced once
    assert disappeared(second, snap(tmp_path, DAY1)) == []  # a removed role is not missing again
    write_posting(tmp_path, "a", "A")
    write_posting(tmp_path, "s", "S", poste_ouvert="2024-06-01")
    fourth = with_removed(third, snap(tmp_path, DAY1))
    assert kinds(diff(third, fourth, DAY1.date())) == [("reopened", "a", None)]
    assert diff(fourth, with_removed(fourth, snap(tmp_path, DAY1)), DAY1.date()) == []


def test_removed_roles_do_not_count_as_known_for_the_guard() -> None:
    gone = {f"r{n}": RoleSnapshot(REMOVED, f"R{n}") for n in range(20)}
    live = {f"l{n}": RoleSnapshot("open", f"L{n}") for n in range(8)}
    assert mass_disappearance({**gone, **live}, {f"l{n}": live[f"l{n}"] for n in range(3)})
    assert not mass_disappearance({**gone, **live}, {f"l{n}": live[f"l{n}"] for n in range(4)})


def test_a_deadline_moved_into_the_window_is_also_closing_soon_once_with_the_days_left(
    tmp_path: Path,
) -> None:
    write_posting(tmp_path, "a", "A", poste_ferme="2024-04-30")
    s1 = snap(tmp_path, DAY1)
    write_posting(tmp_path, "a", "A", poste_ferme="2024-03-01")  # brought forward to today: the last day
    s2 = snap(tmp_path, DAY1)
    events = diff(s1, s2, DAY1.date())
    assert [(e.id, e.role, e.days_left) for e in events] == [
        ("a:deadline_changed:2024-03-01", "a", None),
        ("a:closing_soon:2024-03-01", "a", 0),
    ]
    assert diff(s2, snap(tmp_path, DAY1 + dt.timedelta(hours=1)), DAY1.date()) == []  # said once
    # entering the window on its own, three days before: "closing soon", 3 days left
    write_posting(tmp_path, "b", "B", poste_ferme="2024-03-11")
    s3 = snap(tmp_path, DAY1)
    d4 = DAY1 + dt.timedelta(days=7)
    [soon] = [e for e in diff(s3, snap(tmp_path, d4), d4.date()) if e.role == "b"]
    assert (soon.id, soon.days_left) == ("b:closing_soon:2024-03-11", 3)


def test_a_role_in_several_teams_keeps_them_in_its_snapshot_and_events(tmp_path: Path) -> None:
    import dataclasses

    write_posting(tmp_path, "a", "A", poste_ferme="2024-04-30")
    write_posting(tmp_path, "b", "B", poste_ferme="2024-04-30")
    loaded = load_postings(tmp_path, Config())
    two = [
        dataclasses.replace(p, teams=("DossierFacile", "SNU")) if p.id == "a" else p for p in loaded.postings
    ]
    current = snapshot_of(classify(two, DAY1), 7)
    assert current["a"].teams == ("DossierFacile", "SNU") and current["b"].teams == ()
    # one team is stored as before teams existed; several as a list, read back as a tuple
    assert "teams" not in current["b"].as_dict()
    assert current["a"].as_dict()["teams"] == ["DossierFacile", "SNU"]
    assert RoleSnapshot.from_dict(current["a"].as_dict()) == current["a"]
    assert RoleSnapshot.from_dict(current["b"].as_dict()) == current["b"]
    [opened_a, opened_b] = diff({}, current, DAY1.date())
    assert opened_a.teams == ("DossierFacile", "SNU") and opened_b.teams == ()
    assert opened_a.as_dict()["teams"] == ["DossierFacile", "SNU"] and "teams" not in opened_b.as_dict()
    assert Event.from_dict(opened_a.as_dict()) == opened_a and Event.from_dict(opened_b.as_dict()) == opened_b
    # a posting whose single team is in `teams` too is a role in one team
    one = [dataclasses.replace(p, teams=("SNU",)) for p in loaded.postings]
    assert snapshot_of(classify(one, DAY1), 7)["a"].teams == ()


def test_closing_soon_for_a_deadline_at_a_time_is_dated_by_its_day(tmp_path: Path) -> None:
    write_posting(tmp_path, "a", "A", poste_ferme="2024-03-05T18:00:00+01:00")
    s1 = snap(tmp_path, DAY1 - dt.timedelta(days=30))
    [soon] = diff(s1, snap(tmp_path, DAY1), DAY1.date())
    assert (soon.kind, soon.id, soon.days_left) == ("closing_soon", "a:closing_soon:2024-03-05", 4)
