"""Compile J1QL comparisons to SQL over the JSON ``props`` column.

JupiterOne semantics kept here: ``=`` on an array property matches when any element
matches; ``!=`` (and every negated operator) also matches entities that lack the property;
booleans compare as booleans (SQLite's JSON functions would turn them into 0/1); ``undefined``
means the property is absent (or JSON null).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from awsgraph.model.tags import stored_property
from awsgraph.query.ast import BoolExpr, Comparison, Expr, NotExpr, PropRef, Value, ValueList
from awsgraph.query.errors import QueryError

_NEGATED = {"!=": "=", "!~=": "~=", "!^=": "^=", "!$=": "$="}
_ORDERING = {">", "<", ">=", "<="}


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


def json_path(prop: str) -> str:
    """A SQL string literal holding the JSON path of a (possibly dotted) property name.

    ``tag.<AWS tag key>`` is looked up under its stored, encoded name (awsgraph.model.tags)."""
    escaped = stored_property(prop).replace("\\", "\\\\").replace('"', '\\"')
    return "'" + ('$."' + escaped + '"').replace("'", "''") + "'"


class FilterCompiler:
    def __init__(self, query: str, param: Callable[[object], str]) -> None:
        self.query = query
        self.param = param

    def expr(self, node: Expr, resolve: Callable[[PropRef], Slot]) -> str:
        if isinstance(node, BoolExpr):
            joiner = f" {node.op} "
            return "(" + joiner.join(self.expr(i, resolve) for i in node.items) + ")"
        if isinstance(node, NotExpr):
            return f"(IFNULL({self.expr(node.item, resolve)}, 0) = 0)"
        return self.comparison(node, resolve)

    def comparison(self, node: Comparison, resolve: Callable[[PropRef], Slot]) -> str:
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
        return f"(IFNULL({sql}, 0) = 0)" if negated else sql

    def positive(self, slot: Slot, prop: str, op: str, value: Value, node: Comparison) -> str:
        path = json_path(prop)
        typ = f"json_type({slot.props}, {path})"
        if value.kind == "undefined":
            if op != "=":
                raise QueryError("undefined only works with = and !=", self.query, node.pos)
            return f"({typ} IS NULL OR {typ} = 'null')"
        column = slot.column_for(prop)
        if column is not None and op == "=" and value.kind == "str":
            return f"{column} = {self.param(value.value)}"
        if value.kind == "bool" and op != "=":
            raise QueryError("true/false only work with = and !=", self.query, node.pos)
        if op in ("~=", "^=", "$=") and value.kind != "str":
            raise QueryError(f"{op} needs a quoted string", self.query, node.pos)
        val = f"json_extract({slot.props}, {path})"
        scalar = self.scalar_test(val, typ, op, value)
        element = self.scalar_test("j.value", "j.type", op, value)
        # json_type right after json_extract is nearly free: SQLite caches the parsed document.
        return (f"({scalar} OR ({typ} = 'array' AND EXISTS(SELECT 1 FROM json_each({slot.props}, {path}) j"
                f" WHERE {element})))")

    def scalar_test(self, val: str, typ: str, op: str, value: Value) -> str:
        if value.kind == "bool":
            return f"{typ} = '{'true' if value.value else 'false'}'"
        p = self.param(value.value)
        if value.kind == "str":
            if op == "~=":
                return f"({typ} = 'text' AND instr({val}, {p}) > 0)"
            if op == "^=":
                return f"({typ} = 'text' AND substr({val}, 1, length({p})) = {p})"
            if op == "$=":
                return f"({typ} = 'text' AND length({p}) > 0 AND substr({val}, -length({p})) = {p})"
            if op == "=":  # SQLite never equates text with a number, so no type test is needed
                return f"{val} = {p}"
            return f"({val} {op} {p} AND {typ} = 'text')"
        if value.kind == "date":
            # Dates are usually epoch milliseconds; ISO strings are converted for the comparison.
            as_ms = (f"(CASE {typ} WHEN 'text' THEN CAST(strftime('%s', {val}) AS INTEGER) * 1000"
                     f" WHEN 'integer' THEN {val} WHEN 'real' THEN {val} END)")
            return f"{as_ms} {op} {p}"
        return f"({val} {op} {p} AND {typ} IN ('integer', 'real'))"  # the cheap test first

    def between_props(self, node: Comparison, left: Slot, right: Slot) -> str:
        assert isinstance(node.right, PropRef)
        lv = f"json_extract({left.props}, {json_path(node.left.prop)})"
        rv = f"json_extract({right.props}, {json_path(node.right.prop)})"
        op = node.op
        if op == "=":
            return f"({lv} = {rv})"
        if op == "!=":
            return f"({lv} IS NOT {rv})"
        if op in _ORDERING:
            return f"({lv} {op} {rv})"
        base = {"~=": f"instr({lv}, {rv}) > 0", "^=": f"substr({lv}, 1, length({rv})) = {rv}",
                "$=": f"substr({lv}, -length({rv})) = {rv}"}[_NEGATED.get(op, op)]
        return f"(IFNULL({base}, 0) = 0)" if op in _NEGATED else f"({base})"
