import pytest

from jobfeed.config import Config, PagesConfig, config_from_dict, parse_pages
from jobfeed.errors import ConfigError


def test_defaults_write_everything() -> None:
    pages = Config().pages
    assert pages == PagesConfig()
    assert all(pages.wants(o) for o in ("index", "postings", "facets", "opml", "calendar"))


def test_full_table() -> None:
    config = config_from_dict(
        {
            "pages": {
                "calendar": False,
                "form_url": "https://airtable.com/shr1?prefill_Poste={role}",
                "organization": {
                    "name": "ANCT",
                    "url": "https://anct.gouv.fr/",
                    "logo": "https://x.fr/l.png",
                },
                "location": {"locality": "Paris", "country": "fr", "remote": True},
            }
        }
    )
    pages = config.pages
    assert not pages.wants("calendar") and pages.wants("index")
    assert pages.organization.name == "ANCT"
    assert pages.location.address() == {"addressLocality": "Paris", "addressCountry": "FR"}
    assert pages.location.remote


def test_enabled_false_turns_everything_off() -> None:
    pages = parse_pages({"enabled": False})
    assert not any(pages.wants(o) for o in ("index", "postings", "facets", "opml", "calendar"))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"indexx": True}, "unknown key 'indexx' in [pages], did you mean 'index'? known: calendar, enabled"),
        ({"index": "yes"}, "[pages] index must be true or false, not 'yes'"),
        ({"form_url": "javascript:alert(1)"}, "[pages] form_url must start with https://"),
        (
            {"form_url": "https://f.org/?r={poste}"},
            "form_url 'https://f.org/?r={poste}' has the placeholder {poste}; use only {id}, {slug}, {role}, {team}",
        ),
        ({"organization": "ANCT"}, "[pages.organization] must be a table"),
        ({"organization": {"nom": "x"}}, "unknown key 'nom' in [pages.organization]; known: logo, name, url"),
        ({"organization": {"logo": "logo.png"}}, "[pages.organization] logo must start with https://"),
        ({"location": {"country": "France"}}, 'country must be a two-letter ISO 3166 code such as "FR"'),
        ({"location": {"locality": 75}}, "[pages.location] locality must be text"),
        ({"location": {"remote": "oui"}}, "[pages.location] remote must be true or false"),
    ],
)
def test_bad_values_name_the_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_dict({"pages": table}, "site/jobfeed.toml")
    assert str(caught.value).startswith("site/jobfeed.toml: ")
    assert message in str(caught.value)


def test_pages_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match=r"\[pages\] must be a table"):
        config_from_dict({"pages": 3})
