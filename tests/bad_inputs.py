"""A folder holding every bad input of the build issue, with the problem each one must produce."""

from __future__ import annotations

from pathlib import Path

LONG_NAME = "Chargé·e d'études  – " + "très " * 33 + "longue.md"

# file name -> (line, level, words the message must contain)
EXPECTED: dict[str, list[tuple[int, str, str]]] = {
    "malformed-yaml.md": [(3, "error", "invalid YAML front matter: did not find expected ',' or ']'")],
    "no-front-matter.md": [(1, "error", "no front matter; the file must start with a line '---'")],
    "empty.md": [(1, "error", "empty file")],
    "latin1.md": [(5, "error", "byte 0xe9 is not UTF-8; save the file as UTF-8")],
    "bom.md": [
        (1, "warning", "no contact; add 'contact: <e-mail or web address to apply>'"),
        (1, "warning", "no opening date; add 'poste_ouvert: YYYY-MM-DD' (until then its feed entry is dated"),
        (3, "warning", "unknown key 'post_ouvert', did you mean 'poste_ouvert'?"),
    ],
    "crlf.md": [
        (
            3,
            "error",
            "invalid date '2022-04-T15:00:00.000Z' for poste_ferme, expected YYYY-MM-DD or an ISO 8601",
        )
    ],
    "huge.md": [(1, "error", "file is 10.0 MiB, over the 1.0 MiB limit")],
    "bomb.md": [(2, "error", "front matter expands to more than 10000 values (YAML aliases)")],
    "list.md": [(2, "error", "front matter is a list; write 'key: value' lines")],
    "scalar.md": [(2, "error", "front matter is the single value 'Just a sentence'")],
    "no-role.md": [(1, "error", "no role; add a line 'role: <title of the role>'")],
    "empty-front-matter.md": [(1, "error", "no role; add a line 'role: <title of the role>'")],
    "null-front-matter.md": [(1, "error", "no role; add a line 'role: <title of the role>'")],
    "role-number.md": [(3, "error", "role must be the title of the role as text, not int '42'")],
    "role-list-of-maps.md": [(2, "error", "role must be the title of the role as text, not a list")],
    "bad-dates.md": [
        (3, "error", "invalid date '2024-13-01' for poste_ouvert"),
        (4, "error", "invalid date 'demain' for poste_ferme"),
        (5, "error", "invalid date '2022-04-T15:00:00.000Z' for mis_a_jour"),
        # poste_ferme is there already: renaming the typo would repeat it.
        (6, "warning", "unknown key 'post_ferme', and 'poste_ferme' is on line 4; remove it"),
    ],
    # on a first build (no published.json), neither of two files claiming one id is published
    "dup-a.md": [
        (1, "warning", "no contact; add 'contact: <e-mail or web address to apply>'"),
        (1, "warning", "no opening date; add 'poste_ouvert: YYYY-MM-DD' (until then its feed entry is dated"),
        (3, "error", "id 'same' is claimed by "),
    ],
    "dup-b.md": [
        (1, "warning", "no contact; add 'contact: <e-mail or web address to apply>'"),
        (1, "warning", "no opening date; add 'poste_ouvert: YYYY-MM-DD' (until then its feed entry is dated"),
        (3, "error", "id 'same' is claimed by "),
    ],
    "traversal.md": [(3, "error", "id '../../x' is not a usable id")],
    "link.md": [(1, "error", "symbolic link to a file outside the postings folder")],
    "quote.md": [
        (2, "error", "found unexpected end of stream while scanning a quoted scalar that starts here")
    ],
}

EXPECTED[LONG_NAME] = [(1, "warning", "no contact; add 'contact: <e-mail or web address to apply>'")]
EXPECTED["espace et accent é.md"] = EXPECTED[LONG_NAME]

# Valid despite their odd names or encodings: they must be published.
VALID = {"bom.md", LONG_NAME, "espace et accent é.md"}


def make_bad_postes(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, text: str | bytes) -> None:
        (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))

    write("malformed-yaml.md", "---\nrole: Dev\nequipe: [unclosed\ncontrat: CDD\n---\nbody\n")
    write("no-front-matter.md", "# Un poste\n\nrole: Dev\n")
    write("empty.md", "")
    write("latin1.md", "---\nrole: Dev\n---\n\nCaf\xe9 offert\n".encode("latin-1"))
    write("bom.md", "\ufeff---\nrole: Avec BOM\npost_ouvert: 2024-01-01\n---\nbody\n")
    write("crlf.md", "---\r\nrole: CRLF\r\nposte_ferme: 2022-04-T15:00:00.000Z\r\n---\r\nbody\r\n")
    write("huge.md", "---\nrole: Huge\n---\n" + "x" * (10 * 1024 * 1024))
    laughs = "".join(
        f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n"
        for prev, name in zip("abcde", "bcdef", strict=True)
    )
    write("bomb.md", "---\nrole: Bomb\na: &a [x, x, x, x, x, x, x, x, x]\n" + laughs + "---\n")
    write("list.md", "---\n- role\n- Dev\n---\n")
    write("scalar.md", "---\nJust a sentence\n---\n")
    write("no-role.md", "---\nequipe: X\ncontrat: CDD\n---\n")
    write("empty-front-matter.md", "---\n---\n")
    write("null-front-matter.md", "---\nNULL\n---\n")  # YAML null: crashed the loader (hypothesis)
    write("role-number.md", "---\nequipe: X\nrole: 42\n---\n")
    write("role-list-of-maps.md", "---\nrole:\n  - a: 1\n---\n")
    write(
        "bad-dates.md",
        "---\nrole: Dates\nposte_ouvert: 2024-13-01\nposte_ferme: demain\n"
        "mis_a_jour: 2022-04-T15:00:00.000Z\npost_ferme: 2024-01-01\n---\n",
    )
    write("dup-a.md", "---\nrole: A\nid: same\n---\n")
    write("dup-b.md", "---\nrole: B\nid: same\n---\n")
    write("traversal.md", "---\nrole: T\nid: ../../x\n---\n")
    write("quote.md", '---\nrole: "unclosed\nequipe: X\n---\n')
    outside = folder.parent / "outside.md"
    outside.write_text("---\nrole: Outside\n---\n", encoding="utf-8")
    (folder / "link.md").symlink_to(outside)
    write(LONG_NAME, "---\nrole: Long name\nposte_ouvert: 2024-01-02\n---\nbody\n")
    write("espace et accent é.md", "---\nrole: Accents\nposte_ouvert: 2024-01-03\n---\nbody\n")
    return folder
