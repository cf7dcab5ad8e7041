from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from jobfeed import Catalog, Config, config_from_dict
from jobfeed.publish.build import site_files
from skips import pytest_runtest_makereport as pytest_runtest_makereport  # the hook, registered here

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
PARIS = dt.timezone(dt.timedelta(hours=1))
NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def posting(role: str = "Développeur·euse", body: str = "Texte du poste.\n", **fields: str) -> str:
    """The text of a posting file with `role` and the given front-matter lines, in order."""
    lines = [f"role: {role}"] if role else []
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body


@pytest.fixture
def config() -> Config:
    return config_from_dict(
        {
            "site": {
                "title": "Offres de test",
                "url": "https://jobs.example.org/",
                "id_authority": "jobs.example.org,2024",
                "author": "Équipe de test",
            }
        }
    )


@pytest.fixture
def postes(tmp_path: Path) -> Path:
    folder = tmp_path / "postes"
    folder.mkdir()
    return folder


def feed_files(catalog: Catalog, config: Config) -> dict[str, bytes]:
    """Relative path -> bytes of every file `build` writes for `catalog`, made in this process."""
    return {path: bytes(data) for path, data in site_files(catalog, config)[0].items()}


@pytest.fixture(autouse=True)
def _fresh_caches_under_mutmut() -> None:
    """Under mutation testing (mutmut sets MUTANT_UNDER_TEST in the process that tests a mutant), the
    process caches were filled by the unmutated code before the fork: empty them, so that the mutant's
    code builds what the test uses (the sanitizer, joined links, dates)."""
    if not os.environ.get("MUTANT_UNDER_TEST"):
        return
    from jobfeed.core import dates, markup

    for cached in (markup._sanitizer, markup._join_with_netloc, markup._scheme_of, markup._join_in_folder):
        cached.cache_clear()
    dates._moment_of.cache_clear()
