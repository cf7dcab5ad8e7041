"""Spreading loading and rendering over the machine's cores, only where it pays.

A process pool costs about 0.1 s to start and pickles every posting it sends and receives, so
below `PARALLEL_MIN` items (measured with bench/run.py) the work runs in this process. Results
come back in input order, so a parallel build writes the same bytes as a serial one.

`jobs` counts this process. For up to `HELP_MAX` items, with two cores, one worker process takes
chunks of the items from the front while this process works through chunks from the back, until
they meet: it would otherwise sit mostly idle, waiting for results, and what it does itself is
neither pickled nor sent through a pipe (at 10,000 postings, ~0.4 s of this process's time per
phase went to receiving results while two workers competed with it for the two cores). Beyond
that, `jobs` workers do all the work: this process then holds the loaded postings of a big folder
(1.5 GB at 100,000), and rendered at half the speed of a fresh worker process, with a higher peak.
The first parallel `map` decides, for the life of the pool.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:  # imported where a pool starts: ~15 ms that a rebuild of a few files does not need
    import concurrent.futures

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this run serially. A pool costs ~15% more CPU (fork, pickling postings both
#: ways); at 250 to 2,000 postings the serial and parallel builds measured within noise of each
#: other on the shared 2-core machine of bench/README.md, so the pool starts where the work it
#: splits (loading and rendering ~0.3 s per 1,000 postings) clearly outweighs it.
PARALLEL_MIN = 1000
#: Below this many items no progress bar is shown: the build is over before it would be read.
PROGRESS_MIN = 2000


@functools.cache
def _malloc_trim() -> Any:
    """glibc's malloc_trim, or None on another C library."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # pragma: no cover - not glibc (TypeError: Windows)
        return None


def give_back_memory(postings: int) -> None:
    """Return the free pages of the C heap to the system (glibc's malloc_trim), for a build of
    `postings` postings that is big enough for it to matter (`TRIM_MIN`).

    The feeds' entries are thousands of 5 KB strings, freed once a feed is made; glibc keeps the
    pages they leave between live objects, so without this the process keeps their size on top of
    the next feed (~400 MB at 100,000 postings). A no-op elsewhere."""
    trim = _malloc_trim()
    if trim is not None and postings >= TRIM_MIN:
        trim(0)


#: From this many postings a build gives its free memory back between phases: below, the peak
#: stays far under its limit (~230 MiB at 10,000 postings) and each trim cost 10 to 15 ms.
TRIM_MIN = 20_000


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class Progress:
    """A progress bar on stderr when it is a terminal and the work is long; silent otherwise."""

    def __init__(self, enabled: bool, stream: Any = None, minimum: int | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.minimum = PROGRESS_MIN if minimum is None else minimum
        self.enabled = enabled and bool(getattr(self.stream, "isatty", lambda: False)())

    @contextlib.contextmanager
    def bar(self, total: int, label: str) -> Iterator[Callable[[int], None]]:
        if not self.enabled or total < self.minimum:
            yield lambda n: None
            return
        with click.progressbar(length=total, label=label, file=self.stream) as bar:
            yield bar.update


class Pool:
    """A lazily started process pool; `map` runs serially when the pool would not pay."""

    def __init__(self, jobs: int | None = None, minimum: int | None = None) -> None:
        self.jobs = default_jobs() if jobs is None or jobs < 1 else jobs
        self.minimum = PARALLEL_MIN if minimum is None else minimum
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None
        self.helping = False  # whether this process takes chunks too (decided with the executor)

    def __enter__(self) -> Pool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _pool(self, count: int) -> concurrent.futures.ProcessPoolExecutor:
        if self._executor is None:
            self.helping = count <= HELP_MAX
            # fork starts a worker in milliseconds with jobfeed already imported; jobfeed's only
            # threads (output.write_tree's fsyncs) end before it returns, so forking is safe.
            # Elsewhere the platform's default is used.
            import concurrent.futures
            import multiprocessing

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._executor = concurrent.futures.ProcessPoolExecutor(
                self.jobs - self.helping, mp_context=context, initializer=_started
            )
        return self._executor

    def parallel(self, count: int) -> bool:
        return self.jobs > 1 and count >= self.minimum

    def map(
        self,
        func: Callable[[T], R],
        items: Sequence[T],
        update: Callable[[int], None] | None = None,
        wire: Wire[R] | None = None,
    ) -> list[R]:
        """`[func(i) for i in items]`, in order, across processes when it pays. `wire`: (pack,
        unpack), a cheaper form for the results that a worker process sends back: `unpack(pack(r))`
        must equal `r`; this process's own results are used as they are."""
        step = update or (lambda n: None)
        if not self.parallel(len(items)):
            results = []
            for item in items:
                results.append(func(item))
                step(1)
            return results
        size = max(1, min(CHUNK_MAX, len(items) // (self.jobs * 16)))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        done: list[list[R] | None] = [None] * len(chunks)
        executor = self._pool(len(items))
        # Chunks queued so that no worker waits. This process tops the queue up between its own
        # chunks, so two per worker do: what is queued when the last chunk is handed out is
        # left to the workers while this process waits (with four, ~0.2 s of a cold build of
        # 10,000 postings with one core idle).
        ahead = (2 if self.helping else 4) * (self.jobs - self.helping)
        pack, unpack = wire or (None, None)
        from concurrent.futures import as_completed

        pending: dict[concurrent.futures.Future[list[R]], int] = {}
        front, back = 0, len(chunks)  # the workers take chunks from the front, this process from the back

        def collect(futures: Iterable[concurrent.futures.Future[list[R]]]) -> None:
            for future in futures:
                index = pending.pop(future)
                done[index] = future.result() if unpack is None else [unpack(r) for r in future.result()]
                step(len(chunks[index]))

        try:
            while front < back:
                while front < back and len(pending) < ahead:
                    pending[executor.submit(_run_chunk, func, chunks[front], pack)] = front
                    front += 1
                if front < back and self.helping:
                    back -= 1
                    done[back] = _run_chunk(func, chunks[back])
                    step(len(chunks[back]))
                if self.helping:
                    collect([future for future in pending if future.done()])
                else:  # only waits: for the first result, then queues more
                    collect([next(as_completed(list(pending)))])
            collect(list(as_completed(list(pending))))
        finally:
            for future in pending:  # an error: what is still queued is not run
                future.cancel()
        return [result for chunk in done if chunk is not None for result in chunk]


#: Up to this many items, this process works too (see the module's docstring): measured with
#: bench/run.py, it paid at 10,000 postings and cost at 100,000.
HELP_MAX = 20_000
#: Items per chunk at most: small enough that the processes finish close together.
CHUNK_MAX = 100


_IN_WORKER = False


def _started() -> None:
    global _IN_WORKER
    _IN_WORKER = True


def in_worker() -> bool:
    """True in a worker process of a `Pool`, whose results make the trip back (`Wire`)."""
    return _IN_WORKER


#: (pack, unpack) of `Pool.map`'s results, for the trip from a worker process.
Wire = tuple[Callable[[R], Any], Callable[[Any], R]]


def _run_chunk(
    func: Callable[[T], R], chunk: Sequence[T], pack: Callable[[R], Any] | None = None
) -> list[Any]:
    if pack is None:
        return [func(item) for item in chunk]
    return [pack(func(item)) for item in chunk]
