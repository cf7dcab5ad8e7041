"""Deterministic synthetic postings for the benchmark: realistic sizes, teams, contracts and dates.

`generate(folder, n, now)` always writes the same files for the same arguments: every random draw
comes from one `random.Random` seeded with `seed`, and nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

TEAMS = [
    "Incubateur des Territoires",
    "Aides-territoires",
    "France Services",
    "Mon Espace Collectivité",
    "Territoires d'innovation",
    "Data.gouv.fr",
    "Démarches simplifiées",
    "API Particulier",
    "Mes Aides",
    "Signalement",
    "Pass Culture",
    "La Bonne Alternance",
    "Carbure",
    "Zéro Logement Vacant",
    "Lacommunauté",
    "Mon Suivi Justice",
    "DossierFacile",
    "Ma Cantine",
    "Ecolab",
    "Géocommuns",
    "Rdv-solidarités",
    "Potentiel",
    "Etalab",
    "Inclusion",
    "Agents en intervention",
    "Osmose",
    "Histologe",
    "Territoires en transition",
    "Communes.com",
    "Conseiller numérique",
]
CONTRACTS = ["indépendant", "indépendant/freelance", "CDD", "CDI", "stage", "alternance", "freelance"]
ROLES = [
    "Développeur·euse fullstack",
    "Chargé.e de déploiement",
    "Product owner",
    "Designer UX/UI",
    "Coach produit",
    "Data analyst",
    "Data engineer",
    "Intrapreneur·e",
    "Chargé·e de mission",
    "Responsable de la communication",
    "Développeur·euse front-end",
    "Ops / SRE",
    "Chargé·e d'accompagnement",
    "Business developer",
    "Juriste numérique",
    "Expert·e sécurité",
]
WORDS = [
    "accompagner",
    "collectivités",
    "territoires",
    "service",
    "public",
    "numérique",
    "impact",
    "usagers",
    "équipe",
    "produit",
    "déploiement",
    "design",
    "données",
    "ouvertes",
    "accessibilité",
    "performance",
    "projet",
    "agents",
    "élus",
    "habitants",
    "indicateurs",
    "mesure",
    "portefeuille",
    "incubateur",
    "startup",
    "d'État",
    "méthode",
    "agile",
    "itérations",
    "entretiens",
    "utilisateurs",
    "démonstration",
    "sprint",
    "financement",
    "partenaires",
    "pérennisation",
    "communauté",
    "documentation",
    "qualité",
    "code",
    "revue",
    "tests",
    "intégration",
    "continue",
    "hébergement",
    "sécurité",
    "confidentialité",
    "formulaire",
]
LINKS = [
    "https://beta.gouv.fr/",
    "/startups/aides-territoires.html",
    "https://incubateur.anct.gouv.fr/",
    "../equipe.html",
    "https://doc.incubateur.net/communaute/",
    "mailto:recrutement@example.gouv.fr",
]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 22))
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.2:
        i = rng.randrange(len(words))
        words[i] = f"[{words[i]}]({rng.choice(LINKS)})"
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _body(rng: random.Random, team: str, role: str, target: int) -> str:
    parts = [f"{team} recherche **un·e {role.lower()}**.", "", _paragraph(rng), "", "<!--more-->", ""]
    size = sum(len(p) for p in parts)
    sections = ["Missions", "Profil", "Qui sommes-nous ?", "Modalités", "Environnement technique"]
    i = 0
    while size < target:
        block = [f"## {sections[i % len(sections)]}", ""]
        if i % 2 == 0:
            block += [f"- {_sentence(rng)}" for _ in range(rng.randint(3, 7))]
        else:
            block += [_paragraph(rng)]
        block.append("")
        parts += block
        size += sum(len(b) + 1 for b in block)
        i += 1
    return "\n".join(parts)


def _date(rng: random.Random, day: dt.date) -> str:
    """The shapes real files use: a plain day, CMS local midnight as UTC, an exact date-time."""
    r = rng.random()
    if r < 0.6:
        return day.isoformat()
    if r < 0.9:
        return f"{(day - dt.timedelta(days=1)).isoformat()}T23:00:00.000Z"
    return f"{day.isoformat()}T{rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}:00.000Z"


def posting_text(rng: random.Random, now: dt.date, size: int = 4000) -> tuple[str, str]:
    """(file stem, file text) of one posting."""
    team = rng.choice(TEAMS)
    role = rng.choice(ROLES)
    opened = now + dt.timedelta(days=rng.randint(-400, 30))
    lines = [
        "---",
        f"role: {role}",
        f"equipe: {team}",
        f"contact: recrutement@{team.lower().replace(' ', '-').replace(chr(39), '')[:20]}.gouv.fr",
        f"contrat: {rng.choice(CONTRACTS)}",
        f"poste_ouvert: {_date(rng, opened)}",
    ]
    if rng.random() < 0.7:
        deadline = opened + dt.timedelta(days=rng.randint(20, 200))
        lines.append(f"poste_ferme: {_date(rng, deadline)}")
    lines.append(f"status: {'closed' if rng.random() < 0.1 else 'open'}")
    lines.append(f"poste_pourvu: {'true' if rng.random() < 0.1 else 'false'}")
    lines.append(f"airtable_formulaire: {'true' if rng.random() < 0.5 else 'false'}")
    lines += ["---", ""]
    text = "\n".join(lines) + _body(rng, team, role, size - 750) + "\n"
    return f"{opened.isoformat()}-{role.replace('/', '-')}", text


def generate(folder: Path, n: int, now: dt.date, seed: int = 6) -> list[Path]:
    """Write `n` postings into `folder` (created); returns their paths in order."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        stem, text = posting_text(rng, now)
        path = folder / f"{stem} {i:06d}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
