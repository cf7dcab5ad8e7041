"""A small postes/ folder with a role in every state at NOW, for the role-management CLI tests."""

from __future__ import annotations

from pathlib import Path

NOW = "2024-03-01T09:00:00+01:00"

POSTINGS = {
    "2024-01-15-developpeur-fullstack.md": (
        "---\nrole: Développeur·euse fullstack\nequipe: Aides-territoires\ncontact: dev@example.org\n"
        "contrat: CDD\nposte_ouvert: 2024-01-15\nposte_ferme: 2024-03-05\nstatus: open\n"
        "poste_pourvu: false\n---\n\nAides-territoires recrute **un·e développeur·euse**.\n\n"
        "<!--more-->\n\n## Missions\n- maintenir [l'API](/api)\n"
    ),
    "2024-02-01-chargee-de-mission.md": (
        "---\nrole: Chargé·e de mission\nequipe: France Services\ncontact: fs@example.org\n"
        "contrat: CDI\nposte_ouvert: 2024-02-01\nposte_ferme: 2024-04-29T22:00:00.000Z\n"
        "status: open\nposte_pourvu: false\n---\n\nDéployer l'outil dans trois régions.\n"
    ),
    "2024-02-10-charge-deploiement.md": (
        "---\nrole: Chargé.e de déploiement\nequipe: Incubateur des Territoires\n"
        "contrat: indépendant\nposte_ouvert: 2024-02-10\nstatus: open\n---\n\nAccompagner des projets.\n"
    ),
    "2023-06-01-designer-ux.md": (
        "---\nrole: Designer UX\nequipe: Mon Espace Collectivité\ncontrat: CDD\nposte_ouvert: 2023-06-01\n"
        "poste_ferme: 2023-07-15\nstatus: open\nposte_pourvu: true\n---\n\nPourvu.\n"
    ),
    "2023-01-10-product-owner.md": (
        "---\nrole: Product owner\nequipe: Signaux Faibles\ncontrat: indépendant\nposte_ouvert: 2023-01-10\n"
        "status: closed\nposte_pourvu: false\n---\n\nArrêté.\n"
    ),
    "2023-09-01-stage-data.md": (
        "---\nrole: Stagiaire data\nequipe: Incubateur des Territoires\ncontrat: stage\n"
        "poste_ouvert: 2023-09-01\nposte_ferme: 2023-10-01\nstatus: open\nposte_pourvu: false\n---\n\nStage.\n"
    ),
    "2024-05-01-coach-produit.md": (
        "---\nrole: Coach produit\nequipe: Incubateur des Territoires\ncontrat: indépendant\n"
        "poste_ouvert: 2024-05-01\nposte_ferme: 2024-06-30\nstatus: open\nposte_pourvu: false\n---\n\n"
        "Accompagner cinq équipes.\n"
    ),
}

CONFIG = """[site]
title = "Offres"
url = "https://example.org/jobs/"
id_authority = "example.org,2024"
"""


def make_site(root: Path) -> Path:
    """Write jobfeed.toml and postes/ under `root`; returns the postes folder."""
    (root / "jobfeed.toml").write_text(CONFIG, encoding="utf-8")
    postes = root / "postes"
    postes.mkdir()
    for name, text in POSTINGS.items():
        (postes / name).write_text(text, encoding="utf-8")
    return postes
