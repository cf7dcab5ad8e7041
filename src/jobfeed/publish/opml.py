"""`feeds.opml`: every feed of the site in one file a feed reader imports (OPML 2.0).

One outline for all open roles, then one folder of team feeds and one of contract feeds.
URLs are absolute when `[site] url` is set, relative to the output folder otherwise.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from jobfeed.config import Config
from jobfeed.publish.facets import Facet

FOLDER_TITLES = {
    "fr": {
        "team": "Par équipe",
        "contract": "Par contrat",
        "all": "Tous les postes",
        "other": "Par {kind}",
        "history": "Historique des postes",
    },
    "en": {
        "team": "By team",
        "contract": "By contract",
        "all": "All roles",
        "other": "By {kind}",
        "history": "History of the roles",
    },
}


def _outline(parent: ET.Element, text: str, xml_url: str, html_url: str) -> None:
    ET.SubElement(
        parent,
        "outline",
        {"type": "rss", "text": text, "title": text, "xmlUrl": xml_url, "htmlUrl": html_url},
    )


def opml(
    facets: Mapping[str, Sequence[Facet]],
    config: Config,
    lang: str = "fr",
    index: str = "index.html",
    history: str = "",
) -> bytes:
    """The OPML document; `index` is the page each outline points people to, `history` the history
    feed (`[feeds] history`), listed after the feed of all roles."""
    words = FOLDER_TITLES[lang]
    base = config.site_url
    home = f"{base}{index}" if index else base or "./"
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = config.title
    if base:
        ET.SubElement(head, "ownerId").text = base
    body = ET.SubElement(root, "body")
    _outline(body, f"{config.title} — {words['all']}", f"{base}atom.xml", home)
    if history:
        _outline(body, f"{config.title} — {words['history']}", f"{base}{history}", home)
    for kind, found in facets.items():
        if not found:
            continue
        title = words.get(kind) or words["other"].format(kind=kind)
        folder = ET.SubElement(body, "outline", {"text": title, "title": title})
        for facet in found:
            _outline(folder, f"{config.title} — {facet.name}", f"{base}{facet.atom}", home)
    ET.indent(root, space="  ")
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + ET.tostring(root, encoding="unicode").encode("utf-8")
        + b"\n"
    )
