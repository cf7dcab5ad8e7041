"""schema.org JobPosting of a role, as search engines read it (Google for Jobs), and its safe <script> form.

Built as a dict and serialized as json.dumps(indent=2) would; `<`, `>` and `&` are then written as `\\u003c`, … so
that no value (a role named `</script>…`) can end the script element. JSON readers see the same text.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from markupsafe import Markup
from slugify import slugify

from jobfeed.config import Config
from jobfeed.core.identity import entry_id, link_of, name_date
from jobfeed.core.lifecycle import Role, State
from jobfeed.core.markup import Rendered
from jobfeed.publish.feeds import indented_json

#: Words of a contract (ASCII, lower case) -> schema.org employmentType values, in this order.
EMPLOYMENT_TYPES: dict[str, tuple[str, ...]] = {
    "cdi": ("FULL_TIME",),
    "cdd": ("FULL_TIME", "TEMPORARY"),
    "temps-plein": ("FULL_TIME",),
    "full-time": ("FULL_TIME",),
    "titulaire": ("FULL_TIME",),
    "fonctionnaire": ("FULL_TIME",),
    "detachement": ("FULL_TIME",),
    "temps-partiel": ("PART_TIME",),
    "mi-temps": ("PART_TIME",),
    "part-time": ("PART_TIME",),
    "independant": ("CONTRACTOR",),
    "freelance": ("CONTRACTOR",),
    "prestataire": ("CONTRACTOR",),
    "prestation": ("CONTRACTOR",),
    "contractor": ("CONTRACTOR",),
    "stage": ("INTERN",),
    "stagiaire": ("INTERN",),
    "internship": ("INTERN",),
    "alternance": ("INTERN",),
    "apprentissage": ("INTERN",),
    "interim": ("TEMPORARY",),
    "temporary": ("TEMPORARY",),
    "vacataire": ("PER_DIEM",),
    "benevole": ("VOLUNTEER",),
    "benevolat": ("VOLUNTEER",),
    "volontaire": ("VOLUNTEER",),
    "service-civique": ("VOLUNTEER",),
    "volunteer": ("VOLUNTEER",),
}


def employment_types(contract: str) -> list[str]:
    """ "indépendant/freelance" -> ["CONTRACTOR"], "CDD" -> ["FULL_TIME", "TEMPORARY"], unknown -> ["OTHER"].

    Every known word or phrase of the contract counts, in the order the contract writes them.
    """
    return list(_employment_types(contract))


@functools.lru_cache(maxsize=1024)
def _employment_types(contract: str) -> tuple[str, ...]:
    """Computed once per contract: a site has a few, and slugify costs ~50 µs a call."""
    words = f"-{slugify(contract)}-"
    hits = sorted(
        (words.index(f"-{key}-"), kinds) for key, kinds in EMPLOYMENT_TYPES.items() if f"-{key}-" in words
    )
    found: list[str] = []
    for _, kinds in hits:
        found.extend(kind for kind in kinds if kind not in found)
    return tuple(found) or ("OTHER",)


def valid_through(role: Role, now: dt.datetime) -> dt.datetime | None:
    """The deadline; for a role closed before its deadline, a past instant from the posting's own dates.

    Google asks that a closed role keeps its page with validThrough in the past. Without a
    passed deadline, the newest of the posting's own past dates is used, else the day its file
    name starts with; never the build clock, so that the page does not change at every build.
    None for a closed role with no date at all (its page then carries no JobPosting).
    """
    posting = role.posting
    deadline = posting.deadline
    end = None if deadline is None else deadline.end - dt.timedelta(seconds=1 if deadline.all_day else 0)
    if role.state is State.OPEN:
        return end
    if end is not None and end < now:
        return end
    past = [m.at for m in (posting.updated, posting.opened) if m is not None and m.at < now]
    named = name_date(posting)
    if named is not None and named < now:
        past.append(named)
    return max(past, default=None)


_TICK = dt.timedelta(microseconds=1)
_SECOND = dt.timedelta(seconds=1)


def valid_through_changes(role: Role) -> list[dt.datetime]:
    """The instants (in UTC) just after which `valid_through(role, now)` can change for a role
    that keeps its state: it compares `now` with these dates only (`x < now` turns true one
    microsecond after `x`, the clock's resolution)."""
    posting = role.posting
    deadline = posting.deadline
    found = [m.utc + _TICK for m in (posting.updated, posting.opened) if m is not None]
    if deadline is not None:
        found.append(deadline.end_utc - _SECOND + _TICK if deadline.all_day else deadline.end_utc + _TICK)
    named = name_date(posting)
    if named is not None:
        found.append(named + _TICK)
    return found


def job_posting(role: Role, rendered: Rendered, config: Config, now: dt.datetime) -> dict[str, Any] | None:
    """The JobPosting dict; only properties jobfeed knows are present. None for a role that has
    ended without any date to put in validThrough: search engines are to drop it."""
    posting = role.posting
    until = valid_through(role, now)
    if until is None and not role.is_open:
        return None
    pages = config.pages
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.role,
        "description": rendered.content or rendered.summary or posting.role,
        "identifier": {
            "@type": "PropertyValue",
            "name": organization_name(config),
            "value": entry_id(posting, config),
        },
    }
    if posting.opened is not None:
        data["datePosted"] = posting.opened.isoformat()
    if until is not None:
        data["validThrough"] = until.isoformat()
    kinds = employment_types(posting.contract) if posting.contract else []
    if kinds:
        data["employmentType"] = kinds[0] if len(kinds) == 1 else kinds
    organization: dict[str, Any] = {"@type": "Organization", "name": organization_name(config)}
    if pages.organization.url or config.site_url:
        organization["sameAs"] = pages.organization.url or config.site_url
    if pages.organization.logo:
        organization["logo"] = pages.organization.logo
    if posting.team and posting.team != organization["name"]:
        organization["department"] = {"@type": "Organization", "name": posting.team}
    data["hiringOrganization"] = organization
    address = pages.location.address()
    if address:
        data["jobLocation"] = {"@type": "Place", "address": {"@type": "PostalAddress", **address}}
    if pages.location.remote:
        data["jobLocationType"] = "TELECOMMUTE"
        if pages.location.country:
            data["applicantLocationRequirements"] = {"@type": "Country", "name": pages.location.country}
    link = link_of(posting, config)
    if link.startswith(("https://", "http://")):
        data["url"] = link
    return data


def organization_name(config: Config) -> str:
    return config.pages.organization.name or config.author or config.title


def script_json(data: dict[str, Any]) -> Markup:
    """JSON that is safe between <script> and </script>: no `<`, `>` or `&` appears as such."""
    text = indented_json(data)  # json.dumps(data, ensure_ascii=False, indent=2), 3 times faster
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)
