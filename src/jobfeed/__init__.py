"""jobfeed: feeds, pages and chat announcements of a team's open roles, from Markdown postings.

The public API; everything the command line does can be done from here. Every exception jobfeed
raises on purpose is a `JobfeedError` and is exported here. Only the CLI imports this module; the
package's own modules import each other directly (ARCHITECTURE.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jobfeed._version import __version__
from jobfeed.errors import (
    ConfigError,
    DeliveryError,
    EditError,
    FolderMissing,
    GuardError,
    JobfeedError,
    LockedError,
    OutputError,
    PostingChanged,
    PostingError,
    PostingExists,
    Problem,
    RoleNotFound,
    StateError,
    UsageError,
)

if TYPE_CHECKING:
    from jobfeed.announce.diff import Event, diff
    from jobfeed.announce.notify import NotifyReport, notify
    from jobfeed.announce.state import NotifyState, load_state
    from jobfeed.author.closing import Outcome, close_role, extend_role
    from jobfeed.author.edit import edit_file, set_field
    from jobfeed.author.listing import Row, rows
    from jobfeed.author.new import NewRole, create_posting
    from jobfeed.author.preview import Preview, preview
    from jobfeed.author.resolve import find_role, resolve
    from jobfeed.config import ChannelConfig, Config, config_from_dict, load_config
    from jobfeed.core.dates import Moment
    from jobfeed.core.lifecycle import Catalog, Role, State, classify
    from jobfeed.core.postings import Loaded, Posting, load_posting, load_postings
    from jobfeed.ping import PingReport, publish_ping
    from jobfeed.publish.build import BuildReport, build

#: Where each of the other public names is: imported on first use (PEP 562), so that a command
#: pays only for what it uses (`jobfeed build` imported notify, ping and requests: ~0.1 s).
_LAZY = {
    "Event": "jobfeed.announce.diff",
    "diff": "jobfeed.announce.diff",
    "NotifyReport": "jobfeed.announce.notify",
    "notify": "jobfeed.announce.notify",
    "NotifyState": "jobfeed.announce.state",
    "load_state": "jobfeed.announce.state",
    "Outcome": "jobfeed.author.closing",
    "close_role": "jobfeed.author.closing",
    "extend_role": "jobfeed.author.closing",
    "edit_file": "jobfeed.author.edit",
    "set_field": "jobfeed.author.edit",
    "Row": "jobfeed.author.listing",
    "rows": "jobfeed.author.listing",
    "NewRole": "jobfeed.author.new",
    "create_posting": "jobfeed.author.new",
    "Preview": "jobfeed.author.preview",
    "preview": "jobfeed.author.preview",
    "find_role": "jobfeed.author.resolve",
    "resolve": "jobfeed.author.resolve",
    "ChannelConfig": "jobfeed.config",
    "Config": "jobfeed.config",
    "config_from_dict": "jobfeed.config",
    "load_config": "jobfeed.config",
    "Moment": "jobfeed.core.dates",
    "Catalog": "jobfeed.core.lifecycle",
    "Role": "jobfeed.core.lifecycle",
    "State": "jobfeed.core.lifecycle",
    "classify": "jobfeed.core.lifecycle",
    "Loaded": "jobfeed.core.postings",
    "Posting": "jobfeed.core.postings",
    "load_posting": "jobfeed.core.postings",
    "load_postings": "jobfeed.core.postings",
    "PingReport": "jobfeed.ping",
    "publish_ping": "jobfeed.ping",
    "BuildReport": "jobfeed.publish.build",
    "build": "jobfeed.publish.build",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jobfeed' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "BuildReport",
    "Catalog",
    "ChannelConfig",
    "Config",
    "ConfigError",
    "DeliveryError",
    "EditError",
    "Event",
    "FolderMissing",
    "GuardError",
    "JobfeedError",
    "Loaded",
    "LockedError",
    "Moment",
    "NewRole",
    "NotifyReport",
    "NotifyState",
    "Outcome",
    "OutputError",
    "PingReport",
    "Posting",
    "PostingChanged",
    "PostingError",
    "PostingExists",
    "Preview",
    "Problem",
    "Role",
    "RoleNotFound",
    "Row",
    "State",
    "StateError",
    "UsageError",
    "__version__",
    "build",
    "classify",
    "close_role",
    "config_from_dict",
    "create_posting",
    "diff",
    "edit_file",
    "extend_role",
    "find_role",
    "load_config",
    "load_posting",
    "load_postings",
    "load_state",
    "notify",
    "preview",
    "publish_ping",
    "resolve",
    "rows",
    "set_field",
]
