"""The one seam between `jobfeed build` and its speed machinery.

`publish.build.build` asks an `Incremental` to load, to plan the rendering and to write; behind it
are the load cache, the render cache, the reuse of the previous feeds' entries (`splice`), the
process pool and the memory trims. None of it changes a byte of output: a build without a cache, in
one process, writes the same files (tests/test_cache.py, test_splice.py, test_parallel.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from jobfeed._incremental.loading import load_all
from jobfeed._incremental.parallel import Pool, Progress, give_back_memory
from jobfeed._incremental.rendercache import RenderCache
from jobfeed._incremental.rendering import render_all
from jobfeed._incremental.settled import Replay, Settled
from jobfeed._incremental.splice import Entries, Offsets, Splice, Stamps, keys_of
from jobfeed._incremental.written import Written
from jobfeed.config import Config, config_key
from jobfeed.core.claims import Claims
from jobfeed.core.identity import entry_id
from jobfeed.core.lifecycle import Catalog
from jobfeed.core.markup import Rendered
from jobfeed.core.postings import Loaded
from jobfeed.output import Content, Stamp, stamp_of, write_tree

if TYPE_CHECKING:
    from jobfeed._incremental.pagecache import PageCache
    from jobfeed._incremental.pagework import PageSpec, StagedPage
    from jobfeed.publish.site import PageMaker


@dataclasses.dataclass
class Plan:
    """What the writers get: the renderings they need, and the feed entries already made (in the
    processes that rendered them, or reused as the previous build wrote them)."""

    rendered: dict[str, Rendered]  # role id -> its rendering
    entries: Entries  # entry id -> its bytes in atom.xml, rss.xml and feed.json
    #: entry id -> its entry key, for the feeds index; filled in while planning
    keys: dict[str, str] = dataclasses.field(default_factory=dict)
    #: feed -> entry id -> where its bytes are in that feed; filled in by the writers
    offsets: Offsets = dataclasses.field(default_factory=dict)

    def take(self) -> tuple[dict[str, Rendered], Entries]:
        """The renderings and the entries, for the writers, which consume them: the plan keeps
        none, so that they are freed as the feeds are made (400 MB of entries at 100,000)."""
        rendered, entries = self.rendered, self.entries
        self.rendered, self.entries = {}, {}
        return rendered, entries


class Incremental:
    """Loading, rendering and writing for one build, through the caches in `cache` (None: no
    cache) and over `jobs` processes (default: every core); `progress` shows bars on stderr."""

    def __init__(
        self,
        config: Config,
        out: Path,
        cache: Path | None,
        *,
        jobs: int | None = None,
        progress: bool = False,
    ) -> None:
        self.config, self.out, self.cache = config, out, cache
        self.pool = Pool(jobs)
        self.bars = Progress(progress)
        self.splice: Splice | None = None
        #: what the last build wrote, read once `write` or `pages` needs it
        self.written: Written | None = None
        #: the stamps of the files `write` left in the output folder
        self.stamps: dict[str, Stamp] = {}
        self.settled: Settled | None = None
        #: the pages the render jobs made and staged (`pagework.py`), and what they were made for
        self.staged: dict[str, StagedPage] = {}
        self.spec: PageSpec | None = None

    def __enter__(self) -> Incremental:
        self.pool.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.pool.__exit__(kind, error, trace)

    def replay(self, postes: Path, now: dt.datetime, strict: bool) -> Replay | None:
        """What the last build reported, when its inputs are this build's and `now` is within the
        span over which they give the same output (`settled.py`): then nothing is to be done.
        Else None, and the record is forgotten until this build has written its files."""
        if self.cache is None:
            return None
        self.settled = Settled(self.cache, postes, self.out, self.config)
        found = self.settled.replay(now, strict)
        if found is None:
            self.settled.forget()
        return found

    def remember(
        self,
        span: tuple[dt.datetime | None, dt.datetime | None],
        loaded: Loaded,
        manifest: Path,
        replay: Replay,
    ) -> None:
        """Record this build for the next one (`settled.py`): its files, as `write` left them, and
        the `manifest` written after them."""
        if self.settled is None or self.written is None:
            return
        outputs = dict(self.stamps)
        digests = {relative: record[4] for relative, record in self.written.records.items()}
        try:
            outputs[manifest.name] = stamp_of(os.lstat(manifest))
            digests[manifest.name] = hashlib.sha256(manifest.read_bytes()).hexdigest()
        except OSError:
            return
        if set(replay.files) - set(outputs):
            return  # a file whose stamp is not known: nothing to stand for it
        self.settled.remember(span, loaded.postings, outputs, digests, replay)

    @staticmethod
    def load_only(
        postes: str | Path, config: Config, *, claims: Claims | None = None, progress: bool = False
    ) -> Loaded:
        """The postings of `postes`, through the load cache (`[build] cache`) and the pool, for a
        command that renders and writes nothing (`check`)."""
        with Pool() as pool:
            return load_all(postes, config, config.cache or None, pool, Progress(progress), claims)

    def load(self, postes: str | Path, claims: Claims | None = None) -> Loaded:
        """The postings of `postes`; the previous feeds start being checked, in a thread, while the
        caller classifies them (no process is started before `plan`)."""
        loaded = load_all(postes, self.config, self.cache, self.pool, self.bars, claims)
        if self.cache is not None:
            self.splice = Splice(self.cache, self.out)
            self.splice.check_files()
        return loaded

    def plan(self, catalog: Catalog) -> Plan:
        """Render what must be rendered: every published role but those whose feed entries are
        reused (unless pages show them), from the render cache or over the pool."""
        config, splice = self.config, self.splice
        give_back_memory(len(catalog.roles))  # what loading left: ~1 GB of results at 100,000
        # without an index (a first build) nothing is reused: the entries are keyed where written
        keys = keys_of(catalog.open, config) if splice and splice.records else {}
        reused = splice.reuse(keys) if splice else {}
        ids = {role.id: entry_id(role.posting, config) for role in catalog.open}
        # the roles whose entries are reused need no rendering, unless pages show them
        skip = set() if config.pages.enabled else {r for r, e in ids.items() if e in reused}
        entries: Entries = {}
        stamps: Stamps = {}
        self.spec = self._page_spec(catalog)
        rendered = render_all(
            catalog,
            config,
            RenderCache(self.cache, lazy=True) if self.cache is not None else None,
            self.pool,
            self.bars,
            reused=skip,
            entries=entries,
            stamps=stamps if splice else None,
            pages=self.spec,
            staged=self.staged,
        )
        if splice:
            for entry, (key, digests) in stamps.items():
                keys[entry] = key
                splice.known(entry, digests)
            keys.update(keys_of([role for role in catalog.open if ids[role.id] not in keys], config))
        entries.update(reused)
        del reused, stamps
        if not config.pages.enabled:  # ~190 MB of renderings at 100,000 postings: keep what is used
            rendered = {k: v for k, v in rendered.items() if ids.get(k) not in entries}
        # what receiving the renderings left (pickles, pipes' buffers) before the peak
        give_back_memory(len(catalog.roles))
        return Plan(rendered, entries, keys)

    def _written(self) -> Written | None:
        if self.written is None and self.cache is not None:
            self.written = Written(self.cache, self.out)
        return self.written

    def keeper(self, plan: Plan) -> PageCache | None:
        """What keeps the pages, facet feeds, calendar and index whose inputs did not change
        (`pagecache.py`), or None (no cache: every file made)."""
        written = self._written()
        if written is None:
            return None
        from jobfeed._incremental.pagecache import PageCache  # imports the page templates' module

        return PageCache(written, self.out, self.config, plan.keys)

    def _page_spec(self, catalog: Catalog) -> PageSpec | None:
        """What the render jobs need to make the roles' pages and stage them (`pagework.py`):
        only when every page must be made (no record of the last build's pages keeps any)."""
        config = self.config
        if not (config.pages.enabled and config.pages.wants("postings")):
            return None
        written = self._written()
        if written is not None and written.records:
            return None  # pagecache.py keeps the unchanged pages; the others are made here
        from jobfeed._incremental.pagework import PageSpec
        from jobfeed.core.humandates import language_of
        from jobfeed.publish.site import INDEX

        index = INDEX if config.pages.wants("index") else ""
        configured = config_key(config) if written is not None else ""
        token = secrets.token_hex(8)
        return PageSpec(str(self.out), catalog.now, language_of(config.language), index, configured, token)

    def pages(self, keep: PageCache | None) -> PageMaker | None:
        """What makes the roles' pages: the pages the render jobs staged (`pagework.py`), and
        `keep`'s, which keeps every page whose inputs did not change (`pagecache.py`), or None (no
        cache) for `publish.pages.posting_html` itself."""
        inner = keep.make if keep is not None else None
        if self.spec is None:
            return inner
        from jobfeed._incremental.pagework import StagedPages

        return StagedPages(self.spec, self.staged, self.config, self._written(), inner).make

    def discard(self) -> None:
        """Remove the spools of the pages the render jobs staged, once written or when the build
        stops (`pagework.remove_pages`); safe to call more than once."""
        if self.staged:
            from jobfeed._incremental.pagework import remove_pages

            remove_pages(self.staged.values())
            self.staged = {}

    def write(self, files: Mapping[str, Content], plan: Plan) -> tuple[list[str], list[str]]:
        """Write `files` to the output folder (only those whose bytes changed), and record where
        each entry is in the feeds for the next build. Gives (written, unchanged)."""
        if self.splice:
            self.splice.digest_files(files)  # hashed in a thread while they are written
        record = self._written()
        stamps = self.stamps
        if record is not None:
            record.prepare(files)
            if self.splice:  # the feeds are hashed once, in the splice's thread
                record.shared = self.splice.digest
        known = record.known if record is not None else None
        written, unchanged = write_tree(self.out, files, known=known, stamps=stamps)
        if record is not None:
            record.save(files, stamps)
        if self.splice:
            self.splice.save(files, plan.offsets, plan.keys)
        return written, unchanged
