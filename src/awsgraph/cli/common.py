"""Helpers shared by the command modules."""

from __future__ import annotations

from awsgraph.cli.output import InertConsole
from awsgraph.cli.output import console as _console

# The one default database file of every command, the demo included.
DEFAULT_DB = "awsgraph.db"
# What --db takes in the read commands: a file, or a PostgreSQL database (the shared store).
DB_HELP = f"database file, or postgresql://user@host:port/dbname (default {DEFAULT_DB})"


class CliError(Exception):
    """A user-facing error: printed as one line, exit code ``code`` (2 = bad input); ``detail`` is shown
    under it as it is laid out (a query's line and the caret under the offending character)."""

    def __init__(self, message: str, code: int = 2, *, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


def console(stderr: bool = False) -> InertConsole:
    """The console every command prints through (see ``awsgraph.cli.output``): data stays inert."""
    return _console(stderr)
