"""Per-team and per-contract feeds: `equipes/<slug>.xml`, `contrats/<slug>.xml` (and `.rss.xml`).

A facet exists for every team (contract) of a published role, open or closed, so that a feed
someone subscribed to stays at its address when its last role closes. Slugs are ASCII and depend
on the name only. Two names that give the same slug ("Aides Territoires", "Aides-Territoires")
are not merged: the name that published the feed at the last build keeps it, the other is an
error; when neither did, both are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from slugify import slugify

from jobfeed.config import DEFAULT_FACETS, Config, facet_folder
from jobfeed.core.identity import EPOCH
from jobfeed.core.lifecycle import Catalog, Role, State
from jobfeed.core.text import clean_text
from jobfeed.errors import Problem
from jobfeed.output import Content
from jobfeed.publish.feeds import FeedItem, FeedMeta, atom_and_rss, atom_and_rss_pieces
from jobfeed.publish.keeping import Keeper

FACET_SLUG_MAX = 60
KINDS = DEFAULT_FACETS
_WORDS = {"team": "team", "contract": "contract"}
#: Values of one front-matter key a role is filed under at most (`[facets] fields`), and their length.
MAX_VALUES = 20
MAX_VALUE = 200


@dataclasses.dataclass(frozen=True)
class Facet:
    kind: str  # "team", "contract" or a front-matter key of `[facets] fields`
    name: str
    slug: str
    roles: tuple[Role, ...]  # every published role of the facet, in the catalog's order

    @property
    def path(self) -> str:
        """FeedMeta path: the Atom feed is `<path>.xml`, the RSS feed `<path>.rss.xml`."""
        return f"{facet_folder(self.kind)}/{self.slug}"

    @property
    def atom(self) -> str:
        return f"{self.path}.xml"

    @property
    def rss(self) -> str:
        return f"{self.path}.rss.xml"

    @property
    def open_roles(self) -> list[Role]:
        return [r for r in self.roles if r.is_open]


def facet_slug(name: str) -> str:
    return slugify(name, max_length=FACET_SLUG_MAX, word_boundary=True)


def values_of(role: Role, kind: str) -> tuple[str, ...]:
    """The names `role` is filed under in the facets of `kind`: its teams, its contract, or the
    text values of the front-matter key `kind` (one or a list, bounded)."""
    posting = role.posting
    if kind == "team":
        return posting.teams or ((posting.team,) if posting.team else ())
    if kind == "contract":
        return (posting.contract,) if posting.contract else ()
    value = posting.extra.get(kind)
    listed = value if isinstance(value, list) else [value]
    names = (
        " ".join(clean_text(str(v)).split())[:MAX_VALUE]
        for v in listed[:MAX_VALUES]
        if isinstance(v, (str, int, float)) and not isinstance(v, bool)
    )
    return tuple(dict.fromkeys(n for n in names if n))


def _word(kind: str) -> str:
    return _WORDS.get(kind, kind)


def public_roles(catalog: Catalog) -> list[Role]:
    """Roles that have a public life (open or closed); scheduled roles are not announced yet."""
    return [r for r in catalog.roles if r.state is not State.SCHEDULED]


def _first_seen(role: Role) -> tuple[float, str]:
    opened = role.posting.opened
    return (opened.at.timestamp() if opened else EPOCH.timestamp(), role.id)


def facets_of(
    catalog: Catalog, kind: str, owners: Mapping[str, str] | None = None
) -> tuple[list[Facet], list[Problem]]:
    """The facets of one kind, sorted by slug, and a problem for each name whose slug is taken or
    empty. `owners`: slug -> the name whose feed it was at the last build, which keeps it; two
    names that share a slug neither published are both left out (issue 19: the name of the role
    that opened first used to win, so a new posting with an earlier `poste_ouvert` took a feed)."""
    owners = owners or {}
    by_name: dict[str, list[Role]] = {}
    for role in public_roles(catalog):
        for name in values_of(role, kind):
            by_name.setdefault(name, []).append(role)
    by_slug: dict[str, list[str]] = {}
    problems: list[Problem] = []
    for name in sorted(by_name, key=lambda n: min(_first_seen(r) for r in by_name[n])):
        slug = facet_slug(name)
        if slug:
            by_slug.setdefault(slug, []).append(name)
            continue
        problems.append(
            _problem(
                by_name[name],
                kind,
                "warning",
                f"{_word(kind)} {name!r} has no letters or digits to name its feed; "
                f"its roles are left out of the {_word(kind)} feeds",
            )
        )
    facets: list[Facet] = []
    for slug, names in by_slug.items():
        owner = names[0] if len(names) == 1 else owners.get(slug)
        if owner in names:
            facets.append(Facet(kind, owner, slug, tuple(by_name[owner])))
        feed = f"{facet_folder(kind)}/{slug}.xml"
        for name in names:
            if name == owner:
                continue
            if owner in names:
                why = (
                    f"would take the feed {feed} of {owner!r}, which published it; write it exactly "
                    f"{owner!r} if it is the same {_word(kind)}, or give it a distinct name"
                )
            else:
                others = " and ".join(repr(n) for n in names if n != name)
                why = (
                    f"and {others} would share the feed {feed}, which neither published; write them "
                    f"the same if they are one {_word(kind)}, or give them distinct names"
                )
            message = f"{_word(kind)} {name!r} {why}; its roles are left out of the {_word(kind)} feeds"
            problems.append(_problem(by_name[name], kind, "error", message))
    facets.sort(key=lambda f: f.slug)
    return facets, problems


def _problem(roles: list[Role], kind: str, level: str, message: str) -> Problem:
    """A problem on the line of `kind` in the file of the role that opened first."""
    first = min(roles, key=_first_seen).posting
    return Problem(first.path, first.lines.get(kind, 1), level, message)  # type: ignore[arg-type]


def all_facets(
    catalog: Catalog,
    owners: Mapping[str, Mapping[str, str]] | None = None,
    kinds: Sequence[str] = KINDS,
) -> tuple[dict[str, list[Facet]], list[Problem]]:
    """{"team": [...], "contract": [...]} (the kinds of `[facets] fields`) and the problems of
    every kind; `owners`: kind -> slug -> the name whose feed it was at the last build."""
    found: dict[str, list[Facet]] = {}
    problems: list[Problem] = []
    for kind in kinds:
        found[kind], more = facets_of(catalog, kind, (owners or {}).get(kind))
        problems.extend(more)
    return found, problems


def facet_meta(facet: Facet, config: Config) -> FeedMeta:
    return FeedMeta(
        title=f"{config.title} — {facet.name}",
        path=facet.path,
        feed_id=f"tag:{config.id_authority}:feed:{facet.path}",
    )


def facet_files(
    facets: Mapping[str, Sequence[Facet]],
    items: Mapping[str, FeedItem],
    config: Config,
    entries: dict[str, tuple[bytes, bytes]] | None = None,
    keep: Keeper | None = None,
    *,
    pieces: bool = False,
) -> dict[str, Content]:
    """Relative path -> bytes of the Atom and RSS feed of every facet; `items` are the open roles' by id.

    Each entry is written once and its bytes reused by every feed that holds it (`entries`, which
    the caller may share with the main feed's `atom_and_rss`). With `keep`, a facet's two feeds
    made from the same entries as at the last build are kept as they are (`keeping.py`). With
    `pieces`, each feed is given as the pieces of its bytes (`output.Pieces`), the entries' bytes
    shared, not copied: at 10,000 postings the facet feeds hold each open role twice more, 84 MB
    when joined."""
    entries = {} if entries is None else entries
    make = atom_and_rss_pieces if pieces else atom_and_rss
    files: dict[str, Content] = {}
    for kind in facets:
        for facet in facets[kind]:
            chosen = [items[r.id] for r in facet.open_roles if r.id in items]
            fallback = max((r.posting.opened.at for r in facet.roles if r.posting.opened), default=EPOCH)
            meta = facet_meta(facet, config)
            if keep is not None:
                # the feeds' bytes: their meta, the fallback date, and each entry's in order
                inputs = repr((meta, fallback, [(item.id, keep.entry(item)) for item in chosen]))
                atom_kept, rss_kept = keep.kept(facet.atom, inputs), keep.kept(facet.rss, inputs)
                if atom_kept is not None and rss_kept is not None:
                    files[facet.atom], files[facet.rss] = atom_kept, rss_kept
                    continue
            atom, rss = make(chosen, meta, config, fallback, entries=entries)
            files[facet.atom] = atom
            files[facet.rss] = rss
    return files
