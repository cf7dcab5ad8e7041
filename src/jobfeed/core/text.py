"""Text from postings made safe to publish and to name files: invalid characters removed, slugs.

Both are pure functions of their input, shared by the loader and the writers.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
from collections.abc import Callable
from typing import Any

from slugify import slugify

SLUG_MAX = 80
#: python-slugify 9 tries to import Unidecode on every call when its backend is "auto" (1.5 s per
#: 10,000 accented names when it is not installed) and picks whichever is installed. Naming the
#: backend that python-slugify always depends on is faster and keeps ids the same on every machine.
_SLUGIFY: dict[str, Any] = (
    {"backend": "text-unidecode"} if "backend" in inspect.signature(slugify).parameters else {}
)


#: Printable ASCII but '&' (entities), "'" (dropped) and ',' (dropped between digits): slugify
#: lowercases these names and turns each run of other characters than letters and digits into '-'.
_PLAIN_NAME = re.compile(r"[\x20-\x25\x28-\x2b\x2d-\x7e]*\Z")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug_of(stem: str) -> str:
    """An ASCII slug of a file name that stays short; long names keep a hash so they stay unique."""
    plain = stem if stem.isascii() else stem.translate(_latin_fold())
    if _PLAIN_NAME.match(plain):  # slugify's result, 8 times faster (tests compare the two)
        slug = _NOT_SLUG.sub("-", plain.lower()).strip("-") or "poste"
        if len(slug) <= SLUG_MAX:
            return slug
    return _slugified(stem)


@functools.cache
def _latin_fold() -> dict[int, str]:
    """What python-slugify makes of each character of U+0080-U+024F (accented Latin letters, '·',
    'ß'...) before its ASCII steps: the transliteration of the character's NFKD form, by the module
    it would use. Up to there slugify works character by character, so a name folded with this
    slugs as the name does when it folds to a `_PLAIN_NAME` (tests compare them)."""
    import unicodedata

    unidecode = _transliterator()
    return {code: unidecode(unicodedata.normalize("NFKD", chr(code))) for code in range(0x80, 0x250)}


def _transliterator() -> Callable[[str], str]:
    """The transliteration `_slugified` gets from python-slugify: text-unidecode's when it is named
    (`_SLUGIFY`), else (python-slugify 8) Unidecode's when installed, as python-slugify picks."""
    if not _SLUGIFY:
        try:
            from unidecode import unidecode

            return unidecode  # type: ignore[no-any-return]
        except ModuleNotFoundError:
            pass
    from text_unidecode import unidecode as text_unidecode

    return text_unidecode  # type: ignore[no-any-return]


def _slugified(stem: str) -> str:
    slug = slugify(stem, **_SLUGIFY) or "poste"
    if len(slug) > SLUG_MAX:
        digest = hashlib.sha1(stem.encode("utf-8")).hexdigest()[:8]
        slug = slugify(stem, max_length=SLUG_MAX - 9, word_boundary=True, **_SLUGIFY) + "-" + digest
    return slug


_NONCHARACTERS = "".join(
    f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000)
)
#: What XML 1.0 forbids, and what HTML5 calls a parse error: C0 and C1 controls but tab, line
#: feed and carriage return, DEL, lone surrogates, and the noncharacters (U+FDD0-U+FDEF, U+xFFFE/F).
_XML_INVALID = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef{_NONCHARACTERS}]")


_ASCII_INVALID = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def is_clean(raw: bytes) -> bool:
    """True when UTF-8 `raw` holds none of the characters `clean_text` removes: checked on the
    bytes, 30x faster than running it on a 4 KB body (valid UTF-8 has no surrogates)."""
    if len(raw.translate(None, _ASCII_INVALID)) != len(raw):
        return False
    c1, nonchar, last = _UTF8_SUSPECTS
    return c1.search(raw) is None and nonchar.search(raw) is None and last.search(raw) is None


#: The UTF-8 of C1 controls (C2 80-9F), of U+FDD0-U+FDEF (EF B7 90-AF) and the end of every
#: U+xFFFE/U+xFFFF (.. BF BE/BF); they also match some valid text, never miss those. Three
#: patterns that start with a fixed byte, which `re` looks for with a fast scan: 2.5x faster
#: than one pattern of the three alternatives on accented text.
_UTF8_SUSPECTS = (
    re.compile(rb"\xc2[\x80-\x9f]"),
    re.compile(rb"\xef\xb7[\x90-\xaf]"),
    re.compile(rb"\xbf[\xbe\xbf]"),
)


def clean_text(text: str) -> str:
    """Remove the characters XML 1.0 forbids and HTML5 reports as errors, which feeds and parsers choke on.

    Most text has none: that is checked on its UTF-8 first (`is_clean`), seven times faster than
    `_XML_INVALID` on accented text (whose character class has ~25 ranges to try for each letter
    beyond ASCII).
    """
    if text.isprintable():  # every character it removes is a control, a surrogate or unassigned
        return text
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return _XML_INVALID.sub("", text)
    return text if is_clean(raw) else _XML_INVALID.sub("", text)


_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders numbers by value: `n°2` before `n°10`, case folded (`Poste n°10` ->
    ((1, 'poste n°'), (0, 10), (1, ''))). Numbers sort before text at the same position."""
    return tuple(
        (0, int(part)) if i % 2 else (1, part) for i, part in enumerate(_DIGITS.split(text.casefold()))
    )
