"""Why the Action's push of the feeds failed, from git's own stderr, and what to do about it. Pure.

Three failures are not a race that a rebase and another try can fix, and each has its own fix:

- a protected branch (or a ruleset): GitHub answers `GH006: Protected branch update failed` and
  `(protected branch hook declined)`, or `GH013: Repository rule violations found`;
- a token that may only read: `Permission to OWNER/REPO.git denied to github-actions[bot].` with
  `The requested URL returned error: 403`, the default `GITHUB_TOKEN` of a workflow without
  `permissions: contents: write`;
- no credentials at all: `could not read Username for 'https://github.com'`, after
  `actions/checkout` with `persist-credentials: false`.

Anything else (the branch moved since the checkout: `[rejected] … (fetch first)`) is left to the
rebase-and-retry loop of `action.yml`.
"""

from __future__ import annotations

import re

_PROTECTED = re.compile(
    r"GH006: Protected branch update failed|protected branch hook declined|GH013: Repository rule violations"
)
_DENIED = re.compile(r"Permission to (?P<repo>\S+?) denied to (?P<who>\S+?)\.?(?:\s|$)")
_NO_CREDENTIALS = re.compile(r"could not read (?:Username|Password) for")
_HTTP_403 = re.compile(r"The requested URL returned error: 403")


def push_failure(stderr: str, branch: str) -> str | None:
    """The error to show for a push that must not be retried, with its fix; None for any other failure."""
    where = f"cannot push the feeds to {branch}"
    if _PROTECTED.search(stderr):
        return (
            f"{where}: it is a protected branch (GitHub declined the push to it). Let the workflow push "
            f"there: in Settings → Rules (or Branches), allow GitHub Actions to bypass the rule that "
            f"protects {branch}; or push with a token that may (actions/checkout's `token:`, a GitHub "
            "App's or a deploy key); or set the action's `commit: false` and commit the state otherwise"
        )
    denied = _DENIED.search(stderr)
    if denied or _HTTP_403.search(stderr):
        who = denied.group("who") if denied else "the job's token"
        if who == "github-actions[bot]" or not denied:
            return (
                f"{where}: {who} may only read the repository (HTTP 403). Give the job write access: "
                "add `permissions: contents: write` to the workflow (or to this job), and if the "
                "organisation restricts it, allow it in Settings → Actions → General → Workflow permissions"
            )
        return (
            f"{where}: {who}, whose token the checkout kept, may not write to {denied.group('repo')} "
            "(HTTP 403). Give that account or token write access, or check out with the job's own token "
            "and `permissions: contents: write`"
        )
    if _NO_CREDENTIALS.search(stderr):
        return (
            f"{where}: git has no credentials to push with (it asked for a user name). The checkout step "
            "has `persist-credentials: false`: remove that line (the default keeps the job's token for "
            "git), or set up credentials for git before the jobfeed step"
        )
    return None
