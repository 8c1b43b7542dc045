"""Everything a command prints goes through here: data is shown as text, never obeyed.

Names, tags, descriptions, API error messages and query results are written by other
people. On their way out they must not become Rich markup (``[/b] web-sg`` is a legal
security-group name), terminal control sequences (ESC, BEL, NUL... and their C1 cousins),
bidirectional-text overrides that reorder what a reader sees, or spreadsheet formulas.

The pure text functions live in ``awsgraph.safetext`` (usable by any front end, the web
console included) and are re-exported here with the terminal pieces:

* ``inert(value)``: the display text of one data value (JSON for containers, every control
  and bidi character shown as an escape such as ``\\x1b``). Use it for every data value.
* ``csv_cell(value)``: ``inert`` plus formula neutralising (a leading ``= + - @`` gets a ``'``).
* ``json_text(obj)``: JSON with every non-ASCII and control character escaped.
* ``console()``: an ``InertConsole``: markup, emoji and highlighting are off, and every string
  it renders (messages, table cells, titles) has its control characters escaped as a second
  net; style comes only from ``styled()``.
* ``error_line(message)``: one line for stderr, whatever the message contains.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from rich.console import Console, HighlighterType, JustifyMethod, OverflowMethod
from rich.style import Style
from rich.table import Table
from rich.text import Text

from awsgraph.safetext import (
    UNSAFE_BUT_NEWLINE_RE,
    csv_cell,
    csv_text,
    escape_controls,
    inert,
    json_text,
)

__all__ = ["ENTITY_COLUMNS", "InertConsole", "console", "csv_cell", "csv_text", "error_line", "escape_controls",
           "inert", "json_text", "print_json", "print_rows", "styled", "table"]

ENTITY_COLUMNS = ("_type", "displayName", "_key", "region", "accountId")


def print_json(obj: Any, *, indent: int | None = 2, file: IO[str] | None = None) -> None:
    (file or sys.stdout).write(json_text(obj, indent=indent) + "\n")


def error_line(message: Any) -> str:
    """``awsgraph: error: ...`` on exactly one line."""
    return f"awsgraph: error: {inert(str(message))}"


def styled(text: str, style: str | Style = "") -> Text:
    """Our own words with a style; data inside them is escaped like any other string."""
    return Text(escape_controls(text, keep_newlines=True), style=style)


class InertConsole(Console):
    """A Rich console that renders every string as plain text with its control characters escaped."""

    def __init__(self, *, stderr: bool = False, file: IO[str] | None = None, width: int | None = None,
                 force_terminal: bool | None = None) -> None:
        stream = file or (sys.stderr if stderr else sys.stdout)
        if width is None and not stream.isatty():
            width = 160  # piped: wide enough for ARNs, stable for tools reading it
        super().__init__(stderr=stderr, file=file, markup=False, emoji=False, highlight=False, soft_wrap=False,
                         width=width, force_terminal=force_terminal)

    def render_str(
        self,
        text: str,
        *,
        style: str | Style = "",
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        emoji: bool | None = None,
        markup: bool | None = None,
        highlight: bool | None = None,
        highlighter: HighlighterType | None = None,
    ) -> Text:
        return super().render_str(escape_controls(text, keep_newlines=True), style=style, justify=justify,
                                  overflow=overflow, emoji=False, markup=False, highlight=False)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        kwargs["markup"] = False
        kwargs["emoji"] = False
        kwargs["highlight"] = False
        super().print(*(_safe_text(o) if isinstance(o, Text) else o for o in objects), **kwargs)


def _safe_text(t: Text) -> Text:
    if not UNSAFE_BUT_NEWLINE_RE.search(t.plain):
        return t
    return Text(escape_controls(t.plain, keep_newlines=True), style=t.style)  # spans are lost, the text is not


def console(stderr: bool = False) -> InertConsole:
    return InertConsole(stderr=stderr)


def table(*columns: str, title: str | None = None, **kwargs: Any) -> Table:
    """A table whose columns fold long values; add rows of ``inert`` strings."""
    t = Table(title=title, **kwargs)
    for c in columns:
        t.add_column(inert(c), overflow="fold")
    return t


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    seen: set[str] = set()
    for r in rows:
        for k in r:
            if k not in seen:
                seen.add(k)
                cols.append(k)
    return cols


def print_rows(rows: list[dict[str, Any]], fmt: str, out: Console | None = None) -> None:
    """Query results as a table, JSON or CSV; an entity row shows its identifying columns."""
    if fmt == "json":
        print_json(rows)
        return
    if fmt == "csv":
        sys.stdout.write(csv_text(_columns(rows), rows))
        return
    out = out or console()
    if len(rows) == 1 and set(rows[0]) == {"vertices", "edges"}:
        tree = rows[0]
        print_rows(tree["vertices"], fmt, out)
        out.print(f"{len(tree['vertices'])} entities, {len(tree['edges'])} relationships (use --format json "
                  "for the whole tree)")
        return
    if rows and all("_key" in r and "_type" in r for r in rows):
        rows = [{c: r.get(c) for c in ENTITY_COLUMNS} for r in rows]
    cols = _columns(rows)
    if cols:
        t = table(*cols)
        for r in rows:
            t.add_row(*[inert(r.get(c)) for c in cols])
        out.print(t)
    out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")
    same = len(rows) - len({tuple(inert(r.get(c)) for c in cols) for r in rows})
    if same and not any(c.endswith((".region", ".accountId", "._key")) for c in cols):
        out.print(f"{same} row{'s' if same != 1 else ''} look the same as another: RETURN <alias>.region, "
                  "<alias>.accountId or <alias>._key to tell them apart")
