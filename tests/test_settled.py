"""A build with the last build's inputs, at an instant within the span over which they give the
same output, writes nothing and reads no posting (`_incremental/settled.py`, `publish/span.py`).

The oracle is the build without it: from a copy of the same output folder, the same build with the
cache off. Every instant tried is compared byte for byte; the postings' dates are packed around the
first build's instant (openings, deadlines as days and as instants, updates, file-name days,
filled and closed roles, a tombstone), so that a date the span forgot would show.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jobfeed._incremental.settled as settled_module
from jobfeed import BuildReport, Config, PostingError, build
from jobfeed.cli import cli
from jobfeed.config import FeedsConfig, PagesConfig
from jobfeed.core.lifecycle import classify
from jobfeed.core.postings import load_postings
from jobfeed.output import stamp_of
from jobfeed.publish.manifest import Manifest
from jobfeed.publish.span import quiet_span

PARIS = "Europe/Paris"
CONFIG = dataclasses.replace(
    Config(site_url="https://example.org/jobs/", timezone=PARIS),
    pages=PagesConfig(tombstone_days=10),
    feeds=FeedsConfig(history=True),
)
T0 = dt.datetime(2024, 3, 30, 23, 30, tzinfo=dt.UTC)  # the night the clocks change in Paris


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def posting(i: int) -> str:
    """A posting whose dates fall within a few days of T0, differently for each `i`."""
    base = dt.datetime(2024, 3, 31, 0, 0)
    opened = base + dt.timedelta(hours=(i * 7) % 61 - 40)
    lines = [f"role: Rôle {i}", f"equipe: Équipe {i % 3}", "contrat: CDD", "contact: a@example.org"]
    lines.append(f"poste_ouvert: {opened.date() if i % 4 == 0 else opened.isoformat()}")
    if i % 5 != 4:
        deadline = base + dt.timedelta(hours=(i * 11) % 97 - 30, minutes=(i * 13) % 60)
        lines.append(f"poste_ferme: {deadline.date() if i % 2 else deadline.isoformat()}")
    if i % 6 == 1:
        lines.append("poste_pourvu: true")
    if i % 7 == 2:
        lines.append("status: closed")
    if i % 3 == 0:
        lines.append(f"mis_a_jour: {(base + dt.timedelta(hours=(i * 5) % 50 - 25)).isoformat()}")
    return "---\n" + "\n".join(lines) + f"\n---\n\nLe poste {i}, **à pourvoir**.\n"


def corpus(folder: Path, count: int = 24) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        day = dt.date(2024, 3, 29) + dt.timedelta(days=i % 4)
        name = f"{day.isoformat()}-role-{i:02d}.md" if i % 2 else f"role-{i:02d}.md"
        (folder / name).write_text(posting(i), encoding="utf-8")
    return folder


def first_build(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The postings, the output folder and the cache after a build at T0 that left a tombstone
    (a role whose file went five days before)."""
    postes = corpus(tmp_path / "postes")
    out, cache = tmp_path / "out", tmp_path / "cache"
    gone = postes / "role-98.md"
    gone.write_text("---\nrole: Rôle parti\nposte_ouvert: 2024-03-01\n---\n\nParti.\n", encoding="utf-8")
    build(CONFIG, T0 - dt.timedelta(days=6), postes=postes, out=out, cache=cache)
    gone.unlink()  # its page is a tombstone from 26 March to 5 April, a day on which nothing else ends
    build(CONFIG, T0 - dt.timedelta(days=5), postes=postes, out=out, cache=cache)
    report = build(CONFIG, T0, postes=postes, out=out, cache=cache)
    assert not report.replayed
    assert orjson.loads((out / ".jobfeed-manifest.json").read_bytes())["tombstones"]
    return postes, out, cache


def span_of(cache: Path) -> tuple[dt.datetime, dt.datetime] | None:
    """The span the record holds (an unbounded end as the first or last instant), or None."""
    try:
        start, end = orjson.loads((cache / "settled.json").read_bytes())["span"]
    except FileNotFoundError:
        return None
    first, last = (dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC))
    return (
        dt.datetime.fromisoformat(start) if start else first,
        dt.datetime.fromisoformat(end) if end else last,
    )


def step(tmp_path: Path, postes: Path, out: Path, cache: Path, now: dt.datetime) -> bool:
    """Build at `now` in `out` (with the record in `cache`), and from a copy of `out` as it was with
    the cache off: the same files, the same report. It is replayed exactly when `now` is in the
    recorded span. Gives whether it was."""
    span = span_of(cache)
    plain_out = tmp_path / "plain"
    shutil.rmtree(plain_out, ignore_errors=True)
    shutil.copytree(out, plain_out)
    fast = build(CONFIG, now, postes=postes, out=out, cache=cache)
    plain = build(CONFIG, now, postes=postes, out=plain_out, use_cache=False)
    assert tree(out) == tree(plain_out), now
    assert fast.replayed == (span is not None and span[0] <= now < span[1]), (now, span)
    assert sorted(fast.written) == sorted(plain.written) and fast.counts == plain.counts
    assert sorted(fast.problems) == sorted(plain.problems)
    return fast.replayed


def record(cache: Path) -> dict:
    return orjson.loads((cache / "settled.json").read_bytes())


def test_the_manifest_name_is_the_one_the_build_writes(tmp_path: Path) -> None:
    cache = first_build(tmp_path)[2]
    assert ".jobfeed-manifest.json" in record(cache)["outputs"]


def test_every_instant_gives_the_files_the_build_without_the_record_gives(tmp_path: Path) -> None:
    postes, out, cache = first_build(tmp_path)
    span = span_of(cache)
    assert span is not None
    start, end = span
    assert start <= T0 < end and end - start < dt.timedelta(days=1)  # the dates are dense around T0
    tick = dt.timedelta(microseconds=1)
    # the span's own bounds first (replayed, replayed, then not: a build that records a new span)
    for now, replay in ((start, True), (end - tick, True), (T0, True), (end, False), (start - tick, False)):
        assert step(tmp_path, postes, out, cache, now) == replay
    # to past the last cancelled event (deadlines up to 2 April, + 10 days)
    instants = [T0 + dt.timedelta(minutes=m) for m in range(-600, 14 * 24 * 60, 53)]
    done = [step(tmp_path, postes, out, cache, now) for now in instants]
    assert 0 < sum(done) < len(done) - 10  # both kinds of builds happened, many times


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(min_value=-3 * 24 * 60, max_value=14 * 24 * 60), st.integers(0, 59)),
        min_size=1,
        max_size=4,
    )
)
def test_any_instants_give_the_files_the_build_without_the_record_gives(
    tmp_path_factory: pytest.TempPathFactory, instants: list[tuple[int, int]]
) -> None:
    tmp_path = tmp_path_factory.mktemp("any")
    postes, out, cache = first_build(tmp_path)
    for minutes, seconds in instants:
        step(tmp_path, postes, out, cache, T0 + dt.timedelta(minutes=minutes, seconds=seconds))


def rebuild(postes: Path, out: Path, cache: Path, *, strict: bool = False) -> BuildReport:
    return build(CONFIG, T0, postes=postes, out=out, cache=cache, strict=strict)


def test_a_rebuild_with_nothing_changed_is_replayed_and_reports_what_the_build_reported(
    tmp_path: Path,
) -> None:
    postes, out, cache = first_build(tmp_path)
    shutil.copytree(out, tmp_path / "again")
    full = build(CONFIG, T0, postes=postes, out=tmp_path / "again", use_cache=False)
    report = rebuild(postes, out, cache)
    assert report.replayed and report.written == full.written == [] and report.removed == []
    assert sorted(report.unchanged) == sorted(full.unchanged) and "postes/role-98.html" in full.unchanged
    assert report.summary() == full.summary() and report.as_dict() == full.as_dict()
    assert report.problems == full.problems
    # the catalog, for the API, is classified when asked for, as the build would have
    assert [(r.id, r.state) for r in report.catalog.roles] == [(r.id, r.state) for r in full.catalog.roles]


@pytest.mark.parametrize(
    "change",
    [
        "edit a posting",
        "add a posting",
        "remove a posting",
        "edit an output file",
        "remove an output file",
        "edit the manifest",
        "damage the record",
        "another configuration",
        "another output folder",
    ],
)
def test_any_change_of_input_or_output_builds_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    monkeypatch.setattr(settled_module, "RACY_NS", 0)  # stamps only (digests: the test below)
    postes, out, cache = first_build(tmp_path)
    config = CONFIG
    target = out
    files = sorted(postes.iterdir())
    page = next(p for p in sorted((out / "postes").iterdir()))
    if change == "edit a posting":
        files[3].write_text(files[3].read_text(encoding="utf-8") + "\nAjout.\n", encoding="utf-8")
    elif change == "add a posting":
        (postes / "role-77.md").write_text(posting(77), encoding="utf-8")
    elif change == "remove a posting":
        files[5].unlink()
    elif change == "edit an output file":
        page.write_bytes(page.read_bytes() + b"<!-- edited -->")
    elif change == "remove an output file":
        (out / "index.html").unlink()
    elif change == "edit the manifest":
        manifest = out / ".jobfeed-manifest.json"
        manifest.write_bytes(manifest.read_bytes() + b" ")  # the same JSON, other bytes
    elif change == "damage the record":
        (cache / "settled.json").write_bytes(b'{"format": 1, "key": ')
    elif change == "another configuration":
        config = dataclasses.replace(CONFIG, title="Un autre titre")
    elif change == "another output folder":
        target = tmp_path / "elsewhere"
        shutil.copytree(out, target, copy_function=shutil.copy2)
    plain_out = tmp_path / "plain"
    shutil.copytree(target, plain_out)
    report = build(config, T0, postes=postes, out=target, cache=cache)
    assert not report.replayed
    plain = build(config, T0, postes=postes, out=plain_out, use_cache=False)
    assert tree(target) == tree(plain_out) and sorted(report.written) == sorted(plain.written)
    again = build(config, T0, postes=postes, out=target, cache=cache)
    assert again.replayed and again.written == []  # recorded anew


def test_a_recent_posting_is_read_and_hashed_again_before_anything_is_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settled_module, "RACY_NS", 10**18)  # every posting changed "too recently"
    postes, out, cache = first_build(tmp_path)
    recorded = record(cache)
    assert all(stamp[4] for stamp in recorded["postings"].values())  # each with its bytes' sha256
    assert rebuild(postes, out, cache).replayed
    # a digest that is not the file's (a change its stamp did not show): built again
    name = sorted(recorded["postings"])[0]
    recorded["postings"][name][4] = "0" * 64
    (cache / "settled.json").write_bytes(orjson.dumps(recorded))
    assert not rebuild(postes, out, cache).replayed


def test_a_posting_that_did_not_load_and_changed_recently_is_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    postes, out, cache = first_build(tmp_path)
    (postes / "broken.md").write_text("---\nrole: [\n---\n", encoding="utf-8")
    monkeypatch.setattr(settled_module, "RACY_NS", 10**18)
    report = rebuild(postes, out, cache)
    assert report.skipped == 1 and not (cache / "settled.json").exists()
    monkeypatch.setattr(settled_module, "RACY_NS", 0)  # old enough: its stamp stands for it
    rebuild(postes, out, cache)
    replayed = rebuild(postes, out, cache)
    assert replayed.replayed and replayed.skipped == 1
    assert any(p.path.endswith("broken.md") and p.is_error for p in replayed.problems)


def test_strict_with_an_invalid_posting_still_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settled_module, "RACY_NS", 0)
    postes, out, cache = first_build(tmp_path)
    (postes / "broken.md").write_text("---\nrole: [\n---\n", encoding="utf-8")
    rebuild(postes, out, cache)
    assert rebuild(postes, out, cache).replayed
    with pytest.raises(PostingError):
        rebuild(postes, out, cache, strict=True)


def test_a_foreign_file_in_the_way_is_not_recorded(tmp_path: Path) -> None:
    postes, out, cache = first_build(tmp_path)
    (postes / "role-50.md").write_text(
        "---\nrole: Nouveau\nposte_ouvert: 2024-03-01\n---\n\nNeuf.\n", encoding="utf-8"
    )
    page = out / "postes" / "role-50.html"
    page.write_text("mine", encoding="utf-8")  # not jobfeed's: the build leaves it, with an error
    report = rebuild(postes, out, cache)
    assert any("did not write this file" in p.message for p in report.problems)
    assert not (cache / "settled.json").exists()
    page.unlink()  # moved away: the next build writes the page
    assert "postes/role-50.html" in rebuild(postes, out, cache).written


def test_the_command_line_says_the_same_when_replayed(tmp_path: Path) -> None:
    postes, out, cache = first_build(tmp_path)
    (tmp_path / "jobfeed.toml").write_text(
        '[site]\nurl = "https://example.org/jobs/"\ntimezone = "Europe/Paris"\n'
        "[pages]\ntombstone_days = 10\n[feeds]\nhistory = true\n",
        encoding="utf-8",
    )
    args = [
        "build",
        "--config",
        str(tmp_path / "jobfeed.toml"),
        "--postes",
        str(postes),
        "--out",
        str(out),
        "--cache-dir",
        str(cache),
        "--now",
        T0.isoformat(),
    ]
    runner = CliRunner()
    first = runner.invoke(cli, args)
    recorded = os.stat(cache / "settled.json")
    second = runner.invoke(cli, args)
    assert first.exit_code == second.exit_code == 0, first.output
    after = os.stat(cache / "settled.json")  # replayed: the record was neither removed nor written
    assert (after.st_ino, after.st_ctime_ns) == (recorded.st_ino, recorded.st_ctime_ns)
    assert "0 file(s) written" in first.output and first.output == second.output


def test_the_code_its_templates_and_the_libraries_versions_are_part_of_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    versions = settled_module.library_versions()
    assert any(v.startswith("nh3: nh3-") and v.endswith(".dist-info") for v in versions), versions
    assert any((v.startswith("yaml: ") and "PyYAML-" in v) or "pyyaml-" in v for v in versions), versions
    key = settled_module.inputs_key(CONFIG, Path("postes"), Path("out"))
    assert settled_module.inputs_key(CONFIG, Path("postes"), Path("out")) == key
    monkeypatch.setattr(settled_module, "_package_digest", lambda: "another jobfeed")
    assert settled_module.inputs_key(CONFIG, Path("postes"), Path("out")) != key
    monkeypatch.setattr(settled_module, "library_versions", lambda: ["nh3: nh3-9.9.dist-info"])
    assert settled_module.inputs_key(CONFIG, Path("postes"), Path("out")) != key


def test_a_fresh_checkout_of_the_same_files_is_replayed_after_hashing_them(tmp_path: Path) -> None:
    postes, out, cache = first_build(tmp_path)
    # as `git clone` (or actions/checkout) leaves them: the same bytes, every stamp new
    for folder in (postes, out):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                path.unlink()
                path.write_bytes(data)
    report = rebuild(postes, out, cache)
    assert report.replayed and report.written == []
    stamps = record(cache)  # recorded again with the new stamps, so the next build hashes nothing
    for name, recorded in stamps["postings"].items():
        assert recorded[:4] == list(stamp_of(os.stat(postes / name)))
    for relative, recorded in stamps["outputs"].items():
        assert recorded[:4] == list(stamp_of(os.stat(out / relative)))
    assert rebuild(postes, out, cache).replayed
    assert record(cache) == stamps
    page = sorted((out / "postes").iterdir())[0]
    page.unlink()
    page.write_bytes(b"<p>another page, the same name</p>")
    assert not rebuild(postes, out, cache).replayed


def test_the_span_is_where_no_state_changes(tmp_path: Path) -> None:
    postings = load_postings(corpus(tmp_path / "postes"), CONFIG).postings
    start, end = quiet_span(classify(postings, T0), CONFIG, Manifest())
    assert start is not None and end is not None
    states = {r.id: r.state for r in classify(postings, T0).roles}
    for now in (start, T0, end - dt.timedelta(microseconds=1)):
        assert {r.id: r.state for r in classify(postings, now).roles} == states


def test_a_team_renamed_in_the_teams_folder_builds_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[teams] source` is read with the configuration, whose key covers the names it gives."""
    from jobfeed.config import config_from_dict

    monkeypatch.chdir(tmp_path)
    postes, teams = tmp_path / "postes", tmp_path / "teams"
    postes.mkdir()
    teams.mkdir()
    (postes / "dev.md").write_text("---\nrole: Dev\nequipe: alpha\nposte_ouvert: 2024-03-01\n---\n\nCorps.\n")
    (teams / "alpha.md").write_text("---\ntitle: Équipe Alpha\n---\n", encoding="utf-8")

    def config() -> Config:  # as each command reads jobfeed.toml
        return config_from_dict({"site": {"url": "https://example.org/jobs/"}, "teams": {"source": "teams"}})

    out, cache = tmp_path / "out", tmp_path / "cache"
    build(config(), T0, postes=postes, out=out, cache=cache)
    assert build(config(), T0, postes=postes, out=out, cache=cache).replayed
    (teams / "alpha.md").write_text("---\ntitle: Équipe Bêta\n---\n", encoding="utf-8")
    report = build(config(), T0, postes=postes, out=out, cache=cache)
    assert not report.replayed and "Équipe Bêta" in (out / "index.html").read_text(encoding="utf-8")
