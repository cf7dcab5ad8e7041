"""Atom 1.0, RSS 2.0 and JSON Feed 1.1 of the open roles, byte-identical for the same input and now.

feedgen stamps the build clock unless told otherwise and prepends entries by default: every date
here is set explicitly and entries are appended in the catalog's order.

`_generator` is the model of both feeds. feedgen builds an lxml tree of every entry, which costs
0.7 s and 100 MB for 4,000 entries; so feedgen writes the feed's head, and the entries are written
as text by `_atom_entry` and `_rss_item`, which give exactly the bytes feedgen gives for the model
(tests/test_feeds_fast.py compares them: change both together).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from feedgen.feed import FeedGenerator
from feedgen.util import formatRFC2822 as _rfc2822  # after feedgen.feed, which imports lxml.etree for it

from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.identity import EPOCH, entry_id, link_of, opened_at, updated_at
from jobfeed.core.lifecycle import Role
from jobfeed.core.markup import Rendered
from jobfeed.output import Pieces
from jobfeed.publish.keyfacts import key_facts_html
from jobfeed.publish.stylesheet import with_stylesheet
from jobfeed.publish.websub import json_hubs, with_hub_links

#: feedgen's RSS date, once per date: it sets the C locale and back for each one (three
#: setlocale calls), and postings share their dates.
formatRFC2822 = functools.lru_cache(maxsize=4096)(_rfc2822)
GENERATOR_URI = "https://github.com/jobfeed/jobfeed"


@dataclasses.dataclass(frozen=True)
class FeedItem:
    role: Role
    rendered: Rendered | None  # None: the entry's bytes are reused from the previous build (splice.py)
    link: str
    id: str

    @property
    def html(self) -> Rendered:
        """The rendering; only asked for when the entry is written, so it is there."""
        if self.rendered is None:
            raise LookupError(f"{self.id}: the entry was neither rendered nor reused")
        return self.rendered


def items_of(roles: Sequence[Role], rendered: Mapping[str, Rendered], config: Config) -> list[FeedItem]:
    """The feed items of `roles`; a role missing from `rendered` must have its entry's bytes given
    to `atom_and_rss` and `json_feed` (a reused entry)."""
    return [
        FeedItem(r, rendered.get(r.id), link_of(r.posting, config), entry_id(r.posting, config))
        for r in roles
    ]


def feed_updated(items: Sequence[FeedItem], fallback: dt.datetime = EPOCH) -> dt.datetime:
    return max((updated_at(i.role.posting) for i in items), default=fallback)


@dataclasses.dataclass(frozen=True)
class FeedMeta:
    """What differs between the main feed and a facet feed (one team, one contract)."""

    title: str
    path: str  # without extension, relative to the output folder: "atom" -> atom.xml
    feed_id: str


def _generator(
    items: Sequence[FeedItem], meta: FeedMeta, config: Config, fallback: dt.datetime, entries: bool = True
) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(meta.feed_id)
    fg.title(meta.title)
    fg.subtitle(config.description)
    fg.description(config.description)
    fg.language(config.language)
    fg.author({"name": config.author or config.title})
    fg.generator("jobfeed", __version__, GENERATOR_URI)
    newest = feed_updated(items, fallback)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for item in items if entries else ():
        posting = item.role.posting
        fe = fg.add_entry(order="append")
        fe.id(item.id)
        fe.title(posting.title)
        fe.link(href=item.link, rel="alternate")
        when = opened_at(posting)
        if when is not None:
            fe.published(when)
            fe.pubDate(when)
        fe.updated(updated_at(posting))
        for term in (posting.team, posting.contract):
            if term:
                fe.category(term=term, label=term)
        if "@" in posting.contact:
            fe.author({"name": posting.team or config.author or config.title, "email": posting.contact})
        if item.html.summary:
            fe.summary(item.html.summary)
            # RSS readers take <description> as HTML: the plain-text summary must stay text there.
            fe.description(html.escape(item.html.summary, quote=False))
        fe.content(content_of(item, config), type="html")
    return fg


def atom_and_rss(
    items: Sequence[FeedItem], meta: FeedMeta, config: Config, fallback: dt.datetime = EPOCH, **options: Any
) -> tuple[bytes, bytes]:
    """(atom.xml, rss.xml) bytes for `items`, in that order: `atom_and_rss_pieces` (with its
    keyword `options`), joined."""
    atom, rss = atom_and_rss_pieces(items, meta, config, fallback, **options)
    return bytes(atom), bytes(rss)


def atom_and_rss_pieces(
    items: Sequence[FeedItem],
    meta: FeedMeta,
    config: Config,
    fallback: dt.datetime = EPOCH,
    *,
    model: bool = False,
    entries: dict[str, tuple[bytes, bytes]] | None = None,
    offsets: tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]] | None = None,
    consume: bool = False,
) -> tuple[Pieces, Pieces]:
    """(atom.xml, rss.xml) for `items`, in that order, as the pieces of their bytes (written as
    they are, `output.Pieces`). `model` has feedgen write the entries too: the same bytes, slower
    (the reference the fast path is tested against).

    `entries` (entry id -> its Atom and RSS bytes) is filled and read: an entry's text depends on
    the item and `config` only, not on the feed, so the main and facet feeds of one build, which
    hold each open role up to three times, escape and encode it once. Share it only between
    calls with the same `config` and the same items. An item without its rendering must be in it.

    `offsets`, when given, is filled with entry id -> (offset, length) of its bytes in each feed.
    With `consume`, the items' bytes are taken out of `entries` as each feed is made, so that the
    feed holds the only reference to them (at 100,000 postings they are 400 MB)."""
    fg = _generator(items, meta, config, fallback, entries=model)
    home = config.site_url or "./"
    fg.link(href=home, rel="alternate")
    fg.link(href=f"{config.site_url}{meta.path}.xml", rel="self", type="application/atom+xml")
    atom = fg.atom_str(pretty=True)
    rss_path = "rss" if meta.path == "atom" else f"{meta.path}.rss"
    # feedgen gives RSS's <link> the last link added: the self link goes first.
    fg.link(href=f"{config.site_url}{rss_path}.xml", rel="self", type="application/rss+xml", replace=True)
    fg.link(href=home, rel="alternate")
    rss = fg.rss_str(pretty=True)
    depth = meta.path.count("/")
    atom = with_stylesheet(with_hub_links(atom, config, "atom"), depth, config)
    rss = with_stylesheet(with_hub_links(rss, config, "rss"), depth, config)
    if depth and not config.site_url:
        # Links relative to the output folder, in a feed one folder down (equipes/, contrats/): the
        # feed says where they start from, so that readers resolve them to the right files.
        base = b' xml:base="' + b"../" * depth + b'"'
        atom = atom.replace(b"<feed ", b"<feed" + base + b" ", 1)
        rss = rss.replace(b"<rss ", b"<rss" + base + b" ", 1)
    if model or not items:
        return Pieces([atom]), Pieces([rss])
    atom_end, rss_end = b"</feed>\n", b"  </channel>\n</rss>\n"
    if not (atom.endswith(atom_end) and rss.endswith(rss_end)):  # pragma: no cover - another feedgen
        return atom_and_rss_pieces(items, meta, config, fallback, model=True)
    pairs = entries if entries is not None else {}
    atom_at, rss_at = len(atom) - len(atom_end), len(rss) - len(rss_end)
    for item in items:
        pair = pairs.get(item.id)
        if pair is None:
            pair = pairs[item.id] = _atom_and_rss_entries(item, config)
        if offsets is not None:
            offsets[0][item.id] = (atom_at, len(pair[0]))
            offsets[1][item.id] = (rss_at, len(pair[1]))
        atom_at += len(pair[0])
        rss_at += len(pair[1])
    atom_pieces = Pieces([atom[: -len(atom_end)], *(pairs[item.id][0] for item in items), atom_end])
    rss_pieces = Pieces([rss[: -len(rss_end)], *(pairs[item.id][1] for item in items), rss_end])
    if consume:
        for item in items:
            del pairs[item.id]
    return atom_pieces, rss_pieces


def entry_texts(item: FeedItem, config: Config) -> tuple[bytes, bytes, bytes]:
    """The bytes of `item`'s entry in atom.xml, rss.xml and feed.json, exactly as `atom_and_rss`
    and `json_feed` write them (given as `entries` and `texts`, they are used as they are)."""
    return (*_atom_and_rss_entries(item, config), _json_item_bytes(item, config))


def content_of(item: FeedItem, config: Config) -> str:
    """The entry's HTML content: the key facts line (`keyfacts`), then the posting's body."""
    return key_facts_html(item.role.posting, item.link, config) + item.html.content


def _atom_and_rss_entries(item: FeedItem, config: Config) -> tuple[bytes, bytes]:
    """`item`'s <entry> and <item>, in UTF-8. The content, the longest text, is escaped once for
    both, and as UTF-8 (`_text_utf8`); the short parts around it are encoded on their own."""
    name = config.author or config.title
    content = _text_utf8(content_of(item, config))
    return _atom_entry(item, name, content), _rss_item(item, name, content)


def _text(value: str) -> str:
    """Escaped as lxml escapes element text."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _text_utf8(value: str) -> bytes:
    """`_text(value)` in UTF-8: escaped after encoding, where replacing is ~3 times faster on a
    posting's HTML (each of these characters is one byte in UTF-8, and no other byte is one)."""
    data = value.encode("utf-8")
    return data.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;").replace(b"\r", b"&#13;")


def _around(before: list[str], content: bytes, after: list[str]) -> bytes:
    return "".join(before).encode("utf-8") + content + "".join(after).encode("utf-8")


def _attr(value: str) -> str:
    """Escaped as lxml escapes an attribute value."""
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _author_name(item: FeedItem, name: str) -> str:
    return item.role.posting.team or name


def _atom_entry(item: FeedItem, name: str, content: bytes) -> bytes:
    """The <entry> feedgen writes for `item` in `_generator`, in UTF-8; `content` is escaped."""
    posting, rendered = item.role.posting, item.html
    out = [
        f"  <entry>\n    <id>{_text(item.id)}</id>\n    <title>{_text(posting.title)}</title>\n",
        f"    <updated>{updated_at(posting).isoformat()}</updated>\n",
    ]
    author = _author_name(item, name)
    if "@" in posting.contact and author:
        out.append(
            f"    <author>\n      <name>{_text(author)}</name>\n"
            f"      <email>{_text(posting.contact)}</email>\n    </author>\n"
        )
    if not content:
        out.append('    <content type="html"/>\n')
    else:
        out.append('    <content type="html">')
    rest = ["</content>\n" if content else ""]
    rest.append(f'    <link href="{_attr(item.link)}"/>\n')  # feedgen drops an entry link's rel
    if rendered.summary:
        rest.append(f"    <summary>{_text(rendered.summary)}</summary>\n")
    for term in (posting.team, posting.contract):
        if term:
            rest.append(f'    <category term="{_attr(term)}" label="{_attr(term)}"/>\n')
    when = opened_at(posting)
    if when is not None:
        rest.append(f"    <published>{when.isoformat()}</published>\n")
    rest.append("  </entry>\n")
    return _around(out, content, rest)


def _rss_item(item: FeedItem, name: str, content: bytes) -> bytes:
    """The <item> feedgen writes for `item` in `_generator`, in UTF-8; `content` is escaped."""
    posting, rendered = item.role.posting, item.html
    out = [
        f"    <item>\n      <title>{_text(posting.title)}</title>\n      <link>{_text(item.link)}</link>\n"
    ]
    if rendered.summary:
        # As in `_generator`: readers take <description> as HTML, the summary stays text there.
        out.append(f"      <description>{_text(html.escape(rendered.summary, quote=False))}</description>\n")
        out.append("      <content:encoded>")
        rest = ["</content:encoded>\n"]
    else:
        out.append("      <description>")
        rest = ["</description>\n"]
    if "@" in posting.contact:
        author = _author_name(item, name)
        address = f"{posting.contact} ({author})" if author else posting.contact
        rest.append(f"      <author>{_text(address)}</author>\n")
    rest.append(f'      <guid isPermaLink="false">{_text(item.id)}</guid>\n')
    for term in (posting.team, posting.contract):
        if term:
            rest.append(f"      <category>{_text(term)}</category>\n")
    when = opened_at(posting)
    if when is not None:
        rest.append(f"      <pubDate>{formatRFC2822(when)}</pubDate>\n")
    rest.append("    </item>\n")
    return _around(out, content, rest)


def json_feed(items: Sequence[FeedItem], config: Config, **options: Any) -> bytes:
    """JSON Feed 1.1: `json_feed_pieces` (with its keyword `options`), joined."""
    return bytes(json_feed_pieces(items, config, **options))


def json_feed_pieces(
    items: Sequence[FeedItem],
    config: Config,
    *,
    texts: dict[str, bytes] | None = None,
    offsets: dict[str, tuple[int, int]] | None = None,
) -> Pieces:
    """JSON Feed 1.1, with a `_jobfeed` object per item for what feed readers have no field for,
    as the pieces of its bytes (`output.Pieces`).

    `texts`: entry id -> the bytes of its item, reused (an item without its rendering must be in
    it), taken out of `texts` as they are used; `offsets`, when given, is filled with entry id ->
    (offset, length) of each item's bytes."""
    feed: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.title,
        "description": config.description,
        "language": config.language,
        "authors": [{"name": config.author or config.title}],
    }
    if config.site_url:
        feed["home_page_url"] = config.site_url
        feed["feed_url"] = f"{config.site_url}feed.json"
    if config.feeds.hubs:
        feed["hubs"] = json_hubs(config)
    feed["items"] = []
    head = json.dumps(feed, ensure_ascii=False, indent=2)
    if not items:
        return Pieces([(head + "\n").encode("utf-8")])
    # The bytes json.dumps(feed, indent=2) gives, one item at a time: a tenth of its peak memory.
    assert head.endswith('"items": []\n}')
    parts = [head[: -len("[]\n}")].encode("utf-8") + b"[\n"]
    at = len(parts[0])
    for i, item in enumerate(items):
        text = texts.pop(item.id, None) if texts is not None else None
        if text is None:
            text = _json_item_bytes(item, config)
        separator = b"    " if i == 0 else b",\n    "
        parts += (separator, text)
        at += len(separator)
        if offsets is not None:
            offsets[item.id] = (at, len(text))
        at += len(text)
    parts.append(b"\n  ]\n}\n")
    return Pieces(parts)


_encode_string = json.encoder.encode_basestring  # C, as json.dumps(ensure_ascii=False) uses


def indented_json(value: object, level: int = 0) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2) as if nested `level` deep (see `_indented`)."""
    return _indented(value, level)


def _indented(value: object, level: int) -> str:
    """json.dumps(value, ensure_ascii=False, indent=2) as if nested `level` deep: the same text,
    three times faster than the json module's pure-Python encoder that `indent` requires."""
    if isinstance(value, str):
        return str(_encode_string(value))
    if isinstance(value, dict) and value:
        inner = "\n" + "  " * (level + 1)
        fields = (f"{_encode_string(str(k))}: {_indented(v, level + 1)}" for k, v in value.items())
        return "{" + inner + ("," + inner).join(fields) + "\n" + "  " * level + "}"
    if isinstance(value, list) and value:
        inner = "\n" + "  " * (level + 1)
        return (
            "["
            + inner
            + ("," + inner).join(_indented(v, level + 1) for v in value)
            + "\n"
            + "  " * level
            + "]"
        )
    return json.dumps(value, ensure_ascii=False)


def _json_item_bytes(item: FeedItem, config: Config) -> bytes:
    """`_indented(_json_item(item), 2)` in UTF-8, by orjson: the same bytes (orjson escapes every
    character as json.dumps(ensure_ascii=False) does; tests/test_feeds_json.py compares them),
    five times faster. Indenting the item's lines by two levels cannot touch its strings, whose
    line breaks are escaped."""
    return orjson.dumps(_json_item(item, config), option=orjson.OPT_INDENT_2).replace(b"\n", b"\n    ")


def _json_item(item: FeedItem, config: Config) -> dict[str, object]:
    posting = item.role.posting
    out: dict[str, object] = {
        "id": item.id,
        "url": item.link,
        "title": posting.title,
        "content_html": content_of(item, config),
    }
    if item.html.summary:
        out["summary"] = item.html.summary
    when = opened_at(posting)
    if when is not None:
        out["date_published"] = when.isoformat()
    out["date_modified"] = updated_at(posting).isoformat()
    tags = [t for t in (posting.team, posting.contract) if t]
    if tags:
        out["tags"] = tags
    out["_jobfeed"] = {
        "about": "https://github.com/jobfeed/jobfeed#json-feed",
        "team": posting.team or None,
        "contract": posting.contract or None,
        "opened": posting.opened.isoformat() if posting.opened else None,
        "deadline": posting.deadline.isoformat() if posting.deadline else None,
        "contact": posting.contact or None,
        "state": str(item.role.state),
    }
    return out
