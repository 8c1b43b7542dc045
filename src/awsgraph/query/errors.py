"""Errors raised while parsing or running a J1QL query."""

from __future__ import annotations

from awsgraph.safetext import UNSAFE_BUT_NEWLINE_RE


class QueryError(Exception):
    """A query that cannot be parsed or run; ``pos`` is the 0-based offset of the problem."""

    def __init__(self, message: str, query: str = "", pos: int | None = None) -> None:
        self.message = message
        self.query = query
        self.pos = pos
        super().__init__(self.render())

    def render(self) -> str:
        if self.pos is None or not self.query:
            return self.message
        line_start = self.query.rfind("\n", 0, self.pos) + 1
        line_end = self.query.find("\n", self.pos)
        if line_end < 0:
            line_end = len(self.query)
        line_no = self.query.count("\n", 0, self.pos) + 1
        col = self.pos - line_start + 1
        # A window of the offending line around the position, control and bidi/invisible format
        # characters shown as '?' (one character each, so the caret stays under its character).
        left, right = line_start, line_end
        if right - left > _WINDOW:
            left = max(line_start, self.pos - _WINDOW // 2)
            right = min(line_end, left + _WINDOW)
        source = UNSAFE_BUT_NEWLINE_RE.sub("?", self.query[left:right])  # the window holds no newline
        prefix = "..." if left > line_start else ""
        suffix = "..." if right < line_end else ""
        caret = " " * (len(prefix) + self.pos - left) + "^"
        return f"{self.message} (line {line_no}, column {col})\n  {prefix}{source}{suffix}\n  {caret}"


_WINDOW = 160
