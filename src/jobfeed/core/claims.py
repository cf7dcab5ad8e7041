"""Who owns what was published: each role id's posting file, each team or contract feed's name.

A build records them in `published.json` in the output folder (committed with the feeds), and the
next load reads them back (`Claims.from_json`): a posting that claims an id another file
published, or a team name that would take the feed of a team published before, is an error and
is not published (issue 19: a new `0-takeover.md` with a victim's id used to win by name order).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from jobfeed.errors import Problem

if TYPE_CHECKING:
    from jobfeed.core.postings import Posting

FILE_NAME = "published.json"
FORMAT = 1
FACET_KINDS = ("team", "contract")


@dataclasses.dataclass(frozen=True)
class Claims:
    """`ids`: role id -> the name of the posting file that published it (in the postings folder);
    `facets`: "team"/"contract" -> feed slug -> the name that published it."""

    ids: Mapping[str, str] = dataclasses.field(default_factory=dict)
    facets: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_json(cls, data: bytes) -> Claims:
        """The claims `to_json` wrote; nothing (as on a first build) from anything else."""
        try:
            record = json.loads(data)
        except ValueError:
            return cls()
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            return cls()
        ids = _text_map(record.get("ids"))
        kinds = [*FACET_KINDS, *(k for k in record if k not in (*FACET_KINDS, "format", "ids"))]
        facets = {kind: _text_map(record.get(kind)) for kind in kinds}
        return cls(ids, {kind: names for kind, names in facets.items() if names})

    def to_json(self) -> bytes:
        record = {"format": FORMAT, "ids": dict(self.ids)}
        record.update({kind: dict(self.facets.get(kind, {})) for kind in FACET_KINDS})
        # the facets of other keys (`[facets] fields`), when there are any
        record.update({kind: dict(names) for kind, names in self.facets.items() if names})
        return (json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def _text_map(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def file_name(posting: Posting) -> str:
    """The name of a posting's file in its folder, as claims record it."""
    return os.path.basename(posting.path)


def settle_ids(
    postings: list[Posting], names: Iterable[str], claims: Claims, problems: list[Problem]
) -> tuple[list[Posting], dict[str, str]]:
    """The postings that may publish their id, and the ids still held by a file that did not load.

    An id the previous build published belongs to its file while that file is in the folder
    (`names`): another claimant is an error, and so is every claimant of an id that two files
    claim when neither published it (a first build). Its file renamed or gone, the id is free.
    """
    present = set(names)
    claimants: dict[str, list[Posting]] = {}
    for posting in postings:
        claimants.setdefault(posting.id, []).append(posting)
    kept = []
    for posting in postings:
        name, owner = file_name(posting), claims.ids.get(posting.id)
        others = [file_name(p) for p in claimants[posting.id] if p is not posting]
        if owner is not None and owner != name and owner in present:
            problems.append(
                _claim_problem(posting, f"belongs to {_beside(posting, owner)}, which published it")
            )
        elif others and owner != name:
            also = ", ".join(_beside(posting, other) for other in others)
            problems.append(_claim_problem(posting, f"is claimed by {also} too, and neither published it"))
        else:
            kept.append(posting)
    loaded = {file_name(p) for p in postings}
    held = {i: owner for i, owner in claims.ids.items() if owner in present and owner not in loaded}
    return kept, held


def _beside(posting: Posting, name: str) -> str:
    """The path of file `name` shown as the posting's own path is (the same folder)."""
    return os.path.join(os.path.dirname(posting.path), name)


def _claim_problem(posting: Posting, why: str) -> Problem:
    if "id" in posting.lines:
        fix = "give this posting an 'id:' of its own"
    else:
        fix = "this file's name makes the id: rename the file or give it an 'id:' of its own"
    return Problem(
        posting.path, posting.lines.get("id", 1), "error", f"id '{posting.id}' {why}; {fix} (skipped)"
    )
