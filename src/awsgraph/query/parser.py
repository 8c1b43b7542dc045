"""Recursive-descent parser for J1QL, keeping token positions for error messages.

The grammar is split by responsibility: :mod:`~awsgraph.query.parse_base` (tokens, aliases, depth),
:mod:`~awsgraph.query.values` (literals and dates), :mod:`~awsgraph.query.expressions` (WHERE
conditions, math, CONCAT, aggregates) and this module (the query, selectors, traversals, WITH,
RETURN, ORDER BY).
"""

from __future__ import annotations

from awsgraph.query.ast import (
    Aggregate,
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
from awsgraph.query.expressions import AGGREGATES, ExpressionParser
from awsgraph.query.parse_base import INT_MAX, KEYWORDS, MAX_DEPTH
from awsgraph.query.values import MAX_REGEX_CHARS, UNIT_MS

DEFAULT_LIMIT = 250
__all__ = ["DEFAULT_LIMIT", "MAX_DEPTH", "MAX_REGEX_CHARS", "UNIT_MS", "parse"]


def parse(text: str, *, now_ms: int | None = None) -> Query:
    """Parse a J1QL query; raises :class:`QueryError` pointing at the offending token."""
    return _Parser(text, now_ms).parse_query()


class _Parser(ExpressionParser):
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
        if int(t.value) > INT_MAX:
            raise self.error(f"{keyword} is too large (at most {INT_MAX})")
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
        elif not smart or (self.tok.kind == "WORD" and self.tok.value.upper() not in KEYWORDS):
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
        if t.kind != "WORD" or t.value.upper() in KEYWORDS:
            raise self.error(f"expected a property name, found {self.describe(t)}")
        self.advance()
        left = PropRef(None, self.check_prop(t.value, t), t.pos)
        op_tok = self.comparator()
        right: Value | ValueList
        right = self.parse_value_list() if self.tok.is_op("(") else self.parse_value()
        return self.checked(Comparison(left, op_tok.value, right, op_tok.pos))

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

    def parse_order(self, returns: tuple[ReturnItem, ...] | None) -> list[OrderItem]:
        labels = {r.label for r in returns or ()}
        out: list[OrderItem] = []
        while True:
            t = self.tok
            if t.kind == "WORD" and t.value in labels:
                self.advance()
                item = OrderItem(None, t.value, False)
            elif t.kind == "WORD" and t.value.upper() in AGGREGATES and self.peek().is_op("("):
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
