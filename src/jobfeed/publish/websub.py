"""WebSub (W3C Recommendation, 2018), the publisher's side: the feeds name their hubs, and
`jobfeed publish-ping` tells the hubs which feeds changed, so that subscribers get new entries
within seconds instead of at their reader's next poll.

Discovery (WebSub 4): a `<link rel="hub">` beside the `rel="self"` link in Atom, an `<atom:link
rel="hub">` in RSS, `hubs` in JSON Feed 1.1. The ping is not part of the Recommendation (a hub
"MAY" accept one, section 5); every public hub (Google's, Superfeedr, WebSubHub, Switchboard) takes
the PubSubHubbub 0.4 form: a POST of `hub.mode=publish` and `hub.url=<the feed's self URL>`,
answered 2xx (most 204 No Content, some 202 Accepted).
"""

from __future__ import annotations

from jobfeed.config import Config


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def with_hub_links(feed: bytes, config: Config, kind: str) -> bytes:
    """`feed` (Atom when `kind` is "atom", else RSS, as feedgen writes them) with a hub link per
    `[feeds] hubs`, right after its self link."""
    if not config.feeds.hubs:
        return feed
    if kind == "atom":
        tag, indent = "link", "  "
    else:
        tag, indent = "atom:link", "    "
    links = "".join(f'{indent}<{tag} href="{_attr(hub)}" rel="hub"/>\n' for hub in config.feeds.hubs)
    marker = b'rel="self"'
    at = feed.find(marker)
    end = feed.find(b"\n", at) + 1 if at >= 0 else 0
    if end <= 0:  # pragma: no cover - jobfeed's feeds always have a self link
        return feed
    return feed[:end] + links.encode("utf-8") + feed[end:]


def json_hubs(config: Config) -> list[dict[str, str]]:
    """JSON Feed 1.1's `hubs`."""
    return [{"type": "WebSub", "url": hub} for hub in config.feeds.hubs]
