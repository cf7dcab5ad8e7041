"""`jobfeed new`: a posting file with valid front matter and a body to fill in.

`posting_text` is pure (values in, the file's text out); `create_posting` is the edge that writes
the file, refusing to overwrite one that exists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import yaml
from slugify import slugify

from jobfeed.config import Config
from jobfeed.core.dates import Moment
from jobfeed.core.postings import load_postings, posting_files
from jobfeed.core.text import SLUG_MAX, slug_of
from jobfeed.errors import FolderMissing, JobfeedError, PostingExists, UsageError


@dataclasses.dataclass(frozen=True)
class NewRole:
    role: str
    team: str = ""
    contract: str = ""
    contact: str = ""
    opened: dt.date | None = None  # None: today in the site's time zone
    deadline: Moment | None = None


def yaml_scalar(text: str) -> str:
    """`text` as a YAML value: as it is when YAML reads it back unchanged, double-quoted otherwise."""
    if text and text == text.strip() and "\n" not in text:
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text}:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)


_BODY = {
    "fr": (
        "{who} : **{role}**{contract}.\n\n<!--more-->\n\n"
        "<!--\nDécrivez ici le poste en Markdown ; ce commentaire n'est pas publié. Par exemple :\n\n"
        "## Missions\n- …\n\n## Profil recherché\n- …\n\n## Conditions\n- …\n-->\n"
        "{apply}"
    ),
    "en": (
        "{who}: **{role}**{contract}.\n\n<!--more-->\n\n"
        "<!--\nDescribe the role here in Markdown; this comment is not published. For example:\n\n"
        "## Missions\n- …\n\n## Who we are looking for\n- …\n\n## Terms\n- …\n-->\n"
        "{apply}"
    ),
}
_WORDS = {
    "fr": {
        "team": "L'équipe {team} recrute",
        "nobody": "Nous recrutons",
        "apply": "\nPour candidater : {contact}\n",
    },
    "en": {
        "team": "The {team} team is hiring",
        "nobody": "We are hiring",
        "apply": "\nTo apply: {contact}\n",
    },
}


def posting_text(new: NewRole, config: Config, opened: dt.date) -> str:
    """The whole file: front matter with the keys this site uses (first of each `[fields]` list)."""
    key = {field: keys[0] for field, keys in config.fields.items() if keys}  # apply_url has no key by default
    status_key = key["status"]
    status = "true" if status_key.lower() in ("open", "ouvert", "published", "publié") else "open"
    front = [(key["role"], yaml_scalar(new.role))]
    for field, value in (("team", new.team), ("contact", new.contact), ("contract", new.contract)):
        if value:
            front.append((key[field], yaml_scalar(value)))
    front.append((key["opened"], opened.isoformat()))
    if new.deadline is not None:
        front.append((key["deadline"], new.deadline.isoformat()))
    front += [(status_key, status), (key["filled"], "false")]
    language = config.language if config.language in _BODY else "fr"
    words = _WORDS[language]
    body = _BODY[language].format(
        who=words["team"].format(team=new.team) if new.team else words["nobody"],
        role=new.role,
        contract=f" ({new.contract})" if new.contract else "",
        apply=words["apply"].format(contact=new.contact) if new.contact else "",
    )
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in front) + "---\n\n" + body


def file_name(new: NewRole, opened: dt.date, slug: str = "") -> str:
    slug = slugify(slug or new.role, max_length=SLUG_MAX - 11, word_boundary=True) or "poste"
    return f"{opened.isoformat()}-{slug}.md"


def postings_target(postes: str | Path | None, config: Config) -> tuple[Path, bool]:
    """The folder `new` writes into, and whether it is to be created. A missing folder is created only
    when someone named it (`--postes`, or a jobfeed.toml that was read); the default `./postes` is
    not, so that `new` run from the wrong place (inside `postes/` itself) writes nothing."""
    folder = Path(postes or config.postes)
    if folder.is_dir():
        return folder, False
    cwd = Path.cwd()
    if folder.exists():
        raise FolderMissing(f"the postings folder '{folder}' is not a folder (in {cwd}); give --postes")
    if postes is not None or config.path:
        return folder, True
    try:
        inside = cwd.name == folder.name or bool(posting_files(cwd))
    except OSError:
        inside = False
    hint = (
        f"this folder looks like a postings folder itself: run jobfeed from {cwd.parent}, or give --postes ."
        if inside
        else f"create it (mkdir {folder}), give the postings folder with --postes, or run jobfeed from "
        "the folder that holds it"
    )
    raise FolderMissing(
        f"the postings folder '{folder}' does not exist (in {cwd}); {hint}; nothing was written"
    )


def create_posting(
    new: NewRole, config: Config, now: dt.datetime, postes: str | Path | None = None, slug: str = ""
) -> Path:
    """Write `<postes>/<opened>-<slug>.md` and return its path; never overwrites a file."""
    folder, _ = postings_target(postes, config)
    if not new.role.strip():
        raise UsageError("the role's title is empty; give it with --role")
    opened = new.opened or now.astimezone(config.tz).date()
    if new.deadline is not None and new.deadline.day < opened:
        raise UsageError(
            f"the deadline {new.deadline.day} is before the opening day {opened}; give a later --deadline"
        )
    path = folder / file_name(new, opened, slug)
    posting_id = slug_of(path.stem)
    loaded = load_postings(folder, config) if folder.is_dir() else None
    if loaded is not None:
        same = [p for p in loaded.postings if p.id == posting_id]
        if same and not path.exists():
            raise PostingExists(f"{same[0].path} already has the id '{posting_id}'; choose another --slug")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(posting_text(new, config, opened))
    except FileExistsError:
        raise PostingExists(
            f"{path} already exists; nothing was written. Edit that file, or choose another --slug"
        ) from None
    except OSError as e:
        raise JobfeedError(f"cannot write {path}: {e.strerror or e}") from e
    return path
