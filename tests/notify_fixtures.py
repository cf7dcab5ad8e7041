"""Postings written to a temporary folder, and counting the roles that a chat channel was shown."""

from __future__ import annotations

import collections
import json
import re
from pathlib import Path
from typing import Any

EARLY = "2024-02-20T09:00:00+01:00"
NOW = "2024-03-01T09:00:00+01:00"
LATER = "2024-03-02T09:00:00+01:00"


def write_posting(folder: Path, slug: str, role: str, team: str = "Équipe", **front: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        "---",
        f"role: {json.dumps(role, ensure_ascii=False)}",
        f"equipe: {json.dumps(team, ensure_ascii=False)}",
    ]
    front.setdefault("poste_ouvert", "2024-01-15")
    front.setdefault("contrat", "CDD")
    front.setdefault("contact", "rh@example.org")
    for key, value in front.items():
        lines.append(f"{key}: {value}")
    lines += ["---", "", "Une mission.", ""]
    path = folder / f"{slug}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_roles(folder: Path, numbers: range, **front: Any) -> None:
    for n in numbers:
        write_posting(folder, f"role-{n:03d}", f"Role {n:03d}", **front)


ROLE = re.compile(r"Role \d{3}")


def roles_in(payload: dict[str, Any]) -> list[str]:
    """The role titles a message shows (Slack: its blocks, not the notification text)."""
    text = json.dumps(payload["blocks"], ensure_ascii=False) if "blocks" in payload else payload["text"]
    return ROLE.findall(text)


def shown_counts(payloads: list[dict[str, Any]]) -> collections.Counter[str]:
    return collections.Counter(role for payload in payloads for role in roles_in(payload))


def config_toml(tmp: Path, body: str = "") -> Path:
    path = tmp / "jobfeed.toml"
    path.write_text('[site]\nurl = "https://jobs.example.org/"\n' + body, encoding="utf-8")
    return path
