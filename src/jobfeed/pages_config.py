"""The `[pages]` table of `jobfeed.toml`: the HTML board, facet feeds, OPML and the deadlines calendar.

Every key is optional; with no table at all every output is written with the defaults below.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .errors import ConfigError

#: schema.org PostalAddress properties, by the key `[pages.location]` uses for them.
ADDRESS_KEYS = {
    "street_address": "streetAddress",
    "locality": "addressLocality",
    "region": "addressRegion",
    "postal_code": "postalCode",
    "country": "addressCountry",
}


@dataclasses.dataclass(frozen=True)
class Organization:
    """The hiring organization of the JSON-LD; empty values fall back on `[site]`."""

    name: str = ""
    url: str = ""
    logo: str = ""


@dataclasses.dataclass(frozen=True)
class Location:
    """Where the roles are: a postal address (any part may be left out) and whether remote work is open."""

    street_address: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    remote: bool = False

    def address(self) -> dict[str, str]:
        """schema.org PostalAddress properties that are set."""
        return {prop: getattr(self, key) for key, prop in ADDRESS_KEYS.items() if getattr(self, key)}


@dataclasses.dataclass(frozen=True)
class PagesConfig:
    enabled: bool = True  # master switch for everything below
    index: bool = True  # index.html
    postings: bool = True  # one page per posting, where the link template points inside the site
    facets: bool = True  # equipes/<slug>.xml, contrats/<slug>.xml (and .rss.xml)
    opml: bool = True  # feeds.opml
    calendar: bool = True  # deadlines.ics
    form_url: str = ""  # application form; {id}, {slug}, {role}, {team} are filled in, URL-encoded
    organization: Organization = dataclasses.field(default_factory=Organization)
    location: Location = dataclasses.field(default_factory=Location)

    def wants(self, output: str) -> bool:
        return self.enabled and bool(getattr(self, output))


_SWITCHES = ("enabled", "index", "postings", "facets", "opml", "calendar")
_FORM_FIELDS = ("id", "slug", "role", "team")


def _known(table: dict[str, Any], allowed: list[str], where: str, name: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(
                f"{where}: unknown key '{key}' in [{name}]; known: {', '.join(sorted(allowed))}"
            )


def _text(table: dict[str, Any], key: str, where: str, name: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f'{where}: [{name}] {key} must be text, e.g. {key} = "…", not {value!r}')
    return value.strip()


def _url(table: dict[str, Any], key: str, where: str, name: str) -> str:
    value = _text(table, key, where, name)
    if value and not value.startswith(("https://", "http://")):
        raise ConfigError(f"{where}: [{name}] {key} must start with https:// (or http://), not {value!r}")
    return value


def _flag(table: dict[str, Any], key: str, default: bool, where: str, name: str) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: [{name}] {key} must be true or false, not {value!r}")
    return value


def _table(raw: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [pages.{key}] must be a table, e.g. [pages.{key}] on its own line")
    return value


def parse_pages(raw: Any, where: str = "jobfeed.toml") -> PagesConfig:
    """`[pages]` as parsed TOML -> PagesConfig, naming the key and what to write on any bad value."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [pages] must be a table")
    _known(raw, [*_SWITCHES, "form_url", "organization", "location"], where, "pages")
    values: dict[str, Any] = {key: _flag(raw, key, True, where, "pages") for key in _SWITCHES}
    form = _url(raw, "form_url", where, "pages")
    try:
        form.format(**{name: "" for name in _FORM_FIELDS})
    except (KeyError, IndexError, AttributeError, ValueError) as e:
        raise ConfigError(
            f"{where}: [pages] form_url {form!r} has an unknown placeholder {e}; "
            f"use only {', '.join('{' + f + '}' for f in _FORM_FIELDS)}"
        ) from None
    values["form_url"] = form

    org = _table(raw, "organization", where)
    _known(org, ["name", "url", "logo"], where, "pages.organization")
    values["organization"] = Organization(
        name=_text(org, "name", where, "pages.organization"),
        url=_url(org, "url", where, "pages.organization"),
        logo=_url(org, "logo", where, "pages.organization"),
    )

    loc = _table(raw, "location", where)
    _known(loc, [*ADDRESS_KEYS, "remote"], where, "pages.location")
    address = {key: _text(loc, key, where, "pages.location") for key in ADDRESS_KEYS}
    country = address["country"]
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise ConfigError(
            f'{where}: [pages.location] country must be a two-letter ISO 3166 code such as "FR", '
            f"not {country!r}"
        )
    address["country"] = country.upper()
    values["location"] = Location(**address, remote=_flag(loc, "remote", False, where, "pages.location"))
    return PagesConfig(**values)
