"""Parallel loading and rendering give the same bytes as serial; the progress bar only on a terminal."""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import shutil
import time
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

import jobfeed._incremental.parallel
from jobfeed import Config, build
from jobfeed._incremental.parallel import Pool, Progress
from jobfeed.cli import cli

NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)
POSTES = Path(__file__).resolve().parents[1] / "postes"
CONFIG = Config(site_url="https://example.org/jobs/")
FILES = ("atom.xml", "rss.xml", "feed.json", "published.json")


def many_postings(folder: Path, count: int) -> Path:
    """`count` postings: the bundled ones, then variations on them with their own dates and links."""
    shutil.copytree(POSTES, folder)
    for i in range(count - len(list(POSTES.iterdir()))):
        (folder / f"variation {i:03d} é.md").write_text(
            "---\n"
            f"role: Rôle {i}\n"
            f"equipe: Équipe {i % 7}\n"
            f"contrat: {'CDD' if i % 2 else 'indépendant'}\n"
            f"contact: equipe-{i % 7}@example.org\n"
            f"poste_ouvert: 2024-{1 + i % 10:02d}-{1 + i % 27:02d}\n"
            f"{'poste_ferme: 2025-03-01' if i % 3 else 'status: open'}\n"
            "---\n"
            f"Résumé **{i}** avec [un lien](/equipe-{i}.html).\n\n<!--more-->\n\n- point {i}\n- autre point\n",
            encoding="utf-8",
        )
    return folder


def outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def _pid(_: int) -> int:
    return os.getpid()


def test_pool_runs_in_this_process_and_another_in_order() -> None:
    """Two jobs: one worker process takes chunks from the front, this process from the back."""
    with Pool(2, minimum=1) as pool:
        assert pool.map(abs, [-3, 2, -1, 0]) == [3, 2, 1, 0]
        assert pool.map(abs, list(range(-500, 500))) == [abs(i) for i in range(-500, 500)]
        pids = pool.map(_pid, list(range(50)))
    assert len(set(pids)) == 2 and os.getpid() in pids
    assert pids[0] != os.getpid() and pids[-1] == os.getpid()


def _fails_on_7(item: int) -> int:
    if item == 7:
        raise ValueError("seven")
    return item


@pytest.mark.parametrize("where", [7, 993], ids=["in-a-worker", "in-this-process"])
def test_an_error_in_any_process_reaches_the_caller(where: int) -> None:
    items = list(range(1000))
    items[7], items[where] = items[where], items[7]
    with Pool(2, minimum=1) as pool, pytest.raises(ValueError, match="seven"):
        pool.map(_fails_on_7, items)


def test_pool_stays_serial_below_its_minimum() -> None:
    with Pool(2, minimum=100) as pool:
        assert set(pool.map(_pid, list(range(50)))) == {os.getpid()}
        assert pool._executor is None
    with Pool(1, minimum=1) as pool:
        assert set(pool.map(_pid, list(range(50)))) == {os.getpid()}


@pytest.mark.parametrize("use_cache", [False, True], ids=["no-cache", "cache"])
def test_parallel_build_is_byte_identical_to_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_cache: bool
) -> None:
    postes = many_postings(tmp_path / "postes", 60)
    monkeypatch.setattr(jobfeed._incremental.parallel, "PARALLEL_MIN", 1)
    serial = build(
        CONFIG,
        NOW,
        postes=postes,
        out=tmp_path / "serial",
        jobs=1,
        cache=tmp_path / "c1",
        use_cache=use_cache,
    )
    parallel = build(
        CONFIG,
        NOW,
        postes=postes,
        out=tmp_path / "parallel",
        jobs=2,
        cache=tmp_path / "c2",
        use_cache=use_cache,
    )
    assert outputs(tmp_path / "parallel") == outputs(tmp_path / "serial")
    assert parallel.problems == serial.problems
    assert [r.id for r in parallel.catalog.roles] == [r.id for r in serial.catalog.roles]
    if use_cache:
        assert sorted(p.name for p in (tmp_path / "c2").rglob("*.json")) == sorted(
            p.name for p in (tmp_path / "c1").rglob("*.json")
        )
    feed = feedparser.parse(outputs(tmp_path / "parallel")["rss.xml"])
    assert not feed.bozo and len(feed.entries) == len(serial.catalog.open) > 30


def test_parallel_build_reports_bad_files_like_serial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    postes = many_postings(tmp_path / "postes", 20)
    (postes / "broken.md").write_text("---\nrole: [unclosed\n---\nbody\n", encoding="utf-8")
    (postes / "dup.md").write_text("---\nrole: Doublon\nid: role-1\n---\n", encoding="utf-8")
    (postes / "other.md").write_text("---\nrole: Doublon 2\nid: role-1\n---\n", encoding="utf-8")
    monkeypatch.setattr(jobfeed._incremental.parallel, "PARALLEL_MIN", 1)
    serial = build(CONFIG, NOW, postes=postes, out=tmp_path / "s", jobs=1, use_cache=False)
    parallel = build(CONFIG, NOW, postes=postes, out=tmp_path / "p", jobs=2, use_cache=False)
    assert [str(p) for p in parallel.problems] == [str(p) for p in serial.problems]
    assert any("broken.md:2: error" in str(p) for p in parallel.problems)
    assert any("id 'role-1' is claimed by" in str(p) for p in parallel.problems)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal() -> None:
    stream = _Terminal()
    with Progress(True, stream, minimum=10).bar(40, "Rendering") as update:
        for _ in range(40):
            update(1)
    assert "Rendering" in stream.getvalue() and "100%" in stream.getvalue()


@pytest.mark.parametrize(
    ("enabled", "stream", "total"),
    [(True, io.StringIO(), 40), (False, _Terminal(), 40), (True, _Terminal(), 5)],
    ids=["not-a-terminal", "disabled", "short-work"],
)
def test_progress_bar_silent_otherwise(enabled: bool, stream: io.StringIO, total: int) -> None:
    with Progress(enabled, stream, minimum=10).bar(total, "Rendering") as update:
        update(total)
    assert stream.getvalue() == ""


def test_cli_build_prints_no_progress_when_stderr_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    postes = many_postings(tmp_path / "postes", 30)
    monkeypatch.setattr(jobfeed._incremental.parallel, "PROGRESS_MIN", 1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "jobfeed.toml").write_text(
        '[site]\nurl = "https://example.org/jobs/"\n[pages.location]\nlocality = "Paris"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["build", "--postes", str(postes), "--now", NOW.isoformat(), "--jobs", "2"]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "file(s) written" in result.stdout


def _where(_: int) -> tuple[int, bool]:
    return os.getpid(), jobfeed._incremental.parallel.in_worker()


def test_workers_know_they_are_workers() -> None:
    """Results a worker sends back may be packed for the trip (`Wire`); this process's are not."""
    with Pool(2, minimum=1) as pool:
        seen = set(pool.map(_where, list(range(50))))
    assert seen == {(os.getpid(), False), *((pid, True) for pid, _ in seen if pid != os.getpid())}
    assert len(seen) == 2


def test_past_help_max_only_workers_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big jobs (the postings of a big folder fill this process) go to `jobs` workers only."""
    monkeypatch.setattr(jobfeed._incremental.parallel, "HELP_MAX", 10)
    with Pool(2, minimum=1) as pool:
        assert pool.map(abs, list(range(-500, 500))) == [abs(i) for i in range(-500, 500)]
        pids = set(pool.map(_pid, list(range(50))))
        assert not pool.helping
    assert pids and os.getpid() not in pids


def _held_until_the_last(marker: str, item: int) -> int:
    """Item 0 (the worker's first chunk) is held until item 12 is done. This process takes chunks
    from the back and the worker from the front, two queued for it: with chunks of 6, the last chunk
    this process takes is the third, items 12-17. Polled with a deadline, so a loaded machine cannot
    let the worker go early; were item 12 the worker's, the deadline would pass and the counts fail."""
    if item == 12:
        Path(marker).touch()
    if item == 0:
        deadline = time.monotonic() + 60
        while not Path(marker).exists() and time.monotonic() < deadline:
            time.sleep(0.005)
    return os.getpid()


def test_a_worker_is_left_at_most_two_chunks_when_this_process_is_done(tmp_path: Path) -> None:
    """This process keeps two chunks queued per worker: when every chunk is handed out, the
    workers are left those, not four each, while it waits (the last ~0.2 s of a build)."""
    with Pool(2, minimum=1) as pool:
        pool.map(abs, list(range(64)))  # the worker is up
        held = functools.partial(_held_until_the_last, str(tmp_path / "last-done"))
        pids = pool.map(held, list(range(200)))  # chunks of 6
    assert pids[0] != os.getpid() and pids[-1] == os.getpid()
    assert sum(pid != os.getpid() for pid in pids) <= 2 * 6
