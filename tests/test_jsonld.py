import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import posting
from jobfeed.core.identity import link_of
from jobfeed.core.markup import render
from jobfeed.publish.jsonld import employment_types, job_posting, script_json, valid_through
from pagekit import NOW, catalog_of, site_config, write_postings


@pytest.mark.parametrize(
    ("contract", "types"),
    [
        ("indépendant", ["CONTRACTOR"]),
        ("indépendant/freelance", ["CONTRACTOR"]),
        ("Freelance", ["CONTRACTOR"]),
        ("stage", ["INTERN"]),
        ("Stage de 6 mois", ["INTERN"]),
        ("CDD", ["FULL_TIME", "TEMPORARY"]),
        ("CDD 18 mois", ["FULL_TIME", "TEMPORARY"]),
        ("CDI", ["FULL_TIME"]),
        ("CDI à temps partiel", ["FULL_TIME", "PART_TIME"]),
        ("Alternance", ["INTERN"]),
        ("Service civique", ["VOLUNTEER"]),
        ("CDD ou CDI", ["FULL_TIME", "TEMPORARY"]),
        ("mission", ["OTHER"]),
        ("", ["OTHER"]),
    ],
)
def test_employment_type(contract: str, types: list[str]) -> None:
    assert employment_types(contract) == types


def test_job_posting_of_an_open_role(tmp_path: Path) -> None:
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "postes"), config)
    role = catalog.get("dev")
    assert role is not None and role.is_open
    rendered = render(role.posting, link_of(role.posting, config))
    data = job_posting(role, rendered, config, NOW)
    assert data["@type"] == "JobPosting"
    assert data["title"] == "Développeur·euse fullstack"
    assert "<strong>un·e développeur·euse</strong>" in data["description"]
    assert data["datePosted"] == "2024-01-10"
    # A day deadline runs to the end of that day in the site time zone.
    assert data["validThrough"] == "2024-03-15T23:59:59+01:00"
    assert data["employmentType"] == ["FULL_TIME", "TEMPORARY"]
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "name": "Agence Exemple",
        "value": "tag:example.org,2024:dev",
    }
    assert data["hiringOrganization"]["name"] == "Agence Exemple"
    assert data["hiringOrganization"]["logo"] == "https://example.org/logo.png"
    assert data["jobLocation"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "20 avenue de Ségur",
        "addressLocality": "Paris",
        "postalCode": "75007",
        "addressCountry": "FR",
    }
    assert data["url"] == "https://jobs.example.org/postes/dev.html"


def test_closed_roles_have_valid_through_in_the_past(tmp_path: Path) -> None:
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "postes"), config)
    filled, expired = catalog.get("filled"), catalog.get("expired")
    assert filled is not None and expired is not None
    # Filled before its deadline (30 April): a past date of the posting itself, not the deadline.
    assert valid_through(filled, NOW) == dt.datetime.fromisoformat("2023-12-01T00:00:00+01:00")
    # 2024-01-31T23:00:00.000Z is local midnight: the whole day of 1 February in Paris.
    assert valid_through(expired, NOW) == dt.datetime.fromisoformat("2024-02-01T23:59:59+01:00")
    for role in (filled, expired):
        assert valid_through(role, NOW) < NOW  # type: ignore[operator]


def test_script_json_cannot_close_the_script_element() -> None:
    data = {"title": "</script><script>alert(1)</script> & <!-- x", "x": "\u2028"}
    text = str(script_json(data))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_script_json_is_json_dumps_indent_2(tmp_path: Path) -> None:
    """The fast serialization gives the text json.dumps(indent=2) gives, escaped, for every role."""
    config = site_config()
    catalog = catalog_of(write_postings(tmp_path / "postes"), config)
    nasty = {"a": '</script> & é \u2028 \\ "q"', "n": 3, "f": 1.5, "b": True, "z": None, "e": {}, "l": []}
    samples = [nasty, {"nested": [nasty, ["x", {"y": []}]]}]
    for role in catalog.roles:
        samples.append(job_posting(role, render(role.posting, link_of(role.posting, config)), config, NOW))
    for data in samples:
        text = json.dumps(data, ensure_ascii=False, indent=2)
        text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        assert str(script_json(data)) == text


def test_a_closed_role_without_dates_never_takes_the_build_day(tmp_path: Path) -> None:
    """validThrough comes from the file name's day when the posting has no date; else no JobPosting.
    (It used to be midnight of the build day: the page changed at every build.)"""
    config = site_config()
    postes = tmp_path / "postes"
    postes.mkdir()
    (postes / "2023-05-04-sans-date.md").write_text(posting("Sans date", status="closed"), encoding="utf-8")
    (postes / "sans-rien.md").write_text(posting("Sans rien", status="closed"), encoding="utf-8")
    for now in (NOW, NOW + dt.timedelta(days=2)):
        catalog = catalog_of(postes, config, now)
        named, bare = catalog.get("2023-05-04-sans-date"), catalog.get("sans-rien")
        assert named is not None and bare is not None
        assert valid_through(named, now) == dt.datetime(2023, 5, 4, tzinfo=dt.UTC)
        assert valid_through(bare, now) is None
        assert job_posting(bare, render(bare.posting, link_of(bare.posting, config)), config, now) is None
