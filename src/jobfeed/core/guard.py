"""The one rule for "most roles vanished at once": a wrong postings folder or a bad merge, not a decision.

`jobfeed build` (against the roles its previous build published) and `jobfeed notify` (against the
roles its state knows) both stop on it unless told `--force`.
"""

from __future__ import annotations

#: Fewer vanished roles than this never stop a run, whatever their share.
MASS_MINIMUM = 5


def is_mass_disappearance(known: int, gone: int) -> bool:
    """More than half of the `known` roles, and at least MASS_MINIMUM, are `gone`."""
    return gone >= MASS_MINIMUM and gone * 2 > known
