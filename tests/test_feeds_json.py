"""The JSON feed, written one item at a time, has exactly the bytes of json.dumps(indent=2) of the whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from jobfeed import Config, classify, load_postings
from jobfeed.core.markup import Rendered
from jobfeed.publish.feeds import items_of, json_feed

POSTES = Path(__file__).resolve().parents[1] / "postes"
NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)


def test_json_feed_bytes_are_those_of_one_json_dumps() -> None:
    config = Config(site_url="https://example.org/")
    catalog = classify(load_postings(POSTES, config).postings, NOW)
    tricky = 'ligne 1\nligne 2 "citée" \\ \u2028 é 😀 </script>'
    rendered = {r.id: Rendered(content=f"<p>{tricky}</p>", summary=tricky) for r in catalog.roles}
    roles = list(catalog.roles)
    data = json_feed(items_of(roles, rendered, config), config)
    assert data.decode("utf-8") == json.dumps(json.loads(data), ensure_ascii=False, indent=2) + "\n"
    assert len(json.loads(data)["items"]) == len(roles) == 7
    assert json.loads(data)["items"][0]["summary"] == tricky


def test_empty_json_feed() -> None:
    data = json_feed([], Config())
    assert json.loads(data)["items"] == []
    assert data.decode("utf-8") == json.dumps(json.loads(data), ensure_ascii=False, indent=2) + "\n"


def test_indented_is_json_dumps_indent_2() -> None:
    from jobfeed.publish.feeds import _indented

    value = {
        "a": [1, 2.5, True, False, None, [], {}, [[]], {"x": {"y": []}}],
        'é "q" \n': 'ligne\nnouvelle\t"\\ \u2028 😀',
        "n": {"deep": [{"k": None}]},
        "empty": "",
    }
    assert _indented(value, 0) == json.dumps(value, ensure_ascii=False, indent=2)
    assert _indented([], 3) == "[]" and _indented({}, 1) == "{}"


def test_item_text_is_indented_json_of_the_item() -> None:
    from jobfeed.publish.feeds import _indented, _json_item, _json_item_bytes

    config = Config(site_url="https://example.org/")
    catalog = classify(load_postings(POSTES, config).postings, NOW)
    tricky = 'ligne 1\nligne 2 "citée" \\ \u2028 é 😀 </script>'
    variants = [Rendered(content=f"<p>{tricky}</p>", summary=tricky), Rendered(content="", summary="")]
    roles = list(catalog.roles)
    bare = [
        dataclasses.replace(
            r,
            posting=dataclasses.replace(
                r.posting, team="", contract="", contact="", opened=None, deadline=None
            ),
        )
        for r in roles
    ]
    checked = 0
    for rendered in variants:
        for item in items_of(roles + bare, {r.id: rendered for r in roles}, config):
            assert _json_item_bytes(item, config) == _indented(_json_item(item, config), 2).encode("utf-8")
            checked += 1
    assert checked == 2 * 2 * len(roles)
