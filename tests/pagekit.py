"""Shared helpers of the pages tests: real posting files, loaded and classified as `jobfeed build` does."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from jobfeed.config import Config, config_from_dict
from jobfeed.core.lifecycle import Catalog, classify
from jobfeed.core.postings import load_postings

NOW = dt.datetime.fromisoformat("2024-03-01T10:00:00+01:00")

SITE = {
    "site": {
        "title": "Offres de l'équipe",
        "description": "Nos postes ouverts",
        "url": "https://jobs.example.org/",
        "id_authority": "example.org,2024",
    },
    "pages": {
        "form_url": "https://forms.example.org/apply?role={role}&id={id}",
        "organization": {
            "name": "Agence Exemple",
            "url": "https://example.org/",
            "logo": "https://example.org/logo.png",
        },
        "location": {
            "street_address": "20 avenue de Ségur",
            "locality": "Paris",
            "postal_code": "75007",
            "country": "fr",
        },
    },
}

POSTINGS = {
    "dev.md": """---
role: Développeur·euse fullstack
equipe: Aides-Territoires
contrat: CDD
contact: jobs@example.org
poste_ouvert: 2024-01-10
poste_ferme: 2024-03-15
airtable_formulaire: true
---
Nous cherchons **un·e développeur·euse**.

<!--more-->

## Missions
- coder
""",
    "stage.md": """---
role: Stagiaire data
equipe: Incubateur des Territoires
contrat: stage
contact: stages@example.org
poste_ouvert: 2024-02-01
poste_ferme: 2024-03-05T18:00:00+01:00
---
Un stage de six mois.
""",
    "freelance.md": """---
role: Coach produit
equipe: Incubateur des Territoires
contrat: indépendant/freelance
contact: coach@example.org
poste_ouvert: 2024-02-15
---
Accompagner les équipes.
""",
    "filled.md": """---
role: Designer UX
equipe: Mon Espace Collectivité
contrat: CDI
contact: design@example.org
poste_ouvert: 2023-12-01
poste_ferme: 2024-04-30
poste_pourvu: true
---
Pourvu.
""",
    "expired.md": """---
role: Chef·fe de projet
equipe: Aides-Territoires
contrat: CDD
contact: projets@example.org
poste_ouvert: 2023-11-01
poste_ferme: 2024-01-31T23:00:00.000Z
---
Clos.
""",
    "later.md": """---
role: Rôle futur
equipe: Équipe secrète
contrat: stage
contact: secret@example.org
poste_ouvert: 2030-01-06
---
Pas encore.
""",
}

OPEN_IDS = {"dev", "stage", "freelance"}


def write_postings(folder: Path, postings: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (POSTINGS if postings is None else postings).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def site_config(**sections: Any) -> Config:
    raw: dict[str, Any] = {key: dict(value) for key, value in SITE.items()}
    for section, values in sections.items():
        raw[section] = {**raw.get(section, {}), **values}
    return config_from_dict(raw)


def catalog_of(folder: Path, config: Config, now: dt.datetime = NOW) -> Catalog:
    loaded = load_postings(folder, config)
    assert not loaded.errors, loaded.problems
    return classify(loaded.postings, now)


class Scan(HTMLParser):
    """Everything in an HTML document that could run: scripts, event handlers, script URLs, frames."""

    DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[str] = []  # type attribute of each <script>
        self.handlers: list[str] = []
        self.urls: list[str] = []
        self.frames: list[str] = []
        self._in_script = False
        self.script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self.scripts.append(values.get("type") or "")
            self._in_script = True
            self.script_text.append("")
        if tag in ("iframe", "object", "embed", "frame", "base", "form", "svg", "math"):
            self.frames.append(tag)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.handlers.append(f"{tag} {name}={value}")
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href", "srcdoc"):
                compact = "".join((value or "").split()).lower()
                if compact.startswith(self.DANGEROUS_SCHEMES):
                    self.urls.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text[-1] += data


def scan(html: str) -> Scan:
    s = Scan()
    s.feed(html)
    s.close()
    return s
