"""Coverage-guided fuzzing of the posting loader with atheris. Run by hand:

    pip install atheris && python fuzz/fuzz_loader.py -max_total_time=300 fuzz/corpus

The loader must never raise on any bytes: every file is either a Posting or Problems.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from jobfeed import Config
    from jobfeed.postings import load_posting

CONFIG = Config()
FOLDER = Path(tempfile.mkdtemp(prefix="jobfeed-fuzz-"))
TARGET = FOLDER / "poste.md"


def test_one_input(data: bytes) -> None:
    TARGET.write_bytes(data)
    posting, problems = load_posting(TARGET, CONFIG, root=FOLDER)
    assert (posting is None) == any(p.is_error for p in problems)
    for problem in problems:
        assert problem.line >= 1 and problem.message


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
