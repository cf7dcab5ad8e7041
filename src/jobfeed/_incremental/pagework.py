"""Roles' pages made where their postings are rendered, and spooled there.

In a first build every page must be made: each render job (`rendering.py`, in a worker process
when the build is big) makes its role's page with `publish.pages.posting_html` right after
rendering it, and appends it to its process's spool in the output folder (`output.Spool`). Only
where it is, its size and its sha256 travel back: the process that builds the site neither makes
the pages (~2 s of Jinja and JSON-LD at 10,000 postings, one after the other while the workers
waited) nor holds their bytes (130 MB at 10,000). `output.write_tree` copies each page from the
spool into its temporary file with the other files, within the system, and renames them all into
place as before (or leaves a file alone when it holds those bytes already); a page the build does
not write after all (its path taken, a file jobfeed did not write) is simply not copied. The
spools are removed once the tree is written or the build stops (`remove_pages`); a killed build
leaves temporary files only, which the next one removes (`output.remove_stale`).

Pages are spooled only when the record of what the last build wrote keeps none of them (a first
build, or a lost record): otherwise `pagecache.py` decides which pages to make, in this process.
The page is the same function of the same inputs wherever it is made, so the bytes are the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from jobfeed._incremental.pagecache import page_key
from jobfeed._incremental.written import Written
from jobfeed.config import Config
from jobfeed.core.identity import link_of
from jobfeed.core.lifecycle import Role
from jobfeed.core.markup import Rendered, render
from jobfeed.errors import OutputError
from jobfeed.output import Content, Spool, Staged, is_safe_path, remove_spools
from jobfeed.publish.pages import page_path, posting_html

if TYPE_CHECKING:
    from jobfeed.publish.site import PageMaker


class PageSpec(NamedTuple):
    """What a render job needs besides its role to make its page: `posting_html`'s arguments that
    are the same for every page of the build."""

    out: str  # the output folder
    now: dt.datetime
    lang: str
    home: str  # the index's path, or ""
    configured: str  # `config.config_key`, when the page's key is recorded; else ""
    build: str  # a token of this build (`output.Spool`)


class StagedPage(NamedTuple):
    page: str  # its path in the output folder
    staged: Staged
    key: str  # its `pagecache.page_key`, or ""


def stage_page(spec: PageSpec, role: Role, rendered: Rendered, config: Config) -> StagedPage | None:
    """The page of `role`, made and spooled in the output folder; None when the role has no page
    of its own in it, or when the spool cannot be written (the page is then made where the other
    files are written, and `output.write_tree` reports what stops it, by name)."""
    page = page_path(role.posting, config)
    if page is None or not is_safe_path(page):
        return None  # no page, or one the build reports as a problem
    data = posting_html(role, rendered, config, page, spec.now, spec.lang, spec.home)
    key = ""
    if spec.configured:
        key = page_key(role, rendered, config, spec.configured, page, spec.now, spec.lang, spec.home)
    try:
        return StagedPage(page, Spool.put(spec.out, spec.build, data), key)
    except OutputError:
        return None


class StagedPages:
    """A `site.PageMaker` that gives the pages staged by the render jobs, and makes the others
    with `inner` (default `posting_html`). `written`, when given, records each page's key."""

    def __init__(
        self,
        spec: PageSpec,
        staged: Mapping[str, StagedPage],
        config: Config,
        written: Written | None,
        inner: PageMaker | None,
    ) -> None:
        self.spec, self.staged, self.config = spec, dict(staged), config
        self.written, self.inner = written, inner or posting_html

    def make(
        self,
        role: Role,
        rendered: Rendered,
        config: Config,
        page: str,
        now: dt.datetime,
        lang: str,
        index: str = "index.html",
    ) -> Content:
        found = self.staged.pop(role.id, None)
        spec = self.spec
        made_for = (found.page, now, lang, index, config) if found is not None else None
        if found is not None and made_for == (page, spec.now, spec.lang, spec.home, self.config):
            if self.written is not None:
                self.written.keys[page] = found.key
            return found.staged
        if found is not None:  # made for other arguments: made again, from the posting (the
            # rendering kept here may lack the body: rendering.py)
            rendered = render(role.posting, link_of(role.posting, config), config.markdown)
        return self.inner(role, rendered, config, page, now, lang, index)


def remove_pages(staged: Iterable[StagedPage]) -> None:
    """Remove the spools of the pages `staged`: once written, or when the build stops."""
    remove_spools(found.staged for found in staged)
