"""A filled or closed role's deadline event stays a while as cancelled (issue 18), read back with icalendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar

from conftest import NOW, posting
from jobfeed import Config, build, config_from_dict

UID = "tag:jobs.example.org,2024:dev#deadline"


def site_config(days: int = 90) -> Config:
    return config_from_dict(
        {
            "site": {"url": "https://jobs.example.org/", "id_authority": "jobs.example.org,2024"},
            "pages": {"tombstone_days": days},
        }
    )


def write(postes: Path, **changes: str) -> None:
    fields = {
        "equipe": "Aides-territoires",
        "poste_ouvert": "2024-02-01",
        "poste_ferme": "2024-03-15",
        **changes,
    }
    (postes / "dev.md").write_text(posting("Développeur·euse", "Texte.\n", **fields), encoding="utf-8")
    (postes / "stage.md").write_text(
        posting("Stagiaire", "Texte.\n", poste_ouvert="2024-02-01", poste_ferme="2024-03-04"),
        encoding="utf-8",
    )


def events_at(config: Config, postes: Path, out: Path, when: dt.datetime) -> dict[str, icalendar.Event]:
    build(config, when, postes=postes, out=out)
    cal = icalendar.Calendar.from_ical((out / "deadlines.ics").read_bytes())
    return {str(e["uid"]): e for e in cal.walk("VEVENT")}


def test_a_filled_role_is_cancelled_with_a_higher_sequence_then_dropped(tmp_path: Path) -> None:
    postes, out = tmp_path / "postes", tmp_path / "out"
    postes.mkdir()
    config = site_config()
    write(postes)
    published = events_at(config, postes, out, NOW)[UID]
    assert "STATUS" not in published
    sequence_before = int(published.get("SEQUENCE", 0))

    write(postes, poste_pourvu="true", mis_a_jour="2024-03-02T10:00:00Z")
    day = dt.datetime(2024, 3, 3, 9, 0, tzinfo=dt.UTC)
    found = events_at(config, postes, out, day)
    cancelled = found[UID]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > sequence_before
    assert cancelled.decoded("dtstart") == dt.date(2024, 3, 15)  # the same event, same UID and date
    same = (out / "deadlines.ics").read_bytes()
    events_at(config, postes, out, day)
    assert (out / "deadlines.ics").read_bytes() == same  # byte-identical for the same inputs

    # Kept until the retention of removed pages (90 days here) after its deadline, then dropped.
    last_kept = dt.datetime(2024, 6, 12, 12, 0, tzinfo=dt.UTC)  # 89 days after 15 March
    assert str(events_at(config, postes, out, last_kept)[UID]["STATUS"]) == "CANCELLED"
    assert UID not in events_at(config, postes, out, last_kept + dt.timedelta(days=1))


def test_a_closed_role_counts_from_its_own_last_date_and_zero_days_drops_it(tmp_path: Path) -> None:
    postes, out = tmp_path / "postes", tmp_path / "out"
    postes.mkdir()
    # Closed long after its deadline (an old deadline, closed on 1 March): counted from 1 March.
    write(
        postes,
        status="closed",
        poste_ouvert="2023-12-01",
        poste_ferme="2024-01-10",
        mis_a_jour="2024-03-01T08:00:00Z",
    )
    found = events_at(site_config(10), postes, out, dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC))
    assert str(found[UID]["STATUS"]) == "CANCELLED"
    assert UID not in events_at(site_config(10), postes, out, dt.datetime(2024, 3, 11, 12, 0, tzinfo=dt.UTC))
    assert UID not in events_at(site_config(0), postes, out, dt.datetime(2024, 3, 2, 12, 0, tzinfo=dt.UTC))


def test_an_expired_role_is_not_cancelled_its_deadline_passed(tmp_path: Path) -> None:
    postes, out = tmp_path / "postes", tmp_path / "out"
    postes.mkdir()
    write(postes)
    stage = "tag:jobs.example.org,2024:stage#deadline"
    assert stage in events_at(site_config(), postes, out, NOW)
    after = events_at(site_config(), postes, out, dt.datetime(2024, 3, 5, 12, 0, tzinfo=dt.UTC))
    assert stage not in after and "STATUS" not in after[UID]
