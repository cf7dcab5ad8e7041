"""`python -m jobfeed.docs`: write docs/cli.md from the `--help` of every command.

    python -m jobfeed.docs            # rewrite docs/cli.md
    python -m jobfeed.docs --check    # exit 1 when docs/cli.md is stale or a command lacks help

The help is rendered at a fixed width, commands in alphabetical order, so the file only changes
when a command or its help does; a test runs the check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click

from jobfeed.cli import cli

WIDTH = 100
DEFAULT = Path("docs/cli.md")
HEADER = """# jobfeed command-line reference

<!-- Generated from the commands' --help by `python -m jobfeed.docs`; do not edit by hand. -->

Regenerate this file after changing a command or its help: `python -m jobfeed.docs`
(`python -m jobfeed.docs --check` fails when it is stale; the test suite runs that check).

Every command exits 0 on success, 1 on problems in the input (reported), 2 on a usage error.
"""


def _contexts(group: click.Group) -> list[tuple[str, click.Command, click.Context]]:
    """(full name, command, context) of the group and every command under it, in name order."""
    root = group.make_context("jobfeed", [], resilient_parsing=True, terminal_width=WIDTH)
    out: list[tuple[str, click.Command, click.Context]] = [("jobfeed", group, root)]
    for name in sorted(group.list_commands(root)):
        command = group.get_command(root, name)
        if command is None or command.hidden:  # pragma: no cover - every command is listed
            continue
        context = command.make_context(name, [], parent=root, resilient_parsing=True, terminal_width=WIDTH)
        out.append((f"jobfeed {name}", command, context))
    return out


def missing_help(group: click.Group = cli) -> list[str]:
    """Commands and options that have no help text, as 'jobfeed build --out'."""
    missing = []
    for name, command, _ in _contexts(group):
        if not (command.help or "").strip():
            missing.append(name)
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip():
                missing.append(f"{name} {param.opts[-1]}")
    return missing


def reference(group: click.Group = cli) -> str:
    """The whole of docs/cli.md."""
    parts = [HEADER]
    for name, command, context in _contexts(group):
        parts.append(f"## {name}\n\n```text\n{command.get_help(context).rstrip()}\n```\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobfeed.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale; write nothing")
    parser.add_argument("--out", type=Path, default=DEFAULT, help=f"file to write (default: {DEFAULT})")
    args = parser.parse_args(argv)
    missing = missing_help()
    if missing:
        print("these commands or options have no help text: " + ", ".join(missing), file=sys.stderr)
        return 1
    text = reference()
    try:
        current = args.out.read_text(encoding="utf-8")
    except OSError:
        current = None
    if args.check:
        if current != text:
            print(f"{args.out} is stale; regenerate it with: python -m jobfeed.docs", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(f"{args.out} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
