"""Whole-string glob matching for IAM policy elements, with policy variables.

IAM patterns use ``*`` (any run of characters, including none) and ``?`` (exactly one
character); every other character is literal, so ``+`` or ``.`` in a bucket name never act
as regex syntax. Policy variables (``${aws:username}``) are replaced by the request
context's value, ``${aws:username, 'default'}`` falls back to the default, and a variable
with no value makes the pattern match nothing. ``${*}``, ``${?}`` and ``${$}`` stand for the
literal characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'(.*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


class Unresolved(Exception):
    """A policy variable the context does not supply."""


class _Literal(dict[str, Any]):
    """Context marker: ``${...}`` is plain text (policy language version 2008-10-17)."""


LITERAL: Mapping[str, Any] = _Literal()


def _glob_to_regex(text: str) -> str:
    out = []
    for ch in text:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=65536)
def _compile_plain(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(_glob_to_regex(pattern), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def has_variables(pattern: str) -> bool:
    return "${" in pattern


def lookup(context: Mapping[str, Any] | None, key: str) -> Any:
    """Case-insensitive context lookup (condition key names are not case-sensitive)."""
    if not context:
        raise KeyError(key)
    if key in context:
        return context[key]
    low = key.lower()
    for k, v in context.items():
        if k.lower() == low:
            return v
    raise KeyError(key)


def _variable_value(name: str, context: Mapping[str, Any] | None) -> str:
    name = name.strip()
    if name in _ESCAPES:
        return _ESCAPES[name]
    default: str | None = None
    m = _DEFAULT.match(name)
    if m:
        name, default = m.group(1), m.group(2)
    try:
        value = lookup(context, name)
    except KeyError:
        value = None
    if isinstance(value, list | tuple):
        value = value[0] if len(value) == 1 else None
    if value is None or value == "":
        if default is not None:
            return default
        raise Unresolved(name)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def compile_pattern(pattern: str, context: Mapping[str, Any] | None = None, *,
                    ignore_case: bool = False, wildcards: bool = True) -> re.Pattern[str]:
    """Compile an IAM pattern (with variables resolved from ``context``) to a regex.

    Raises :class:`Unresolved` when a variable has no value.
    """
    if not has_variables(pattern) or context is LITERAL:
        if wildcards:
            return _compile_plain(pattern, ignore_case)
        return re.compile(re.escape(pattern), re.DOTALL | (re.IGNORECASE if ignore_case else 0))
    parts: list[str] = []
    pos = 0
    for m in _VARIABLE.finditer(pattern):
        chunk = pattern[pos:m.start()]
        parts.append(_glob_to_regex(chunk) if wildcards else re.escape(chunk))
        parts.append(re.escape(_variable_value(m.group(1), context)))
        pos = m.end()
    tail = pattern[pos:]
    parts.append(_glob_to_regex(tail) if wildcards else re.escape(tail))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


Matcher = Callable[[str], bool]


def _star_matcher(pattern: str, ignore_case: bool) -> Matcher:
    """Match a ``*``-only glob without a regex: literal pieces found in order."""
    pieces = pattern.lower().split("*") if ignore_case else pattern.split("*")
    first, last, middle = pieces[0], pieces[-1], pieces[1:-1]
    minimum = sum(len(p) for p in pieces)

    def match(value: str) -> bool:
        if ignore_case:
            value = value.lower()
        if len(value) < minimum or not value.startswith(first):
            return False
        if len(pieces) == 1:
            return value == first
        if not value.endswith(last):
            return False
        pos, end = len(first), len(value) - len(last)
        for piece in middle:
            found = value.find(piece, pos, end)
            if found == -1:
                return False
            pos = found + len(piece)
        return True

    return match


@lru_cache(maxsize=65536)
def _plain_matcher(pattern: str, ignore_case: bool) -> Matcher:
    if pattern == "*":
        return lambda _v: True
    if "?" not in pattern:
        return _star_matcher(pattern, ignore_case)
    rx = _compile_plain(pattern, ignore_case)
    return lambda v: rx.fullmatch(v) is not None


def matcher(pattern: str, context: Mapping[str, Any] | None = None, *, ignore_case: bool = False) -> Matcher:
    """A whole-string glob test for ``pattern``; raises :class:`Unresolved` for a missing variable."""
    if not has_variables(pattern) or context is LITERAL:
        return _plain_matcher(pattern, ignore_case)
    rx = compile_pattern(pattern, context, ignore_case=ignore_case)
    return lambda v: rx.fullmatch(v) is not None


def glob_match(pattern: str, value: str, context: Mapping[str, Any] | None = None, *,
               ignore_case: bool = False) -> bool:
    """Whole-string glob match; a pattern with an unresolved variable matches nothing."""
    if pattern == "*":
        return True
    try:
        return matcher(pattern, context, ignore_case=ignore_case)(value)
    except Unresolved:
        return False


def substitute(text: str, context: Mapping[str, Any] | None) -> str:
    """Replace variables with their values (no wildcard handling). Raises :class:`Unresolved`."""
    if not has_variables(text) or context is LITERAL:
        return text
    return _VARIABLE.sub(lambda m: _variable_value(m.group(1), context), text)


def action_matches(pattern: str, action: str) -> bool:
    """Actions compare case-insensitively; ``*`` alone matches every action."""
    if pattern == "*":
        return True
    return _plain_matcher(pattern, True)(action)


def arn_like(pattern: str, value: str, context: Mapping[str, Any] | None = None) -> bool:
    """ArnLike/ArnEquals: compare the six ARN components, wildcards within each component."""
    p_parts = _split_arn(pattern)
    v_parts = value.split(":", 5)
    if len(p_parts) != 6 or len(v_parts) != 6:
        return glob_match(pattern, value, context)
    return all(glob_match(p, v, context) for p, v in zip(p_parts, v_parts, strict=True))


def _split_arn(pattern: str) -> list[str]:
    """Split on the first five colons that are not inside a ``${...}`` variable."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(pattern):
        if ch == "{" and i and pattern[i - 1] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth and len(parts) < 5:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts
