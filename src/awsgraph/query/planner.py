"""Pick where a traversal chain starts, from cheap index counts and a few sampled degrees.

SQLite's planner has no statistics about how selectors and verbs fan out (an account HAS
almost everything; a user HAS a few things), so left to itself it walks a chain from the
first selector. For ``FIND Account THAT HAS User`` that means scanning every HAS edge of
every account. Here each possible starting selector is costed as the number of rows the
walk would produce, using index-only counts and degrees sampled on a handful of entities;
the compiler then fixes that join order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from awsgraph.query.ast import (
    BoolExpr,
    Compare,
    Comparison,
    Expr,
    NotExpr,
    OptionalGroup,
    PropRef,
    Query,
    Selector,
    Traversal,
    Value,
    ValueList,
)
from awsgraph.query.dialect import Dialect, SQLiteDialect

Connection = Any  # an sqlite3 or psycopg connection: both run ``execute(sql, params)``
_COUNT_CAP = 100_000  # beyond this a selector is simply "large"
_DEGREE_CAP = 20_000  # a hub counts as "huge" long before its true degree is known
_SAMPLE_KEYS = 4
_SAMPLE_EDGES = 64
_FILTER_FACTOR = 0.3  # rows kept by a range or substring comparison, for want of statistics
_EQUALITY = 0.05  # rows kept by an equality with a literal


def chain_of(query: Query) -> tuple[list[Selector], list[Traversal]] | None:
    """The selectors and positive traversals of a plain chain, or None (optional groups)."""
    if any(isinstance(s, OptionalGroup) for s in query.steps):
        return None
    steps = [s for s in query.steps if isinstance(s, Traversal) and not s.negated]
    return [query.start, *(s.target for s in steps)], steps


def choose_start(conn: Connection, query: Query, dialect: Dialect | None = None) -> int:
    found = chain_of(query)
    if found is None or len(found[0]) < 2:
        return 0
    d = dialect or SQLiteDialect()
    selectors, steps = found
    where = _where_factors(query)
    counts = [_count(conn, sel, d) for sel in selectors]
    hops = [_hop(conn, selectors[j], selectors[j + 1], st, counts[j], counts[j + 1], d)
            for j, st in enumerate(steps)]
    edge_kept = [where.get(step.rel_alias or "", 1.0) for step in steps]  # WHERE on relationship props

    def kept(sel: Selector) -> float:
        smart = _EQUALITY if sel.smart else 1.0
        return _factor(sel.filters) * where.get(sel.alias or "", 1.0) * smart

    best, best_cost = 0, float("inf")
    for s in range(len(selectors)):
        # Cost = rows examined: the starting selector's index range, then every edge walked.
        cost = counts[s]
        rows = counts[s] * kept(selectors[s])
        for j in range(s, len(steps)):  # rightwards
            walked = rows * hops[j][0].degree
            cost += walked
            rows = walked * hops[j][0].share * edge_kept[j] * kept(selectors[j + 1])
        for j in range(s - 1, -1, -1):  # then leftwards
            walked = rows * hops[j][1].degree
            cost += walked
            rows = walked * hops[j][1].share * edge_kept[j] * kept(selectors[j])
        if cost < best_cost:
            best, best_cost = s, cost
    return best


def _factor(expr: Expr | None) -> float:
    """Guessed share of rows a filter keeps: equality is selective, ranges less, negations barely."""
    if expr is None:
        return 1.0
    if isinstance(expr, BoolExpr):
        shares = [_factor(i) for i in expr.items]
        if expr.op == "AND":
            out = 1.0
            for x in shares:
                out *= x
            return out
        return min(1.0, sum(shares))
    if isinstance(expr, NotExpr):
        return max(0.05, 1.0 - _factor(expr.item))
    if isinstance(expr, Compare):
        return _FILTER_FACTOR
    right = expr.right
    if expr.op == "=":
        if isinstance(right, ValueList):
            return min(1.0, _EQUALITY * len(right.values))
        if isinstance(right, Value) and right.kind in ("str", "num"):
            return _EQUALITY
        return 0.5
    if expr.op in ("!=", "!~=", "!^=", "!$="):
        return 0.9
    return _FILTER_FACTOR


def _where_factors(query: Query) -> dict[str, float]:
    """The share of rows the WHERE clause keeps, per alias its AND-ed comparisons name."""
    factors: dict[str, float] = {}

    def walk(e: Expr) -> None:
        if isinstance(e, BoolExpr) and e.op == "AND":
            for item in e.items:
                walk(item)
        elif isinstance(e, Comparison) and e.left.alias and not isinstance(e.right, PropRef):
            factors[e.left.alias] = factors.get(e.left.alias, 1.0) * _factor(e)

    if query.where is not None:
        walk(query.where)
    return factors


def _marks(d: Dialect, n: int) -> str:
    return ",".join([d.positional()] * n)


def _selector_where(sel: Selector, alias: str, d: Dialect) -> tuple[str, list[object]]:
    """Membership test for a few known keys, kept off the type index (they are few)."""
    types = [n for n in sel.names if not n[:1].isupper()]
    classes = [n for n in sel.names if n[:1].isupper()]
    parts: list[str] = []
    params: list[object] = []
    if types:
        parts.append(f"{d.unindexed(alias + '.type')} IN ({_marks(d, len(types))})")
        params += types
    if classes:
        marks = _marks(d, len(classes))
        # EXISTS probes the key index; an IN list would first gather every entity of the class.
        parts.append(f"EXISTS (SELECT 1 FROM entity_classes c WHERE c.key = {alias}.key"
                     f" AND c.class IN ({marks}))")
        params += classes
    cond = f"{d.unindexed(alias + '.deleted_run')} IS NULL" + (f" AND ({' OR '.join(parts)})" if parts else "")
    return cond, params


def _count(conn: Connection, sel: Selector, d: Dialect) -> float:
    types = [n for n in sel.names if not n[:1].isupper()]
    classes = [n for n in sel.names if n[:1].isupper()]
    total = 0
    if sel.search is not None:
        candidates = d.text_search_candidates(sel.search)
        if candidates is not None:  # the index's matches bound the selector (before its class filter)
            return float(max(_capped(conn, candidates[0], candidates[1]), 1))
    if not sel.names:
        return float(_capped(conn, "SELECT 1 FROM entities WHERE deleted_run IS NULL", []))
    if types:
        total += _capped(conn, f"SELECT 1 FROM entities WHERE type IN ({_marks(d, len(types))})"
                               " AND deleted_run IS NULL", types)
    if classes:
        total += _capped(conn, f"SELECT 1 FROM entity_classes WHERE class IN ({_marks(d, len(classes))})",
                         classes)
    return float(max(total, 1))


def _capped(conn: Connection, sql: str, params: Sequence[object], cap: int = _COUNT_CAP) -> int:
    row = conn.execute(f"SELECT count(*) FROM ({sql} LIMIT {cap}) AS capped", params).fetchone()
    return int(row[0])


def _sample_keys(conn: Connection, sel: Selector, d: Dialect) -> list[str]:
    """A few live entities of the selector, read straight from the type or class index."""
    types = [n for n in sel.names if not n[:1].isupper()]
    classes = [n for n in sel.names if n[:1].isupper()]
    keys: list[str] = []
    if not sel.names:
        sql = f"SELECT key FROM entities WHERE deleted_run IS NULL LIMIT {_SAMPLE_KEYS}"
        return [r[0] for r in conn.execute(sql, [])]
    if types:
        marks = _marks(d, len(types))
        sql = f"SELECT key FROM entities WHERE type IN ({marks}) AND deleted_run IS NULL LIMIT {_SAMPLE_KEYS}"
        keys += [r[0] for r in conn.execute(sql, types)]
    if classes:
        marks = _marks(d, len(classes))
        keys += [r[0] for r in conn.execute(
            f"SELECT key FROM entity_classes WHERE class IN ({marks}) LIMIT {_SAMPLE_KEYS}", classes)]
    return keys[:_SAMPLE_KEYS]


@dataclass
class _Side:
    """Edges of one step seen from one end: mean degree, and the share leading to the other end."""

    degree: float  # edges examined per entity (capped for hubs)
    share: float  # of those, the share whose far end matches the other selector
    complete: bool  # every edge of the sampled entities was inspected: the share is exact for them


def _side(
    conn: Connection, source: Selector, target: Selector, step: Traversal, forward: bool, d: Dialect
) -> _Side:
    keys = _sample_keys(conn, source, d)
    if not keys:
        return _Side(0.0, 0.0, True)
    direction = step.direction if forward else {"out": "in", "in": "out"}.get(step.direction, "both")
    verb_sql = f" AND verb IN ({_marks(d, len(step.verbs))})" if step.verbs else ""
    sides = {"out": ["from_key"], "in": ["to_key"]}.get(direction, ["from_key", "to_key"])
    degree = 0
    far_keys: list[str] = []
    for key in keys:
        for side in sides:
            other = "to_key" if side == "from_key" else "from_key"
            base = (f"SELECT {other} FROM relationships WHERE {side} = {d.positional()}{verb_sql}"
                    " AND deleted_run IS NULL")
            args: list[object] = [key, *step.verbs]
            degree += _capped(conn, base, args, _DEGREE_CAP)
            far_keys += [r[0] for r in conn.execute(f"{base} LIMIT {_SAMPLE_EDGES}", args)]
    complete = len(far_keys) == degree
    if not far_keys:
        return _Side(0.0, 0.0, True)
    far_keys = far_keys[: _SAMPLE_EDGES * 4]
    tcond, tparams = _selector_where(target, "t", d)
    marks = _marks(d, len(far_keys))
    hits = conn.execute(f"SELECT count(*) FROM entities t WHERE t.key IN ({marks}) AND {tcond}",
                        [*far_keys, *tparams]).fetchone()[0]
    return _Side(degree / len(keys), max(hits, 0.5) / len(far_keys), complete)


def _hop(
    conn: Connection, left: Selector, right: Selector, step: Traversal, n_left: float, n_right: float,
    d: Dialect,
) -> tuple[_Side, _Side]:
    """Both ends of one hop, with the share of the incompletely sampled end (a hub, whose first
    edges in index order say little about the rest) derived from the edge count seen at the other."""
    fwd = _side(conn, left, right, step, True, d)
    back = _side(conn, right, left, step, False, d)
    if back.complete and not fwd.complete and fwd.degree:
        edges = n_right * back.degree * back.share
        fwd.share = min(1.0, edges / (n_left * fwd.degree))
    elif fwd.complete and not back.complete and back.degree:
        edges = n_left * fwd.degree * fwd.share
        back.share = min(1.0, edges / (n_right * back.degree))
    return fwd, back
