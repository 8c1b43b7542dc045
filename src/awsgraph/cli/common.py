"""Helpers shared by the command modules."""

from __future__ import annotations

import sys

from rich.console import Console


class CliError(Exception):
    """A user-facing error: printed as one line, exit code ``code`` (2 = bad input)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 160)
