"""Regular expressions for J1QL's ``/pattern/i`` values, matched by RE2.

RE2 runs in time linear in the input (no backtracking), so a hostile pattern such as
``(a+)+$`` cannot hang a query; the parser also caps a pattern's length. RE2's syntax covers
what JupiterOne documents for J1QL regexes (character classes, ``\\d \\w``, quantifiers) and
refuses what it cannot bound (backreferences, lookaround).

How an operator uses a pattern, as J1QL does: ``=`` finds it anywhere in the value, ``^=``
at its start, ``$=`` at its end; ``~=`` is the same as ``=``; the ``!`` forms negate.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

MAX_VALUE_CHARS = 1_000_000  # a value longer than this is matched on its first million characters


class RegexError(ValueError):
    pass


@functools.lru_cache(maxsize=256)
def compile_regex(pattern: str, flags: str = "") -> Any:
    options = re2.Options()
    options.case_sensitive = "i" not in flags
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else ""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise RegexError(str(detail) or "invalid pattern") from None


def regex_match(pattern: str, flags: str, mode: str, value: object) -> int | None:
    """1 when ``value`` (a string) matches, 0 when it does not, None for a non-string.

    ``mode`` is ``search`` (anywhere), ``start`` or ``end``.
    """
    if not isinstance(value, str):
        return None
    compiled = compile_regex(pattern, flags)
    text = value[:MAX_VALUE_CHARS]
    if mode == "start":
        return 1 if compiled.match(text) else 0
    if mode == "end":
        return 1 if compile_regex(f"(?:{pattern})\\z", flags).search(text) else 0
    return 1 if compiled.search(text) else 0
