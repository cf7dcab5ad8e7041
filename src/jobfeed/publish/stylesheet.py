"""`feed.xsl`: the Atom and RSS feeds read as a page when a browser opens them.

A browser shows a feed as raw XML; a feed that names an XSLT stylesheet in an
`<?xml-stylesheet?>` processing instruction is shown as the page the stylesheet makes of it (feed
readers ignore the instruction, and validators accept it). The page looks like the index (the same
style sheet, inline), lists the entries with their key facts line (`keyfacts`) and says how to
subscribe. Self-contained: no script, no request to any other file; its address is relative, so it
works wherever the output folder is published. Browsers apply it over http(s), not from file://.
(Browsers have deprecated XSLT: where it is gone, the feed shows as XML, as before.)
"""

from __future__ import annotations

import functools

from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.humandates import language_of

STYLESHEET = "feed.xsl"

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "feed": "flux",
        "skip": "Aller à la liste des postes",
        "how": "S'abonner à ce flux",
        "this_is": "Cette page est un flux : les nouveaux postes arrivent d'eux-mêmes dans votre lecteur de "
        "flux, sans compte ni e-mail.",
        "copy_address": "Copiez cette adresse dans votre lecteur de flux :",
        "readers": "Par exemple Feedly, Inoreader, NetNewsWire, Thunderbird ou le lecteur de votre navigateur.",
        "board": "Voir les postes sur le site",
        "entries": "Dans ce flux",
        "none": "Aucune entrée pour le moment.",
        "generated": "Flux publié avec jobfeed.",
    },
    "en": {
        "feed": "feed",
        "skip": "Skip to the roles",
        "how": "Subscribe to this feed",
        "this_is": "This page is a feed: new roles come to your feed reader by themselves, with no account "
        "and no e-mail.",
        "copy_address": "Copy this address into your feed reader:",
        "readers": "For example Feedly, Inoreader, NetNewsWire, Thunderbird or your browser's reader.",
        "board": "See the roles on the site",
        "entries": "In this feed",
        "none": "No entry yet.",
        "generated": "Feed published with jobfeed.",
    },
}


def feed_xsl(config: Config) -> bytes:
    """The stylesheet, in the site's language, with the pages' style sheet inline."""
    from jobfeed.publish.pages import environment  # jinja2: only when the file is written

    lang = language_of(config.language)
    css = environment().get_template("style.css").render()  # text, escaped where it goes in the XML
    template = environment().get_template(STYLESHEET)
    text = template.render(version=__version__, lang=lang, t=WORDS[lang], style=css)
    return text.encode("utf-8")


@functools.cache
def instruction(depth: int) -> bytes:
    """The processing instruction of a feed `depth` folders below the output folder."""
    return f'<?xml-stylesheet href="{"../" * depth}{STYLESHEET}" type="text/xsl"?>\n'.encode()


def wanted(config: Config) -> bool:
    """`[feeds] stylesheet`, and `[pages] enabled`: a site without pages wants the feeds alone."""
    return config.feeds.stylesheet and config.pages.enabled


def with_stylesheet(feed: bytes, depth: int, config: Config) -> bytes:
    """`feed` (as feedgen writes it, XML declaration first) with the instruction after the
    declaration, when the stylesheet is `wanted`."""
    if not wanted(config):
        return feed
    declaration, newline, rest = feed.partition(b"\n")
    if not declaration.startswith(b"<?xml "):  # pragma: no cover - feedgen always writes one
        return instruction(depth) + feed
    return declaration + newline + instruction(depth) + rest
