"""The `jobfeed` command: a thin click layer over the library; errors pass through `main()`."""

from __future__ import annotations

import atexit
import functools
import gc
import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from jobfeed._version import __version__
from jobfeed.clock import resolve_now
from jobfeed.config import Config, load_config
from jobfeed.core.postings import load_postings, postings_folder
from jobfeed.errors import JobfeedError, PostingError, UsageError
from jobfeed.output import read_claims
from jobfeed.publish.build import build as run_build
from jobfeed.publish.build import check as run_check
from jobfeed.report import FORMATS, format_problems, tally

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --now, turned into a Config and an aware datetime."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        help="Configuration file (default: ./jobfeed.toml when present).",
    )
    @click.option("--now", "now_text", metavar="ISO", help="Decide states at this instant (ISO 8601).")
    @functools.wraps(func)
    def wrapper(config_path: str | None, now_text: str | None, **kwargs: Any) -> Any:
        config = load_config(config_path)
        return func(config=config, now_text=now_text, **kwargs)

    return wrapper


def postes_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--postes",
        type=click.Path(file_okay=False),
        help="Folder of postings (default: [postes] dir, else ./postes).",
    )(func)


class _UsageFailure(click.ClickException):
    exit_code = 2


class _Group(click.Group):
    """Turns library errors into click errors in one place: `Error: …`, exit 1 (2 for usage)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as e:
            raise _UsageFailure(str(e)) from e
        except JobfeedError as e:
            raise click.ClickException(str(e)) from e


@click.group(cls=_Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="jobfeed")
def cli() -> None:
    """Feeds and chat announcements of a team's open roles, from Markdown postings."""


@cli.command()
@common
@postes_option
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default: feeds).")
@click.option("--strict", is_flag=True, help="Fail on any invalid posting and write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout, for scripts.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Cache folder (default: [build] cache, .jobfeed-cache).",
)
@click.option(
    "--no-cache", is_flag=True, help="Load and render every posting; neither read nor write the cache."
)
@click.option("--jobs", type=click.IntRange(min=1), help="Processes for big folders (default: every core).")
@click.option(
    "--force", is_flag=True, help="Build even when most published roles disappeared at once (see below)."
)
def build(
    config: Config,
    now_text: str | None,
    postes: str | None,
    out: str | None,
    strict: bool,
    as_json: bool,
    cache_dir: str | None,
    no_cache: bool,
    jobs: int | None,
    force: bool,
) -> None:
    """Write the feeds, pages, OPML and deadlines calendar of the open roles.

    Invalid postings are reported on stderr and left out; the valid ones are published. Files an
    earlier build wrote and this one does not are removed (a removed role's page is left as a short
    "no longer online" page for [pages] tombstone_days); other files are never touched. Nothing is
    written, and the exit status is 1, when the postings folder does not exist, or when more than
    half of the roles the previous build published (and at least 5) disappeared, unless --force.

    \b
    Example:
        jobfeed build --postes postes --out feeds --now 2024-03-01T09:00:00+01:00
    """
    now = resolve_now(now_text)
    try:
        report = run_build(
            config,
            now,
            postes=postes,
            out=out,
            strict=strict,
            cache=cache_dir,
            use_cache=not no_cache,
            jobs=jobs,
            progress=sys.stderr.isatty(),
            force=force,
        )
    except PostingError as e:
        _echo_problems(e.problems)
        raise
    _echo_problems(report.problems)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if as_json else report.summary())


def _echo_problems(problems: list[Any]) -> None:
    if problems:
        click.echo(format_problems(problems, "text"), err=True)


@cli.command()
@common
@postes_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: path:line: level: message; github: workflow annotations; json: for scripts.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Output folder of the last build, whose ids and team feeds no other posting may take "
    "(default: feeds).",
)
def check(config: Config, now_text: str | None, postes: str | None, fmt: str, out: str | None) -> None:
    """Validate every posting and report every problem `build` would report; exit 1 if any is an error.

    The problems are those of the postings (with the likely mistakes: a deadline before the
    opening date, no opening date, two keys that disagree, no contact, a title too long for chat
    headers), of the configuration, and of the site (two teams that would share a feed, a page
    that cannot be written, an id or a team feed another file published), with the same text as
    `build` prints them. Roles are classified at --now, as build does.

    \b
    Example:
        jobfeed check --postes postes --format github
    """
    report = run_check(config, resolve_now(now_text), postes=postes, out=out, progress=sys.stderr.isatty())
    output = format_problems(report.problems, fmt, report.files)
    if output:
        click.echo(output)
    if fmt != "json":
        click.echo(tally(report.problems, report.files), err=True)
    if report.errors:
        sys.exit(1)


def main() -> None:
    # One short command: what the imports made lives until the end, so the collector's full passes
    # need not walk it (freeze), and its young passes run on big batches: a cold build of 10,000
    # postings makes none in this process (with batches of 10,000 objects it made 21, ~0.05 s).
    # Garbage with cycles is still collected.
    gc.freeze()
    gc.set_threshold(200_000, 20, 20)
    try:
        cli(prog_name="jobfeed")
        code: object = 0  # pragma: no cover - click's standalone mode always ends in SystemExit
    except SystemExit as done:
        code = done.code
    _exit(code)


def _exit(code: object) -> NoReturn:
    """Exit as Python would with `SystemExit(code)`, but without freeing what the command made one
    object at a time (10,000 postings and their feeds: ~0.05-0.1 s): the exit handlers run, the
    output is flushed, then the process ends and the system takes its memory back at once."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # logging, multiprocessing and concurrent.futures clean up as usual
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), a closed stream
            code = code or 120  # what Python exits with when its final flush fails
    os._exit(code)


@cli.command()
@common
@postes_option
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False),
    help="State file (default: [announce] state, else .jobfeed/state.json).",
)
@click.option(
    "--dry-run", is_flag=True, help="Print the exact JSON each channel would get; change and send nothing."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout, for scripts.")
@click.option(
    "--announce-existing",
    is_flag=True,
    help="Announce the open roles never announced: on a first run (after a build too), those a "
    "silent baseline recorded, and in a channel that has announced nothing yet.",
)
@click.option("--force", is_flag=True, help="Announce closures even when most roles disappeared at once.")
@click.option(
    "--test",
    "test_channel",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[CHANNEL]",
    help="Send one short test message to each channel (or CHANNEL) and say whether it was delivered; "
    "reads and changes no state.",
)
def notify(
    config: Config,
    now_text: str | None,
    postes: str | None,
    state_path: str | None,
    dry_run: bool,
    as_json: bool,
    announce_existing: bool,
    force: bool,
    test_channel: str | None,
) -> None:
    """Announce opened, closing-soon and closed roles to Mattermost and Slack.

    Webhook URLs come from environment variables only (SLACK_WEBHOOK_URL, MATTERMOST_WEBHOOK_URL,
    or those named in [[notify]]). Exit 1 when a delivery failed (its events stay pending for the
    next run), when most roles disappeared at once (see --force), or on invalid postings.

    \b
    Example:
        SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… jobfeed notify --json
        SLACK_WEBHOOK_URL=https://hooks.slack.com/services/… jobfeed notify --test
    """
    if test_channel is not None:
        _notify_test(config, test_channel or None, as_json, dry_run or announce_existing or force)
        return
    from jobfeed.announce.notify import notify as run_notify

    now = resolve_now(now_text)
    report = run_notify(
        config,
        now,
        postes=postes,
        state_path=state_path,
        dry_run=dry_run,
        announce_existing=announce_existing,
        force=force,
    )
    _echo_problems(report.problems)
    if report.moved_from:
        click.echo(
            f"Note: moved the state from {report.moved_from} to {config.state_path}; commit both", err=True
        )
    if report.skewed:
        click.echo(f"Warning: {report.skew_warning()}", err=True)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif dry_run:
        channels = [{"name": c.name, "kind": c.kind, "payloads": c.payloads} for c in report.channels]
        click.echo(json.dumps({"channels": channels}, ensure_ascii=False, indent=2))
    else:
        click.echo(report.summary())
    for c in report.channels:
        if c.status == "failed":
            click.echo(f"Error: {c.name}: {c.error}; {c.pending} event(s) stay pending", err=True)
        elif c.status == "unset":
            click.echo(f"Warning: {c.name}: {c.error}; {c.pending} event(s) stay pending", err=True)
    if report.failures or report.input_errors:
        sys.exit(1)


def _notify_test(config: Config, channel: str | None, as_json: bool, other_options: bool) -> None:
    """`notify --test`: the test message to each channel, a line per channel; exit 1 if one failed."""
    from jobfeed.announce.testmessage import send_test

    if other_options:
        raise UsageError(
            "--test sends only the test message: use it without --dry-run, --announce-existing, --force"
        )
    report = send_test(config, os.environ, channel)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if as_json else report.summary())
    if report.failures:
        sys.exit(1)


# Managing roles without editing YAML: new, list, close, extend, preview (issue 7).


@cli.command("new")
@common
@postes_option
@click.option("--role", help="Title of the role. Without it, every value is asked for in turn.")
@click.option("--team", default="", help="Team or product.")
@click.option("--contract", default="", help="Contract type: CDI, CDD, stage, indépendant, …")
@click.option("--contact", default="", help="Where to apply: an e-mail address or a URL.")
@click.option("--deadline", metavar="DATE", default="", help="Application deadline, YYYY-MM-DD.")
@click.option("--opened", metavar="DATE", default="", help="Day the role opens (default: today).")
@click.option("--slug", default="", help="File name after the date (default: from the role's title).")
def new_command(
    config: Config,
    now_text: str | None,
    postes: str | None,
    role: str | None,
    team: str,
    contract: str,
    contact: str,
    deadline: str,
    opened: str,
    slug: str,
) -> None:
    """Create a posting file with valid front matter and a body to fill in.

    Without --role, asks for the role, team, contract, contact and deadline; with --role, takes
    them from the options only, for scripts. Writes <postes>/<opened>-<slug>.md and never
    overwrites a file.

    \b
    Example:
        jobfeed new
        jobfeed new --role "Développeur·euse back-end" --team Aides-territoires \\
            --contract CDD --contact recrutement@example.org --deadline 2024-04-30
    """
    from jobfeed.author.new import NewRole, create_posting, postings_target
    from jobfeed.core.dates import parse_day

    now = resolve_now(now_text)
    folder, created = postings_target(postes, config)  # before any question: a wrong folder asks nothing
    first_day = parse_day(opened, config.tz, "--opened").day if opened else now.astimezone(config.tz).date()
    if role is None:
        role = click.prompt("Role title", type=str).strip()
        # Each default is shown as [value]; an empty one is not, and an empty answer keeps it.
        team = click.prompt("Team", default=team, show_default=bool(team)).strip()
        contract = click.prompt(
            "Contract (CDI, CDD, stage, indépendant…)", default=contract, show_default=bool(contract)
        ).strip()
        contact = click.prompt(
            "Contact (e-mail or URL to apply)", default=contact, show_default=bool(contact)
        ).strip()

        def check_day(text: str) -> str:
            """A deadline that is not a date, or before the opening day, is asked again."""
            if text.strip():
                try:
                    day = parse_day(text, config.tz, "deadline").day
                except UsageError as e:
                    raise click.BadParameter(str(e)) from e
                if day < first_day:
                    raise click.BadParameter(
                        f"the deadline {day} is before the opening day {first_day}; give a later date"
                    )
            return text.strip()

        deadline = click.prompt(
            "Deadline (YYYY-MM-DD, empty for none)",
            default=deadline,
            show_default=bool(deadline),
            value_proc=check_day,
        )
    new = NewRole(
        role=role,
        team=team,
        contract=contract,
        contact=contact,
        opened=first_day if opened else None,
        deadline=parse_day(deadline, config.tz, "--deadline") if deadline else None,
    )
    path = create_posting(new, config, now, postes=folder, slug=slug)
    if created:
        click.echo(f"Created the postings folder {folder}")
    click.echo(f"Created {path}")
    click.echo("Describe the role in that file, then run `jobfeed check` and `jobfeed preview`.")


@cli.command("list")
@common
@postes_option
@click.option("--all", "include_all", is_flag=True, help="Include filled, closed and expired roles.")
@click.option("--json", "as_json", is_flag=True, help="Print the roles as JSON, for scripts.")
def list_command(
    config: Config, now_text: str | None, postes: str | None, include_all: bool, as_json: bool
) -> None:
    """Show the roles with state, team, contract, deadline and days left, open roles first.

    Colours only when the output is a terminal. Deadlines within [announce] closing_soon_days
    are highlighted.

    \b
    Example:
        jobfeed list --all
        jobfeed list --json | jq '.[] | select(.days_left != null and .days_left < 7) | .id'
    """
    from jobfeed.author.listing import rows, summary, table
    from jobfeed.author.resolve import unreadable_folder
    from jobfeed.core.lifecycle import classify

    now = resolve_now(now_text)
    folder = postings_folder(postes or config.postes)  # a missing folder names itself and --postes
    loaded = load_postings(folder, config, claims=read_claims(config.out))
    folder_error = unreadable_folder(loaded)
    if folder_error is not None:
        raise folder_error
    found = rows(classify(loaded.postings, now), config, include_all)
    broken = len({p.path for p in loaded.errors})
    if broken:
        click.echo(f"{broken} file(s) left out because of errors; run `jobfeed check`", err=True)
    if as_json:
        from jobfeed.author.listing import as_json as to_json

        click.echo(to_json(found))
        return
    if found:
        for line in table(found, config):
            click.echo(line)
        click.echo("")
    click.echo(summary(found, include_all))


@cli.command("close")
@common
@postes_option
@click.argument("role_name", metavar="ROLE")
@click.option("--filled", is_flag=True, help="The role was filled (poste_pourvu: true).")
@click.option("--closed", is_flag=True, help="Recruiting stopped without a hire (status: closed).")
def close_command(
    config: Config, now_text: str | None, postes: str | None, role_name: str, filled: bool, closed: bool
) -> None:
    """Close a role by editing its file in place; every other byte stays as it was.

    ROLE is the role's id, its file name or path, or any unique part of its id or title. The keys edited are
    the ones the file uses (see [fields] in jobfeed.toml); a missing key is added after the last.

    \b
    Example:
        jobfeed close charge-deploiement --filled
    """
    from jobfeed.author.closing import close_role
    from jobfeed.author.resolve import resolve

    if filled == closed:
        raise click.UsageError("say how the role ends: --filled or --closed (one of them)")
    now = resolve_now(now_text)
    posting = resolve(role_name, config, postes)
    outcome = close_role(posting, "filled" if filled else "closed", config, now)
    for line in outcome.lines():
        click.echo(line)


@cli.command("extend")
@common
@postes_option
@click.argument("role_name", metavar="ROLE")
@click.option(
    "--until",
    "until",
    metavar="DATE",
    required=True,
    help="New deadline, YYYY-MM-DD (it runs to the end of that day).",
)
@click.option("--reopen", is_flag=True, help="Also reopen a role that is filled or closed.")
def extend_command(
    config: Config, now_text: str | None, postes: str | None, role_name: str, until: str, reopen: bool
) -> None:
    """Move a role's deadline by editing its file in place; every other byte stays as it was.

    ROLE is the role's id, its file name or path, or any unique part of its id or title. A filled or closed role is not reopened unless --reopen is given: without it the command
    says so and changes nothing.

    \b
    Example:
        jobfeed extend charge-deploiement --until 2024-04-30
    """
    from jobfeed.author.closing import extend_role
    from jobfeed.author.resolve import resolve

    now = resolve_now(now_text)
    posting = resolve(role_name, config, postes)
    outcome = extend_role(posting, until, config, now, reopen=reopen)
    for line in outcome.lines():
        click.echo(line)


@cli.command("preview")
@common
@postes_option
@click.argument("role_name", metavar="ROLE")
@click.option("--json", "as_json", is_flag=True, help="Print the preview as JSON, for scripts.")
def preview_command(
    config: Config, now_text: str | None, postes: str | None, role_name: str, as_json: bool
) -> None:
    """Show a role's feed entry and chat messages exactly as `build` and `notify` would; sends nothing.

    ROLE is the role's id, its file name or path, or any unique part of its id or title. Works for a role in
    any state, so a new or scheduled role can be checked before it opens. The chat messages are the
    payloads of its announcement (opened, or closed once it has ended) for each channel that would
    get it: the `[[notify]]` channels whose filters take it, else each default channel whose
    webhook variable is set.

    \b
    Example:
        jobfeed preview charge-deploiement
    """
    from jobfeed.author.preview import preview
    from jobfeed.author.resolve import resolve

    now = resolve_now(now_text)
    shown = preview(resolve(role_name, config, postes), config, now, os.environ)
    click.echo(json.dumps(shown.as_dict(), ensure_ascii=False, indent=2) if as_json else shown.text())


# Setting up a team's repository (issue 20).


def _checked(name: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """A click callback running the check `name` of author.adopt: a wrong answer is asked again."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        from jobfeed.author import adopt

        try:
            return None if value is None else str(getattr(adopt, name)(value))
        except UsageError as e:
            raise click.BadParameter(str(e)) from e

    return callback


@cli.command("init")
@click.argument("folder", default=".", type=click.Path(file_okay=False))
@click.option(
    "--title",
    prompt="Site title",
    default="Offres d'emploi",
    callback=_checked("check_title"),
    help="The board's title.",
)
@click.option(
    "--url",
    prompt="Public URL of the site",
    callback=_checked("check_url"),
    help="Where the site is served, e.g. https://org.github.io/jobs/.",
)
@click.option(
    "--timezone",
    prompt="Time zone",
    default="Europe/Paris",
    callback=_checked("check_timezone"),
    help="IANA name.",
)
@click.option(
    "--language", prompt="Language", default="fr", callback=_checked("check_language"), help="e.g. fr, en."
)
@click.option("--organisation", prompt="Organisation", help="Who publishes the roles (the feeds' author).")
@click.option("--locality", prompt="Location (city)", help="Where the roles are, for Google for Jobs.")
@click.option(
    "--country",
    prompt="Country (ISO code)",
    default="FR",
    callback=_checked("check_country"),
    help="Two-letter code.",
)
@click.option("--description", default="", help="One line under the title (default: from the organisation).")
@click.option("--street", default="", help="Street address of the place of work.")
@click.option("--postal-code", default="", help="Postal code of the place of work.")
@click.option(
    "--contact", default="", help="Contact of the example posting (default: recrutement@ the site's host)."
)
@click.option("--postes", default="postes", help="Folder of postings (one that exists is kept as it is).")
@click.option("--out", default="feeds", help="Output folder, published on GitHub Pages.")
@click.option("--branch", default="main", help="The branch the workflow publishes from.")
@click.option(
    "--action", default=None, help="The Action the workflow uses (default: jobfeed/jobfeed@vMAJOR)."
)
@click.option(
    "--year", type=click.IntRange(1990, 2999), help="Year in the entries' ids (default: this year)."
)
@click.option("--force", is_flag=True, help="Rewrite the workflow (only) with this release's.")
def init_command(folder: str, force: bool, action: str | None, year: int | None, **answers: str) -> None:
    """Set up a repository for jobfeed: jobfeed.toml, the workflow, postes/ and a README.

    Asks for what is not given as an option. Never overwrites a file (--force rewrites the
    workflow only); in a folder that already has postings, they are kept and no example is added.

    \b
    Example:
        jobfeed init --url https://my-org.github.io/jobs/ --organisation "My org" --locality Paris
    """
    import zoneinfo
    from pathlib import Path

    from jobfeed.author.adopt import DEFAULT_ACTION, SiteAnswers, init_site

    now = resolve_now(None)
    site = SiteAnswers(**answers, action=action or DEFAULT_ACTION, year=year or now.year)
    today = now.astimezone(zoneinfo.ZoneInfo(site.timezone)).date()
    click.echo(init_site(Path(folder), site, today, force=force).summary())


# WebSub (issue 18).


@cli.command("publish-ping")
@common
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default: [build] out, feeds).")
@click.option(
    "--record",
    type=click.Path(dir_okay=False),
    default=".jobfeed/websub.json",
    show_default=True,
    help="What each hub was last pinged for (commit it with the state).",
)
def publish_ping(config: Config, now_text: str | None, out: str | None, record: str) -> None:
    """Ping the WebSub hubs of [feeds] hubs for the feeds whose bytes changed.

    Run it after the output folder is deployed: a hub fetches the feed when pinged. A feed is
    pinged once per change; a failed ping is retried (429, 5xx), reported as a warning and tried
    again at the next run; it never makes the command fail.
    """
    from jobfeed.ping import publish_ping as run_ping

    del now_text  # a ping happens now; --now is accepted as by every command
    report = run_ping(config, out, record)
    for line in report.lines():
        click.echo(line, err=line.startswith("warning:"))
