"""Is an answer built on complete data? Coverage of the entity types a question reads.

A question's J1QL names types (``aws_s3_bucket``), classes (``DataStore``) or ``*``; each becomes
the catalog types it can match. For each, the latest finished run of every account says, per
(region, type) scope, whether it was collected completely (its steps say why not):

* **complete**: every scope complete, and no cap cut a listing short;
* **partial**: some scope partial, failed or capped, or the latest run did not collect the type
  while an earlier run did (its data is older);
* **unknown**: no run ever collected it completely, or the answer needs a fact that is missing
  (a :class:`Need`: users' password and MFA state come only from the IAM credential report).

A property the analysers compute from other types (``exposedToInternet`` from subnets, route
tables, ACLs and security groups; ``public`` of a bucket from its policy) makes those types part
of what the answer reads (a :class:`Derived`), as if the query named each of them.

The answer's coverage is the worst over its selectors and needs; a class or ``*`` selector some of
whose types are unknown is partial (its other types still answer). The note says which types
and why, on one line. Types only the analysers make (``Internet``, ``Everyone``, ``Person``
placeholders) follow from the collected types and are not checked on their own.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from awsgraph.catalog import CATALOG
from awsgraph.catalog.spec import Resource
from awsgraph.query import QueryError, parse, run_query
from awsgraph.query.ast import OptionalGroup, Selector, Step, Traversal
from awsgraph.query.engine import connection_of

COMPLETE, PARTIAL, UNKNOWN = "complete", "partial", "unknown"
_RANK = {COMPLETE: 0, PARTIAL: 1, UNKNOWN: 2}
MAX_NOTE = 300
MAX_TYPES_NAMED = 3


@dataclass(frozen=True)
class Need:
    """A property an answer depends on that some collected entities may lack.

    ``missing`` says why it would be missing (``"no credential report"``).
    """

    type: str
    prop: str
    missing: str


@dataclass(frozen=True)
class Derived:
    """A property the answer reads that analysis computes from ``types`` the query does not name."""

    prop: str
    types: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    level: str  # complete | partial | unknown
    note: str = ""  # one line: which types, why

    @property
    def text(self) -> str:
        return self.level if not self.note else f"{self.level}: {self.note}"


@dataclass
class _TypeState:
    ok: list[str] = field(default_factory=list)  # regions where it was complete
    bad: dict[str, list[str]] = field(default_factory=dict)  # reason -> regions


def _catalog_classes() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for spec in CATALOG:
        out.setdefault(f"aws_{spec.service_group}", ("Service",))
        if isinstance(spec, Resource):
            out[spec.type] = tuple(spec.cls)
    return out


CATALOG_CLASSES = _catalog_classes()


def _selectors(steps: Iterable[Step]) -> Iterable[Selector]:
    for step in steps:
        if isinstance(step, Traversal):
            yield step.target
        elif isinstance(step, OptionalGroup):
            yield from _selectors(step.steps)


def selector_types(query: str) -> list[set[str]]:
    """Per selector of a J1QL query, the catalog entity types it can match (``*``: all of them);
    selectors that match only what the analysers make (``Internet``) are left out."""
    parsed = parse(query)
    out: list[set[str]] = []
    for sel in (parsed.start, *_selectors(parsed.steps)):
        types: set[str] = set()
        if not sel.names:
            types.update(CATALOG_CLASSES)
        for name in sel.names:
            if name in CATALOG_CLASSES:
                types.add(name)
            else:
                types.update(t for t, classes in CATALOG_CLASSES.items() if name in classes)
        if types:
            out.append(types)
    return out


def types_read(query: str) -> set[str]:
    """The catalog entity types a J1QL query can match."""
    return set().union(*selector_types(query))


@dataclass
class _Steps:
    """What finished runs did, per type read: in the latest run of each account, and ever."""

    latest: dict[str, _TypeState] = field(default_factory=dict)
    ever_complete: set[str] = field(default_factory=set)
    any_run: bool = False


def _steps(conn: Any, types: set[str]) -> _Steps:
    """Scopes say which (account, region, type) each run completed; steps say why one did not,
    and whether a cap cut a listing short."""
    out = _Steps()
    conn = connection_of(conn) or conn  # a store reads through its connection (SQLite or PostgreSQL)
    try:
        scopes = conn.execute(
            "SELECT s.run_id, s.account, s.region, s.type, s.complete FROM scopes s"
            " JOIN runs r ON r.id = s.run_id WHERE r.status = 'finished'").fetchall()
        steps = conn.execute(
            "SELECT s.run_id, s.account, s.region, s.types, s.status, s.reason, s.capped FROM steps s"
            " JOIN runs r ON r.id = s.run_id WHERE r.status = 'finished'").fetchall()
        out.any_run = conn.execute("SELECT 1 FROM runs WHERE status = 'finished' LIMIT 1").fetchone() is not None
    except sqlite3.Error:
        return out
    latest: dict[str, int] = {}
    for run_id, account, *_ in scopes:
        latest[str(account)] = max(latest.get(str(account), 0), int(run_id))
    why: dict[tuple[str, str, str], str] = {}  # (account, region, type) -> reason, in latest runs
    capped: set[tuple[str, str, str]] = set()
    for run_id, account, region, raw_types, status, reason, cap in steps:
        if int(run_id) != latest.get(str(account)):
            continue
        try:
            listed = raw_types if isinstance(raw_types, list) else json.loads(raw_types or "[]")  # jsonb: a list
            names = [str(t) for t in listed if str(t) in types]
        except ValueError:
            continue
        for t in names:
            where = (str(account), str(region), t)
            if status not in ("success", "skipped"):
                why.setdefault(where, f"{status}: {reason or 'no reason given'}")
            elif cap:
                capped.add(where)
                why.setdefault(where, str(cap))
    for run_id, account, region, t, complete in scopes:
        if t not in types:
            continue
        where = (str(account), str(region), str(t))
        good = bool(complete) and where not in capped
        if bool(complete):
            out.ever_complete.add(t)
        if int(run_id) != latest.get(str(account)):
            continue
        st = out.latest.setdefault(t, _TypeState())
        if good:
            st.ok.append(str(region))
        else:
            st.bad.setdefault(why.get(where, "partial"), []).append(str(region))
    return out


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_problem(t: str, steps: _Steps) -> tuple[str, str] | None:
    st = steps.latest.get(t)
    if st is None:
        if t in steps.ever_complete:
            return PARTIAL, f"{t} not collected in the latest run (older data)"
        return UNKNOWN, f"{t} never collected"
    if not st.bad:
        return None
    level = PARTIAL if (st.ok or t in steps.ever_complete) else UNKNOWN
    why = "; ".join(f"{_short(reason)} in {', '.join(sorted(set(regions)))}"
                    for reason, regions in sorted(st.bad.items()))
    return level, f"{t} {why}"


def assess(conn: Any, query: str, needs: Iterable[Need | Derived] = ()) -> Coverage:
    """How complete the data behind ``query``'s answer is."""
    try:
        selectors = selector_types(query)
    except QueryError:
        return Coverage(UNKNOWN, "the query could not be read")
    needs = list(needs)
    named = set().union(*selectors)
    # each type a derived property is computed from counts as a selector of its own
    via = {t: d.prop for d in needs if isinstance(d, Derived) for t in d.types if t not in named}
    selectors += [{t} for t in via]
    steps = _steps(conn, set().union(*selectors))
    if not steps.any_run:
        return Coverage(UNKNOWN, "no finished collection run")
    problems: dict[str, tuple[str, str]] = {}
    worst = COMPLETE
    for types in selectors:
        found = {t: p for t in sorted(types) if (p := _type_problem(t, steps)) is not None}
        problems.update(found)
        levels = [lvl for lvl, _ in found.values()]
        level = max(levels, key=_RANK.__getitem__, default=COMPLETE)
        if level == UNKNOWN and len(found) < len(types):
            level = PARTIAL  # other types of a class or ``*`` still answer
        worst = max(worst, level, key=_RANK.__getitem__)
    problems.update({t: (lvl, f"{text} (read for {via[t]})") for t, (lvl, text) in problems.items() if t in via})
    ordered = sorted(problems.values(), key=lambda p: -_RANK[p[0]])
    for need in needs:
        if isinstance(need, Derived):
            continue
        level, text = _need(conn, need)
        if level != COMPLETE:
            worst = max(worst, level, key=_RANK.__getitem__)
            ordered.insert(0, (level, text))
    if worst == COMPLETE:
        return Coverage(COMPLETE)
    texts = list(dict.fromkeys(text for _, text in ordered))
    note = "; ".join(texts[:MAX_TYPES_NAMED])
    if len(texts) > MAX_TYPES_NAMED:
        note += f"; and {len(texts) - MAX_TYPES_NAMED} more (see `awsgraph runs`)"
    return Coverage(worst, _short(note, MAX_NOTE))


def _need(conn: Any, need: Need) -> tuple[str, str]:
    base = f"FIND {need.type} WITH _source = undefined"
    try:
        total = run_query(conn, f"{base} AS x RETURN count(x)")
        lacking = run_query(conn, f"{base} AND {need.prop} = undefined AS x RETURN count(x)")
    except QueryError:
        return UNKNOWN, f"{need.missing} (cannot check {need.type}.{need.prop})"
    n_total = int(next(iter(total[0].values()))) if total else 0
    n_lacking = int(next(iter(lacking[0].values()))) if lacking else 0
    if n_total == 0 or n_lacking == 0:
        return COMPLETE, ""
    if n_lacking == n_total:
        return UNKNOWN, need.missing
    return PARTIAL, f"{need.missing} for {n_lacking} of {n_total} {need.type}"
