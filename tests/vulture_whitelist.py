"""Names in src/jobfeed that are used where vulture cannot see it; read by vulture, never run.

`vulture` (configured in pyproject.toml's [tool.vulture]) scans src/jobfeed with this file, and
tests/test_architecture.py fails on any finding. Add a name here only with the reason it is used;
a name nothing uses is dead code to remove, not to list here.
"""

# ruff: noqa: B018
from vulture.whitelist_utils import Whitelist

_ = Whitelist()

# cli.py: click registers the subcommands through @cli.command(...); nothing calls them by name.
_.new_command
_.list_command
_.close_command
_.extend_command
_.preview_command
_.init_command
# github_action.py: the action's steps run `python -m jobfeed.github_action prepare|summarize`,
# subcommands registered through @cli.command().
_.prepare
_.summarize
_.push_failed
# cli.py: _UsageFailure.exit_code is read by click when the exception ends the command (exit 2).
_.exit_code

# config.py: Location's address parts are read with getattr(self, key) over ADDRESS_KEYS.
_.street_address
_.locality
_.region
_.postal_code
# config.py: PagesConfig.calendar is read with getattr(self, output) by PagesConfig.wants("calendar").
_.calendar

# publish/pages.py: RoleView fields read only by publish/templates/index.html (r.href, r.team_slug...).
_.href
_.team_slug
_.contract_slug
_.deadline_day
_.deadline_iso
_.opened_day
_.opened_iso

# announce/redact.py: SecretFilter sets record.msg, which logging reads when it formats the record.
_.msg
# author/preview.py: entry.tail is an lxml element's attribute, read when the element is serialized.
_.tail
# _incremental/parallel.py: Pool.__exit__(kind, value, tb) has the context-manager protocol's signature.
_.tb
# _incremental/loadcache.py: LoadCache.trusted counts the hits whose file was not read; the only
# way tests/test_loadcache.py sees that the unread path was taken.
_.trusted
# announce/jsonhook.py: webhook_schema() loads the published payload schema for a receiver written
# in Python (the README shows it) and for tests/test_jsonhook.py.
_.webhook_schema
# jobfeed/__init__.py: the module's __getattr__ and __dir__ (PEP 562), which Python calls for the
# public names imported on first use.
_.__getattr__
_.__dir__
