"""resolve.py: a role by id, file name, path or unique prefix; candidates listed otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobfeed.author.resolve import resolve
from jobfeed.config import Config
from jobfeed.errors import RoleNotFound
from roles_folder import make_site


@pytest.fixture
def postes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    make_site(tmp_path)
    return Path("postes")


@pytest.mark.parametrize(
    "query",
    [
        "2024-02-01-chargee-de-mission",  # id
        "2024-02-01-chargee-de-mission.md",  # file name
        "postes/2024-02-01-chargee-de-mission.md",  # path
        "chargee-de-mission",  # id without its date
        "chargee",  # unique prefix of that
        "2024-02-01",  # unique prefix of the id
        "CHARGEE",  # prefixes ignore case
        " chargee ",
    ],
)
def test_ways_to_name_a_role(postes: Path, query: str) -> None:
    assert resolve(query, Config(), postes).id == "2024-02-01-chargee-de-mission"


def test_an_explicit_id_and_a_path_outside_the_folder(postes: Path, tmp_path: Path) -> None:
    (postes / "2024-06-01-x.md").write_text("---\nrole: X\nid: dev-x\n---\n", encoding="utf-8")
    assert resolve("dev-x", Config(), postes).path == "postes/2024-06-01-x.md"
    other = tmp_path / "ailleurs.md"
    other.write_text("---\nrole: Ailleurs\n---\n", encoding="utf-8")
    assert resolve(str(other), Config(), postes).role == "Ailleurs"


def test_ambiguous_prefix_lists_the_candidates(postes: Path) -> None:
    with pytest.raises(RoleNotFound) as caught:
        resolve("charge", Config(), postes)
    assert str(caught.value) == (
        "'charge' matches 2 roles; give more of it:\n"
        "  2024-02-01-chargee-de-mission  postes/2024-02-01-chargee-de-mission.md\n"
        "  2024-02-10-charge-deploiement  postes/2024-02-10-charge-deploiement.md"
    )


def test_unknown_role_suggests_close_names(postes: Path) -> None:
    with pytest.raises(RoleNotFound) as caught:
        resolve("ux-designer", Config(), postes)
    assert str(caught.value) == (
        "no role 'ux-designer'; did you mean one of these?\n"
        "  2023-06-01-designer-ux  postes/2023-06-01-designer-ux.md"
    )
    with pytest.raises(RoleNotFound) as caught:  # a typo in the middle of the name
        resolve("2024-02-10-charge-deploiment", Config(), postes)
    assert str(caught.value) == (
        "no role '2024-02-10-charge-deploiment'; did you mean one of these?\n"
        "  2024-02-10-charge-deploiement  postes/2024-02-10-charge-deploiement.md"
    )


def test_unknown_role_with_nothing_close_lists_every_role(postes: Path) -> None:
    with pytest.raises(RoleNotFound) as caught:
        resolve("zzz", Config(), postes)
    assert str(caught.value).splitlines() == [
        "no role 'zzz'; the roles are:",
        "  2023-01-10-product-owner          postes/2023-01-10-product-owner.md",
        "  2023-06-01-designer-ux            postes/2023-06-01-designer-ux.md",
        "  2023-09-01-stage-data             postes/2023-09-01-stage-data.md",
        "  2024-01-15-developpeur-fullstack  postes/2024-01-15-developpeur-fullstack.md",
        "  2024-02-01-chargee-de-mission     postes/2024-02-01-chargee-de-mission.md",
        "  2024-02-10-charge-deploiement     postes/2024-02-10-charge-deploiement.md",
        "  2024-05-01-coach-produit          postes/2024-05-01-coach-produit.md",
    ]


def test_long_candidate_lists_are_cut(postes: Path) -> None:
    for i in range(12):
        (postes / f"2025-01-{i + 10}-dev.md").write_text(f"---\nrole: Dev {i}\n---\n", encoding="utf-8")
    with pytest.raises(RoleNotFound) as caught:
        resolve("2025", Config(), postes)
    lines = str(caught.value).splitlines()
    assert lines[0] == "'2025' matches 12 roles; give more of it:"
    assert len(lines) == 12
    assert lines[-1] == "  … and 2 more (see `jobfeed list --all`)"


def test_a_broken_file_is_named_with_its_problems(postes: Path) -> None:
    (postes / "casse.md").write_text("---\nrole: Dev\nposte_ferme: 2024-02-T10\n---\n", encoding="utf-8")
    expected = (
        "is not a valid posting; fix it first (`jobfeed check`):\n"
        "  postes/casse.md:3: error: invalid date '2024-02-T10' for poste_ferme, expected YYYY-MM-DD "
        "or an ISO 8601 date-time such as 2022-02-22T23:00:00Z"
    )
    for query in ("casse", "casse.md", "postes/casse.md"):
        with pytest.raises(RoleNotFound) as caught:
            resolve(query, Config(), postes)
        assert str(caught.value) == "postes/casse.md " + expected


def test_empty_name_and_empty_folder(postes: Path) -> None:
    with pytest.raises(RoleNotFound, match="give the role's id, file name or path"):
        resolve("  ", Config(), postes)
    for path in postes.iterdir():
        path.unlink()
    with pytest.raises(RoleNotFound) as caught:
        resolve("dev", Config(), postes)
    assert str(caught.value) == "no role 'dev': there are no valid postings in the folder"
