"""The `jobfeed` command: a thin click layer over the library; errors pass through `main()`."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .build import build as run_build
from .build import load_all
from .clock import resolve_now
from .config import Config, load_config
from .errors import JobfeedError, PostingError, UsageError
from .parallel import Pool, Progress
from .report import FORMATS, format_problems, tally

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
) -> None:
    """Write the Atom, RSS and JSON feeds of the open roles.

    Invalid postings are reported on stderr and left out; the valid ones are published.

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
def check(config: Config, now_text: str | None, postes: str | None, fmt: str) -> None:
    """Validate every posting and report every problem; exit 1 if any is an error.

    \b
    Example:
        jobfeed check --postes postes --format github
    """
    with Pool() as pool:  # the same loading as build's: cached and parallel
        cache = config.cache or None
        loaded = load_all(postes or config.postes, config, cache, pool, Progress(sys.stderr.isatty()))
    output = format_problems(loaded.problems, fmt, loaded.files)
    if output:
        click.echo(output)
    if fmt != "json":
        click.echo(tally(loaded.problems, loaded.files), err=True)
    if loaded.errors:
        sys.exit(1)


def main() -> None:
    cli(prog_name="jobfeed")
