"""Compile J1QL comparisons and expressions to SQL over the JSON ``props`` column.

JupiterOne semantics kept here: ``=`` on an array property matches when any element
matches; ``!=`` (and every negated operator) also matches entities that lack the property;
booleans compare as booleans; ``undefined`` means the property is absent (or JSON null);
``a.list = b.value`` holds when the list contains the value (either side may be the list);
math works on numbers and on dates (converted to epoch milliseconds); CONCAT reads a missing
value as an empty string. Engine-specific SQL comes from the :class:`~awsgraph.query.dialect.Dialect`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
from awsgraph.query.dialect import Dialect, Val
from awsgraph.query.errors import QueryError
from awsgraph.query.regex import RegexError

_NEGATED = {"!=": "=", "!~=": "~=", "!^=": "^=", "!$=": "$="}
_ORDERING = {">", "<", ">=", "<="}
_REGEX_MODE = {"=": "search", "~=": "search", "^=": "start", "$=": "end"}
CRITICAL_CLASSES = ("Application", "CodeRepo", "DataStore", "Function", "Host", "Logs")


@dataclass(frozen=True)
class Slot:
    """A table alias in the compiled SQL holding an entity or a relationship row."""

    sql: str
    kind: str  # entity | relationship

    @property
    def props(self) -> str:
        return f"{self.sql}.props"

    def column_for(self, prop: str) -> str | None:
        """Indexed columns that mirror a reserved property (exact comparisons only)."""
        if prop == "_key":
            return f"{self.sql}.key"
        if prop == "_type":
            return f"{self.sql}.type"
        if prop == "_class" and self.kind == "relationship":
            return f"{self.sql}.verb"
        return None


Resolve = Callable[[PropRef], Slot]


class FilterCompiler:
    def __init__(self, query: str, param: Callable[[object], str], dialect: Dialect) -> None:
        self.query = query
        self.param = param
        self.d = dialect

    def expr(self, node: Expr, resolve: Resolve) -> str:
        if isinstance(node, BoolExpr):
            joiner = f" {node.op} "
            return "(" + joiner.join(self.expr(i, resolve) for i in node.items) + ")"
        if isinstance(node, NotExpr):
            return self.d.not_(self.expr(node.item, resolve))
        if isinstance(node, Compare):
            return self.compare(node, resolve)
        return self.comparison(node, resolve)

    # -- property op literal(s) ---------------------------------------------------------------
    def comparison(self, node: Comparison, resolve: Resolve) -> str:
        slot = resolve(node.left)
        right = node.right
        if isinstance(right, PropRef):
            return self.between_props(node, slot, resolve(right))
        op = node.op
        negated = op in _NEGATED
        positive = _NEGATED.get(op, op)
        if isinstance(right, ValueList):
            parts = [self.positive(slot, node.left.prop, positive, v, node) for v in right.values]
            sql = "(" + f" {right.op} ".join(parts) + ")"
        else:
            sql = self.positive(slot, node.left.prop, positive, right, node)
        return self.d.not_(sql) if negated else sql

    def positive(self, slot: Slot, prop: str, op: str, value: Value, node: Comparison) -> str:
        val = self.d.prop(slot.props, prop)
        if value.kind == "undefined":
            if op != "=":
                raise QueryError("undefined only works with = and !=", self.query, node.pos)
            return self.d.missing(val)
        column = slot.column_for(prop)
        if column is not None and op == "=" and value.kind == "str":
            return f"{column} = {self.param(value.value)}"
        if value.kind == "bool" and op != "=":
            raise QueryError("true/false only work with = and !=", self.query, node.pos)
        if op in ("~=", "^=", "$=") and value.kind not in ("str", "regex"):
            raise QueryError(f"{op} needs a quoted string or a /regex/", self.query, node.pos)
        if op == "=" and value.kind in ("str", "num", "bool") and _finite(value.value):
            indexed = self.d.equals_literal(slot.props, prop, value.value, self.param)
            if indexed is not None:
                return indexed
        scalar = self.scalar_test(val, op, value, node)
        from_item, element = self.d.elements(slot.props, prop, "j")
        return (f"({scalar} OR ({self.d.is_type(val, 'array')} AND EXISTS(SELECT 1 FROM {from_item}"
                f" WHERE {self.scalar_test(element, op, value, node)})))")

    def regex_param(self, value: Value, op: str, pos: int) -> str:
        mode = _REGEX_MODE[op]
        try:
            return self.param(self.d.regex_value(str(value.value), value.flags, mode))
        except RegexError as exc:
            raise QueryError(f"invalid regex: {exc}", self.query, pos) from None

    def scalar_test(self, val: Val, op: str, value: Value, node: Comparison) -> str:
        d = self.d
        if value.kind == "bool":
            return d.is_type(val, "true" if value.value else "false")
        if value.kind == "regex":
            p = self.regex_param(value, op, node.pos)
            return f"({d.is_type(val, 'text')} AND {d.regex(d.text(val), p, value.flags, _REGEX_MODE[op])})"
        p = self.param(value.value)
        if value.kind == "str":
            text = d.text(val)
            if op == "~=":
                return f"({d.is_type(val, 'text')} AND {d.contains(text, p)})"
            if op == "^=":
                return f"({d.is_type(val, 'text')} AND {d.starts_with(text, p)})"
            if op == "$=":
                return f"({d.is_type(val, 'text')} AND {d.ends_with(text, p)})"
            return f"({text} {op} {p} AND {d.is_type(val, 'text')})"  # the cheap test first
        if value.kind == "date":
            return f"{d.date_ms(val)} {op} {p}"
        return f"({d.number(val)} {op} {p} AND {d.is_type(val, 'number')})"

    # -- property op property -------------------------------------------------------------------
    def between_props(self, node: Comparison, left: Slot, right: Slot) -> str:
        assert isinstance(node.right, PropRef)
        d = self.d
        op = node.op
        if op in ("=", "!="):
            same = d.same_element((left.props, node.left.prop), (right.props, node.right.prop))
            return same if op == "=" else d.not_(same)
        lv, rv = d.prop(left.props, node.left.prop), d.prop(right.props, node.right.prop)
        if op in _ORDERING:
            texts = f"({d.is_type(lv, 'text')} AND {d.is_type(rv, 'text')})"
            return (f"(CASE WHEN {texts} THEN {d.text(lv)} {op} {d.text(rv)}"
                    f" ELSE {d.arithmetic(lv)} {op} {d.arithmetic(rv)} END)")
        lt, rt = d.text(lv), d.text(rv)
        base = {"~=": d.contains(lt, rt), "^=": d.starts_with(lt, rt), "$=": d.ends_with(lt, rt)}[_NEGATED.get(op, op)]
        return d.not_(base) if op in _NEGATED else f"({base})"

    # -- computed comparisons: math, CONCAT -----------------------------------------------------
    def compare(self, node: Compare, resolve: Resolve) -> str:
        mode = "text" if _is_text(node.left) or (isinstance(node.right, Operand) and _is_text(node.right)) else "num"
        left = self.operand(node.left, resolve, mode, node.pos)
        op = node.op
        positive = _NEGATED.get(op, op)
        if isinstance(node.right, ValueList):
            parts = [self.compare_one(left, positive, v, resolve, mode, node.pos) for v in node.right.values]
            sql = "(" + f" {node.right.op} ".join(parts) + ")"
        else:
            sql = self.compare_one(left, positive, node.right, resolve, mode, node.pos)
        return self.d.not_(sql) if op in _NEGATED else sql

    def compare_one(self, left: str, op: str, right: Operand, resolve: Resolve, mode: str, pos: int) -> str:
        d = self.d
        if isinstance(right, Value) and right.kind == "regex":
            p = self.regex_param(right, op, pos)
            return f"({d.regex(d.literal_text(left), p, right.flags, _REGEX_MODE[op])})"
        if isinstance(right, Value) and right.kind == "undefined":
            if op != "=":
                raise QueryError("undefined only works with = and !=", self.query, pos)
            return f"({left} IS NULL)"
        r = self.operand(right, resolve, mode, pos)
        if op in ("~=", "^=", "$="):
            text = d.literal_text(left)
            return {"~=": d.contains, "^=": d.starts_with, "$=": d.ends_with}[op](text, d.literal_text(r))
        return f"({left} {op} {r})"

    def operand(self, node: Operand, resolve: Resolve, mode: str, pos: int, agg: bool = False) -> str:
        """SQL for a value: ``mode`` num reads properties as numbers (dates as epoch ms), text as CONCAT does."""
        d = self.d
        if isinstance(node, PropRef):
            val = d.prop(resolve(node).props, node.prop)
            return d.concat_part(val) if mode == "text" else d.arithmetic(val)
        if isinstance(node, Value):
            if node.kind in ("undefined", "regex"):
                raise QueryError(f"{node.kind} cannot be used in an expression", self.query, pos)
            if node.kind == "bool":
                return "'true'" if node.value else "'false'"
            if node.kind == "str" and mode == "num":
                raise QueryError("math works on numbers and dates, not strings", self.query, pos)
            p = self.param(node.value)
            return d.literal_text(p) if mode == "text" else p
        if isinstance(node, Concat):
            return d.concat([self.operand(a, resolve, "text", node.pos, agg) for a in node.args])
        if isinstance(node, Arith):
            left = self.operand(node.left, resolve, "num", node.pos, agg)
            if node.right is None:
                sql = f"(-{left})"
            else:
                right = self.operand(node.right, resolve, "num", node.pos, agg)
                sql = d.divide(left, right) if node.op == "/" else f"({left} {node.op} {right})"
            return d.literal_text(sql) if mode == "text" else sql
        if not agg:
            raise QueryError(f"{node.func}() belongs in RETURN", self.query, node.pos)
        return self.aggregate(node, resolve)

    def aggregate(self, node: Aggregate, resolve: Resolve) -> str:
        slot = resolve(PropRef(node.alias, node.prop or "", node.pos))
        if node.func == "count" and node.prop is None:
            return f"COUNT(DISTINCT {slot.sql}.key)"
        return self.d.aggregate(node.func, self.d.prop(slot.props, node.prop or ""))

    # -- smart classes ------------------------------------------------------------------------------
    def smart_class(self, slot: Slot, name: str) -> str:
        """``#Name``: tagged Name, as J1QL reads tags (see docs/j1ql.md for the rule)."""
        d = self.d
        p = self.param(name)
        tags = self.positive(slot, "tags", "=", Value("str", name), _NO_NODE)
        tag_true = self.positive(slot, f"tag.{name}", "=", Value("bool", True), _NO_NODE)
        tag_text_true = self.positive(slot, f"tag.{name}", "=", Value("str", "true"), _NO_NODE)
        tagged = f"({tags} OR {tag_true} OR {tag_text_true} OR {d.any_tag_value(slot.props, p)})"
        if name != "CriticalAsset":
            return tagged
        # JupiterOne's default definition of a critical asset.
        classes = ", ".join(self.param(c) for c in CRITICAL_CLASSES)
        production = self.positive(slot, "tag.Production", "=", Value("bool", True), _NO_NODE)
        critical = self.positive(slot, "classification", "=", Value("str", "critical"), _NO_NODE)
        member = f"{slot.sql}.key IN (SELECT key FROM entity_classes WHERE class IN ({classes}))"
        return f"(({member} AND {production} AND {critical}) OR {tags})"


_NO_NODE = Comparison(PropRef(None, "", 0), "=", Value("undefined", None), 0)


def _finite(value: object) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _is_text(node: Operand) -> bool:
    return isinstance(node, Concat) or (isinstance(node, Value) and node.kind == "str")
