"""jobfeed: feeds, pages and chat announcements of a team's open roles, from Markdown postings.

The public API; everything the command line does can be done from here. Every exception jobfeed
raises on purpose is a `JobfeedError` and is exported here. Only the CLI imports this module; the
package's own modules import each other directly (ARCHITECTURE.md).
"""

from jobfeed._version import __version__
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
from jobfeed.ping import PingReport, publish_ping
from jobfeed.publish.build import BuildReport, build

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
