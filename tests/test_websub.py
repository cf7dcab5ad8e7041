"""WebSub (issue 18): the feeds advertise the hubs; `publish-ping` pings a hub stand-in on 127.0.0.1 for
exactly the feeds whose bytes changed, retries what a hub says is transient, and never fails."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from hub_server import running_hub
from jobfeed.announce.webhooks import RetryPolicy
from jobfeed.cli import cli
from jobfeed.config import Config
from jobfeed.errors import ConfigError
from jobfeed.ping import advertised_feeds, publish_ping
from jobfeed.publish.build import build
from pagekit import NOW, POSTINGS, site_config, write_postings

FAST = RetryPolicy(attempts=4, first_wait=0, max_wait=0, budget=30, connect_timeout=2, read_timeout=5)
SITE = "https://jobs.example.org/"


def no_sleep(seconds: float) -> None:
    assert seconds == 0  # Retry-After: 0 and no backoff in tests


def site(tmp_path: Path, hub: str) -> tuple[Config, Path, Path]:
    config = site_config(feeds={"hubs": [hub]})
    postes = write_postings(tmp_path / "postes", POSTINGS)
    out = tmp_path / "out"
    assert build(config, NOW, postes=postes, out=out).problems == []
    return config, postes, out


def digests(out: Path, names: list[str]) -> dict[str, str]:
    return {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in names}


def test_the_feeds_advertise_the_hub(tmp_path: Path) -> None:
    hub = "https://hub.example.org/"
    _, _, out = site(tmp_path, hub)
    feeds = advertised_feeds(out, hub)
    assert {"atom.xml", "rss.xml", "feed.json", "equipes/aides-territoires.xml"} <= set(feeds)
    for name in feeds:
        data = (out / name).read_bytes()
        if name.endswith(".json"):
            assert json.loads(data)["hubs"] == [{"type": "WebSub", "url": hub}]
            continue
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (name, parsed.bozo_exception)
        rels = {link.rel: link.href for link in parsed.feed.links}
        assert rels["hub"] == hub
        assert rels["self"] == SITE + name  # the topic a subscriber subscribes to
    assert advertised_feeds(out, "https://other.example.org/") == []


def test_one_ping_per_changed_feed_and_none_for_unchanged_ones(tmp_path: Path) -> None:
    with running_hub() as hub:
        config, postes, out = site(tmp_path, hub.url)
        record = tmp_path / "state" / "websub.json"
        feeds = advertised_feeds(out, hub.url)

        # First run: no record, every feed is new to the hub.
        report = publish_ping(config, out, record, policy=FAST, sleep=no_sleep)
        assert sorted(hub.accepted_topics()) == sorted(SITE + n for n in feeds)
        assert len(report.pinged) == len(feeds) and report.failed == []

        # Nothing changed: no ping at all.
        hub.pings.clear()
        assert publish_ping(config, out, record, policy=FAST, sleep=no_sleep).unchanged == len(feeds)
        assert hub.pings == []

        # One role's deadline moves: exactly the feeds whose bytes changed are pinged, once each.
        before = digests(out, feeds)
        dev = postes / "dev.md"
        dev.write_text(dev.read_text(encoding="utf-8").replace("2024-03-15", "2024-03-29"), encoding="utf-8")
        build(config, NOW, postes=postes, out=out)
        after = digests(out, advertised_feeds(out, hub.url))
        changed = sorted(n for n in after if before.get(n) != after[n])
        assert changed and len(changed) < len(after)
        report = publish_ping(config, out, record, policy=FAST, sleep=no_sleep)
        assert sorted(hub.accepted_topics()) == [SITE + n for n in changed]
        assert [t for t, _ in hub.pings] == [SITE + n for n in changed]  # once each, no retry needed
        assert report.unchanged == len(after) - len(changed)


def test_transient_answers_are_retried_and_permanent_ones_reported_then_tried_next_run(
    tmp_path: Path,
) -> None:
    with running_hub(accepted=202) as hub:
        config, _, out = site(tmp_path, hub.url)
        record = tmp_path / "websub.json"
        feeds = advertised_feeds(out, hub.url)
        # 503 then 429 (Retry-After: 0) on the first feed: retried, accepted at the third attempt.
        # Then 404 on the second feed: permanent, not retried.
        hub.faults = [(503, None), (429, "0"), (202, None), (404, None)]
        report = publish_ping(config, out, record, policy=FAST, sleep=no_sleep)
        assert report.pinged[0] == (hub.url, feeds[0], 3)
        assert len(report.failed) == 1 and f"{feeds[1]}: HTTP 404" in report.failed[0]
        assert [t for t, s in hub.pings if s == 404] == [SITE + feeds[1]]
        assert len(hub.accepted_topics()) == len(feeds) - 1
        assert any("1 failed" in line for line in report.lines())

        # The next run pings the one that failed, and only it.
        hub.pings.clear()
        report = publish_ping(config, out, record, policy=FAST, sleep=no_sleep)
        assert hub.pings == [(SITE + feeds[1], 202)] and report.failed == []


def test_a_hub_that_is_down_is_reported_after_the_retries(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    config, _, out = site(tmp_path, f"http://127.0.0.1:{port}/hub")
    report = publish_ping(config, out, tmp_path / "r.json", policy=FAST, sleep=no_sleep)
    assert report.pinged == [] and len(report.failed) == len(advertised_feeds(out, config.feeds.hubs[0]))
    assert "cannot connect" in report.failed[0] and "after 4 attempts" in report.failed[0]
    assert not (tmp_path / "r.json").exists() or json.loads((tmp_path / "r.json").read_text())["hubs"] == {
        config.feeds.hubs[0]: {}
    }


def test_the_command_never_fails_on_a_refusing_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with running_hub() as hub:
        _, _, out = site(tmp_path, hub.url)
        hub.faults = [(400, None)] * 100
        toml = tmp_path / "jobfeed.toml"
        toml.write_text(f'[site]\nurl = "{SITE}"\n\n[feeds]\nhubs = ["{hub.url}"]\n', encoding="utf-8")
        monkeypatch.chdir(tmp_path)
        result = CliRunner().invoke(cli, ["publish-ping", "--config", str(toml), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "warning:" in result.output and "HTTP 400 (the hub refused the ping)" in result.output
        assert (tmp_path / ".jobfeed" / "websub.json").is_file()
        assert len(hub.pings) == len(advertised_feeds(out, hub.url))  # 4xx: one attempt each


def test_hubs_need_a_site_url_and_valid_urls(tmp_path: Path) -> None:
    from jobfeed.config import config_from_dict

    with pytest.raises(ConfigError, match=r"\[feeds\] hubs: 'ftp://x' is not an http\(s\) URL"):
        config_from_dict({"feeds": {"hubs": ["ftp://x"]}})
    report = publish_ping(config_from_dict({"feeds": {"hubs": ["https://hub.example.org/"]}}), tmp_path)
    assert report.pinged == [] and "hubs need [site] url" in report.failed[0]
    assert publish_ping(Config(), tmp_path).lines() == ["0 ping(s), 0 unchanged feed(s), 0 failed"]


def test_a_damaged_record_pings_every_feed_again_and_says_so(tmp_path: Path) -> None:
    with running_hub() as hub:
        config, _, out = site(tmp_path, hub.url)
        record = tmp_path / "websub.json"
        record.write_text("{broken", encoding="utf-8")
        report = publish_ping(config, out, record, policy=FAST, sleep=no_sleep)
        assert (
            len(report.failed) == 1 and "unreadable" in report.failed[0] and str(record) in report.failed[0]
        )
        assert len(hub.accepted_topics()) == len(advertised_feeds(out, hub.url))
        assert json.loads(record.read_text(encoding="utf-8"))["version"] == 1  # repaired
