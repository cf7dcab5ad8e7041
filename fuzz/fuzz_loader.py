"""Coverage-guided fuzzing of the posting loader with atheris. Run by hand:

    pip install atheris && python fuzz/fuzz_loader.py -max_total_time=300 fuzz/corpus

The loader must never raise on any bytes: every file is either a Posting or Problems, and the
fast path for flat front matter must give what PyYAML alone gives (`fast=False`).
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from jobfeed import Config
    from jobfeed.core.postings import Posting, load_posting

CONFIG = Config()
FOLDER = Path(tempfile.mkdtemp(prefix="jobfeed-fuzz-"))
TARGET = FOLDER / "poste.md"


def _fields(posting: Posting | None) -> str:
    """Every field, `extra` and `lines` included, by repr: `1` and `True` or two zones differ."""
    if posting is None:
        return ""
    return repr({f.name: getattr(posting, f.name) for f in dataclasses.fields(posting)})


def test_one_input(data: bytes) -> None:
    TARGET.write_bytes(data)
    posting, problems = load_posting(TARGET, CONFIG, root=FOLDER)
    assert (posting is None) == any(p.is_error for p in problems)
    for problem in problems:
        assert problem.line >= 1 and problem.message
    slow, slow_problems = load_posting(TARGET, CONFIG, root=FOLDER, fast=False)
    assert (_fields(posting), problems) == (_fields(slow), slow_problems), data
    if posting is not None and slow is not None:
        assert [type(v) for v in posting.extra.values()] == [type(v) for v in slow.extra.values()]


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
