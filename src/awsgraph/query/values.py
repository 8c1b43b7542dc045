"""The J1QL parser's literal values: strings, numbers, booleans, undefined, regexes, value lists and dates."""

from __future__ import annotations

import datetime as dt
import re

from awsgraph.query.ast import Value, ValueList
from awsgraph.query.lexer import Token
from awsgraph.query.parse_base import INT_MAX, KEYWORDS, ParserBase

MAX_REGEX_CHARS = 1000
_DAY = 86_400_000
# Every spelling the J1QL spec lists (hour hr hours hrs, day days, month mo months mos, year yr years
# yrs), and the seconds, minutes and weeks that read naturally beside them.
UNIT_MS = {
    **dict.fromkeys(("second", "seconds", "sec", "secs"), 1000),
    **dict.fromkeys(("minute", "minutes", "min", "mins"), 60_000),
    **dict.fromkeys(("hour", "hours", "hr", "hrs"), 3_600_000),
    **dict.fromkeys(("day", "days"), _DAY),
    **dict.fromkeys(("week", "weeks", "wk", "wks"), 7 * _DAY),
    **dict.fromkeys(("month", "months", "mo", "mos"), 30 * _DAY),
    **dict.fromkeys(("year", "years", "yr", "yrs"), 365 * _DAY),
}
_YEAR = re.compile(r"\d{4}")
_YEAR_MONTH = re.compile(r"\d{4}-\d{2}")


class ValueParser(ParserBase):
    def parse_value_list(self) -> ValueList:
        self.expect_op("(")
        values = [self.parse_value()]
        op = ""
        while self.tok.is_word("OR", "AND"):
            word = self.advance().value.upper()
            if op and word != op:
                raise self.error("a value list mixes AND and OR")
            op = word
            values.append(self.parse_value())
        self.expect_op(")")
        return ValueList("AND" if op == "AND" else "OR", tuple(values))

    def regex(self, t: Token) -> Value:
        pattern, _, flags = t.value.rpartition("/")
        if set(flags) - {"i"}:
            raise self.error(f"unsupported regex flag(s) {flags!r}: only i (ignore case) is supported", t)
        if not pattern:
            raise self.error("empty regular expression", t)
        if len(pattern) > MAX_REGEX_CHARS:
            raise self.error(f"the regular expression is longer than {MAX_REGEX_CHARS} characters", t)
        from awsgraph.query.regex import RegexError, compile_regex

        try:
            compile_regex(pattern, flags)
        except RegexError as exc:
            raise self.error(f"bad regular expression: {exc}", t) from None
        return Value("regex", pattern, flags)

    def parse_value(self) -> Value:
        t = self.tok
        if t.kind == "STRING":
            self.advance()
            return Value("str", t.value)
        if t.kind == "REGEX":
            return self.regex(self.advance())
        if t.kind == "NUMBER" or (t.is_op("-") and self.peek().kind == "NUMBER"):
            sign = -1 if self.accept_op("-") else 1
            return Value("num", sign * self.number(self.advance()))
        if t.is_word("TRUE", "FALSE"):
            self.advance()
            return Value("bool", t.value.upper() == "TRUE")
        if t.is_word("UNDEFINED", "NULL"):
            self.advance()
            return Value("undefined", None)
        if t.is_word("DATE") and self.peek().is_op("("):
            return Value("date", self.absolute_date())
        if t.kind == "WORD" and t.value.lower() == "date.now":
            self.advance()
            return Value("date", self.now_ms + self.date_offset())
        raise self.error(f"expected a value (string, number, true/false, undefined, date.now, /regex/), found "
                         f"{self.describe(t)}")

    def number(self, t: Token) -> int | float:
        try:
            value: int | float = int(t.value) if t.value.isdigit() else float(t.value)
        except ValueError:
            raise self.error(f"bad number {t.value!r}", t) from None
        if abs(value) > INT_MAX:
            raise self.error(f"number {t.value[:30]} is too large (at most {INT_MAX})", t)
        return value

    def absolute_date(self) -> int:
        """``date(2024)``, ``date(2024-01)``, ``date(2024-01-31)`` or an ISO 8601 timestamp with ``Z`` or
        an offset (``date(2019-10-30T01:22:48.970+01:00)``), as epoch milliseconds (UTC unless offset)."""
        self.advance()
        open_tok = self.expect_op("(")
        body = self.tok
        if body.kind != "RAW":
            raise self.error("date( needs a closing )", open_tok)
        self.advance()
        raw = body.value.strip().strip("'\"")
        iso = raw + "-01-01" if _YEAR.fullmatch(raw) else raw + "-01" if _YEAR_MONTH.fullmatch(raw) else raw
        try:
            parsed = dt.datetime.fromisoformat(iso.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise self.error(f"bad date {raw[:40]!r}: use YYYY, YYYY-MM, YYYY-MM-DD or an ISO 8601 timestamp",
                             open_tok) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        self.expect_op(")")
        return round(parsed.timestamp() * 1000)

    def date_offset(self) -> int:
        # ``date.now - 7 days`` is an offset; ``date.now - a.createdOn`` is arithmetic, left to WHERE.
        if not self.tok.is_op("-", "+") or self.peek().kind != "NUMBER":
            return 0
        unit_word = self.peek(2)
        if unit_word.kind != "WORD" or unit_word.value.upper() in KEYWORDS:
            return 0
        sign = -1 if self.advance().value == "-" else 1
        if self.tok.kind != "NUMBER":
            raise self.error("expected a number after date.now +/-")
        amount = self.number(self.advance())
        unit_tok = self.tok
        unit = unit_tok.value.lower() if unit_tok.kind == "WORD" else ""
        if unit not in UNIT_MS:
            raise self.error("expected a unit (seconds, minutes, hours/hr/hrs, days, weeks, months/mo/mos, "
                             "years/yr/yrs)")
        self.advance()
        offset = sign * amount * UNIT_MS[unit]
        if abs(self.now_ms + offset) > INT_MAX:
            raise self.error("the date is out of range", unit_tok)
        return int(offset)

