"""The HTML job board: `index.html` of the open roles and one page per posting, with JSON-LD.

Jinja2 templates (package data under `templates/`) with autoescaping on: every value is escaped
unless it is the posting's HTML, already sanitized by `markup.render`, or the JSON-LD, made
safe by `jsonld.script_json`. Pages are self-contained: inline CSS, no script to run, no request
to any other file, relative links, so they work from file:// as on GitHub Pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import posixpath
from collections.abc import Mapping, Sequence
from urllib.parse import quote, unquote, urlsplit

import jinja2
from markupsafe import Markup

from jobfeed._version import __version__
from jobfeed.config import Config
from jobfeed.core.dates import Moment
from jobfeed.core.humandates import deadline_text, long_date
from jobfeed.core.identity import link_of
from jobfeed.core.lifecycle import Role, State
from jobfeed.core.markup import Rendered
from jobfeed.core.postings import Posting
from jobfeed.publish.facets import Facet, facet_slug
from jobfeed.publish.jsonld import job_posting, script_json

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "skip": "Aller à la liste des postes",
        "skip_to_role": "Aller à l'offre",
        "filters": "Filtrer les postes",
        "team": "Équipe",
        "contract": "Contrat",
        "all_teams": "Toutes les équipes",
        "all_contracts": "Tous les contrats",
        "open_roles": "Postes ouverts",
        "no_roles": "Aucun poste n'est ouvert pour le moment.",
        "other_roles": "Autres postes",
        "opened_on": "ouvert le",
        "opened": "Ouvert le",
        "deadline": "Clôture",
        "subscribe": "S'abonner",
        "all_roles": "Tous les postes",
        "by_team": "Par équipe",
        "by_other": "Par {kind}",
        "by_contract": "Par contrat",
        "opml": "Tous les flux, à importer dans un lecteur (OPML)",
        "calendar": "Les dates de clôture dans votre agenda (iCalendar)",
        "history": "Ce qui a changé : postes ouverts, prolongés, pourvus, fermés (historique)",
        "back": "Tous les postes",
        "apply": "Postuler",
        "apply_form": "Remplir le formulaire de candidature",
        "apply_mail": "Envoyez votre candidature à",
        "apply_link": "Candidater",
        "apply_none": "Aucun contact n'est indiqué pour ce poste.",
        "questions": "Une question ? Écrivez à",
        "mail_subject": "Candidature : {role}",
        "filled": "Ce poste a été pourvu",
        "closed": "Les candidatures sont closes",
        "closes_on": "clôture le",
        "no_deadline": "pas de date de clôture",
        "one_open": "{n} poste ouvert",
        "many_open": "{n} postes ouverts",
        "generated": "Page publiée avec jobfeed.",
        "gone": "Ce poste n'est plus en ligne",
        "gone_text": "Cette offre a été retirée : le poste n'est plus proposé.",
        "gone_index": "Voir les postes ouverts",
    },
    "en": {
        "skip": "Skip to the roles",
        "skip_to_role": "Skip to the role",
        "filters": "Filter the roles",
        "team": "Team",
        "contract": "Contract",
        "all_teams": "All teams",
        "all_contracts": "All contracts",
        "open_roles": "Open roles",
        "no_roles": "No role is open at the moment.",
        "other_roles": "Other roles",
        "opened_on": "opened on",
        "opened": "Opened on",
        "deadline": "Closing date",
        "subscribe": "Subscribe",
        "all_roles": "All roles",
        "by_team": "By team",
        "by_other": "By {kind}",
        "by_contract": "By contract",
        "opml": "Every feed, to import into a feed reader (OPML)",
        "calendar": "Closing dates in your calendar (iCalendar)",
        "history": "What changed: roles opened, extended, filled, closed (history)",
        "back": "All roles",
        "apply": "Apply",
        "apply_form": "Fill in the application form",
        "apply_mail": "Send your application to",
        "apply_link": "Apply",
        "apply_none": "No contact is given for this role.",
        "questions": "A question? Write to",
        "mail_subject": "Application: {role}",
        "filled": "This role has been filled",
        "closed": "Applications are closed",
        "closes_on": "closes on",
        "no_deadline": "no closing date",
        "one_open": "{n} open role",
        "many_open": "{n} open roles",
        "generated": "Published with jobfeed.",
        "gone": "This role is no longer online",
        "gone_text": "This posting was taken down: the role is no longer offered.",
        "gone_index": "See the open roles",
    },
}


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("jobfeed.publish", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # the templates ship with the package: no stat of each one per page
    )


def content_security_policy(config: Config) -> str:
    """What a page may load: nothing but its inline style and its own site's images (any image with
    `[pages] remote_images = true`), no script (the JSON-LD block is data, never run), no `<base>`
    and no form submission. Posting text is sanitized already: this is the browser's own check
    that a page makes no request to another site, whatever gets through."""
    images = "*" if config.pages.remote_images else "'self'"
    return f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@functools.cache
def style() -> Markup:
    """The style sheet, rendered once: a page writes it as `{% include "style.css" %}` would, without
    a new template context per page."""
    return Markup(environment().get_template("style.css").render())


def time_attribute(moment: Moment | None) -> str:
    """A valid HTML `datetime`: the day, or the local time to the second (HTML allows 3 decimals at most)."""
    if moment is None:
        return ""
    return moment.day.isoformat() if moment.all_day else moment.at.isoformat(timespec="seconds")


def open_count(n: int, lang: str) -> str:
    singular = n <= 1 if lang == "fr" else n == 1
    return TEXTS[lang]["one_open" if singular else "many_open"].format(n=n)


def page_path(posting: Posting, config: Config) -> str | None:
    """Where the posting's page goes in the output folder, from the link template; None when the
    link points outside the site (another website writes the page)."""
    link = link_of(posting, config)
    if config.site_url and link.startswith(config.site_url):
        relative = link[len(config.site_url) :]
    elif urlsplit(link).scheme or link.startswith("/"):
        return None
    else:
        relative = link
    if "?" in relative or "#" in relative:
        return None
    relative = unquote(relative)  # {name}, {field:KEY} are URL-encoded: the file is what a server looks up
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    elif not posixpath.basename(relative).endswith((".html", ".htm")):
        relative += ".html"  # GitHub Pages serves postes/x.html for the URL postes/x
    return relative


def relative_href(target: str, page: str) -> str:
    """The link from the page at `page` to `target`, both relative to the output folder."""
    return _relpath(target, posixpath.dirname(page) or ".")


@functools.lru_cache(maxsize=4096)
def _relpath(target: str, folder: str) -> str:
    """Pages share a few folders and link to the same feeds: computed once per pair."""
    return posixpath.relpath(target, folder)


def _discovery(config: Config, page: str, facets: Sequence[Facet] = ()) -> list[dict[str, str]]:
    feeds = [
        {"type": "application/atom+xml", "title": f"{config.title} (Atom)", "href": "atom.xml"},
        {"type": "application/rss+xml", "title": f"{config.title} (RSS)", "href": "rss.xml"},
        {"type": "application/feed+json", "title": f"{config.title} (JSON Feed)", "href": "feed.json"},
    ]
    feeds += [
        {"type": "application/atom+xml", "title": f"{config.title} — {f.name}", "href": f.atom}
        for f in facets
    ]
    for feed in feeds:
        feed["href"] = relative_href(feed["href"], page)
    return feeds


def _common(config: Config, lang: str) -> dict[str, object]:
    return {
        "lang": config.language or lang,
        "version": __version__,
        "csp": content_security_policy(config),
        "t": TEXTS[lang],
    }


@dataclasses.dataclass(frozen=True)
class RoleView:
    role: str
    href: str
    team_slug: str
    contract: str
    contract_slug: str
    deadline_day: str
    deadline_iso: str
    opened_day: str
    opened_iso: str
    summary: str


def _slug_in(name: str, facets: Sequence[Facet]) -> str:
    """The slug of the facet of `name`, or "" when the name has none (a reported collision)."""
    return next((f.slug for f in facets if f.name == name), "")


def render_index(context: Mapping[str, object]) -> bytes:
    """`index.html` from its `index_context`: the template's bytes depend on nothing else."""
    return environment().get_template("index.html").render(context).encode("utf-8")


def index_context(
    open_roles: Sequence[Role],
    config: Config,
    rendered: Mapping[str, Rendered],
    links: Mapping[str, str],
    facets: Mapping[str, Sequence[Facet]],
    lang: str,
    extras: Mapping[str, str],
) -> dict[str, object]:
    """What the template of `index.html` is given (plain values: their `repr` says all of them)."""
    t = TEXTS[lang]
    teams, contracts = facets.get("team", ()), facets.get("contract", ())
    groups: dict[str, list[RoleView]] = {}
    # each name's slug looked up once, not searched for in every role (~0.4 s at 10,000 postings)
    team_slugs = {name: _slug_in(name, teams) for name in {r.posting.team for r in open_roles}}
    contract_slugs = {name: _slug_in(name, contracts) for name in {r.posting.contract for r in open_roles}}
    for role in open_roles:
        p = role.posting
        deadline = p.deadline
        view = RoleView(
            role=p.role,
            href=links[role.id],
            team_slug=team_slugs.get(p.team, ""),
            contract=p.contract,
            contract_slug=contract_slugs.get(p.contract, ""),
            deadline_day=deadline_text(deadline, lang) if deadline else "",
            deadline_iso=time_attribute(deadline),
            opened_day=long_date(p.opened.day, lang) if p.opened else "",
            opened_iso=time_attribute(p.opened),
            summary=rendered[role.id].summary if role.id in rendered else "",
        )
        if len(p.teams) > 1:  # a role in several teams is in each one's section, filtered as that team
            for team in p.teams:
                groups.setdefault(team, []).append(dataclasses.replace(view, team_slug=_slug_in(team, teams)))
        else:
            groups.setdefault(p.team, []).append(view)
    order = sorted(groups, key=lambda name: (name == "", facet_slug(name), name))
    team_urls = {team.name: team.url for team in config.teams.values() if team.url}  # [teams] addresses

    def filters(found: Sequence[Facet]) -> list[dict[str, object]]:
        return [{"slug": f.slug, "name": f.name, "count": len(f.open_roles)} for f in found if f.open_roles]

    def listing(found: Sequence[Facet]) -> list[dict[str, object]]:
        return [
            {"name": f.name, "count_words": open_count(len(f.open_roles), lang), "atom": f.atom, "rss": f.rss}
            for f in found
        ]

    context = {
        **_common(config, lang),
        "title": config.title,
        "description": config.description,
        "discovery": _discovery(config, "index.html", [*teams, *contracts]),
        "canonical": f"{config.site_url}index.html" if config.site_url else "",
        "count": open_count(len(open_roles), lang),
        "groups": [
            {"name": name or t["other_roles"], "roles": groups[name], "url": team_urls.get(name, "")}
            for name in order
        ],
        "team_filters": filters(teams),
        "contract_filters": filters(contracts),
        "team_facets": listing(teams),
        "contract_facets": listing(contracts),
        # issue 16: the facets of other keys (`[facets] fields`), each under its own heading
        "other_facets": [
            (t["by_other"].format(kind=kind), listing(found))
            for kind, found in facets.items()
            if kind not in ("team", "contract") and found
        ],
        "opml": extras.get("opml", ""),
        "calendar": extras.get("calendar", ""),
        "history": extras.get("history", ""),
    }
    return context


def _form_url(posting: Posting, config: Config) -> str:
    template = config.pages.form_url
    if not (posting.application_form and template):
        return ""
    values = {"id": posting.id, "slug": posting.slug, "role": posting.role, "team": posting.team}
    return template.format(**{k: quote(v, safe="") for k, v in values.items()})


def posting_html(
    role: Role,
    rendered: Rendered,
    config: Config,
    page: str,
    now: dt.datetime,
    lang: str,
    index: str = "index.html",
) -> bytes:
    """The page of one role, open or closed, at `page` (relative to the output folder)."""
    t = TEXTS[lang]
    p = role.posting
    deadline = p.deadline
    banner = ""
    if role.state is State.FILLED:
        banner = t["filled"]
    elif role.state in (State.CLOSED, State.EXPIRED):
        banner = t["closed"]
    contact = p.contact
    mailto = ""
    if "@" in contact and not contact.lower().startswith(("javascript:", "mailto:", "http")):
        subject = t["mail_subject"].format(role=p.role)
        mailto = f"mailto:{quote(contact, safe='@')}?subject={quote(subject, safe='')}"
    contact_url = contact if contact.startswith(("https://", "http://")) and not mailto else ""
    if p.apply_url:  # issue 16: a role applied for on another site: that is the apply button
        mailto, contact_url = "", p.apply_url
    link = link_of(p, config)
    context = {
        **_common(config, lang),
        "site_title": config.title,
        "title": p.title,
        "role": p.role,
        "team": p.team,
        "contract": p.contract,
        "summary": rendered.summary,
        "discovery": _discovery(config, page),
        "canonical": link if link.startswith(("https://", "http://")) else "",
        "index_href": relative_href(index, page) if index else "",
        "banner": banner,
        "is_open": role.is_open,
        "opened_iso": time_attribute(p.opened),
        "opened_day": long_date(p.opened.day, lang) if p.opened else "",
        "deadline_iso": time_attribute(deadline),
        "deadline_day": deadline_text(deadline, lang) if deadline else "",
        # Sanitized by markup.render (nh3): no script, no event handler, no javascript: URL.
        "content": Markup(rendered.content),
        "form_url": _form_url(p, config) if role.is_open and not p.apply_url else "",
        "mailto": mailto,
        "contact": contact,
        "contact_url": contact_url,
        "jsonld": script_json(data) if (data := job_posting(role, rendered, config, now)) else "",
        "style": style(),
    }
    return environment().get_template("posting.html").render(context).encode("utf-8")


def tombstone_html(config: Config, page: str, lang: str, index: str = "index.html") -> bytes:
    """The page left at `page` for a while once its role is gone: says so, links to the index, asks
    search engines to drop it (noindex); no JSON-LD, no way to apply, nothing that depends on the role."""
    context = {
        **_common(config, lang),
        "site_title": config.title,
        "discovery": [],
        "canonical": "",
        "index_href": relative_href(index, page) if index else "",
        "style": style(),
    }
    return environment().get_template("gone.html").render(context).encode("utf-8")
