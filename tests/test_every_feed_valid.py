"""Every feed a build writes (main, team, contract, history and its archives), with the stylesheet
instruction, the hub links and the key facts line (issue 18): read by feedparser with 0 bozo, the
structure RFC 4287 / RSS 2.0 ask for, and JSON Feed 1.1's schema."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import jsonschema
import pytest

from conftest import DATA, ROOT
from jobfeed import build, load_config
from jobfeed.config import FeedsConfig

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
SCHEMA = json.loads((DATA / "jsonfeed-1.1.schema.json").read_text())


def check_atom(data: bytes, name: str) -> int:
    root = ET.fromstring(data)
    assert root.tag == ATOM + "feed", name
    for tag in ("id", "title", "updated"):
        assert root.find(ATOM + tag) is not None, (name, tag)
    assert RFC3339.match(root.findtext(ATOM + "updated") or ""), name
    rels = [link.get("rel") for link in root.findall(ATOM + "link")]
    assert rels.count("self") == 1, name
    ids = []
    for entry in root.findall(ATOM + "entry"):
        for tag in ("id", "title", "updated"):
            assert (entry.findtext(ATOM + tag) or "").strip(), (name, tag)
        assert RFC3339.match(entry.findtext(ATOM + "updated") or ""), name
        ids.append(entry.findtext(ATOM + "id"))
    assert len(ids) == len(set(ids)), name
    return len(ids)


def check_rss(data: bytes, name: str) -> int:
    root = ET.fromstring(data)
    channel = root.find("channel")
    assert root.tag == "rss" and root.get("version") == "2.0" and channel is not None, name
    for tag in ("title", "link", "description"):
        assert channel.findtext(tag), (name, tag)
    items = channel.findall("item")
    for item in items:
        assert item.findtext("title") or item.findtext("description"), name
        assert item.find("guid") is not None, name
    return len(items)


def check_folder(out: Path) -> dict[str, int]:
    counts = {}
    for path in sorted(out.rglob("*")):
        name = str(path.relative_to(out))
        if path.suffix == ".xml" and path.name != "feeds.opml":
            data = path.read_bytes()
            parsed = feedparser.parse(data)
            assert parsed.bozo == 0, (name, parsed.bozo_exception)
            counts[name] = check_rss(data, name) if b"<rss" in data[:400] else check_atom(data, name)
            assert len(parsed.entries) == counts[name]
        elif (
            name in ("feed.json", "history.json")
            or name.endswith(".history.json")
            or (name.startswith("history/archive-") and name.endswith(".json"))
        ):
            feed = json.loads(path.read_bytes())
            jsonschema.validate(feed, SCHEMA)
            counts[name] = len(feed["items"])
    return counts


def test_the_bundled_feeds_folder_is_valid() -> None:
    counts = check_folder(ROOT / "feeds")
    assert {"atom.xml", "rss.xml", "feed.json", "history.xml", "history.json"} <= set(counts)
    assert counts["atom.xml"] == counts["rss.xml"] == counts["feed.json"] > 0
    assert counts["history.xml"] == counts["history.json"] > 0


@pytest.mark.parametrize("size", [200, 1])
def test_every_feed_of_a_build_with_hubs_and_history_is_valid(tmp_path: Path, size: int) -> None:
    config = load_config(ROOT / "jobfeed.toml")
    config = dataclasses.replace(
        config, feeds=FeedsConfig(hubs=("https://hub.example.org/",), history=True, history_size=size)
    )
    out = tmp_path / "out"
    build(config, dt.datetime(2024, 11, 12, 9, 0, tzinfo=dt.UTC), postes=ROOT / "postes", out=out)
    counts = check_folder(out)
    assert counts["history.xml"] == min(size, counts["history.xml"])
    if size == 1:
        assert "history/archive-1.xml" in counts and "history/archive-1.json" in counts
    for name in ("atom.xml", "rss.xml", "equipes/aides-territoires.xml", "history.xml"):
        links = feedparser.parse((out / name).read_bytes()).feed.links
        assert [link.href for link in links if link.rel == "hub"] == ["https://hub.example.org/"], name
