"""Data shown as text, never obeyed: the pure functions behind every output of awsgraph.

Names, tags, descriptions, API error messages and query results are written by other people.
Whatever shows them (the terminal, CSV, JSON, an HTML page) passes them through here first:

* ``inert(value)``: the display text of one value: containers as JSON, every control character
  (C0, DEL, C1) and every bidi/invisible format character written as an escape such as ``\\x1b``.
* ``escape_controls(text, keep_newlines=...)``: the same for a whole message of our own.
* ``csv_cell(value)``: ``inert`` plus formula neutralising (a leading ``= + - @`` gets a ``'``).
* ``json_text(obj)``: JSON with every non-ASCII and control character escaped.

The terminal side (a Rich console that never parses markup) is ``awsgraph.cli.output``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# C0 controls, DEL, C1 controls, and the Unicode format characters that reorder or hide text
# (bidi embeddings/overrides/isolates, directional marks, line/paragraph separators).
_FORMAT_CHARS = "\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
_UNSAFE_RE = re.compile(f"[\x00-\x1f{_FORMAT_CHARS}]")
UNSAFE_BUT_NEWLINE_RE = re.compile(f"[\x00-\x09\x0b-\x1f{_FORMAT_CHARS}]")
_FORMULA_START = ("=", "+", "-", "@")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control/bidi character written as an escape (newlines kept if asked)."""
    return (UNSAFE_BUT_NEWLINE_RE if keep_newlines else _UNSAFE_RE).sub(_escape, text)


def inert(value: Any) -> str:
    """The display text of one data value: plain, single-line, nothing a terminal would obey."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list | tuple | bool):
        text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    else:
        text = str(value)
    return escape_controls(text)


def csv_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: formulas (``=``, ``+``, ``-``, ``@``) are neutralised."""
    text = inert(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text  # a number is a number, -1 included
    return "'" + text if text.startswith(_FORMULA_START) else text


def json_text(obj: Any, *, indent: int | None = 2) -> str:
    """JSON in which every control and non-ASCII character is an escape (``\\u001b``)."""
    return json.dumps(obj, indent=indent, default=str, ensure_ascii=True)


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")  # LF, which every reader accepts: a CR is a control character
    writer.writerow([csv_cell(c) for c in columns])
    for r in rows:
        writer.writerow([csv_cell(r.get(c)) for c in columns])
    return buf.getvalue()
