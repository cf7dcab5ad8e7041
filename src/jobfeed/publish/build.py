"""`jobfeed build`: postings -> the files of the output folder.

load -> classify -> render -> write: `build` is that chain; what makes it fast (caches, reuse of the
previous feeds' entries, processes) is behind `_incremental.Incremental` and changes no byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from jobfeed._incremental.parallel import give_back_memory
from jobfeed._incremental.plan import Incremental
from jobfeed._incremental.settled import Replay
from jobfeed._incremental.splice import FEEDS, Entries, Offsets
from jobfeed.config import Config, config_problems
from jobfeed.core.claims import FILE_NAME as CLAIMS_FILE
from jobfeed.core.claims import Claims, file_name
from jobfeed.core.guard import is_mass_disappearance
from jobfeed.core.humandates import language_of
from jobfeed.core.identity import EPOCH, link_of
from jobfeed.core.lifecycle import Catalog, classify
from jobfeed.core.markup import Rendered, render
from jobfeed.core.postings import Loaded, postings_folder
from jobfeed.core.text import slug_of
from jobfeed.errors import GuardError, PostingError, Problem
from jobfeed.output import Content, read_claims, remove_files, write_atomic
from jobfeed.publish.facets import public_roles
from jobfeed.publish.feeds import FeedMeta, atom_and_rss_pieces, items_of, json_feed_pieces
from jobfeed.publish.manifest import MANIFEST, Manifest, Outcome, adopt, read_manifest, settle
from jobfeed.publish.stylesheet import STYLESHEET, feed_xsl, wanted

if TYPE_CHECKING:
    from jobfeed.publish.keeping import Keeper
    from jobfeed.publish.site import PageMaker


@dataclasses.dataclass
class BuildReport:
    now: dt.datetime
    counts: tuple[int, int, int]  # open, closed, scheduled
    problems: list[Problem]
    skipped: int
    written: list[str]
    unchanged: list[str]
    #: files the previous build wrote and this one no longer produces, removed
    removed: list[str] = dataclasses.field(default_factory=list)
    #: the roles at `now`; a build that had nothing to do (`replayed`) classifies them when asked
    classified: Callable[[], Catalog] = dataclasses.field(default=lambda: classify((), EPOCH), repr=False)
    #: True when the output folder already held this build's files, as the last build left them
    #: with the same inputs (`_incremental/settled.py`): nothing was read, made or written
    replayed: bool = False

    @functools.cached_property
    def catalog(self) -> Catalog:
        return self.classified()

    def as_dict(self) -> dict[str, object]:
        opened, closed, scheduled = self.counts
        return {
            "now": self.now.isoformat(),
            "open": opened,
            "closed": closed,
            "scheduled": scheduled,
            "skipped": self.skipped,
            "written": self.written,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "problems": [dataclasses.asdict(p) for p in sorted(self.problems)],
        }

    def summary(self) -> str:
        opened, closed, scheduled = self.counts
        parts = [f"{opened} open", f"{closed} closed"]
        if scheduled:
            parts.append(f"{scheduled} scheduled")
        parts.append(f"{self.skipped} skipped")
        files = f"; {len(self.written)} file(s) written, {len(self.unchanged)} unchanged"
        if self.removed:
            files += f", {len(self.removed)} removed"
        return ", ".join(parts) + files


def build(
    config: Config,
    now: dt.datetime,
    *,
    postes: str | Path | None = None,
    out: str | Path | None = None,
    strict: bool = False,
    cache: str | Path | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    progress: bool = False,
    force: bool = False,
) -> BuildReport:
    """Load, classify, render and write the feeds and pages. With `strict`, any error writes nothing.

    The output folder ends up holding exactly what the postings and `config` give: the files the
    previous build wrote (its manifest, `manifest.py`) and this one does not are removed, a removed
    role's page is left as a tombstone for `[pages] tombstone_days`, and no other file is touched.
    Nothing is written when the postings folder does not exist (FolderMissing), nor, unless
    `force`, when most of the roles the previous build published are gone at once (GuardError).

    Loaded and rendered postings, and where each entry is in the feeds written, are kept in the
    folder `cache` (default `[build] cache`) unless `use_cache` is False; big folders are loaded
    and rendered over `jobs` processes (default: every core); `progress` shows a bar on stderr
    when it is a terminal.
    """
    folder_of_postings = postings_folder(postes or config.postes)
    out = Path(out or config.out)
    folder = cache or config.cache  # `[build] cache = ""` turns it off
    with Incremental(
        config, out, Path(folder) if use_cache and folder else None, jobs=jobs, progress=progress
    ) as speed:
        replay = speed.replay(folder_of_postings, now, strict)
        if replay is not None:
            return replayed(replay, config, now, folder_of_postings, claims_of=lambda: read_claims(out))
        previous = recorded = read_manifest(out)
        claims = read_claims(out)  # who published each id and facet feed (`published.json`)
        loaded = speed.load(folder_of_postings, claims)
        if strict and loaded.errors:
            raise PostingError(loaded.problems)
        if previous is not None and not force:
            refuse_mass_disappearance(previous, loaded, out)
        if previous is None:  # a folder an older jobfeed built: its own files, by their mark
            previous = adopt(out)
        catalog = classify(loaded.postings, now)
        try:
            plan = speed.plan(catalog)
        except BaseException:
            speed.discard()  # the pages the render jobs staged
            raise
    try:
        pages: dict[str, str] = {}
        keep = speed.keeper(plan) if config.pages.enabled else None
        files, problems = site_files(
            catalog,
            config,
            *plan.take(),
            offsets=plan.offsets,
            claims=claims,
            held=loaded.held,
            pages=pages,
            make_page=speed.pages(keep) if config.pages.enabled else None,
            keep=keep,
        )
        if config.feeds.history:  # the history feeds read back their log (issue 18)
            from jobfeed.publish.history import history_files, read_log

            log, damaged = read_log(out)
            files.update(history_files(catalog, config, log))
            problems += damaged
        before = len(problems)
        outcome = settle_output(out, files, problems, catalog, config, loaded, pages, previous, recorded)
        written, unchanged = speed.write(files, plan)
    finally:
        speed.discard()  # staged pages not written: a build that failed, or pages it dropped
    removed = tidy_output(out, outcome, problems)
    found = loaded.problems + config_problems(config) + problems
    counts = (len(catalog.open), len(catalog.closed), len(catalog.scheduled))
    report = BuildReport(now, counts, found, skipped_files(loaded), written, unchanged, removed)
    report.catalog = catalog
    if len(problems) == before:  # none with the output folder itself (a foreign file, a removal)
        from jobfeed.publish.span import quiet_span

        files_made = sorted({*written, *unchanged})
        replay = Replay(counts, report.skipped, files_made, found)
        speed.remember(quiet_span(catalog, config, outcome.manifest), loaded, out / MANIFEST, replay)
    return report


def replayed(
    replay: Replay, config: Config, now: dt.datetime, postes: Path, claims_of: Callable[[], Claims]
) -> BuildReport:
    """The report of a build that had nothing to do: the last one's (its problems, the
    configuration's among them, are a function of the same inputs), at `now`; its catalog is
    classified only if asked for (by the API: the command line does not)."""

    def classified() -> Catalog:
        return classify(Incremental.load_only(postes, config, claims=claims_of()).postings, now)

    report = BuildReport(now, replay.counts, replay.problems, replay.skipped, [], list(replay.files))
    report.classified, report.replayed = classified, True
    return report


def settle_output(
    out: Path,
    files: dict[str, Content],
    problems: list[Problem],
    catalog: Catalog,
    config: Config,
    loaded: Loaded,
    pages: Mapping[str, str],
    previous: Manifest | None,
    recorded: Manifest | None,
) -> Outcome:
    """What the output folder must hold besides `files` (changed in place): no file jobfeed did
    not write is overwritten (a problem instead), a removed role's page becomes a tombstone for
    `[pages] tombstone_days`; the outcome says which files go and the manifest to record."""
    for path in foreign_files(out, files, recorded):  # never overwrite a file jobfeed did not write
        del files[path]
        problems.append(
            Problem(
                str(out / path),
                1,
                "error",
                "jobfeed did not write this file and leaves it as it is, but a role's page or a feed "
                "would go there (not written); move or rename the file, or give the posting another id",
            )
        )
    roles = {}  # every published role, with its page when this build writes one
    for role in public_roles(catalog):
        page = pages.get(role.id, "")
        roles[role.id] = page if page in files else ""
    today = catalog.now.astimezone(config.tz).date()
    days = config.pages.tombstone_days if config.pages.wants("postings") else 0
    outcome = settle(previous, files, roles, today, days, unreadable=unreadable_ids(loaded))
    if outcome.tombstones:
        from jobfeed.publish.pages import tombstone_html
        from jobfeed.publish.site import INDEX

        lang = language_of(config.language)
        index = INDEX if config.pages.wants("index") else ""
        for page in outcome.tombstones:
            files[page] = tombstone_html(config, page, lang, index)
    return outcome


def tidy_output(out: Path, outcome: Outcome, problems: list[Problem]) -> list[str]:
    """Remove the files the previous build wrote and this one no longer produces, and record the
    manifest; gives the files removed. One that cannot be removed is a warning, and stays listed
    so that the next build tries again."""
    removed, failed = remove_files(out, outcome.stale)
    manifest = outcome.manifest
    if failed:
        problems += [
            Problem(str(out / f), 1, "warning", f"cannot remove this file: {why}") for f, why in failed
        ]
        manifest = dataclasses.replace(
            manifest, files=tuple(sorted({*manifest.files, *(f for f, _ in failed)}))
        )
    write_atomic(out / MANIFEST, manifest.dumps())
    return removed


@dataclasses.dataclass
class CheckReport:
    problems: list[Problem]
    files: int  # posting files read

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def check(
    config: Config,
    now: dt.datetime,
    *,
    postes: str | Path | None = None,
    out: str | Path | None = None,
    progress: bool = False,
) -> CheckReport:
    """Every problem `build` would report at `now`, with the same text, without rendering or
    writing anything: the postings', the configuration's, and the site's (facet names, pages).
    `out`: the output folder of the last build, whose ids and team feeds no other posting may
    take (`published.json`)."""
    folder = postings_folder(postes or config.postes)
    claims = read_claims(out or config.out)
    loaded = Incremental.load_only(folder, config, claims=claims, progress=progress)
    catalog = classify(loaded.postings, now)
    problems = loaded.problems + config_problems(config)
    if config.pages.enabled:
        from jobfeed.publish.site import site_problems

        problems += site_problems(catalog, config, FEEDS, claims.facets)
    return CheckReport(problems, loaded.files)


def refuse_mass_disappearance(previous: Manifest, loaded: Loaded, out: Path) -> None:
    """GuardError when more than half of the roles the previous build published (and at least 5)
    have no posting any more: the same rule as notify's (`core.guard`)."""
    present = {p.id for p in loaded.postings}
    gone = [role for role in previous.roles if role not in present]
    if is_mass_disappearance(len(previous.roles), len(gone)):
        raise GuardError(
            f"{len(gone)} of the {len(previous.roles)} roles the previous build published in {out} have no "
            "posting any more (a wrong --postes, a bad merge?); nothing was written. Check the postings "
            "folder, or run again with --force if these roles were really removed"
        )


def foreign_files(out: Path, files: Mapping[str, object], recorded: Manifest | None) -> list[str]:
    """The paths of `files` where a file is that the build manifest `recorded` does not list: not
    jobfeed's. Without a manifest, what is there cannot be told apart, as before the manifest."""
    if recorded is None:
        return []
    listed = {*recorded.files, CLAIMS_FILE}  # published.json is jobfeed's own record, listed or not
    return sorted(p for p in files if p not in listed and os.path.lexists(out / p))


def unreadable_ids(loaded: Loaded) -> set[str]:
    """The ids the files that failed to load would most likely have (from their names)."""
    return {slug_of(Path(p.path).stem) for p in loaded.errors} - {p.id for p in loaded.postings}


def skipped_files(loaded: Loaded) -> int:
    return len({p.path for p in loaded.errors})


def render_published(catalog: Catalog, config: Config) -> dict[str, Rendered]:
    """Every role that is published (open roles, and ended ones when they keep a page) rendered,
    in this process and without a cache: what `Incremental.plan` gives, the slow way."""
    roles = public_roles(catalog) if config.pages.enabled else catalog.open
    return {role.id: render(role.posting, link_of(role.posting, config), config.markdown) for role in roles}


def site_files(
    catalog: Catalog,
    config: Config,
    rendered: dict[str, Rendered] | None = None,
    reused: Entries | None = None,
    offsets: Offsets | None = None,
    claims: Claims | None = None,
    held: dict[str, str] | None = None,
    pages: dict[str, str] | None = None,
    make_page: PageMaker | None = None,
    keep: Keeper | None = None,
) -> tuple[dict[str, Content], list[Problem]]:
    """Every file of the output folder (the three feeds as the pieces of their bytes, `Pieces`),
    and the problems found building them (facet names, page paths); `rendered` defaults to
    rendering the published roles. `reused`: entry id -> the bytes
    of its entries in the three feeds, used as they are (`splice.py`), and emptied: each feed's
    entries are freed once it is made. `offsets` is filled with where each entry is in those
    feeds, by entry id; `pages` with role id -> the path of its page. `claims`: what the last
    build published (its team and contract feeds keep their names); `held`: ids still held by files
    that did not load (`Loaded.held`); `make_page` makes the roles' pages (`site.PageMaker`), `keep`
    keeps the files of `[pages]` whose inputs did not change (`keeping.Keeper`). What this build publishes is recorded in `published.json`
    for the next one."""
    rendered = rendered if rendered is not None else render_published(catalog, config)
    reused = reused if reused is not None else {}
    items = items_of(catalog.open, rendered, config)
    fallback = max((r.posting.opened.at for r in catalog.roles if r.posting.opened), default=EPOCH)
    meta = FeedMeta(title=config.title, path="atom", feed_id=f"tag:{config.id_authority}:feed")
    entries = {role_id: (atom, rss) for role_id, (atom, rss, _) in reused.items()}
    texts = {role_id: text for role_id, (_, _, text) in reused.items()}
    reused.clear()
    spans = offsets if offsets is not None else {}
    for name in FEEDS:
        spans[name] = {}
    atom, rss = atom_and_rss_pieces(
        items,
        meta,
        config,
        fallback,
        entries=entries,
        offsets=(spans["atom.xml"], spans["rss.xml"]),
        consume=not config.pages.enabled,  # else the facet feeds take them again
    )
    give_back_memory(len(catalog.roles))
    feed = json_feed_pieces(items, config, texts=texts, offsets=spans["feed.json"])
    files: dict[str, Content] = {"atom.xml": atom, "rss.xml": rss, "feed.json": feed}
    if wanted(config):
        files[STYLESHEET] = feed_xsl(config)  # atom.xml and rss.xml name it
    ids = {**(held or {}), **{role.id: file_name(role.posting) for role in public_roles(catalog)}}
    if not config.pages.enabled:
        files[CLAIMS_FILE] = Claims(ids).to_json()
        return files, []
    from jobfeed.publish.site import (
        extra_files,  # pages, calendar and OPML: ~60 ms of imports, only when wanted
    )

    owners = claims.facets if claims else {}
    extras = extra_files(
        catalog,
        config,
        rendered,
        taken=files,
        entries=entries,
        facet_owners=owners,
        make_page=make_page,
        keep=keep,
    )
    files[CLAIMS_FILE] = Claims(ids, extras.facet_names).to_json()
    if pages is not None:
        pages.update(extras.pages)
    return {**files, **extras.files}, extras.problems
