"""Finding the role a person means: by id, file name, path, a unique prefix of them, or else any
unique part of the id or the title.

Files are usually named `<date>-<slug>.md`, so the slug without its date counts as a name too:
`jobfeed close dev` finds `2024-09-02-developpeur-fullstack` when no other role starts so.

An unknown or ambiguous name is an error that lists the candidates, never a traceback.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from jobfeed.config import Config
from jobfeed.core.postings import SUFFIXES, Loaded, Posting, load_posting, load_postings, postings_folder
from jobfeed.core.text import slug_of
from jobfeed.errors import JobfeedError, Problem, RoleNotFound
from jobfeed.output import read_claims

#: How many candidates an error message lists before "and N more".
SHOWN = 10
#: How alike (difflib ratio) a name must be to the query to be suggested.
SIMILAR = 0.6
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def _stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _names(posting: Posting) -> tuple[str, str, str, str]:
    """(id, file name, file name without its suffix, id without a leading date): the ways a role
    can be addressed; a unique prefix of any of them is enough."""
    name = Path(posting.path).name
    return posting.id, name, _stem(name), _DATED.sub("", posting.id)


def _listing(postings: list[Posting]) -> str:
    width = max(len(p.id) for p in postings)
    lines = [f"  {p.id:<{width}}  {p.path}" for p in postings[:SHOWN]]
    if len(postings) > SHOWN:
        lines.append(f"  … and {len(postings) - SHOWN} more (see `jobfeed list --all`)")
    return "\n".join(lines)


def _broken(name: str, problems: list[Problem]) -> RoleNotFound:
    errors = "\n".join(f"  {p}" for p in sorted(problems) if p.is_error)
    return RoleNotFound(f"{name} is not a valid posting; fix it first (`jobfeed check`):\n{errors}")


def _suggestions(folded: str, postings: list[Posting]) -> list[Posting]:
    """Roles whose name contains the query, or is spelled nearly like it (the best few only)."""
    scores = {
        p.id: max(difflib.SequenceMatcher(None, folded, n.casefold()).ratio() for n in _names(p))
        for p in postings
    }
    best = max(scores.values())
    near = [
        p
        for p in postings
        if folded in p.id.casefold() or (scores[p.id] >= SIMILAR and scores[p.id] >= best - 0.15)
    ]
    return sorted(near, key=lambda p: (-scores[p.id], p.id))


def _contains(posting: Posting, folded: str) -> bool:
    """Whether `folded` (case-folded) is part of the role's id, file name or title, as typed or as a
    slug (`Développeur fullstack` is part of `developpeur-fullstack`)."""
    slug = slug_of(folded) if any(c.isalnum() for c in folded) else ""
    if folded in posting.title.casefold():
        return True
    return any(folded in n.casefold() or (slug and slug in n.casefold()) for n in _names(posting))


def unreadable_folder(loaded: Loaded) -> JobfeedError | None:
    """The error to stop on when the folder itself could not be read (no files, one problem)."""
    if loaded.files == 0 and loaded.errors:
        return JobfeedError(str(loaded.errors[0]))
    return None


def find_role(query: str, loaded: Loaded, config: Config) -> Posting:
    """The posting `query` names, in `loaded`; a path to a posting file works too."""
    query = query.strip()
    if not query:
        raise RoleNotFound("give the role's id, file name or path (see `jobfeed list`)")
    postings = sorted(loaded.postings, key=lambda p: p.id)
    for index in range(4):  # exact id, file name, file name without suffix, id without its date
        exact = [p for p in postings if _names(p)[index] == query]
        if len(exact) == 1:
            return exact[0]
    path = Path(query)
    if path.suffix.lower() in SUFFIXES and path.is_file():
        posting, problems = load_posting(path, config)
        if posting is None:
            raise _broken(str(path), problems)
        return posting
    broken = sorted({p.path for p in loaded.errors if Path(p.path).name in (query, query + ".md")})
    if broken:
        raise _broken(broken[0], [p for p in loaded.errors if p.path == broken[0]])
    folded = query.casefold()
    matches = [p for p in postings if any(n.casefold().startswith(folded) for n in _names(p))]
    if not matches:  # any part of the id or the title: `fullstack`, `Développeur`
        matches = [p for p in postings if _contains(p, folded)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise RoleNotFound(f"'{query}' matches {len(matches)} roles; give more of it:\n{_listing(matches)}")
    if not postings:
        folder_error = unreadable_folder(loaded)
        if folder_error is not None:
            raise folder_error
        raise RoleNotFound(f"no role '{query}': there are no valid postings in the folder")
    suggestions = _suggestions(folded, postings)
    if suggestions:
        raise RoleNotFound(f"no role '{query}'; did you mean one of these?\n{_listing(suggestions)}")
    raise RoleNotFound(f"no role '{query}'; the roles are:\n{_listing(postings)}")


def resolve(query: str, config: Config, postes: str | Path | None = None) -> Posting:
    """Load the folder and find the role `query` names in it."""
    folder = postings_folder(postes or config.postes)  # a missing folder names itself and --postes
    claims = read_claims(config.out)
    return find_role(query, load_postings(folder, config, claims=claims), config)
