"""What `jobfeed build` writes besides the main feeds: facet feeds, OPML, calendar, index and pages.

Pure: the catalog and the configuration in, relative paths and bytes (and problems) out. Every
path is checked here to stay inside the output folder, and `output.write_tree` checks it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Mapping
from urllib.parse import quote

from jobfeed.config import Config
from jobfeed.core.humandates import language_of
from jobfeed.core.identity import link_of
from jobfeed.core.lifecycle import Catalog, Role
from jobfeed.core.markup import Rendered, render
from jobfeed.errors import Problem
from jobfeed.output import Content, is_safe_path
from jobfeed.publish.calendar import calendar_inputs, calendar_text, cancelled_roles, deadline_events
from jobfeed.publish.facets import Facet, all_facets, facet_files, public_roles
from jobfeed.publish.feeds import items_of
from jobfeed.publish.keeping import Keeper
from jobfeed.publish.opml import opml
from jobfeed.publish.pages import index_context, page_path, posting_html, render_index

INDEX = "index.html"
OPML = "feeds.opml"
CALENDAR = "deadlines.ics"
HISTORY = "history.xml"

#: What makes a role's page: `pages.posting_html`'s arguments, and the page's bytes (or the file
#: that holds them already, from the speed machinery: `_incremental/pagecache.py`).
PageMaker = Callable[[Role, Rendered, Config, str, dt.datetime, str, str], Content]


@dataclasses.dataclass
class Extras:
    files: dict[str, Content]
    problems: list[Problem]
    pages: dict[str, str]  # role id -> path of its page
    facet_names: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)  # kind -> slug -> name


def _page_paths(
    catalog: Catalog, config: Config, reserved: Collection[str]
) -> tuple[dict[str, str], list[Problem]]:
    pages: dict[str, str] = {}
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    for role in public_roles(catalog):
        posting = role.posting
        path = page_path(posting, config)
        if path is None:
            continue
        line = posting.lines.get("id", 1)
        if not is_safe_path(path):
            problems.append(
                Problem(
                    posting.path,
                    line,
                    "error",
                    f"the page of this posting would be written at {path!r}, outside the output folder; "
                    "give the posting an id of letters, digits, '-', '_' and '.', and check [postes] link",
                )
            )
            continue
        if path in reserved or path in owners:
            other = f"the page of {owners[path]}" if path in owners else "a file jobfeed writes"
            problems.append(
                Problem(
                    posting.path,
                    line,
                    "error",
                    f"the page of this posting would be {path!r}, which is {other}; "
                    "give the posting its own 'id:' or change [postes] link (page not written)",
                )
            )
            continue
        owners[path] = posting.path
        pages[role.id] = path
    return pages, problems


def _reserved(facets: Mapping[str, list[Facet]], config: Config, taken: Collection[str]) -> set[str]:
    """The paths no page may take: the main feeds (`taken`), the facet feeds, OPML, calendar, index."""
    wants = config.pages.wants
    paths = {*taken, INDEX}
    paths.update(path for found in facets.values() for f in found for path in (f.atom, f.rss))
    paths.update(name for name, output in ((OPML, "opml"), (CALENDAR, "calendar")) if wants(output))
    return paths


def site_problems(
    catalog: Catalog,
    config: Config,
    taken: Collection[str],
    facet_owners: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Problem]:
    """The problems `extra_files` reports (facet names, page paths), found without rendering or
    writing anything: `jobfeed check` reports them as `build` does. `facet_owners` as for
    `extra_files`."""
    wants = config.pages.wants
    if not config.pages.enabled:
        return []
    problems: list[Problem] = []
    facets: dict[str, list[Facet]] = {}
    if wants("facets"):
        facets, found = all_facets(catalog, facet_owners or {}, config.facets)
        problems.extend(found)
    if wants("postings"):
        problems.extend(_page_paths(catalog, config, _reserved(facets, config, taken))[1])
    return problems


def extra_files(
    catalog: Catalog,
    config: Config,
    rendered: Mapping[str, Rendered],
    taken: Collection[str] = (),
    entries: dict[str, tuple[bytes, bytes]] | None = None,
    facet_owners: Mapping[str, Mapping[str, str]] | None = None,
    make_page: PageMaker | None = None,
    keep: Keeper | None = None,
) -> Extras:
    """Every file of `[pages]`; `rendered` holds the open roles (closed ones are rendered here);
    `taken` are the paths already written by the main feeds, `entries` the Atom and RSS bytes of
    their entries (`feeds.atom_and_rss`), reused by the facet feeds; `facet_owners`: kind -> slug
    -> the name whose feed it was at the last build (`facets.facets_of`); `make_page` makes the
    roles' pages (default `pages.posting_html`); `keep` keeps the facet feeds, the calendar and
    the index made from the same inputs as at the last build as they are (`keeping.py`)."""
    wants = config.pages.wants
    if not config.pages.enabled:
        return Extras({}, [], {})
    lang = language_of(config.language)
    roles = public_roles(catalog)
    everything = dict(rendered)
    for role in roles:
        if role.id not in everything:
            everything[role.id] = render(role.posting, link_of(role.posting, config), config.markdown)
    problems: list[Problem] = []
    files: dict[str, Content] = {}
    make = make_page or posting_html

    facets: dict[str, list[Facet]] = {}
    if wants("facets"):
        facets, found = all_facets(catalog, facet_owners or {}, config.facets)
        problems.extend(found)
        items = {item.role.id: item for item in items_of(catalog.open, everything, config)}
        files.update(facet_files(facets, items, config, entries, keep, pieces=True))
    reserved = _reserved(facets, config, taken)

    index = INDEX if wants("index") else ""
    extras: dict[str, str] = {}
    if config.feeds.history:  # built by build.py (issue 18); listed with the other feeds
        extras["history"] = HISTORY
    if wants("opml"):
        files[OPML] = opml(facets, config, lang, index, extras.get("history", ""))
        extras["opml"] = OPML
    if wants("calendar"):
        cancelled = cancelled_roles(catalog, config)
        events = deadline_events(catalog.open, everything, config, lang, cancelled=cancelled)
        calendar = keep.kept(CALENDAR, calendar_inputs(events, config, lang)) if keep else None
        files[CALENDAR] = calendar if calendar is not None else calendar_text(events, config, lang)
        extras["calendar"] = CALENDAR

    pages: dict[str, str] = {}
    if wants("postings"):
        pages, found = _page_paths(catalog, config, reserved)
        problems.extend(found)
        for role in roles:
            if role.id in pages:
                files[pages[role.id]] = make(
                    role, everything[role.id], config, pages[role.id], catalog.now, lang, index
                )
    if index:
        links = {
            r.id: quote(pages[r.id]) if r.id in pages else link_of(r.posting, config) for r in catalog.open
        }
        context = index_context(catalog.open, config, everything, links, facets, lang, extras)
        kept = keep.kept(INDEX, repr(context)) if keep else None
        files[INDEX] = kept if kept is not None else render_index(context)
    names = {kind: {f.slug: f.name for f in found_facets} for kind, found_facets in facets.items()}
    return Extras(files, problems, pages, names)
