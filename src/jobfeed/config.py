"""`jobfeed.toml`: site settings and the mapping from canonical fields to front-matter keys.

Every setting has a default, so jobfeed works with no configuration file at all.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import string
import tomllib
import zoneinfo
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from slugify import slugify

from jobfeed.errors import ConfigError, Problem
from jobfeed.teams import TeamSource, read_folder

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
_LINK_FIELDS = ("site_url", "slug", "id", "year", "month", "day", "name")
#: "Closing soon" up to a year before the deadline: a window beyond that means nothing, and one of
#: trillions of days overflowed the date arithmetic.
MAX_CLOSING_SOON_DAYS = 366


def _unknown(what: str, name: str, known: Collection[str], form: str = "'{}'") -> str:
    """`unknown key 'titel' in [site], did you mean 'title'? known: …`: the nearest known name, if any."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    hint = f", did you mean {form.format(close[0])}? known: " if close else "; known: "
    return f"unknown {what}{hint}{', '.join(sorted(known))}"


def _known(table: dict[str, Any], allowed: list[str], where: str, name: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"{where}: " + _unknown(f"key '{key}' in [{name}]", key, allowed))


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
    #: An address to apply at on another site (a partner's role): the apply button, the chat button,
    #: and the feed entry's link when the role has no page. No key by default: `[fields] apply_url`.
    "apply_url": (),
}
#: The facets of `[facets] fields` by default: per-team and per-contract feeds.
DEFAULT_FACETS = ("team", "contract")
#: `[postes] midnight_deadline`: a deadline date-time at local midnight is that whole day, or that instant.
MIDNIGHT_RULES = ("whole-day", "instant")

#: The Markdown renderer postings are written for, unless `[build] markdown` names another.
DEFAULT_RENDERER = "cmark-gfm"
RENDERERS = (DEFAULT_RENDERER, "python-markdown")


#: The channel kinds of `[[notify]]` and the variable each reads by default (its URL, token or SMTP URL);
#: `+token`: Slack or Mattermost with a `channel`, through their API (threads).
CHANNEL_ENV = {
    "slack": "SLACK_WEBHOOK_URL",
    "slack+token": "SLACK_BOT_TOKEN",
    "mattermost": "MATTERMOST_WEBHOOK_URL",
    "mattermost+token": "MATTERMOST_TOKEN",
    "discord": "DISCORD_WEBHOOK_URL",
    "matrix": "MATRIX_ACCESS_TOKEN",
    "teams": "TEAMS_WEBHOOK_URL",
    "webhook": "JOBFEED_WEBHOOK_URL",
    "email": "SMTP_URL",
    "apprise": "APPRISE_URL",
}


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
    #: Threads (announce/threads.py): the API's address (Mattermost, Matrix; Slack's by default),
    #: the channel or room id (with it, Slack and Mattermost use a token, not a webhook), and a
    #: Discord forum channel (one post per role).
    server: str = ""
    channel: str = ""
    forum: bool = False
    #: `webhook`: the variable holding the HMAC-SHA256 signing secret.
    secret_env: str = ""
    #: `email`: the From address, the recipient list, and how to leave the list (mailto: or https:).
    sender: str = ""
    to: tuple[str, ...] = ()
    list_unsubscribe: str = ""

    @property
    def label(self) -> str:
        return self.name or f"{self.kind}:{self.env}"


@dataclasses.dataclass(frozen=True)
class Team:
    """A team's display name and address, from `[teams]`."""

    name: str
    url: str = ""


#: Where `jobfeed notify` keeps its state unless `[announce] state` says otherwise: outside the
#: published output folder (it lists roles scheduled and not public yet), committed with the postings.
DEFAULT_STATE = ".jobfeed/state.json"


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
    #: `[fields] ignore`: front-matter keys of the site's own, never taken for a typo
    ignored_keys: tuple[str, ...] = ()
    #: `[teams]`: team id -> display name and address (inline, or read from a folder)
    teams: dict[str, Team] = dataclasses.field(default_factory=dict)
    #: what reading `[teams] source` found wrong (shown by `check` with the configuration's problems)
    team_problems: tuple[Problem, ...] = ()
    #: `[facets] fields`: canonical fields or front-matter keys that get per-value feeds
    facets: tuple[str, ...] = DEFAULT_FACETS
    midnight_deadline: str = "whole-day"
    #: `[postes] opened_from_name`: a file name's `YYYY-MM-DD-` is the opening date when no key gives one
    opened_from_name: bool = False
    feeds: FeedsConfig = dataclasses.field(default_factory=FeedsConfig)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def state_path(self) -> str:
        return self.state or DEFAULT_STATE

    def field_of_key(self) -> dict[str, str]:
        """Front-matter key -> canonical field (the same dict each time: do not change it)."""
        return self._field_of_key

    @functools.cached_property
    def _field_of_key(self) -> dict[str, str]:  # once per Config: asked for every posting loaded
        return {key: field for field, keys in self.fields.items() for key in keys}

    @functools.cached_property
    def plain_link(self) -> bool:
        """`[postes] link` uses only {site_url}, {slug} and {id}: filled in by `str.format`, the fast way."""
        return all(name in (None, "site_url", "slug", "id") for _, name, _, _ in _parts(self.link))

    @functools.cached_property
    def link_keys(self) -> tuple[str, ...]:
        """The front-matter keys `[postes] link` reads (`{field:KEY}`), whose values postings keep."""
        return tuple(
            dict.fromkeys(spec for _, name, spec, _ in _parts(self.link) if name == "field" and spec)
        )


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
        "midnight_deadline": ("midnight_deadline", str),
        "opened_from_name": ("opened_from_name", bool),
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


#: What a TOML value of each Python type is called in an error.
_KIND_WORDS = {int: "a whole number", str: "text", bool: "true or false", dict: "a table", list: "a list"}


@functools.lru_cache(maxsize=64)
def _parts(value: str) -> tuple[tuple[str, str | None, str | None, str | None], ...]:
    """`string.Formatter().parse(value)`, once per template (a checked one: it parses)."""
    return tuple(string.Formatter().parse(value))


def _link_template(value: str, where: str) -> str:
    """`[postes] link`: `_template` with `{field:KEY}` too, KEY any front-matter key."""
    allowed = ", ".join("{" + f + "}" for f in _LINK_FIELDS) + ", {field:KEY}"
    try:
        parts = _parts(value)
    except ValueError as e:
        raise ConfigError(
            f"{where} {value!r}: {e}; write braces as {{{{ and }}}}, placeholders as {allowed}"
        ) from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        good = (name == "field" and spec and "{" not in spec) or (name in _LINK_FIELDS and not spec)
        if not good or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            hint = "; {field:KEY} needs the key, e.g. {field:startup}" if name == "field" else ""
            raise ConfigError(f"{where} {value!r} has the placeholder {shown}; use only {allowed}{hint}")
    return value


def _expect(value: Any, kind: type, where: str) -> Any:
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise ConfigError(f"{where} must be {_KIND_WORDS.get(kind, kind.__name__)}, not {value!r}")
    return value


def config_from_dict(raw: dict[str, Any], where: str = "jobfeed.toml") -> Config:
    """Build a Config from parsed TOML, reporting unknown sections and keys by name."""
    values: dict[str, Any] = {"path": where}
    known = set(_SECTIONS) | {"fields", "notify", "pages", "teams", "facets", "feeds"}
    for section in raw:
        if section not in known:
            raise ConfigError(f"{where}: " + _unknown(f"section [{section}]", section, known, "[{}]"))
    for section, keys in _SECTIONS.items():
        table = raw.get(section, {})
        table = _expect(table, dict, f"{where}: [{section}]")
        for key, value in table.items():
            if key not in keys:
                raise ConfigError(f"{where}: " + _unknown(f"key '{key}' in [{section}]", key, keys))
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
        _link_template(values["link"], f"{where}: [postes] link")
    if values.get("midnight_deadline", MIDNIGHT_RULES[0]) not in MIDNIGHT_RULES:
        raise ConfigError(
            f'{where}: [postes] midnight_deadline must be "whole-day" (a deadline at local midnight runs to '
            f'the end of that day) or "instant" (it ends at that instant), not {values["midnight_deadline"]!r}'
        )
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
        if field == "ignore":
            values["ignored_keys"] = _keys(
                listed, f'{where}: [fields] ignore must be a list of keys, e.g. ["contacts"]'
            )
            continue
        if field not in DEFAULT_FIELDS:
            raise ConfigError(
                f"{where}: " + _unknown(f"field '{field}' in [fields]", field, (*DEFAULT_FIELDS, "ignore"))
            )
        if isinstance(listed, str):
            listed = [listed]
        if not isinstance(listed, list) or not listed or not all(isinstance(k, str) for k in listed):
            raise ConfigError(f'{where}: [fields] {field} must be a list of keys, e.g. ["{field}"]')
        fields[field] = tuple(listed)
    values["fields"] = fields
    values["facets"] = _facets(raw.get("facets", {}), fields, where)
    values["teams"], values["team_problems"] = parse_teams(raw.get("teams", {}), where)
    values["pages"] = parse_pages(raw.get("pages", {}), where)
    teams = values["teams"]  # a channel may name its teams by id: it filters on the names shown
    values["channels"] = tuple(
        dataclasses.replace(c, teams=tuple(teams[t].name if t in teams else t for t in c.teams))
        for c in _channels(raw.get("notify"), where)
    )
    values["feeds"] = parse_feeds(raw.get("feeds", {}), where)
    return Config(**values)


def _keys(listed: Any, message: str) -> tuple[str, ...]:
    if isinstance(listed, str):
        listed = [listed]
    if not isinstance(listed, list) or not all(isinstance(k, str) and k for k in listed):
        raise ConfigError(message)
    return tuple(listed)


def _facets(raw: Any, fields: dict[str, tuple[str, ...]], where: str) -> tuple[str, ...]:
    """`[facets] fields`: canonical fields (team, contract) or front-matter keys (domaines)."""
    table = _expect(raw, dict, f"{where}: [facets]")
    _known(table, ["fields"], where, "facets")
    if "fields" not in table:
        return DEFAULT_FACETS
    example = 'e.g. fields = ["team", "contract", "domaines"]'
    chosen = _keys(table["fields"], f"{where}: [facets] fields must be a list of fields or keys, {example}")
    folders: dict[str, str] = {}
    for name in chosen:
        folder = facet_folder(name)
        if not folder:
            raise ConfigError(
                f"{where}: [facets] fields: {name!r} has no letters or digits to name its folder"
            )
        if name in ("ids", "format"):
            raise ConfigError(f"{where}: [facets] fields: {name!r} is a name jobfeed keeps for itself")
        if name not in ("team", "contract") and name in fields:
            raise ConfigError(
                f"{where}: [facets] fields: {name!r} is a canonical field without per-value feeds; use "
                f"team, contract or a front-matter key"
            )
        if folder in folders or (folder in _RESERVED_FOLDERS and name not in ("team", "contract")):
            other = folders.get(folder, "a folder jobfeed writes")
            raise ConfigError(
                f"{where}: [facets] fields: {name!r} and {other!r} would share the folder {folder}/; keep one"
            )
        folders[folder] = name
    return chosen


#: Facet folders of the canonical fields, and the folders other writers use.
FACET_FOLDERS = {"team": "equipes", "contract": "contrats"}
_RESERVED_FOLDERS = {"equipes", "contrats", "postes"}


def facet_folder(name: str) -> str:
    """The output folder of a facet's feeds: `equipes`, `contrats`, else the key's slug."""
    if name in FACET_FOLDERS:
        return FACET_FOLDERS[name]
    return slugify(name, max_length=60, word_boundary=True)  # "thématiques" -> thematiques


def parse_teams(raw: Any, where: str) -> tuple[dict[str, Team], tuple[Problem, ...]]:
    """`[teams]`: `source`, `name_key`, `url_key` (a folder of team files) and `[teams.names]`
    (id = "Name" or id = { name = "…", url = "https://…" }), which wins over the folder."""
    table = _expect(raw, dict, f"{where}: [teams]")
    _known(table, ["source", "name_key", "url_key", "names"], where, "teams")
    teams: dict[str, Team] = {}
    problems: list[Problem] = []
    source = _text(table, "source", where, "teams")
    if source:
        found, problems = read_folder(
            TeamSource(
                source,
                _text(table, "name_key", where, "teams") or "title",
                _text(table, "url_key", where, "teams"),
            ),
            where,
        )
        teams = {key: Team(name, url) for key, (name, url) in found.items()}
    names = _expect(table.get("names", {}), dict, f"{where}: [teams.names]")
    for key, value in names.items():
        if isinstance(value, str):
            value = {"name": value}
        value = _expect(value, dict, f'{where}: [teams.names] {key} (write {key} = "Name")')
        _known(value, ["name", "url"], where, f"teams.names.{key}")
        name = _text(value, "name", where, f"teams.names.{key}")
        if not name:
            raise ConfigError(f'{where}: [teams.names] {key} has no name; write {key} = "Name"')
        teams[key] = Team(name, _url(value, "url", where, f"teams.names.{key}"))
    return teams, tuple(problems)


def _channels(notify: Any, where: str) -> list[ChannelConfig]:
    if notify is None or isinstance(notify, dict):
        return []
    channels = []
    for i, table in enumerate(_expect(notify, list, f"{where}: [[notify]]"), 1):
        table = _expect(table, dict, f"{where}: [[notify]] #{i}")
        kind = table.get("kind")
        if kind not in {k.partition("+")[0] for k in CHANNEL_ENV}:
            known = ", ".join(f"'{k}'" for k in CHANNEL_ENV if "+" not in k)
            raise ConfigError(f"{where}: [[notify]] #{i}: kind must be one of {known}, not {kind!r}")
        allowed = {f.name for f in dataclasses.fields(ChannelConfig)}
        for key in table:
            if key not in allowed:
                raise ConfigError(f"{where}: [[notify]] #{i}: " + _unknown(f"key '{key}'", key, allowed))
        token = "+token" if table.get("channel") and kind in ("slack", "mattermost") else ""
        args: dict[str, Any] = {"kind": kind, "env": CHANNEL_ENV[kind + token]}
        if kind == "webhook":
            args["secret_env"] = "JOBFEED_WEBHOOK_SECRET"
        for key, value in table.items():
            if key == "forum":
                value = _expect(value, bool, f"{where}: [[notify]] #{i} {key}")
            elif key in ("teams", "contracts", "events", "to"):
                value = tuple(_expect(value, list, f"{where}: [[notify]] #{i} {key}"))
            else:
                value = _expect(value, str, f"{where}: [[notify]] #{i} {key}")
            args[key] = value
        if args.get("language", "fr") not in ("fr", "en"):
            raise ConfigError(f"{where}: [[notify]] #{i}: language must be 'fr' or 'en'")
        _thread_keys(args, f"{where}: [[notify]] #{i}")
        if kind == "webhook" and not args.get("secret_env"):
            raise ConfigError(
                f"{where}: [[notify]] #{i}: a webhook channel signs its posts: set secret_env to the "
                'variable holding the secret (default "JOBFEED_WEBHOOK_SECRET")'
            )
        if kind == "email" and not (args.get("sender") and args.get("to")):
            raise ConfigError(
                f'{where}: [[notify]] #{i}: an email channel needs sender = "Jobs <jobs@example.org>" '
                'and to = ["team@example.org"]'
            )
        channels.append(ChannelConfig(**args))
    return channels


def _thread_keys(args: dict[str, Any], where: str) -> None:
    """`server`, `channel` and `forum` where they mean something, and what each kind needs."""
    kind, server, channel = args["kind"], args.get("server", ""), args.get("channel", "")
    if server and not server.startswith(("https://", "http://")):
        raise ConfigError(f"{where}: server must be an https:// address, like https://chat.example.org")
    if kind == "matrix" and not (server and channel.startswith("!")):
        raise ConfigError(
            f'{where}: matrix needs server = "https://<homeserver>" and channel = "!<room id>:<server>"'
        )
    if kind == "mattermost" and channel and not server:
        raise ConfigError(f'{where}: mattermost with a channel needs server = "https://<your mattermost>"')
    if kind == "discord" and channel:
        raise ConfigError(
            f"{where}: discord takes no channel: its webhook URL names it (forum = true for a forum)"
        )
    if args.get("forum") and kind != "discord":
        raise ConfigError(f"{where}: forum = true is for discord channels only")


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
    problems.extend(config.team_problems)
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


def config_key(config: Config) -> str:
    """sha256 of the configuration as the files a build writes see it: without the chat channels
    (which no file shows). Keys the pages kept (`_incremental/pagecache.py`) and the build with
    nothing to do (`_incremental/settled.py`)."""
    return hashlib.sha256(repr(dataclasses.replace(config, channels=())).encode("utf-8")).hexdigest()
