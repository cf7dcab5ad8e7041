"""jobfeed: feeds, pages and chat announcements of a team's open roles, from Markdown postings.

The public API; everything the command line does can be done from here.
"""

__version__ = "0.1.0"

from .build import BuildReport, build
from .config import ChannelConfig, Config, config_from_dict, load_config
from .dates import Moment
from .errors import ConfigError, JobfeedError, OutputError, PostingError, Problem, UsageError
from .lifecycle import Catalog, Role, State, classify
from .postings import Loaded, Posting, load_posting, load_postings

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
from .actions import Outcome, close_role, extend_role
from .edit import EditError, edit_file, set_field
from .listing import Row, rows
from .new import NewRole, PostingExists, create_posting
from .preview import Preview, preview
from .resolve import RoleNotFound, find_role, resolve

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
from .diff import Event, diff  # noqa: E402
from .notify import NotifyReport, notify  # noqa: E402
from .state import NotifyState, load_state  # noqa: E402

__all__ += ["Event", "NotifyReport", "NotifyState", "diff", "load_state", "notify"]
