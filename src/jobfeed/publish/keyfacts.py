"""The line at the top of every feed entry's content: deadline, contract, team and how to apply.

Feed readers show an entry's title and content; categories and JSON Feed's `_jobfeed` object are
seldom shown. This line puts what a candidate decides on in the text itself, in the site's
language, as HTML that every reader renders (a paragraph, bold labels, links). Pure: the posting,
its link and the configuration in, escaped HTML out. It depends on nothing but what
`_incremental.splice.entry_key` covers (the posting's fields, the link, `[site] language` and
`[pages] form_url`).
"""

from __future__ import annotations

import html
from urllib.parse import quote

from jobfeed.config import Config
from jobfeed.core.humandates import deadline_text, language_of
from jobfeed.core.markup import is_safe_url
from jobfeed.core.postings import Posting

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "deadline": "Clôture",
        "no_deadline": "pas de date de clôture",
        "contract": "Contrat",
        "team": "Équipe",
        "apply": "Candidater",
        "form": "formulaire de candidature",
        "page": "voir l'offre",
        "subject": "Candidature : {role}",
        "colon": " : ",
    },
    "en": {
        "deadline": "Closing date",
        "no_deadline": "no closing date",
        "contract": "Contract",
        "team": "Team",
        "apply": "Apply",
        "form": "application form",
        "page": "see the role",
        "subject": "Application: {role}",
        "colon": ": ",
    },
}


def _a(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{html.escape(text, quote=False)}</a>'


def _apply(posting: Posting, link: str, config: Config, words: dict[str, str]) -> str:
    """How to apply, as the role's page says it: the form, else the e-mail, else the contact's
    address, else the role's page."""
    contact = posting.contact.strip()
    template = config.pages.form_url
    if posting.application_form and template:
        values = {"id": posting.id, "slug": posting.slug, "role": posting.role, "team": posting.team}
        url = template.format(**{k: quote(v, safe="") for k, v in values.items()})
        if is_safe_url(url):
            return _a(url, words["form"])
    if "@" in contact and not contact.lower().startswith(("javascript:", "mailto:", "http")):
        subject = words["subject"].format(role=posting.role)
        return _a(f"mailto:{quote(contact, safe='@')}?subject={quote(subject, safe='')}", contact)
    if contact.startswith(("https://", "http://")) and is_safe_url(contact):
        return _a(contact, contact)
    if contact:
        return html.escape(contact, quote=False)
    return _a(link, words["page"]) if is_safe_url(link) else ""


def key_facts_html(posting: Posting, link: str, config: Config) -> str:
    """`<p>` with the deadline, contract, team and how to apply, in `[site] language`, then a newline."""
    words = WORDS[language_of(config.language)]
    lang = language_of(config.language)
    deadline = deadline_text(posting.deadline, lang) if posting.deadline else words["no_deadline"]
    facts = [(words["deadline"], html.escape(deadline, quote=False))]
    if posting.contract:
        facts.append((words["contract"], html.escape(posting.contract, quote=False)))
    if posting.team:
        facts.append((words["team"], html.escape(posting.team, quote=False)))
    how = _apply(posting, link, config, words)
    if how:
        facts.append((words["apply"], how))
    return (
        "<p>"
        + " · ".join(f"<strong>{label}</strong>{words['colon']}{value}" for label, value in facts)
        + "</p>\n"
    )
