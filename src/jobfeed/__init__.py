"""jobfeed: feeds, pages and chat announcements of a team's open roles, from Markdown postings.

The public API; everything the command line does can be done from here.
"""

from jobfeed._version import __version__
from jobfeed.config import ChannelConfig, Config, config_from_dict, load_config
from jobfeed.core.dates import Moment
from jobfeed.core.lifecycle import Catalog, Role, State, classify
from jobfeed.core.postings import Loaded, Posting, load_posting, load_postings
from jobfeed.errors import ConfigError, JobfeedError, OutputError, PostingError, Problem, UsageError
from jobfeed.publish.build import BuildReport, build

__all__ = [
    "BuildReport",
    "Catalog",
    "ChannelConfig",
    "Config",
    "ConfigError",
    "JobfeedError",
    "Loaded",
    "Moment",
    "OutputError",
    "Posting",
    "PostingError",
    "Problem",
    "Role",
    "State",
    "UsageError",
    "__version__",
    "build",
    "classify",
    "config_from_dict",
    "load_config",
    "load_posting",
    "load_postings",
]

# Managing roles without editing YAML (jobfeed new, list, close, extend, preview).
from jobfeed.author.closing import Outcome, close_role, extend_role
from jobfeed.author.edit import EditError, edit_file, set_field
from jobfeed.author.listing import Row, rows
from jobfeed.author.new import NewRole, PostingExists, create_posting
from jobfeed.author.preview import Preview, preview
from jobfeed.author.resolve import RoleNotFound, find_role, resolve

__all__ += [
    "EditError",
    "NewRole",
    "Outcome",
    "PostingExists",
    "Preview",
    "RoleNotFound",
    "Row",
    "close_role",
    "create_posting",
    "edit_file",
    "extend_role",
    "find_role",
    "preview",
    "resolve",
    "rows",
    "set_field",
]

# Announcing to chat (`jobfeed notify`).
from jobfeed.announce.diff import Event, diff  # noqa: E402
from jobfeed.announce.notify import NotifyReport, notify  # noqa: E402
from jobfeed.announce.state import NotifyState, load_state  # noqa: E402

__all__ += ["Event", "NotifyReport", "NotifyState", "diff", "load_state", "notify"]
