"""`jobfeed.toml`: site settings and the mapping from canonical fields to front-matter keys.

Every setting has a default, so jobfeed works with no configuration file at all.
"""

from __future__ import annotations

import dataclasses
import functools
import string
import tomllib
import zoneinfo
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jobfeed.errors import ConfigError, Problem

# --- the [pages] table: the HTML board, facet feeds, OPML and the deadlines calendar.
# Every key is optional; with no table at all every output is written with the defaults below.

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
    remote_images: bool = False  # pages may load images from other sites (their policy forbids it)
    form_url: str = ""  # application form; {id}, {slug}, {role}, {team} are filled in, URL-encoded
    #: days a removed role's page stays as a short "no longer online" page (noindex) before it goes
    tombstone_days: int = 90
    organization: Organization = dataclasses.field(default_factory=Organization)
    location: Location = dataclasses.field(default_factory=Location)

    def wants(self, output: str) -> bool:
        return self.enabled and bool(getattr(self, output))


@dataclasses.dataclass(frozen=True)
class FeedsConfig:
    """`[feeds]`: what the feeds carry besides their entries."""

    stylesheet: bool = True  # feed.xsl: atom.xml and rss.xml read as a page in a browser
    hubs: tuple[str, ...] = ()  # WebSub hubs the feeds advertise, and `publish-ping` pings
    history: bool = False  # history.xml, history.json (and per team): what happened to each role
    history_size: int = 200  # events in a history feed; older ones are in its archive pages


#: The most events a history feed or one of its archive pages holds.
MAX_HISTORY_SIZE = 10_000


def parse_feeds(raw: Any, where: str = "jobfeed.toml") -> FeedsConfig:
    """`[feeds]` as parsed TOML -> FeedsConfig, naming the key and what to write on any bad value."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [feeds] must be a table")
    _known(raw, ["stylesheet", "hubs", "history", "history_size"], where, "feeds")
    hubs = raw.get("hubs", [])
    if not isinstance(hubs, list) or not all(isinstance(h, str) for h in hubs):
        raise ConfigError(
            f'{where}: [feeds] hubs must be a list of URLs, e.g. hubs = ["https://…/"], not {hubs!r}'
        )
    for hub in hubs:
        if not hub.startswith(("https://", "http://")) or any(c in hub for c in ' "<>\n\r\t'):
            raise ConfigError(f"{where}: [feeds] hubs: {hub!r} is not an http(s) URL; write https://…")
    size = raw.get("history_size", FeedsConfig.history_size)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_HISTORY_SIZE:
        raise ConfigError(
            f"{where}: [feeds] history_size must be a number of events from 1 to {MAX_HISTORY_SIZE}, "
            f"e.g. history_size = 200, not {size!r}"
        )
    return FeedsConfig(
        stylesheet=_flag(raw, "stylesheet", True, where, "feeds"),
        hubs=tuple(dict.fromkeys(hubs)),
        history=_flag(raw, "history", False, where, "feeds"),
        history_size=size,
    )


_SWITCHES = ("enabled", "index", "postings", "facets", "opml", "calendar")
_FORM_FIELDS = ("id", "slug", "role", "team")
_LINK_FIELDS = ("site_url", "slug", "id")
#: "Closing soon" up to a year before the deadline: a window beyond that means nothing, and one of
#: trillions of days overflowed the date arithmetic.
MAX_CLOSING_SOON_DAYS = 366


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
    known = [*_SWITCHES, "remote_images", "form_url", "tombstone_days", "organization", "location"]
    _known(raw, known, where, "pages")
    values: dict[str, Any] = {key: _flag(raw, key, True, where, "pages") for key in _SWITCHES}
    values["remote_images"] = _flag(raw, "remote_images", False, where, "pages")
    days = raw.get("tombstone_days", PagesConfig.tombstone_days)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ConfigError(
            f"{where}: [pages] tombstone_days must be a number of days (0 or more), e.g. "
            f"tombstone_days = 90, not {days!r}"
        )
    values["tombstone_days"] = days
    values["form_url"] = _template(
        _url(raw, "form_url", where, "pages"), _FORM_FIELDS, f"{where}: [pages] form_url"
    )

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


# --- the whole file

#: Canonical field -> the front-matter keys that may hold it, first found wins.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "role": ("role", "title", "roles"),
    "team": ("equipe", "startup"),
    "contact": ("contact",),
    "contract": ("contrat",),
    "opened": ("poste_ouvert", "date"),
    "deadline": ("poste_ferme", "depublication_date"),
    "status": ("status", "open"),
    "filled": ("poste_pourvu",),
    "application_form": ("airtable_formulaire",),
    "updated": ("mis_a_jour", "updated"),
}

#: The Markdown renderer postings are written for, unless `[build] markdown` names another.
DEFAULT_RENDERER = "cmark-gfm"
RENDERERS = (DEFAULT_RENDERER, "python-markdown")


@dataclasses.dataclass(frozen=True)
class ChannelConfig:
    """One chat channel of `[[notify]]`; the webhook URL itself is never stored, only its variable."""

    kind: str
    env: str
    name: str = ""
    teams: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    language: str = "fr"
    username: str = ""
    icon_url: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.kind}:{self.env}"


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything jobfeed reads from `jobfeed.toml`, with its defaults."""

    title: str = "Offres d'emploi"
    description: str = "Les postes ouverts"
    site_url: str = ""
    language: str = "fr"
    timezone: str = "Europe/Paris"
    author: str = ""
    id_authority: str = "jobfeed,2024"
    link: str = "{site_url}postes/{slug}.html"
    postes: str = "postes"
    out: str = "feeds"
    state: str = ""
    markdown: str = DEFAULT_RENDERER
    cache: str = ".jobfeed-cache"
    max_file_size: int = 1_048_576
    closing_soon_days: int = 7
    fields: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=lambda: dict(DEFAULT_FIELDS))
    channels: tuple[ChannelConfig, ...] = ()
    pages: PagesConfig = dataclasses.field(default_factory=PagesConfig)
    path: str = ""
    feeds: FeedsConfig = dataclasses.field(default_factory=FeedsConfig)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def state_path(self) -> str:
        return self.state or f"{self.out}/state.json"

    def field_of_key(self) -> dict[str, str]:
        """Front-matter key -> canonical field (the same dict each time: do not change it)."""
        return self._field_of_key

    @functools.cached_property
    def _field_of_key(self) -> dict[str, str]:  # once per Config: asked for every posting loaded
        return {key: field for field, keys in self.fields.items() for key in keys}


_SECTIONS: dict[str, dict[str, tuple[str, type]]] = {
    # toml section -> {toml key: (Config attribute, type)}
    "site": {
        "title": ("title", str),
        "description": ("description", str),
        "url": ("site_url", str),
        "language": ("language", str),
        "timezone": ("timezone", str),
        "author": ("author", str),
        "id_authority": ("id_authority", str),
    },
    "postes": {
        "dir": ("postes", str),
        "link": ("link", str),
        "max_file_size": ("max_file_size", int),
    },
    "build": {"out": ("out", str), "markdown": ("markdown", str), "cache": ("cache", str)},
    "announce": {"state": ("state", str), "closing_soon_days": ("closing_soon_days", int)},
}


def load_config(path: str | Path | None) -> Config:
    """Read `path` (or `./jobfeed.toml` when it exists and `path` is None); defaults otherwise."""
    if path is None:
        default = Path("jobfeed.toml")
        if not default.is_file():
            return Config()
        path = default
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from e
    return config_from_dict(raw, str(path))


def _template(value: str, fields: Sequence[str], where: str) -> str:
    """`value` when its only placeholders are plain `{name}`s of `fields` (no position, attribute,
    index, conversion or format spec: `{0}`, `{id.x}`, `{slug!x}`, `{id:>9999999999}`); else the
    error that names the key."""
    allowed = ", ".join("{" + f + "}" for f in fields)
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as e:
        raise ConfigError(
            f"{where} {value!r}: {e}; write braces as {{{{ and }}}}, placeholders as {allowed}"
        ) from None
    for _, name, spec, conversion in parts:
        if name is not None and (name not in fields or spec or conversion):
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ConfigError(f"{where} {value!r} has the placeholder {shown}; use only {allowed}")
    return value


def _expect(value: Any, kind: type, where: str) -> Any:
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise ConfigError(f"{where} must be a {kind.__name__}, not {value!r}")
    return value


def config_from_dict(raw: dict[str, Any], where: str = "jobfeed.toml") -> Config:
    """Build a Config from parsed TOML, reporting unknown sections and keys by name."""
    values: dict[str, Any] = {"path": where}
    known = set(_SECTIONS) | {"fields", "notify", "pages", "feeds"}
    for section in raw:
        if section not in known:
            raise ConfigError(f"{where}: unknown section [{section}]; known: {', '.join(sorted(known))}")
    for section, keys in _SECTIONS.items():
        table = raw.get(section, {})
        table = _expect(table, dict, f"{where}: [{section}]")
        for key, value in table.items():
            if key not in keys:
                raise ConfigError(
                    f"{where}: unknown key '{key}' in [{section}]; known: {', '.join(sorted(keys))}"
                )
            attr, kind = keys[key]
            values[attr] = _expect(value, kind, f"{where}: [{section}] {key}")
    if values.get("markdown", DEFAULT_RENDERER) not in RENDERERS:
        raise ConfigError(f"{where}: [build] markdown must be one of {', '.join(RENDERERS)}")
    try:
        zoneinfo.ZoneInfo(values.get("timezone", "Europe/Paris"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: [site] timezone {values['timezone']!r} is not an IANA time zone (e.g. 'Europe/Paris')"
        ) from None
    if "link" in values:
        _template(values["link"], _LINK_FIELDS, f"{where}: [postes] link")
    days = values.get("closing_soon_days", 7)
    if not 0 <= days <= MAX_CLOSING_SOON_DAYS:
        raise ConfigError(
            f"{where}: [announce] closing_soon_days must be a number of days from 0 to "
            f"{MAX_CLOSING_SOON_DAYS}, not {days}"
        )
    url = values.get("site_url", "")
    if url and not url.endswith("/"):
        values["site_url"] = url + "/"
    fields = dict(DEFAULT_FIELDS)
    for field, listed in _expect(raw.get("fields", {}), dict, f"{where}: [fields]").items():
        if field not in DEFAULT_FIELDS:
            raise ConfigError(
                f"{where}: unknown field '{field}' in [fields]; known: {', '.join(DEFAULT_FIELDS)}"
            )
        if isinstance(listed, str):
            listed = [listed]
        if not isinstance(listed, list) or not listed or not all(isinstance(k, str) for k in listed):
            raise ConfigError(f'{where}: [fields] {field} must be a list of keys, e.g. ["{field}"]')
        fields[field] = tuple(listed)
    values["fields"] = fields
    values["pages"] = parse_pages(raw.get("pages", {}), where)
    values["channels"] = tuple(_channels(raw.get("notify"), where))
    values["feeds"] = parse_feeds(raw.get("feeds", {}), where)
    return Config(**values)


def _channels(notify: Any, where: str) -> list[ChannelConfig]:
    if notify is None or isinstance(notify, dict):
        return []
    channels = []
    for i, table in enumerate(_expect(notify, list, f"{where}: [[notify]]"), 1):
        table = _expect(table, dict, f"{where}: [[notify]] #{i}")
        kind = table.get("kind")
        if kind not in ("slack", "mattermost"):
            raise ConfigError(f"{where}: [[notify]] #{i}: kind must be 'slack' or 'mattermost'")
        allowed = {f.name for f in dataclasses.fields(ChannelConfig)}
        for key in table:
            if key not in allowed:
                raise ConfigError(
                    f"{where}: [[notify]] #{i}: unknown key '{key}'; known: {', '.join(sorted(allowed))}"
                )
        args: dict[str, Any] = {"kind": kind, "env": f"{kind.upper()}_WEBHOOK_URL"}
        for key, value in table.items():
            if key in ("teams", "contracts", "events"):
                value = tuple(_expect(value, list, f"{where}: [[notify]] #{i} {key}"))
            else:
                value = _expect(value, str, f"{where}: [[notify]] #{i} {key}")
            args[key] = value
        if args.get("language", "fr") not in ("fr", "en"):
            raise ConfigError(f"{where}: [[notify]] #{i}: language must be 'fr' or 'en'")
        channels.append(ChannelConfig(**args))
    return channels


# --- what is allowed in the configuration but most likely a mistake (`check` and `build` report it)


def _line_of(path: str, header: str) -> int:
    """The line of the table `header` ("[site]") in the file at `path`, else 1."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 1
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().replace(" ", "") == header:
            return number
    return 1


def config_problems(config: Config) -> list[Problem]:
    """Warnings on the configuration itself, once per run: no `[site] url` (feed readers and RSS
    need absolute links), `[pages]` on without `[pages.location]` (search engines want a place)."""
    path = config.path or "jobfeed.toml"
    problems = []
    if not config.site_url:
        problems.append(
            Problem(
                path,
                _line_of(path, "[site]"),
                "warning",
                "no [site] url: the feeds' links are relative, which RSS forbids and many feed readers "
                'cannot follow; set url = "https://…/" in [site], the address the output folder is '
                "published at",
            )
        )
    pages = config.pages
    location = pages.location
    if pages.wants("postings") and not (location.address() or location.remote):
        line = _line_of(path, "[pages.location]")
        problems.append(
            Problem(
                path,
                line if line > 1 else _line_of(path, "[pages]"),
                "warning",
                "no [pages.location]: search engines (Google for Jobs) want the place of work in each "
                'page\'s JobPosting; add [pages.location] with locality = "…" and country = "FR" '
                "(and remote = true when the roles can be remote)",
            )
        )
    return problems
