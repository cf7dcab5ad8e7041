"""What the writers of `[pages]` ask of the speed machinery to keep a file as it is.

A writer whose file is a pure function of a few inputs says what they are (`inputs`, a text that
covers every one of them) and asks `Keeper.kept`; the speed machinery (`_incremental/pagecache.py`)
gives the file on disk when the last build made it from the same inputs and nothing wrote it since,
else None, and the writer makes it as without it. No byte depends on the answer.
"""

from __future__ import annotations

from typing import Protocol

from jobfeed.output import Content
from jobfeed.publish.feeds import FeedItem


class Keeper(Protocol):
    def kept(self, path: str, inputs: str) -> Content | None:
        """The file at `path` as it is, when the last build made it from `inputs`; else None.
        Either way `inputs` are recorded as what this build's file at `path` is made from."""
        ...

    def entry(self, item: FeedItem) -> str:
        """What the bytes of `item`'s entries in the feeds are made from (`splice.entry_key`)."""
        ...
