"""Recursive-descent parser for J1QL, keeping token positions for error messages."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass

from awsgraph.query.ast import (
    Aggregate,
    Arith,
    BoolExpr,
    Compare,
    Comparison,
    Concat,
    Expr,
    NotExpr,
    Operand,
    OptionalGroup,
    OrderItem,
    PropRef,
    Query,
    ReturnItem,
    Selector,
    Step,
    Traversal,
    Value,
    ValueList,
)
from awsgraph.query.errors import QueryError
from awsgraph.query.lexer import Token, tokenize

DEFAULT_LIMIT = 250
MAX_DEPTH = 100  # nested parentheses, NOTs and signs: deeper is refused with a caret, not a RecursionError
MAX_REGEX_CHARS = 1000
_INT_MAX = 2**63 - 1  # what SQL stores can bind
_KEYWORDS = {"FIND", "THAT", "WITH", "AS", "WHERE", "RETURN", "ORDER", "BY", "SKIP", "LIMIT", "AND", "OR",
             "UNIQUE", "NOT"}
_COMPARATORS = ("=", "!=", ">", "<", ">=", "<=", "~=", "^=", "$=", "!~=", "!^=", "!$=")
_REGEX_OPS = ("=", "!=", "~=", "!~=", "^=", "!^=", "$=", "!$=")
_AGGREGATES = {"COUNT", "MIN", "MAX", "AVG", "SUM"}
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


@dataclass(frozen=True)
class _Bare:
    """A parenthesised value (``(a.x - a.y)``) met where a condition could also start."""

    operand: Operand


def parse(text: str, *, now_ms: int | None = None) -> Query:
    """Parse a J1QL query; raises :class:`QueryError` pointing at the offending token."""
    return _Parser(text, now_ms).parse_query()


class _Parser:
    def __init__(self, text: str, now_ms: int | None) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        self.aliases: dict[str, str] = {}  # alias -> entity | relationship | negated
        self.start_alias = ""
        self._auto = 0
        self.depth = 0

    # -- token helpers ----------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, n: int = 1) -> Token:
        return self.tokens[min(self.i + n, len(self.tokens) - 1)]

    def advance(self) -> Token:
        t = self.tokens[self.i]
        if t.kind != "EOF":
            self.i += 1
        return t

    def error(self, message: str, tok: Token | None = None) -> QueryError:
        t = tok or self.tok
        return QueryError(message, self.text, t.pos)

    def describe(self, t: Token) -> str:
        return "end of query" if t.kind == "EOF" else repr(t.value)

    def expect_word(self, word: str) -> Token:
        if not self.tok.is_word(word):
            raise self.error(f"expected {word}, found {self.describe(self.tok)}")
        return self.advance()

    def expect_op(self, op: str) -> Token:
        if not self.tok.is_op(op):
            raise self.error(f"expected {op!r}, found {self.describe(self.tok)}")
        return self.advance()

    def accept_word(self, word: str) -> bool:
        if self.tok.is_word(word):
            self.advance()
            return True
        return False

    def accept_op(self, op: str) -> bool:
        if self.tok.is_op(op):
            self.advance()
            return True
        return False

    def enter(self, t: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the query nests too deeply (more than {MAX_DEPTH} levels)", t)

    def leave(self) -> None:
        self.depth -= 1

    def name(self, what: str) -> Token:
        t = self.tok
        if t.kind != "WORD" or t.value.upper() in _KEYWORDS:
            raise self.error(f"expected {what}, found {self.describe(t)}")
        return self.advance()

    # -- query --------------------------------------------------------------------------
    def parse_query(self) -> Query:
        if self.tok.kind != "STRING":  # a bare "text" is a full-text search: FIND is optional there
            self.expect_word("FIND")
        unique = self.accept_word("UNIQUE")
        start = self.parse_selector()
        self.start_alias = start.alias or ""
        steps = self.parse_steps(top=True)
        where = None
        if self.accept_word("WHERE"):
            where = self.boolean(self.where_or())
        returns: tuple[ReturnItem, ...] | None = None
        tree = False
        if self.accept_word("RETURN"):
            if self.accept_word("TREE"):
                tree = True
            else:
                returns = self.parse_returns()
        order: list[OrderItem] = []
        if self.accept_word("ORDER"):
            self.expect_word("BY")
            order = self.parse_order(returns)
        skip = self.parse_count("SKIP", 0)
        limit = self.parse_count("LIMIT", DEFAULT_LIMIT)
        if self.tok.kind != "EOF":
            raise self.error(f"unexpected {self.describe(self.tok)}")
        return Query(self.text, unique, start, tuple(steps), where, returns, tree, tuple(order), skip, limit)

    def parse_count(self, keyword: str, default: int) -> int:
        if not self.accept_word(keyword):
            return default
        t = self.tok
        if t.kind != "NUMBER" or not t.value.isdigit():
            raise self.error(f"{keyword} needs a whole number")
        if int(t.value) > _INT_MAX:
            raise self.error(f"{keyword} is too large (at most {_INT_MAX})")
        self.advance()
        return int(t.value)

    # -- selectors and traversals ----------------------------------------------------------
    def parse_selector(self) -> Selector:
        t = self.tok
        names: tuple[str, ...] = ()
        search: str | None = None
        smart: list[str] = []
        while self.tok.kind == "WORD" and self.tok.value.startswith("#"):
            smart.append(self.advance().value[1:])
        if self.tok.kind == "STRING" and not smart:
            search = self.advance().value
            if not search.strip():
                raise self.error("full-text search needs some text", t)
        elif self.accept_op("*"):
            names = ()
        elif self.tok.is_op("(") and not self.at_optional():
            self.advance()
            found = [self.name("a class or type").value]
            while self.accept_op("|"):
                found.append(self.name("a class or type").value)
            self.expect_op(")")
            names = tuple(found)
        elif not smart or (self.tok.kind == "WORD" and self.tok.value.upper() not in _KEYWORDS):
            names = (self.name("a class, a type or * (or a #smart class, or \"text\" to search)").value,)
        for n in names:
            if n.startswith("#"):
                raise self.error("a smart class (#Name) comes before the class or type", t)
        filters = self.parse_filters() if self.accept_word("WITH") else None
        alias = self.parse_alias("entity")
        if alias is None:
            alias = self.implicit_alias(names)
        return Selector(names, filters, alias, t.pos, tuple(smart), search)

    def parse_alias(self, kind: str) -> str | None:
        if not self.accept_word("AS"):
            return None
        t = self.name("an alias")
        if t.value in self.aliases and self.aliases[t.value] != "implicit":
            raise self.error(f"alias {t.value!r} is used twice", t)
        self.aliases[t.value] = kind
        return t.value

    def implicit_alias(self, names: tuple[str, ...]) -> str:
        # JupiterOne lets RETURN/WHERE name an unaliased selector by its class or type.
        if len(names) == 1 and names[0] not in self.aliases:
            self.aliases[names[0]] = "entity"
            return names[0]
        self._auto += 1
        return f"#{self._auto}"

    def at_step(self) -> bool:
        t = self.tok
        if t.is_word("THAT"):
            return True
        return t.is_op("!") and self.peek().is_word("THAT")

    def at_optional(self) -> bool:
        if not self.tok.is_op("("):
            return False
        nxt = self.peek()
        return nxt.is_word("THAT") or (nxt.is_op("!") and self.peek(2).is_word("THAT"))

    def parse_steps(self, top: bool) -> list[Step]:
        steps: list[Step] = []
        while True:
            if self.at_step():
                steps.append(self.parse_traversal())
            elif self.at_optional():
                t = self.advance()
                inner = self.parse_steps(top=False)
                self.expect_op(")")
                self.expect_op("?")
                alias = self.parse_alias("entity")
                steps.append(OptionalGroup(tuple(inner), alias, t.pos))
            else:
                break
        if not top and not steps:
            raise self.error("expected THAT inside ( ... )?")
        return steps

    def parse_traversal(self) -> Traversal:
        t = self.tok
        negated = self.accept_op("!")
        self.expect_word("THAT")
        negated = self.accept_op("!") or negated
        direction = self.parse_direction("both")
        verbs: tuple[str, ...]
        if self.accept_word("RELATES"):
            self.expect_word("TO")
            verbs = ()
        elif self.tok.is_op("("):
            self.advance()
            found = [self.name("a relationship verb").value.upper()]
            while self.accept_op("|"):
                found.append(self.name("a relationship verb").value.upper())
            self.expect_op(")")
            verbs = tuple(found)
        else:
            verbs = (self.name("a relationship verb (HAS, ALLOWS, ...) or RELATES TO").value.upper(),)
        direction = self.parse_direction(direction)
        # TO after a verb is filler (CONNECTS TO, DEPLOYED TO), as J1QL reads it.
        if verbs and self.accept_word("TO"):
            direction = self.parse_direction(direction)
        rel_alias = self.parse_alias("negated" if negated else "relationship")
        target = self.parse_selector()
        if negated and target.alias and not target.alias.startswith("#"):
            self.aliases[target.alias] = "negated"  # nothing to return: the entity must not exist
        return Traversal(verbs, direction, negated, rel_alias, target, t.pos)

    def parse_direction(self, current: str) -> str:
        if self.accept_op(">>"):
            return "out"
        if self.accept_op("<<"):
            return "in"
        return current

    # -- WITH filters: property op value, AND / OR / NOT / ( ) ------------------------------
    def parse_filters(self) -> Expr:
        items = [self.filter_and()]
        while self.accept_word("OR"):
            items.append(self.filter_and())
        return items[0] if len(items) == 1 else BoolExpr("OR", tuple(items))

    def filter_and(self) -> Expr:
        items = [self.filter_unary()]
        while self.accept_word("AND"):
            items.append(self.filter_unary())
        return items[0] if len(items) == 1 else BoolExpr("AND", tuple(items))

    def filter_unary(self) -> Expr:
        t = self.tok
        self.enter(t)
        try:
            if self.accept_word("NOT"):
                return NotExpr(self.filter_unary())
            if self.accept_op("("):
                inner = self.parse_filters()
                self.expect_op(")")
                return inner
            return self.filter_comparison()
        finally:
            self.leave()

    def filter_comparison(self) -> Comparison:
        t = self.tok
        if t.kind != "WORD" or t.value.upper() in _KEYWORDS:
            raise self.error(f"expected a property name, found {self.describe(t)}")
        self.advance()
        left = PropRef(None, self.check_prop(t.value, t), t.pos)
        op_tok = self.comparator()
        right: Value | ValueList
        right = self.parse_value_list() if self.tok.is_op("(") else self.parse_value()
        return self.checked(Comparison(left, op_tok.value, right, op_tok.pos))

    def comparator(self) -> Token:
        op_tok = self.tok
        if op_tok.kind != "OP" or op_tok.value not in _COMPARATORS:
            raise self.error(f"expected a comparison (=, !=, >, ~=, ...), found {self.describe(op_tok)}")
        return self.advance()

    def checked(self, node: Comparison) -> Comparison:
        values = node.right.values if isinstance(node.right, ValueList) else (node.right,)
        for v in values:
            if isinstance(v, Value) and v.kind == "regex" and node.op not in _REGEX_OPS:
                raise QueryError(f"a regular expression works with = != ~= ^= $= and their negations, "
                                 f"not {node.op}", self.text, node.pos)
        return node

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

    def check_prop(self, prop: str, t: Token) -> str:
        if not prop or '"' in prop or any(ord(c) < 32 for c in prop):
            raise self.error("a property name must be non-empty, without double quotes or control characters", t)
        return prop

    # -- WHERE: comparisons of properties, values and expressions -----------------------------
    def where_or(self, bare_ok: bool = False) -> Expr | _Bare:
        first = self.where_and(bare_ok)
        if isinstance(first, _Bare) or not self.tok.is_word("OR"):
            return first
        items: list[Expr] = [first]
        while self.accept_word("OR"):
            items.append(self.boolean(self.where_and(False)))
        return BoolExpr("OR", tuple(items))

    def where_and(self, bare_ok: bool) -> Expr | _Bare:
        first = self.where_not(bare_ok)
        if isinstance(first, _Bare) or not self.tok.is_word("AND"):
            return first
        items: list[Expr] = [first]
        while self.accept_word("AND"):
            items.append(self.boolean(self.where_not(False)))
        return BoolExpr("AND", tuple(items))

    def boolean(self, node: Expr | _Bare) -> Expr:
        if isinstance(node, _Bare):
            raise self.error("expected a comparison (=, !=, >, ~=, ...)")
        return node

    def where_not(self, bare_ok: bool) -> Expr | _Bare:
        t = self.tok
        self.enter(t)
        try:
            if self.accept_word("NOT"):
                return NotExpr(self.boolean(self.where_not(False)))
            left = self.additive("where", group_ok=True)
            if isinstance(left, (BoolExpr, NotExpr, Comparison, Compare)):
                return left  # a parenthesised condition
            if not (self.tok.kind == "OP" and self.tok.value in _COMPARATORS):
                if bare_ok:
                    return _Bare(left)
                raise self.error(f"expected a comparison (=, !=, >, ~=, ...), found {self.describe(self.tok)}")
            op_tok = self.advance()
            right = self.where_rhs()
            return self.where_comparison(left, op_tok, right)
        finally:
            self.leave()

    def where_rhs(self) -> Operand | ValueList:
        if self.tok.is_op("(") and self.peek(2).is_word("OR", "AND"):
            return self.parse_value_list()
        right = self.additive("where", group_ok=False)
        assert not isinstance(right, (BoolExpr, NotExpr, Comparison, Compare))
        return right

    def where_comparison(self, left: Operand, op_tok: Token, right: Operand | ValueList) -> Expr:
        op = op_tok.value
        if isinstance(left, Value) and isinstance(right, PropRef):  # 'x' = a.name reads as a.name = 'x'
            flipped = {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)
            if flipped in ("=", "!=", ">", "<", ">=", "<="):
                left, right, op = right, left, flipped
        if isinstance(left, PropRef) and isinstance(right, Value | ValueList | PropRef):
            return self.checked(Comparison(left, op, right, op_tok.pos))
        if isinstance(right, Value) and right.kind == "regex" and op not in _REGEX_OPS:
            raise QueryError(f"a regular expression works with = != ~= ^= $=, not {op}", self.text, op_tok.pos)
        return Compare(left, op, right, op_tok.pos)

    # -- values and arithmetic (WHERE and RETURN) ------------------------------------------------
    def additive(self, ctx: str, group_ok: bool = False) -> Operand | Expr:
        left = self.multiplicative(ctx, group_ok)
        while self.tok.is_op("+", "-") and isinstance(left, Operand):
            t = self.advance()
            right = self.operand(self.multiplicative(ctx, False), t)
            left = Arith(t.value, left, right, t.pos)
        return left

    def multiplicative(self, ctx: str, group_ok: bool) -> Operand | Expr:
        left = self.unary(ctx, group_ok)
        while self.tok.is_op("*", "/") and isinstance(left, Operand):
            t = self.advance()
            right = self.operand(self.unary(ctx, False), t)
            left = Arith(t.value, left, right, t.pos)
        return left

    def operand(self, node: Operand | Expr, t: Token) -> Operand:
        if not isinstance(node, Operand):
            raise self.error("a condition cannot be used as a number", t)
        return node

    def unary(self, ctx: str, group_ok: bool) -> Operand | Expr:
        t = self.tok
        if t.is_op("-") and self.peek().kind != "NUMBER":
            self.advance()
            self.enter(t)
            try:
                return Arith("neg", self.operand(self.unary(ctx, False), t), None, t.pos)
            finally:
                self.leave()
        return self.primary(ctx, group_ok)

    def primary(self, ctx: str, group_ok: bool) -> Operand | Expr:
        t = self.tok
        if t.is_op("("):
            self.advance()
            self.enter(t)
            try:
                if ctx == "where":
                    inner = self.where_or(bare_ok=True)
                    self.expect_op(")")
                    if isinstance(inner, _Bare):
                        return inner.operand
                    if not group_ok:
                        raise self.error("expected a value, found a condition", t)
                    return inner
                value = self.additive(ctx)
                self.expect_op(")")
                return value
            finally:
                self.leave()
        if t.kind == "REGEX":
            return self.regex(self.advance())
        if t.kind == "WORD" and t.value.upper() == "CONCAT" and self.peek().is_op("("):
            self.advance()
            self.advance()
            args = [self.operand(self.additive(ctx), t)]
            while self.accept_op(","):
                args.append(self.operand(self.additive(ctx), t))
            self.expect_op(")")
            return Concat(tuple(args), t.pos)
        if t.kind == "WORD" and t.value.upper() in _AGGREGATES and self.peek().is_op("("):
            if ctx != "return":
                raise self.error(f"{t.value}() belongs in RETURN", t)
            return self.aggregate()
        if t.kind == "WORD" and not (t.is_word("TRUE", "FALSE", "UNDEFINED", "NULL", "DATE")
                                     or t.value.lower() == "date.now"):
            if t.value.upper() in _KEYWORDS:
                raise self.error(f"expected a value, found {self.describe(t)}")
            self.advance()
            if ctx == "return":
                head, _, rest = t.value.partition(".")
                if head not in self.aliases or not rest:
                    raise self.error(f"unknown alias {head!r} (aliases: {', '.join(sorted(self.visible()))})", t)
                self.check_alias(head, t)
                return PropRef(head, self.check_prop(rest, t), t.pos)
            return self.prop_ref(t)
        return self.parse_value()

    def aggregate(self) -> Aggregate:
        t = self.advance()
        func = t.value.lower()
        self.advance()
        arg = self.tok
        if arg.kind != "WORD":
            raise self.error(f"{func}() needs an alias or alias.property")
        self.advance()
        self.expect_op(")")
        head, _, rest = arg.value.partition(".")
        if head not in self.aliases:
            raise self.error(f"unknown alias {head!r}", arg)
        self.check_alias(head, arg)
        if func != "count" and not rest:
            raise self.error(f"{func}() needs alias.property", arg)
        return Aggregate(func, head, self.check_prop(rest, arg) if rest else None, t.pos)

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
        if abs(value) > _INT_MAX:
            raise self.error(f"number {t.value[:30]} is too large (at most {_INT_MAX})", t)
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
        if unit_word.kind != "WORD" or unit_word.value.upper() in _KEYWORDS:
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
        if abs(self.now_ms + offset) > _INT_MAX:
            raise self.error("the date is out of range", unit_tok)
        return int(offset)

    def prop_ref(self, t: Token) -> PropRef:
        head, _, rest = t.value.partition(".")
        if head in self.aliases and rest:
            self.check_alias(head, t)
            return PropRef(head, self.check_prop(rest, t), t.pos)
        if t.value in self.aliases:
            raise self.error(f"{t.value!r} is an alias: name a property, e.g. {t.value}.name", t)
        # No alias: a property of the starting selector, as JupiterOne allows.
        return PropRef(self.start_alias, self.check_prop(t.value, t), t.pos)

    def check_alias(self, alias: str, t: Token) -> None:
        if self.aliases.get(alias) == "negated":
            raise self.error(f"{alias!r} belongs to a negated traversal (THAT !...) and has no value", t)

    # -- RETURN / ORDER BY ------------------------------------------------------------------
    def parse_returns(self) -> tuple[ReturnItem, ...]:
        items = [self.parse_return_item()]
        while self.accept_op(","):
            items.append(self.parse_return_item())
        return tuple(items)

    def parse_return_item(self) -> ReturnItem:
        t = self.tok
        if t.kind != "WORD" and not t.is_op("(", "-") and t.kind not in ("NUMBER", "STRING"):
            raise self.error(f"expected alias.property, alias.*, alias or an aggregate, found "
                             f"{self.describe(t)}")
        nxt = self.peek()
        item: ReturnItem
        arithmetic_next = nxt.is_op("+", "-", "*", "/")
        head, _, rest = t.value.partition(".")
        if t.kind == "WORD" and (rest == "*" or (not rest and t.value in self.aliases and not arithmetic_next
                                                 and not nxt.is_op("("))):
            self.advance()
            self.check_alias(head, t)
            item = ReturnItem("all" if rest == "*" else "object", head, None, None, t.value, t.pos)
        else:
            expr = self.operand(self.additive("return"), t)
            label = self.text[t.pos : self.tok.pos].strip() if self.tok.kind != "EOF" else self.text[t.pos:].strip()
            if isinstance(expr, PropRef):
                item = ReturnItem("prop", expr.alias or "", expr.prop, None, f"{expr.alias}.{expr.prop}", t.pos)
            elif isinstance(expr, Aggregate):
                arg = f"{expr.alias}.{expr.prop}" if expr.prop else expr.alias
                item = ReturnItem("agg", expr.alias, expr.prop, expr.func, f"{expr.func}({arg})", t.pos)
            else:
                self.check_mixed(expr, t)
                item = ReturnItem("expr", "", None, None, " ".join(label.split()), t.pos, expr)
        if self.accept_word("AS"):
            lt = self.tok
            if lt.kind not in ("WORD", "STRING"):
                raise self.error("expected a name after AS")
            self.advance()
            item = ReturnItem(item.kind, item.alias, item.prop, item.func, lt.value, item.pos, item.expr)
        return item

    def check_mixed(self, expr: Operand, t: Token) -> None:
        """Refuse ``sum(a.x) * b.y``: a value that is both per-row and per-group has no meaning."""
        aggs, props = _walk(expr)
        if aggs and props:
            raise self.error("an expression mixes an aggregate with a per-row property", t)

    def visible(self) -> list[str]:
        return [a for a, kind in self.aliases.items() if kind != "negated"]

    def parse_order(self, returns: tuple[ReturnItem, ...] | None) -> list[OrderItem]:
        labels = {r.label for r in returns or ()}
        out: list[OrderItem] = []
        while True:
            t = self.tok
            if t.kind == "WORD" and t.value in labels:
                self.advance()
                item = OrderItem(None, t.value, False)
            elif t.kind == "WORD" and t.value.upper() in _AGGREGATES and self.peek().is_op("("):
                # An aggregate such as count(u) arrives as several tokens: rebuild its label.
                self.advance()
                self.advance()
                arg = self.name("an alias")
                self.expect_op(")")
                label = f"{t.value.lower()}({arg.value})"
                if label not in labels:
                    raise self.error(f"ORDER BY {label} needs {label} in RETURN", t)
                item = OrderItem(None, label, False)
            elif t.kind == "WORD":
                self.advance()
                item = OrderItem(self.prop_ref(t), None, False)
            else:
                raise self.error(f"expected a property to order by, found {self.describe(t)}")
            if self.accept_word("DESC"):
                item = OrderItem(item.ref, item.label, True)
            else:
                self.accept_word("ASC")
            out.append(item)
            if not self.accept_op(","):
                return out


def _walk(expr: Operand) -> tuple[int, int]:
    """(aggregates, properties outside aggregates) in an expression."""
    if isinstance(expr, Aggregate):
        return 1, 0
    if isinstance(expr, PropRef):
        return 0, 1
    if isinstance(expr, Arith):
        a, p = _walk(expr.left)
        if expr.right is not None:
            a2, p2 = _walk(expr.right)
            a, p = a + a2, p + p2
        return a, p
    if isinstance(expr, Concat):
        found = [_walk(x) for x in expr.args]
        return sum(x[0] for x in found), sum(x[1] for x in found)
    return 0, 0
