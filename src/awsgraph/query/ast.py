"""The parsed form of a J1QL query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as Lit

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Value:
    """A literal: ``kind`` is str, num, bool, undefined, date (epoch milliseconds) or regex.

    A regex's ``value`` is its pattern and ``flags`` its flags (only ``i`` is accepted).
    """

    kind: Lit["str", "num", "bool", "undefined", "date", "regex"]
    value: Scalar
    flags: str = ""


@dataclass(frozen=True)
class ValueList:
    """``('a' OR 'b')``: any of (OR) or all of (AND) the values."""

    op: Lit["OR", "AND"]
    values: tuple[Value, ...]


@dataclass(frozen=True)
class PropRef:
    """``alias.prop`` (alias None inside WITH, where the selector is implied)."""

    alias: str | None
    prop: str
    pos: int


@dataclass(frozen=True)
class Comparison:
    left: PropRef
    op: str  # = != > < >= <= ~= ^= $= !~= !^= !$=
    right: Value | ValueList | PropRef
    pos: int


@dataclass(frozen=True)
class BoolExpr:
    op: Lit["AND", "OR"]
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class NotExpr:
    item: Expr


@dataclass(frozen=True)
class Arith:
    """``left op right`` with op one of ``+ - * /``; ``neg`` is unary minus (right is None)."""

    op: str
    left: Operand
    right: Operand | None
    pos: int


@dataclass(frozen=True)
class Concat:
    """``CONCAT(a, b, ...)``: missing values count as empty strings."""

    args: tuple[Operand, ...]
    pos: int


@dataclass(frozen=True)
class Aggregate:
    """``count(alias)``, ``count(alias.prop)``, ``min|max|avg|sum(alias.prop)``."""

    func: str
    alias: str
    prop: str | None
    pos: int


Operand = PropRef | Value | Arith | Concat | Aggregate


@dataclass(frozen=True)
class Compare:
    """A comparison whose sides are computed (math, CONCAT): ``a.x * 2 > b.y``."""

    left: Operand
    op: str
    right: Operand | ValueList
    pos: int


Expr = Comparison | Compare | BoolExpr | NotExpr


@dataclass(frozen=True)
class Selector:
    """``*`` (names empty), a class/type name, or an alternation of them.

    ``smart`` holds smart classes (``#PII``, ``#CriticalAsset``) every match must have;
    ``search`` is full-text search text (``FIND "10.0.1.5"``).
    """

    names: tuple[str, ...]
    filters: Expr | None
    alias: str | None
    pos: int
    smart: tuple[str, ...] = ()
    search: str | None = None


@dataclass(frozen=True)
class Traversal:
    verbs: tuple[str, ...]  # empty: RELATES TO (any verb)
    direction: str  # both | out (previous -> target, ``>>``) | in (``<<``)
    negated: bool
    rel_alias: str | None
    target: Selector
    pos: int


@dataclass(frozen=True)
class OptionalGroup:
    """``(THAT ... )? [AS alias]``: the steps may be skipped; later steps continue from both."""

    steps: tuple[Step, ...]
    alias: str | None
    pos: int


Step = Traversal | OptionalGroup


@dataclass(frozen=True)
class ReturnItem:
    """``kind`` expr: a computed value (math, CONCAT, an aggregate in math) held in ``expr``."""

    kind: Lit["prop", "all", "object", "agg", "expr"]
    alias: str
    prop: str | None
    func: str | None  # count | min | max | avg | sum
    label: str
    pos: int
    expr: Operand | None = None


@dataclass(frozen=True)
class OrderItem:
    ref: PropRef | None
    label: str | None  # ORDER BY a RETURN label
    desc: bool


@dataclass(frozen=True)
class Query:
    text: str
    unique: bool
    start: Selector
    steps: tuple[Step, ...]
    where: Expr | None
    returns: tuple[ReturnItem, ...] | None  # None: JupiterOne's default return
    tree: bool
    order: tuple[OrderItem, ...]
    skip: int
    limit: int
