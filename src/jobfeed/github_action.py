"""The GitHub Action's Python side: its inputs checked, step outputs and the job summary.

`action.yml` keeps its shell steps thin and calls this module twice:

    python -m jobfeed.github_action prepare      # inputs -> resolved folders and flags (step outputs)
    python -m jobfeed.github_action summarize --check check.json --build build.json --notify notify.json
    python -m jobfeed.github_action push-failed --stderr push.err --branch main   # after a failed push

The reports are the `--json` outputs of `jobfeed check`, `jobfeed build` and `jobfeed notify`; any of
them may be missing (notify disabled, a step that failed), and the summary says so instead of failing.
The Markdown is a pure function of the reports (`action_summary.summary_markdown`); files, git and
the environment are touched only here, in the click commands at the bottom.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import click

from jobfeed.action_summary import (
    STALE_DAYS,
    Reports,
    notify_failure,
    outputs,
    stale_warning,
    summary_markdown,
)
from jobfeed.announce.redact import redact, secrets_of
from jobfeed.announce.relocate import legacy_state, relocate_state
from jobfeed.config import load_config
from jobfeed.errors import JobfeedError, UsageError


def last_error(path: str | Path | None) -> str:
    """The last `Error: …` line of a step's captured stderr, without `Error: `; "" when none."""
    if not path:
        return ""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    found = [line.removeprefix("Error: ") for line in lines if line.startswith("Error: ")]
    return found[-1] if found else ""


def read_report(path: str | Path | None) -> dict[str, Any] | None:
    """The JSON object in `path`, or None when there is no file, it is empty or it is not JSON."""
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


#: Shorter secrets are not replaced in the job summary, whose words and numbers they could be.
SHORTEST_SECRET = 8


def webhook_secrets(environ: Mapping[str, str], names: Iterable[str] = ()) -> list[str]:
    """Values of the webhook variables: the configured names and anything ending in _WEBHOOK_URL."""
    wanted = set(names)
    return [v for k, v in environ.items() if v and (k in wanted or k.endswith("_WEBHOOK_URL"))]


def hide_secrets(text: str, values: Iterable[str]) -> str:
    """`text` without the webhook URLs `values`, nor their paths and tokens (`redact.secrets_of`);
    for an SMTP or Apprise URL, every part of it too, decoded (its host may be a token)."""
    found = []
    for value in values:
        found += secrets_of(value)
        if not value.startswith(("https://", "http://")):
            from jobfeed.announce.apprise_kind import apprise_secrets

            found += apprise_secrets(value)
        found += [urllib.parse.unquote(s) for s in found]
    return redact(text, found, shortest=SHORTEST_SECRET)


def github_output(values: Mapping[str, str]) -> str:
    """`name=value` lines for $GITHUB_OUTPUT; multi-line values use the heredoc form."""
    lines = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            delimiter = f"EOF_{secrets.token_hex(8)}"
            lines += [f"{name}<<{delimiter}", value, delimiter]
        else:
            lines.append(f"{name}={value}")
    return "".join(line + "\n" for line in lines)


def feeds_changed(paths: Iterable[str], build: Mapping[str, Any] | None, cwd: str | Path = ".") -> bool:
    """Whether git sees changes under `paths`; outside a git work tree, whether build wrote files."""
    paths = [p for p in paths if p]
    if not paths:
        return bool((build or {}).get("written"))
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", *paths],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return bool((build or {}).get("written"))
    return bool(result.stdout.strip())


def parse_flag(name: str, value: str) -> bool:
    normalized = value.strip().lower()
    if normalized in ("true", "false"):
        return normalized == "true"
    raise UsageError(f"input '{name}' must be true or false, not {value!r}")


def _channel_variables(config_path: str) -> list[str]:
    """The webhook variable names configured in jobfeed.toml; none when it cannot be read."""
    try:
        return [v for c in load_config(config_path or None).channels for v in (c.env, c.secret_env) if v]
    except JobfeedError:
        return []


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Helpers of jobfeed's GitHub Action (action.yml)."""


@cli.command()
@click.option("--config", "config_path", envvar="INPUT_CONFIG", default="", help="jobfeed.toml to use.")
@click.option("--postes", envvar="INPUT_POSTES", default="", help="Folder of postings.")
@click.option("--feeds", envvar="INPUT_FEEDS", default="", help="Output folder.")
@click.option("--notify", envvar="INPUT_NOTIFY", default="true", help="Announce: true or false.")
@click.option("--commit", envvar="INPUT_COMMIT", default="true", help="Commit the feeds: true or false.")
@click.option("--dry-run", envvar="INPUT_DRY_RUN", default="false", help="Send nothing: true or false.")
@click.option(
    "--announce-existing",
    envvar="INPUT_ANNOUNCE_EXISTING",
    default="false",
    help="Announce the open roles never announced: true or false.",
)
@click.option(
    "--force", envvar="INPUT_FORCE", default="false", help="Go on when most roles vanished: true or false."
)
@click.option("--output", envvar="GITHUB_OUTPUT", default=None, help="Step output file.")
def prepare(
    config_path: str,
    postes: str,
    feeds: str,
    notify: str,
    commit: str,
    dry_run: str,
    announce_existing: str,
    force: str,
    output: str | None,
) -> None:
    """Check the inputs and resolve the folders from them and jobfeed.toml, as step outputs."""
    try:
        config = load_config(config_path or None)
        given = (
            ("notify", notify),
            ("commit", commit),
            ("dry-run", dry_run),
            ("announce-existing", announce_existing),
            ("force", force),
        )
        flags = {n: parse_flag(n, v) for n, v in given}
    except JobfeedError as e:
        raise click.ClickException(str(e)) from e
    feeds = feeds or config.out
    state, moved = Path(config.state_path), False
    if not config.state:  # the default place changed in 0.2: a state left in the feeds moves
        try:
            state, moved = relocate_state(legacy_state(feeds), state, dry_run=flags["dry-run"])
        except JobfeedError as e:
            raise click.ClickException(str(e)) from e
    if moved:
        click.echo(f"Moved the state from {legacy_state(feeds)} to {state} (out of the published folder).")
    values = {
        "postes": postes or config.postes,
        "feeds": feeds,
        "state": str(state),
        **{name: "true" if flag else "false" for name, flag in flags.items()},
        "cache": config.cache,
    }
    _append(output, github_output(values))
    click.echo(f"postings: {values['postes']}, feeds: {values['feeds']}, state: {values['state']}")


@cli.command()
@click.option("--check", "check_path", type=click.Path(dir_okay=False), help="`jobfeed check --format json`.")
@click.option("--build", "build_path", type=click.Path(dir_okay=False), help="`jobfeed build --json`.")
@click.option("--notify", "notify_path", type=click.Path(dir_okay=False), help="`jobfeed notify --json`.")
@click.option("--notify-enabled/--notify-disabled", default=True, help="Whether notify was meant to run.")
@click.option("--notify-status", default="", help="Exit status of `jobfeed notify`.")
@click.option("--build-errors", type=click.Path(dir_okay=False), help="`jobfeed build`'s stderr.")
@click.option("--notify-errors", type=click.Path(dir_okay=False), help="`jobfeed notify`'s stderr.")
@click.option("--feeds", default="", help="Output folder, to tell whether anything changed.")
@click.option("--state", default="", help="State file, to tell whether anything changed.")
@click.option("--stale-days", type=click.IntRange(min=1), default=STALE_DAYS, show_default=True)
@click.option("--config", "config_path", envvar="INPUT_CONFIG", default="", help="jobfeed.toml in use.")
@click.option("--output", envvar="GITHUB_OUTPUT", default=None, help="Step output file.")
@click.option("--summary", envvar="GITHUB_STEP_SUMMARY", default=None, help="Job summary file.")
def summarize(
    check_path: str | None,
    build_path: str | None,
    notify_path: str | None,
    notify_enabled: bool,
    notify_status: str,
    build_errors: str | None,
    notify_errors: str | None,
    feeds: str,
    state: str,
    stale_days: int,
    config_path: str,
    output: str | None,
    summary: str | None,
) -> None:
    """Write the action's outputs and the job summary from the reports of check, build and notify."""
    build = read_report(build_path)
    reports = Reports(
        check=read_report(check_path),
        build=build,
        notify=read_report(notify_path) if notify_enabled else None,
        notify_enabled=notify_enabled,
        notify_status=notify_status,
        changed=feeds_changed([feeds, state], build),
        build_error="" if build else last_error(build_errors),
        notify_error=last_error(notify_errors),
    )
    env = os.environ
    source_url = ""
    if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") and env.get("GITHUB_SHA"):
        source_url = f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/blob/{env['GITHUB_SHA']}"
    hidden = webhook_secrets(env, _channel_variables(config_path))
    values = outputs(reports)
    failure = hide_secrets(notify_failure(reports), hidden)
    _append(output, github_output({**values, "notify-failure": failure}))
    markdown = hide_secrets(summary_markdown(reports, source_url=source_url, stale_days=stale_days), hidden)
    if summary:
        _append(summary, markdown)
    else:
        click.echo(markdown)
    warning = stale_warning(reports.notify, stale_days)
    if warning:
        click.echo(f"::warning title=jobfeed::{warning}")
    click.echo(", ".join(f"{name}={value}" for name, value in values.items()))


@cli.command("push-failed")
@click.option(
    "--stderr", "stderr_path", type=click.Path(dir_okay=False), required=True, help="git push's stderr."
)
@click.option("--branch", required=True, help="The branch the push was for.")
def push_failed(stderr_path: str, branch: str) -> None:
    """Exit 1 with its own error when a failed push cannot succeed by retrying (a protected branch, a
    read-only token, no credentials); exit 0 otherwise, and the action rebases and tries again."""
    from jobfeed.action_push import push_failure

    try:
        text = Path(stderr_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    message = push_failure(text, branch)
    if message is not None:
        click.echo(f"::error title=jobfeed::{message}")
        raise SystemExit(1)


def main() -> None:
    cli(prog_name="python -m jobfeed.github_action")


if __name__ == "__main__":
    main()
