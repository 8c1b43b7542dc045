"""The J1QL parser's WHERE conditions and the arithmetic, CONCAT and aggregates of WHERE and RETURN."""

from __future__ import annotations

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
    PropRef,
    Value,
    ValueList,
)
from awsgraph.query.errors import QueryError
from awsgraph.query.lexer import Token
from awsgraph.query.parse_base import COMPARATORS, KEYWORDS, REGEX_OPS
from awsgraph.query.values import ValueParser

AGGREGATES = {"COUNT", "MIN", "MAX", "AVG", "SUM"}


@dataclass(frozen=True)
class _Bare:
    """A parenthesised value (``(a.x - a.y)``) met where a condition could also start."""

    operand: Operand


class ExpressionParser(ValueParser):
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
            if not (self.tok.kind == "OP" and self.tok.value in COMPARATORS):
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
        if isinstance(right, Value) and right.kind == "regex" and op not in REGEX_OPS:
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
        if t.kind == "WORD" and t.value.upper() in AGGREGATES and self.peek().is_op("("):
            if ctx != "return":
                raise self.error(f"{t.value}() belongs in RETURN", t)
            return self.aggregate()
        if t.kind == "WORD" and not (t.is_word("TRUE", "FALSE", "UNDEFINED", "NULL", "DATE")
                                     or t.value.lower() == "date.now"):
            if t.value.upper() in KEYWORDS:
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

    def check_mixed(self, expr: Operand, t: Token) -> None:
        """Refuse ``sum(a.x) * b.y``: a value that is both per-row and per-group has no meaning."""
        aggs, props = _walk(expr)
        if aggs and props:
            raise self.error("an expression mixes an aggregate with a per-row property", t)



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

