"""The state file moves out of the published folder: `feeds/state.json` -> `.jobfeed/state.json`.

Up to 0.1, the state sat beside the feeds, so a site that published its output folder also
published the roles scheduled and not public yet. From 0.2 its default place is
`config.DEFAULT_STATE` (committed, never uploaded). A state left at the old place is moved on the
next run that uses the default: its bytes are written to the new place atomically, and only
then is the old file removed, so a crash at any point leaves a whole state somewhere.
"""

from __future__ import annotations

from pathlib import Path

from jobfeed.errors import StateError
from jobfeed.output import write_atomic

LEGACY_NAME = "state.json"


def legacy_state(out: str | Path) -> Path:
    """Where jobfeed 0.1 kept the state by default: in the output folder."""
    return Path(out) / LEGACY_NAME


def relocate_state(legacy: Path, target: Path, *, dry_run: bool = False) -> tuple[Path, bool]:
    """The state file to use, and whether a state was moved from `legacy` to `target` to get there.

    A dry run moves nothing: it reads the old file where it is. When both files exist with the
    same bytes, the old one is a leftover and is removed; with different bytes, nothing is
    guessed: the error names both and how to choose.
    """
    if not legacy.is_file() or legacy.resolve() == target.resolve():
        return target, False
    try:
        old = legacy.read_bytes()
        new = target.read_bytes() if target.is_file() else None
    except OSError as e:
        raise StateError(f"{legacy}: cannot read the state file to move it to {target}: {e}") from e
    if new is not None and new != old:
        raise StateError(
            f"{legacy} and {target} are both state files and differ: since jobfeed 0.2 the state "
            f"lives in {target}. Keep the right one (usually {target}, the one the last runs wrote) "
            f"and delete the other, e.g. 'git rm {legacy}'"
        )
    if dry_run:
        return (target if new is not None else legacy), False
    try:
        if new is None:
            write_atomic(target, old)  # synced and renamed into place before the old one goes
        legacy.unlink()
    except OSError as e:
        raise StateError(
            f"cannot move the state file {legacy} to {target}: {e.strerror or e}; nothing was sent, "
            f"{legacy} is unchanged"
        ) from e
    return target, new is None
