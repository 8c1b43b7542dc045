"""The parsed form of a J1QL query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal as Lit

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Value:
    """A literal: ``kind`` is str, num, bool, undefined or date (epoch milliseconds)."""

    kind: Lit["str", "num", "bool", "undefined", "date"]
    value: Scalar


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


Expr = Comparison | BoolExpr | NotExpr


@dataclass(frozen=True)
class Selector:
    """``*`` (names empty), a class/type name, or an alternation of them."""

    names: tuple[str, ...]
    filters: Expr | None
    alias: str | None
    pos: int


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
    kind: Lit["prop", "all", "object", "agg"]
    alias: str
    prop: str | None
    func: str | None  # count | min | max | avg | sum
    label: str
    pos: int


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
