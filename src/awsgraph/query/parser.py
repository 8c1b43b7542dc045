"""Recursive-descent parser for J1QL, keeping token positions for error messages."""

from __future__ import annotations

import datetime as dt
import time

from awsgraph.query.ast import (
    BoolExpr,
    Comparison,
    Expr,
    NotExpr,
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
_KEYWORDS = {"FIND", "THAT", "WITH", "AS", "WHERE", "RETURN", "ORDER", "BY", "SKIP", "LIMIT", "AND", "OR",
             "UNIQUE", "NOT"}
_COMPARATORS = ("=", "!=", ">", "<", ">=", "<=", "~=", "^=", "$=", "!~=", "!^=", "!$=")
_AGGREGATES = {"COUNT", "MIN", "MAX", "AVG", "SUM"}
_UNIT_MS = {
    "second": 1000, "minute": 60_000, "hour": 3_600_000, "day": 86_400_000, "week": 7 * 86_400_000,
    "month": 30 * 86_400_000, "year": 365 * 86_400_000,
}


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

    def name(self, what: str) -> Token:
        t = self.tok
        if t.kind != "WORD" or t.value.upper() in _KEYWORDS:
            raise self.error(f"expected {what}, found {self.describe(t)}")
        return self.advance()

    # -- query --------------------------------------------------------------------------
    def parse_query(self) -> Query:
        self.expect_word("FIND")
        unique = self.accept_word("UNIQUE")
        start = self.parse_selector()
        self.start_alias = start.alias or ""
        steps = self.parse_steps(top=True)
        where = None
        if self.accept_word("WHERE"):
            where = self.parse_expr(in_where=True)
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
        self.advance()
        return int(t.value)

    # -- selectors and traversals ----------------------------------------------------------
    def parse_selector(self) -> Selector:
        t = self.tok
        names: tuple[str, ...]
        if self.accept_op("*"):
            names = ()
        elif self.accept_op("("):
            found = [self.name("a class or type").value]
            while self.accept_op("|"):
                found.append(self.name("a class or type").value)
            self.expect_op(")")
            names = tuple(found)
        else:
            names = (self.name("a class, a type or *").value,)
        filters = self.parse_expr(in_where=False) if self.accept_word("WITH") else None
        alias = self.parse_alias("entity")
        if alias is None:
            alias = self.implicit_alias(names)
        return Selector(names, filters, alias, t.pos)

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

    # -- filters ------------------------------------------------------------------------
    def parse_expr(self, in_where: bool) -> Expr:
        items = [self.parse_and(in_where)]
        while self.accept_word("OR"):
            items.append(self.parse_and(in_where))
        return items[0] if len(items) == 1 else BoolExpr("OR", tuple(items))

    def parse_and(self, in_where: bool) -> Expr:
        items = [self.parse_unary(in_where)]
        while self.accept_word("AND"):
            items.append(self.parse_unary(in_where))
        return items[0] if len(items) == 1 else BoolExpr("AND", tuple(items))

    def parse_unary(self, in_where: bool) -> Expr:
        if self.accept_word("NOT"):
            return NotExpr(self.parse_unary(in_where))
        if self.accept_op("("):
            inner = self.parse_expr(in_where)
            self.expect_op(")")
            return inner
        return self.parse_comparison(in_where)

    def parse_comparison(self, in_where: bool) -> Comparison:
        t = self.tok
        if t.kind != "WORD" or t.value.upper() in _KEYWORDS:
            raise self.error(f"expected a property name, found {self.describe(t)}")
        self.advance()
        left = self.prop_ref(t) if in_where else PropRef(None, t.value, t.pos)
        op_tok = self.tok
        if op_tok.kind != "OP" or op_tok.value not in _COMPARATORS:
            raise self.error(f"expected a comparison (=, !=, >, ~=, ...), found {self.describe(op_tok)}")
        self.advance()
        right: Value | ValueList | PropRef
        if self.tok.is_op("("):
            right = self.parse_value_list()
        elif in_where and self.tok.kind == "WORD" and self.tok.value.split(".", 1)[0] in self.aliases:
            right = self.prop_ref(self.advance())
        else:
            right = self.parse_value()
        return Comparison(left, op_tok.value, right, op_tok.pos)

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

    def parse_value(self) -> Value:
        t = self.tok
        if t.kind == "STRING":
            self.advance()
            return Value("str", t.value)
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
        raise self.error(f"expected a value (string, number, true/false, undefined, date.now), found "
                         f"{self.describe(t)}")

    def number(self, t: Token) -> int | float:
        try:
            return int(t.value) if t.value.isdigit() else float(t.value)
        except ValueError:
            raise self.error(f"bad number {t.value!r}", t) from None

    def absolute_date(self) -> int:
        """``date(2024-01-31)`` or ``date(2024-01-31T12:00:00Z)`` as epoch milliseconds (UTC)."""
        self.advance()
        open_tok = self.expect_op("(")
        close = self.text.find(")", open_tok.pos)
        if close < 0:
            raise self.error("date( needs a closing )", open_tok)
        raw = self.text[open_tok.pos + 1 : close].strip().strip("'\"")
        try:
            parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise self.error(f"bad date {raw!r}: use YYYY-MM-DD or an ISO 8601 timestamp", open_tok) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.UTC)
        while self.tok.kind != "EOF" and self.tok.pos < close:
            self.advance()
        self.expect_op(")")
        return int(parsed.timestamp() * 1000)

    def date_offset(self) -> int:
        if not self.tok.is_op("-", "+"):
            return 0
        sign = -1 if self.advance().value == "-" else 1
        if self.tok.kind != "NUMBER":
            raise self.error("expected a number after date.now +/-")
        amount = self.number(self.advance())
        unit_tok = self.tok
        unit = unit_tok.value.lower().rstrip("s") if unit_tok.kind == "WORD" else ""
        if unit not in _UNIT_MS:
            raise self.error("expected a unit (seconds, minutes, hours, days, weeks, months, years)")
        self.advance()
        return int(sign * amount * _UNIT_MS[unit])

    def prop_ref(self, t: Token) -> PropRef:
        head, _, rest = t.value.partition(".")
        if head in self.aliases and rest:
            self.check_alias(head, t)
            return PropRef(head, rest, t.pos)
        if t.value in self.aliases:
            raise self.error(f"{t.value!r} is an alias: name a property, e.g. {t.value}.name", t)
        # No alias: a property of the starting selector, as JupiterOne allows.
        return PropRef(self.start_alias, t.value, t.pos)

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
        if t.kind != "WORD":
            raise self.error(f"expected alias.property, alias.*, alias or an aggregate, found "
                             f"{self.describe(t)}")
        self.advance()
        item: ReturnItem
        if t.value.upper() in _AGGREGATES and self.tok.is_op("("):
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
            label = f"{func}({arg.value})"
            item = ReturnItem("agg", head, rest or None, func, label, t.pos)
        else:
            head, _, rest = t.value.partition(".")
            if head not in self.aliases:
                raise self.error(f"unknown alias {head!r} (aliases: {', '.join(sorted(self.visible()))})", t)
            self.check_alias(head, t)
            if rest == "*":
                item = ReturnItem("all", head, None, None, t.value, t.pos)
            elif rest:
                item = ReturnItem("prop", head, rest, None, t.value, t.pos)
            else:
                item = ReturnItem("object", head, None, None, t.value, t.pos)
        if self.accept_word("AS"):
            lt = self.tok
            if lt.kind not in ("WORD", "STRING"):
                raise self.error("expected a name after AS")
            self.advance()
            item = ReturnItem(item.kind, item.alias, item.prop, item.func, lt.value, item.pos)
        return item

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
