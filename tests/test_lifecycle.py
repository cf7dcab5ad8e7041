from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import posting
from jobfeed import Config, State, classify, load_postings
from jobfeed.core.lifecycle import state_of

PARIS = ZoneInfo("Europe/Paris")
MINUTE = dt.timedelta(minutes=1)


def one(postes: Path, config: Config, **fields: str):  # type: ignore[no-untyped-def]
    (postes / "a.md").write_text(posting(**fields), encoding="utf-8")
    loaded = load_postings(postes, config)
    assert loaded.errors == []
    return loaded.postings[0]


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, State.OPEN),
        ({"poste_ouvert": "2030-01-01"}, State.SCHEDULED),
        ({"poste_pourvu": "true", "poste_ferme": "2020-01-01"}, State.FILLED),
        ({"status": "closed"}, State.CLOSED),
        ({"open": "false"}, State.CLOSED),
        ({"poste_ferme": "2024-02-01"}, State.EXPIRED),
        ({"poste_ouvert": "2024-01-01", "poste_ferme": "2024-12-31", "status": "open"}, State.OPEN),
        # The first matching row wins: a filled role that is also closed and expired is filled.
        ({"poste_pourvu": "true", "status": "closed", "poste_ferme": "2020-01-01"}, State.FILLED),
        ({"status": "closed", "poste_ferme": "2020-01-01"}, State.CLOSED),
    ],
)
def test_each_state(postes: Path, config: Config, fields: dict[str, str], state: State) -> None:
    now = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
    assert state_of(one(postes, config, **fields), now) is state


def test_day_deadline_runs_to_the_end_of_that_day_in_paris(postes: Path, config: Config) -> None:
    p = one(postes, config, poste_ferme="2024-03-10")
    midnight = dt.datetime(2024, 3, 11, tzinfo=PARIS)  # 2024-03-10T23:00Z
    assert state_of(p, midnight - MINUTE) is State.OPEN
    assert state_of(p, midnight) is State.EXPIRED
    assert state_of(p, midnight + MINUTE) is State.EXPIRED


def test_cms_midnight_utc_deadline_is_the_next_day_in_paris(postes: Path, config: Config) -> None:
    # The CMS stored "23 February" as 2022-02-22T23:00:00.000Z: open all of the 23rd, Paris time.
    p = one(postes, config, poste_ferme="2022-02-22T23:00:00.000Z")
    end = dt.datetime(2022, 2, 23, 23, 0, tzinfo=dt.UTC)  # midnight 24 February in Paris
    assert state_of(p, dt.datetime(2022, 2, 23, 12, tzinfo=PARIS)) is State.OPEN
    assert state_of(p, end - MINUTE) is State.OPEN
    assert state_of(p, end + MINUTE) is State.EXPIRED


def test_summer_time_midnight_is_22h_utc(postes: Path, config: Config) -> None:
    p = one(postes, config, poste_ferme="2024-06-29T22:00:00.000Z")  # 30 June in Paris (UTC+2)
    assert p.deadline.all_day and p.deadline.day == dt.date(2024, 6, 30)
    end = dt.datetime(2024, 6, 30, 22, 0, tzinfo=dt.UTC)
    assert state_of(p, end - MINUTE) is State.OPEN
    assert state_of(p, end) is State.EXPIRED


def test_datetime_deadline_is_exact_to_the_minute(postes: Path, config: Config) -> None:
    p = one(postes, config, poste_ferme="2024-03-10T17:30:00+01:00")
    deadline = dt.datetime(2024, 3, 10, 17, 30, tzinfo=PARIS)
    assert state_of(p, deadline - MINUTE) is State.OPEN
    assert state_of(p, deadline) is State.EXPIRED
    assert state_of(p, deadline + MINUTE) is State.EXPIRED


def test_opening_day_starts_at_local_midnight(postes: Path, config: Config) -> None:
    p = one(postes, config, poste_ouvert="2024-03-10")
    start = dt.datetime(2024, 3, 10, tzinfo=PARIS)  # 2024-03-09T23:00Z
    assert state_of(p, start - MINUTE) is State.SCHEDULED
    assert state_of(p, start) is State.OPEN


def test_opening_datetime_is_exact(postes: Path, config: Config) -> None:
    p = one(postes, config, poste_ouvert="2024-03-10T09:30:00Z")
    start = dt.datetime(2024, 3, 10, 9, 30, tzinfo=dt.UTC)
    assert state_of(p, start - MINUTE) is State.SCHEDULED
    assert state_of(p, start + MINUTE) is State.OPEN


def test_other_site_time_zone(postes: Path) -> None:
    from jobfeed import config_from_dict

    config = config_from_dict({"site": {"timezone": "America/Cayenne"}})  # UTC-3, no DST
    p = one(postes, config, poste_ferme="2024-03-10")
    end = dt.datetime(2024, 3, 11, 3, 0, tzinfo=dt.UTC)
    assert state_of(p, end - MINUTE) is State.OPEN
    assert state_of(p, end) is State.EXPIRED


def test_catalog_orders_newest_first_and_splits_states(postes: Path, config: Config) -> None:
    (postes / "a.md").write_text(posting("A", poste_ouvert="2024-01-01"))
    (postes / "b.md").write_text(posting("B", poste_ouvert="2024-02-01"))
    (postes / "c.md").write_text(posting("C", poste_ouvert="2024-02-01", status="closed"))
    (postes / "d.md").write_text(posting("D", poste_ouvert="2031-02-01"))
    catalog = classify(load_postings(postes, config).postings, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    assert [r.id for r in catalog.roles] == ["d", "b", "c", "a"]
    assert [r.id for r in catalog.open] == ["b", "a"]
    assert [r.id for r in catalog.closed] == ["c"]
    assert [r.id for r in catalog.scheduled] == ["d"]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^now must be timezone-aware$"):
        classify([], dt.datetime(2024, 1, 1))


def test_undated_roles_come_after_every_dated_one_then_by_id(postes: Path, config: Config) -> None:
    """Even after a role opened at the very first instant 1970 has in Paris (before the epoch in UTC)."""
    (postes / "z.md").write_text(posting("Z"))
    (postes / "a.md").write_text(posting("A"))
    (postes / "first.md").write_text(posting("F", poste_ouvert="1970-01-01T00:00:00.5+01:00"))
    (postes / "new.md").write_text(posting("N", poste_ouvert="2024-01-01"))
    catalog = classify(load_postings(postes, config).postings, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    assert [r.id for r in catalog.roles] == ["new", "first", "a", "z"]


def test_catalog_get(postes: Path, config: Config) -> None:
    (postes / "a.md").write_text(posting("A"))
    (postes / "b.md").write_text(posting("B"))
    catalog = classify(load_postings(postes, config).postings, dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    found = catalog.get("b")
    assert found is not None and found.posting.role == "B"
    assert catalog.get("c") is None
