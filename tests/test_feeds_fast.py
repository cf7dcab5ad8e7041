"""The entries written as text have exactly the bytes feedgen writes for the model in `_generator`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import feedparser
import pytest

from jobfeed import Config, Posting, Role, State, classify, load_postings
from jobfeed.core.dates import Moment
from jobfeed.core.markup import Rendered, render
from jobfeed.publish.feeds import FeedItem, FeedMeta, atom_and_rss, entry_texts, items_of, json_feed

POSTES = Path(__file__).resolve().parents[1] / "postes"
NOW = dt.datetime(2024, 11, 15, 12, tzinfo=dt.UTC)
META = FeedMeta(title="Offres", path="atom", feed_id="tag:example.org,2024:feed")
NASTY = "A & B <C> \"D\" 'E' \t tab \r cr ]]> é ’ 😀 \u2028"


def both(items: list[FeedItem], config: Config) -> None:
    fast = atom_and_rss(items, META, config)
    model = atom_and_rss(items, META, config, model=True)
    assert fast[0] == model[0]
    assert fast[1] == model[1]
    # entries written apart (by the workers that render, or reused from the last build) and given
    # as they are: the same feeds
    texts = {item.id: entry_texts(item, config) for item in items}
    given = atom_and_rss(items, META, config, entries={k: (a, r) for k, (a, r, _) in texts.items()})
    assert given == fast
    assert json_feed(items, config, texts={k: j for k, (_, _, j) in texts.items()}) == json_feed(
        items, config
    )
    for data in fast:
        parsed = feedparser.parse(data)
        assert not parsed.bozo, parsed.bozo_exception
        assert len(parsed.entries) == len(items)


def test_bundled_postings() -> None:
    config = Config(site_url="https://example.org/jobs/", author="Équipe & co")
    catalog = classify(load_postings(POSTES, config).postings, NOW)
    items = items_of(
        catalog.roles, {r.id: render(r.posting, f"https://example.org/{r.id}") for r in catalog.roles}, config
    )
    both(items, config)


def _item(n: int, **changes: object) -> FeedItem:
    posting = Posting(
        path=f"p{n}.md",
        id=f"p-{n}",
        role=f"Rôle {NASTY}",
        body="",
        team=f"Équipe {NASTY}",
        contact="a@example.org",
        contract=f"CDD {NASTY}",
        opened=Moment(dt.datetime(2024, 1, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))),
        updated=Moment(dt.datetime(2024, 2, 3, tzinfo=dt.UTC), all_day=True),
    )
    rendered = Rendered(content=f"<p>{NASTY}</p>\n<p>deux</p>\n", summary=f"Résumé {NASTY}")
    link = f'https://example.org/p?a=1&b="{n}"\t'
    fields = {k: v for k, v in changes.items() if k in {f.name for f in dataclasses.fields(Posting)}}
    posting = dataclasses.replace(posting, **fields)  # type: ignore[arg-type]
    if "content" in changes or "summary" in changes:
        rendered = Rendered(
            content=str(changes.get("content", rendered.content)),
            summary=str(changes.get("summary", rendered.summary)),
        )
    return FeedItem(Role(posting, State.OPEN), rendered, link, f"tag:example.org,2024:{posting.id}")


@pytest.mark.parametrize(
    "config",
    [Config(), Config(title="", author=""), Config(site_url="https://example.org/", author=NASTY)],
    ids=["defaults", "no-names", "nasty-author"],
)
def test_every_optional_field(config: Config) -> None:
    items = [
        _item(1),
        _item(2, content="", summary=""),
        _item(3, summary=""),
        _item(4, contact="pas d'adresse"),
        _item(5, team="", contract=""),
        _item(6, opened=None, updated=None),
        _item(7, team="", contact="b@example.org"),
        _item(8, content=""),
    ]
    both(items, config)


def test_no_items() -> None:
    assert atom_and_rss([], META, Config()) == atom_and_rss([], META, Config(), model=True)
