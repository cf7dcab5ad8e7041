"""`jobfeed init`: a team's repository set up for jobfeed, around the postings it may already have.

`render_files` is pure (answers in, each file's text out, from `templates/`); `init_site` is the
edge that writes them: never over an existing file, except the workflow with `force` (a new
release's workflow), and `.gitignore`, to which only the missing lines are added. A folder that
already holds postings keeps them and gets no example.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.resources
import json
import re
import urllib.parse
import zoneinfo
from pathlib import Path

from jobfeed._version import __version__
from jobfeed.author.new import yaml_scalar
from jobfeed.config import DEFAULT_STATE, load_config
from jobfeed.core.postings import SUFFIXES
from jobfeed.errors import OutputError, UsageError

#: The Action of jobfeed's releases, by its moving major tag (see README, "Releasing").
DEFAULT_ACTION = f"jobfeed/jobfeed@v{__version__.split('.')[0]}"
WORKFLOW = ".github/workflows/jobfeed.yml"
EXAMPLE = "exemple.md"
GITIGNORE = (".jobfeed-cache/", f"{Path(DEFAULT_STATE).parent}/*.lock")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_FOLDER = re.compile(r"^[\w][\w.-]*(/[\w][\w.-]*)*$")


@dataclasses.dataclass(frozen=True)
class SiteAnswers:
    """What `jobfeed init` asks; `year` dates the entries' id authority (never changed after)."""

    title: str
    url: str
    timezone: str
    language: str
    organisation: str
    locality: str
    country: str
    year: int
    description: str = ""
    street: str = ""
    postal_code: str = ""
    contact: str = ""
    postes: str = "postes"
    out: str = "feeds"
    branch: str = "main"
    action: str = DEFAULT_ACTION


@dataclasses.dataclass
class InitReport:
    folder: Path
    written: list[str] = dataclasses.field(default_factory=list)
    kept: list[str] = dataclasses.field(default_factory=list)
    postings: int = 0  # postings that were already there, kept as they are

    def summary(self) -> str:
        lines = [f"wrote {name}" for name in self.written]
        lines += [f"kept {name} (already there; --force rewrites only the workflow)" for name in self.kept]
        if self.postings:
            lines.append(f"kept the {self.postings} posting(s) already in the postings folder")
        return "\n".join(lines)


# --- the answers, one check each (the CLI asks again on a wrong one) ------------------------------


def check_title(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise UsageError("the site title is empty; write the board's name, e.g. \"Offres d'emploi\"")
    return value


def check_url(value: str) -> str:
    value = value.strip()
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise UsageError(
            f"the public URL {value!r} is not an http(s) address of a folder; write where the site "
            "will be served, e.g. https://my-org.github.io/jobs/"
        )
    return value if value.endswith("/") else value + "/"


def check_timezone(value: str) -> str:
    value = value.strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {value!r}; write an IANA name such as Europe/Paris or America/Montreal"
        ) from None
    return value


def check_language(value: str) -> str:
    value = value.strip()
    if not _LANGUAGE.match(value):
        raise UsageError(f"the language {value!r} is not a language code; write e.g. fr, en or fr-CA")
    return value


def check_country(value: str) -> str:
    value = value.strip().upper()
    if not _COUNTRY.match(value):
        raise UsageError(f"the country {value!r} is not a two-letter ISO 3166 code; write e.g. FR or BE")
    return value


def check_folder(value: str, what: str) -> str:
    value = value.strip().strip("/")
    if not _FOLDER.match(value) or ".." in value.split("/"):
        raise UsageError(
            f"the {what} folder {value!r} must be a relative path inside the repository, e.g. postes"
        )
    return value


def checked(answers: SiteAnswers) -> SiteAnswers:
    """`answers` with every value checked and normalized; the first wrong one is a UsageError."""
    if not answers.organisation.strip():
        raise UsageError("the organisation's name is empty; it is the author of the feeds")
    if not answers.locality.strip():
        raise UsageError("the location is empty; write the city where the roles are, e.g. Paris")
    return dataclasses.replace(
        answers,
        title=check_title(answers.title),
        url=check_url(answers.url),
        timezone=check_timezone(answers.timezone),
        language=check_language(answers.language),
        country=check_country(answers.country),
        organisation=" ".join(answers.organisation.split()),
        locality=" ".join(answers.locality.split()),
        postes=check_folder(answers.postes, "postings"),
        out=check_folder(answers.out, "output"),
    )


# --- the files ------------------------------------------------------------------------------------


def _template(name: str) -> str:
    return (importlib.resources.files("jobfeed.author") / "templates" / name).read_text(encoding="utf-8")


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    left = re.search(r"@@\w+@@", text)
    assert left is None, f"template placeholder {left.group()} has no value"
    return text


def _toml(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def render_config(answers: SiteAnswers) -> str:
    host = urllib.parse.urlsplit(answers.url).hostname or ""
    location = [("street_address", answers.street), ("locality", answers.locality)]
    location += [("postal_code", answers.postal_code), ("country", answers.country)]
    description = answers.description or f"Les postes ouverts — {answers.organisation}"
    return _fill(
        _template("jobfeed.toml"),
        {
            "title": _toml(answers.title),
            "description": _toml(" ".join(description.split())),
            "url": _toml(answers.url),
            "language": _toml(answers.language),
            "timezone": _toml(answers.timezone),
            "organisation": _toml(answers.organisation),
            "id_authority": _toml(f"{host},{answers.year}"),
            "postes": _toml(answers.postes),
            "out": _toml(answers.out),
            "location": "\n".join(f"{key} = {_toml(value)}" for key, value in location if value),
        },
    )


def render_workflow(answers: SiteAnswers) -> str:
    values = {
        "branch": answers.branch,
        "postes": answers.postes,
        "out": answers.out,
        "action": answers.action,
    }
    return _fill(_template("workflow.yml"), values)


def render_readme(answers: SiteAnswers) -> str:
    values = {
        "title_md": answers.title.replace("<", "&lt;"),
        "url": answers.url,
        "postes": answers.postes,
        "out": answers.out,
        "version_tag": f"v{__version__}",
    }
    return _fill(_template("README.md"), values)


def render_example(answers: SiteAnswers, today: dt.date) -> str:
    host = urllib.parse.urlsplit(answers.url).hostname or "example.org"
    values = {
        "organisation_yaml": yaml_scalar(answers.organisation),
        "contact_yaml": yaml_scalar(answers.contact or f"recrutement@{host}"),
        "today": today.isoformat(),
    }
    return _fill(_template("example.md"), values)


def _has_postings(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())


def init_site(folder: Path, answers: SiteAnswers, today: dt.date, *, force: bool = False) -> InitReport:
    """Write the files of a jobfeed site in `folder`; see the module docstring for what is kept."""
    answers = checked(answers)
    config_path = folder / "jobfeed.toml"
    if config_path.is_file():  # configure around it: the workflow uses its folders
        config = load_config(config_path)
        answers = dataclasses.replace(answers, postes=config.postes, out=config.out)
    report = InitReport(folder)
    postes = folder / answers.postes
    report.postings = _has_postings(postes)
    files = {"jobfeed.toml": render_config(answers), WORKFLOW: render_workflow(answers)}
    files["README.md"] = render_readme(answers)
    if not report.postings:
        files[f"{answers.postes}/{EXAMPLE}"] = render_example(answers, today)
    try:
        for name, text in files.items():
            _write(folder / name, name, text, force and name == WORKFLOW, report)
        _ignore(folder / ".gitignore", report)
    except (OSError, UnicodeDecodeError) as e:
        where = getattr(e, "filename", None) or folder
        done = ", ".join(report.written) or "nothing"
        raise OutputError(
            f"{where}: cannot write it ({getattr(e, 'strerror', None) or e}); written before: {done}; "
            "fix the cause and run 'jobfeed init' again, it keeps what is there"
        ) from e
    return report


def _write(path: Path, name: str, text: str, replace: bool, report: InitReport) -> None:
    if path.exists() and (not replace or path.read_text(encoding="utf-8") == text):
        report.kept.append(name)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    report.written.append(name)


def _ignore(path: Path, report: InitReport) -> None:
    """Add jobfeed's lines (its speed cache, the state's lock) to `.gitignore`, once."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    missing = [line for line in GITIGNORE if line not in text.splitlines()]
    if not missing:
        return
    prefix = "" if not text or text.endswith("\n") else "\n"
    path.write_text(text + prefix + "# jobfeed\n" + "\n".join(missing) + "\n", encoding="utf-8")
    report.written.append(".gitignore" if not text else ".gitignore (lines added)")
