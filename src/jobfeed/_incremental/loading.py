"""Loading a postings folder the fast way: through the load cache, over the process pool."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobfeed._incremental.loadcache import LoadCache
from jobfeed._incremental.parallel import Pool, Progress
from jobfeed.config import Config
from jobfeed.core.claims import Claims
from jobfeed.core.postings import Loaded, load_postings


def _count(folder: str | Path) -> int:
    """How many files a progress bar counts; 0 (no bar) when the folder cannot be read."""
    try:
        return sum(1 for _ in Path(folder).iterdir())
    except OSError:
        return 0


def load_all(
    postes: str | Path,
    config: Config,
    cache: str | Path | None = None,
    pool: Pool | None = None,
    progress: Progress | None = None,
    claims: Claims | None = None,
) -> Loaded:
    """`load_postings`, parsing only the files the load cache in folder `cache` has no entry for
    (every file when `cache` is None), over `pool`'s processes when there are many; `claims`:
    what the last build published (`load_postings`)."""
    pool = pool or Pool(1)
    progress = progress or Progress(False)
    with progress.bar(_count(postes) if progress.enabled else 0, "Loading") as update:
        mapper: Any = lambda load, files, wire=None: pool.map(load, files, update, wire)  # noqa: E731
        loads = LoadCache(cache, config) if cache is not None else None
        map_files = loads.mapper(mapper, update) if loads else mapper
        loaded = load_postings(postes, config, map_files=map_files, claims=claims)
        if loads:
            loads.save()
    return loaded
