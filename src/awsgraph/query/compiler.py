"""Compile a parsed J1QL query to one SQL statement over the store's indexed tables.

Every selector becomes an ``entities`` alias and every traversal a ``relationships`` alias,
joined by keys through the type, class and relationship indexes. A traversal matches both
directions unless ``>>``/``<<`` fixes one. Written symmetrically, a chain can be walked from
any selector; given ``start`` (chosen by :mod:`awsgraph.query.planner`) the compiler fixes
that walk with CROSS JOIN and rewrites each hop to find its far end by one key lookup.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from awsgraph.query.ast import (
    Aggregate,
    Arith,
    Concat,
    Operand,
    OptionalGroup,
    PropRef,
    Query,
    ReturnItem,
    Selector,
    Step,
    Traversal,
    Value,
)
from awsgraph.query.dialect import Dialect, SQLiteDialect
from awsgraph.query.errors import QueryError
from awsgraph.query.filters import FilterCompiler, Slot


@dataclass
class Compiled:
    """The SQL and what each selected column means."""

    sql: str
    params: dict[str, object]
    columns: list[tuple[str, str]]  # (kind, label): kind is json | props | all | agg | expr
    mode: str  # rows | default | tree
    post_limit: tuple[int, int] | None = None  # (skip, limit) applied in Python
    extra: int = 0  # trailing columns selected only for ORDER BY (the engine ignores them)


class _Builder:
    def __init__(self, query: Query, dialect: Dialect) -> None:
        self.query = query
        self.d = dialect
        self.params: dict[str, object] = {}
        self.from_parts: list[str] = []
        self.where: list[str] = []
        self.slots: dict[str, Slot] = {}
        self.frontiers: list[Slot] = []  # optional-group frontiers, for the default return
        self.visible: list[Slot] = []  # slots that RETURN TREE reports
        self.counter = 0
        self.chain: list[str] = ["entities e0"]  # the plain chain's tables, in query order
        # Each hop of the chain: (its WHERE entry, relationship, step, left key, right entity).
        self.hops: list[tuple[int, Slot, Traversal, str, Slot]] = []
        self.filters = FilterCompiler(query.text, self.param, dialect)

    def param(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return self.d.placeholder(name)

    def new(self, prefix: str, kind: str) -> Slot:
        self.counter += 1
        return Slot(f"{prefix}{self.counter}", kind)

    # -- selectors --------------------------------------------------------------------
    def selector_sql(self, slot: Slot, sel: Selector) -> str:
        conds = [f"{slot.sql}.deleted_run IS NULL"]
        types = [n for n in sel.names if not n[:1].isupper()]
        classes = [n for n in sel.names if n[:1].isupper()]
        alts: list[str] = []
        if types:
            alts.append(f"{slot.sql}.type IN ({', '.join(self.param(t) for t in types)})")
        if classes:
            marks = ", ".join(self.param(c) for c in classes)
            alts.append(f"{slot.sql}.key IN (SELECT key FROM entity_classes WHERE class IN ({marks}))")
        if alts:
            conds.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
        for name in sel.smart:
            conds.append(self.filters.smart_class(slot, name))
        if sel.search is not None:
            conds.append(self.d.text_search(slot.sql, sel.search, self.param))
        if sel.filters is not None:
            conds.append(self.filters.expr(sel.filters, lambda _ref: slot))
        return " AND ".join(conds)

    def edge_sql(self, rel: Slot, step: Traversal, prev_key: str, next_key: str) -> str:
        conds = [f"{rel.sql}.deleted_run IS NULL"]
        if step.verbs:
            conds.append(f"{rel.sql}.verb IN ({', '.join(self.param(v) for v in step.verbs)})")
        fwd = f"{rel.sql}.from_key = {prev_key} AND {rel.sql}.to_key = {next_key}"
        back = f"{rel.sql}.to_key = {prev_key} AND {rel.sql}.from_key = {next_key}"
        conds.append({"out": fwd, "in": back}.get(step.direction, f"(({fwd}) OR ({back}))"))
        return " AND ".join(conds)

    def edge_from(self, rel: Slot, step: Traversal, prev_key: str) -> tuple[str, str]:
        """Edge conditions naming only the previous entity, and the SQL for the far end's key."""
        conds = [f"{rel.sql}.deleted_run IS NULL"]
        if step.verbs:
            conds.append(f"{rel.sql}.verb IN ({', '.join(self.param(v) for v in step.verbs)})")
        if step.direction == "out":
            conds.append(f"{rel.sql}.from_key = {prev_key}")
            far = f"{rel.sql}.to_key"
        elif step.direction == "in":
            conds.append(f"{rel.sql}.to_key = {prev_key}")
            far = f"{rel.sql}.from_key"
        else:
            conds.append(f"({rel.sql}.from_key = {prev_key} OR {rel.sql}.to_key = {prev_key})")
            far = (f"CASE WHEN {rel.sql}.from_key = {prev_key} THEN {rel.sql}.to_key"
                   f" ELSE {rel.sql}.from_key END")
        return " AND ".join(conds), far

    def negated_sql(self, step: Traversal, prev_key: str) -> str:
        rel = self.new("x", "relationship")
        ent = self.new("y", "entity")
        edge = self.edge_sql(rel, step, prev_key, ent.sql + ".key")
        return (f"NOT EXISTS (SELECT 1 FROM relationships {rel.sql}, entities {ent.sql} WHERE "
                f"{edge} AND {self.selector_sql(ent, step.target)})")

    def bind(self, alias: str | None, slot: Slot) -> None:
        if alias:
            self.slots[alias] = slot

    # -- traversals ---------------------------------------------------------------------
    def start(self) -> str:
        slot = Slot("e0", "entity")
        self.from_parts.append("entities e0")
        self.where.append(self.selector_sql(slot, self.query.start))
        self.bind(self.query.start.alias, slot)
        self.visible.append(slot)
        return "e0.key"

    def required_step(self, step: Traversal, prev_key: str) -> str:
        if step.negated:
            self.where.append(self.negated_sql(step, prev_key))
            return prev_key
        rel = self.new("r", "relationship")
        ent = self.new("e", "entity")
        self.from_parts.append(f"{self.d.plain_join} relationships {rel.sql}")
        self.from_parts.append(f"{self.d.plain_join} entities {ent.sql}")
        self.chain += [f"relationships {rel.sql}", f"entities {ent.sql}"]
        self.hops.append((len(self.where), rel, step, prev_key, ent))
        self.where.append(self.edge_sql(rel, step, prev_key, f"{ent.sql}.key"))
        self.where.append(self.selector_sql(ent, step.target))
        self.bind(step.rel_alias, rel)
        self.bind(step.target.alias, ent)
        self.visible += [rel, ent]
        return f"{ent.sql}.key"

    def direct_hops(self, start: int) -> None:
        """Rewrite each hop for the walk order: edges found from the bound end, the far end by key.

        Equivalent to the symmetric form, but the far entity is one primary-key lookup instead
        of two (one per direction).
        """
        for number, (index, rel, step, left_key, right) in enumerate(self.hops, start=1):
            if number > start:  # walked rightwards: the left entity is bound
                edge, far = self.edge_from(rel, step, left_key)
                self.where[index] = f"{edge} AND {right.sql}.key = {far}"
            else:  # walked leftwards: the right entity is bound
                reverse = {"out": "in", "in": "out"}.get(step.direction, "both")
                flipped = dataclasses.replace(step, direction=reverse)
                edge, far = self.edge_from(rel, flipped, f"{right.sql}.key")
                self.where[index] = f"{edge} AND {left_key} = {far}"

    def optional_group(self, group: OptionalGroup, prev_key: str) -> str:
        branch = self.new("o", "branch").sql
        self.from_parts.append(f"{self.d.plain_join} (SELECT 0 AS b UNION ALL SELECT 1 AS b) {branch}")
        key = prev_key
        taken: list[str] = []
        for step in self.flatten(group.steps):
            if step.negated:
                taken.append(self.negated_sql(step, key))
                continue
            rel = self.new("r", "relationship")
            ent = self.new("e", "entity")
            # Left joins run in order: the edge from the previous entity, then its far end by key.
            edge, far = self.edge_from(rel, step, key)
            self.from_parts.append(f"LEFT JOIN relationships {rel.sql} ON {branch}.b = 1 AND {edge}")
            target = self.selector_sql(ent, step.target)
            self.from_parts.append(f"LEFT JOIN entities {ent.sql} ON {ent.sql}.key = {far} AND {target}")
            taken.append(f"{ent.sql}.key IS NOT NULL")
            self.bind(step.rel_alias, rel)
            self.bind(step.target.alias, ent)
            self.visible += [rel, ent]
            key = f"{ent.sql}.key"
        self.where.append(f"({branch}.b = 0 OR ({' AND '.join(taken) or '1'}))")
        front = self.new("f", "entity")
        chosen = f"CASE WHEN {branch}.b = 1 THEN {key} ELSE {prev_key} END"
        self.from_parts.append(f"JOIN entities {front.sql} ON {front.sql}.key = {chosen}")
        self.bind(group.alias, front)
        self.frontiers.append(front)
        return f"{front.sql}.key"

    def flatten(self, steps: tuple[Step, ...]) -> list[Traversal]:
        out: list[Traversal] = []
        for s in steps:
            if isinstance(s, OptionalGroup):
                raise QueryError("optional traversals cannot be nested", self.query.text, s.pos)
            out.append(s)
        return out

    # -- references -----------------------------------------------------------------------
    def resolve(self, ref: PropRef) -> Slot:
        slot = self.slots.get(ref.alias or "")
        if slot is None:
            raise QueryError(f"unknown alias {ref.alias!r}", self.query.text, ref.pos)
        return slot

    def slot_of(self, item: ReturnItem) -> Slot:
        slot = self.slots.get(item.alias)
        if slot is None:
            raise QueryError(f"unknown alias {item.alias!r}", self.query.text, item.pos)
        return slot


def compile_query(query: Query, start: int | None = None, dialect: Dialect | None = None) -> Compiled:
    """Compile ``query``; ``start`` (a selector's position in a plain chain) fixes the join order."""
    b = _Builder(query, dialect or SQLiteDialect())
    key = b.start()
    for step in query.steps:
        key = b.optional_group(step, key) if isinstance(step, OptionalGroup) else b.required_step(step, key)
    if query.where is not None:
        b.where.append(b.filters.expr(query.where, b.resolve))
    tables = " ".join(b.from_parts)
    if start is not None and len(b.chain) > 1 and len(b.chain) == len(b.from_parts):
        tables = b.d.fixed_join.join(_walk_from(b.chain, start))
        b.direct_hops(start)
    body = tables + " WHERE " + " AND ".join(f"({w})" for w in b.where)
    limit = f" LIMIT {b.param(query.limit)} OFFSET {b.param(query.skip)}"
    terms = _order_terms(b, query)

    if query.tree:
        shown = [f"{s.sql}.key" for s in b.visible]
        cols, order, extra, grouped = _ordered(b, shown, terms, distinct=True)
        sql = f"SELECT {'' if grouped else 'DISTINCT '}{cols} FROM {body}{grouped}{order}{limit}"
        return Compiled(sql, b.params, [], "tree", extra=extra)

    if query.returns is None:
        shown_slots = [b.slots[query.start.alias or ""], *b.frontiers]
        shown = [f"{s.sql}.key, {s.sql}.props" for s in shown_slots]
        distinct = "DISTINCT " if query.steps else ""
        cols, order, extra, grouped = _ordered(b, shown, terms, distinct=bool(distinct), width=2)
        distinct = "" if grouped else distinct
        if b.frontiers:
            sql = f"SELECT {distinct}{cols} FROM {body}{grouped}{order}"
            return Compiled(sql, b.params, [], "default", post_limit=(query.skip, query.limit), extra=extra)
        return Compiled(f"SELECT {distinct}{cols} FROM {body}{grouped}{order}{limit}", b.params, [], "default",
                        extra=extra)

    select: list[str] = []
    columns: list[tuple[str, str]] = []
    group: list[str] = []
    for item in query.returns:
        if item.kind == "expr":
            assert item.expr is not None
            mode = "text" if isinstance(item.expr, Concat) or (
                isinstance(item.expr, Value) and item.expr.kind == "str") else "num"
            expr = b.filters.operand(item.expr, b.resolve, mode, item.pos, agg=True)
            aggregated = _has_aggregate(item.expr)
            select.append(expr)
            columns.append(("agg" if aggregated else "expr", item.label))
            if not aggregated:
                group.append(expr)
            continue
        slot = b.slot_of(item)
        if item.kind == "agg":
            expr = b.filters.aggregate(Aggregate(item.func or "count", item.alias, item.prop, item.pos), b.resolve)
            select.append(expr)
            columns.append(("agg", item.label))
            continue
        if item.kind == "prop":
            expr = b.d.prop_json(slot.props, item.prop or "")
            kind = "json"
        else:
            expr = slot.props
            kind = "all" if item.kind == "all" else "props"
        select.append(expr)
        group.append(expr)
        columns.append((kind, item.label))
    has_agg = any(k == "agg" for k, _ in columns)
    distinct = "DISTINCT " if query.unique and not has_agg else ""
    grouping = f" GROUP BY {', '.join(group)}" if has_agg and group else ""
    cols, order, extra, grouped = _ordered(b, select, terms, distinct=bool(distinct))
    if grouped:
        distinct, grouping = "", grouped
    sql = f"SELECT {distinct}{cols} FROM {body}{grouping}{order}{limit}"
    return Compiled(sql, b.params, columns, "rows", extra=extra)


def _walk_from(chain: list[str], start: int) -> list[str]:
    """Tables in the order a walk from selector ``start`` visits them: rightwards, then leftwards."""
    last = len(chain) // 2
    start = max(0, min(start, last))
    order = [chain[2 * start]]
    for j in range(start + 1, last + 1):
        order += [chain[2 * j - 1], chain[2 * j]]
    for j in range(start, 0, -1):
        order += [chain[2 * j - 1], chain[2 * j - 2]]
    return order


def _order_terms(b: _Builder, query: Query) -> list[tuple[str, bool]]:
    """(expression, descending) for each ORDER BY term; a RETURN label is its column's position, or, for a
    returned property (a JSON column), the property's typed value, so 443 comes before 3389."""
    terms: list[tuple[str, bool]] = []
    returns = list(query.returns or ())
    labels = [r.label for r in returns]
    for item in query.order:
        if item.label is not None:
            chosen = returns[labels.index(item.label)]
            if chosen.kind == "prop" and chosen.prop is not None:
                val = b.d.prop(b.slot_of(chosen).props, chosen.prop)
                terms += [(expr, item.desc) for expr in b.d.order_exprs(val)]
            else:
                terms.append((str(labels.index(item.label) + 1), item.desc))
        else:
            assert item.ref is not None
            slot = b.resolve(item.ref)
            terms += [(expr, item.desc) for expr in b.d.order_exprs(b.d.prop(slot.props, item.ref.prop))]
    return terms


def _ordered(b: _Builder, shown: list[str], terms: list[tuple[str, bool]], *, distinct: bool,
             width: int = 1) -> tuple[str, str, int, str]:
    """The select list, the ORDER BY clause, how many columns were added for it, and a GROUP BY clause
    that replaces DISTINCT (or '').

    SELECT DISTINCT ... ORDER BY x needs x among the selected columns on PostgreSQL. There a DISTINCT
    query groups by its shown columns instead, selects each ORDER BY expression's smallest (largest,
    descending) value in the group after them, and orders by those columns' positions: the rows and
    their number stay those of DISTINCT.
    """
    if not terms:
        return ", ".join(shown), "", 0, ""
    if not (distinct and b.d.order_terms_selected):
        return ", ".join(shown), " ORDER BY " + ", ".join(e + (" DESC" if d else "") for e, d in terms), 0, ""
    count = len(shown) * width
    extra: list[str] = []
    positions = []
    for expr, desc in terms:
        if expr.isdigit():
            positions.append(expr + (" DESC" if desc else ""))
        else:
            extra.append(f"{'MAX' if desc else 'MIN'}({expr})")
            positions.append(str(count + len(extra)) + (" DESC" if desc else ""))
    return (", ".join([*shown, *extra]), " ORDER BY " + ", ".join(positions), len(extra),
            " GROUP BY " + ", ".join(shown))


def _has_aggregate(node: Operand) -> bool:
    if isinstance(node, Aggregate):
        return True
    if isinstance(node, Arith):
        return _has_aggregate(node.left) or (node.right is not None and _has_aggregate(node.right))
    if isinstance(node, Concat):
        return any(_has_aggregate(a) for a in node.args)
    return False
