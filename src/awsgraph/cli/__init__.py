"""Command-line entry point. Each command group lives in its own module with ``register``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from awsgraph import __version__
from awsgraph.cli import collect_cmds, graph_cmds
from awsgraph.cli.common import CliError
from awsgraph.cli.output import error_line, escape_controls

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# One explicit registry of command modules (no import side effects).
COMMAND_MODULES = [collect_cmds, graph_cmds]

for _optional in ("awsgraph.cli.query_cmds", "awsgraph.cli.iam_cmds", "awsgraph.cli.serve_cmds"):
    try:  # command groups that later issues add; absent modules simply do not register
        COMMAND_MODULES.append(__import__(_optional, fromlist=["register"]))
    except ModuleNotFoundError as _exc:
        if _exc.name != _optional:
            raise


COMMAND_MODULES.append(__import__("awsgraph.cli.privesc_cmds", fromlist=["register"]))
COMMAND_MODULES.append(__import__("awsgraph.cli.worker_cmds", fromlist=["register"]))


class _Parser(argparse.ArgumentParser):
    """argparse echoes what it was given (``invalid choice: '...'``): shown inert like any output."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        super()._print_message(escape_controls(message, keep_newlines=True), file)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="awsgraph",
        description="Map an AWS estate into a local security graph and ask it questions.",
    )
    parser.add_argument("--version", action="version", version=f"awsgraph {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except CliError as exc:
        print(error_line(exc), file=sys.stderr)
        if exc.detail:  # its lines kept, control characters escaped like the error line's
            print(escape_controls(exc.detail, keep_newlines=True), file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print("awsgraph: interrupted; the database keeps the previous run's graph", file=sys.stderr)
        return 130
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
