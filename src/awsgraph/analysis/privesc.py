"""Privilege escalation: which principals can become an administrator, and how.

An *administrator* is a user or role the policy evaluator allows to do ``*`` on ``*``
(identity policies, permissions boundary and SCP levels together, not only a literal
``"*"`` policy). Every technique of :mod:`awsgraph.iam.techniques` is checked need by need
with :func:`awsgraph.iam.evaluate`: an explicit deny anywhere removes an edge, a boundary
bounds what a principal can grant itself, an unresolved condition marks the edge
``conditional``, and a role only counts as passable to a service whose principal its trust
policy admits (a service's trust is never a user's path).

Candidates are found from the resource patterns of the principal's own Allow statements (and,
for ``sts:AssumeRole``, from the trust policies that name the principal or its account), so a
principal is never compared with every other one; each candidate is then decided exactly.

Deriving one account (a view with a ``foreign`` lookup) also finds the roles of other accounts
its principals may assume: the edge belongs to the caller's account, decided with the caller's
policies and SCPs and the role's trust policy, and the role's own policies decide whether it is
an administrator the path ends at. Longer chains through other accounts (a role there that
escalates further there) are joined from the stored edges by ``awsgraph privesc``
(:func:`shortest_paths` over the whole graph).

SCPs come from an optional provider ``scps_for_account(account) -> levels | None`` (root,
then OUs, then the account, each a list of policy documents; ``None``: not subject to SCPs).
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from awsgraph.analysis.common import merge_props
from awsgraph.analysis.privesc_actors import Actor, ScpLevels, ScpProvider
from awsgraph.analysis.privesc_checks import Checks
from awsgraph.analysis.view import GraphView
from awsgraph.iam.techniques import BY_ID
from awsgraph.model import Entity, Relationship

VERB = "MANAGES"  # principal MANAGES principal: it can act as (or re-grant) the other


def no_scps(_account: str) -> ScpLevels | None:
    return None


def scp_provider(view: GraphView) -> ScpProvider:
    """Where the analyser gets SCP levels from: each account's path in the collected organization
    (:func:`awsgraph.analysis.orgs.scp_levels`; ``None`` where SCPs do not apply or are unknown)."""
    from awsgraph.analysis.orgs import scp_levels

    cache: dict[str, ScpLevels | None] = {}

    def levels(account: str) -> ScpLevels | None:
        if account not in cache:
            cache[account] = scp_levels(view, account)
        return cache[account]

    return levels


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    technique: str
    conditional: bool
    via: tuple[str, ...] = ()
    cross_account: bool = False

    @property
    def actions(self) -> list[str]:
        return list(BY_ID[self.technique].actions)


@dataclass(frozen=True)
class Path:
    principal: str
    reaches: str
    steps: tuple[Edge, ...]

    @property
    def conditional(self) -> bool:
        return any(e.conditional for e in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {"principal": self.principal, "reaches": self.reaches,
                "path": [{"technique": e.technique, "from": e.source, "to": e.target, "actions": e.actions}
                         for e in self.steps]}


@dataclass
class Escalation:
    actors: dict[str, Actor]
    admins: dict[str, bool]  # administrator ARN -> only conditionally
    edges: list[Edge]
    foreign: dict[str, Actor] = field(default_factory=dict)  # other accounts' roles the edges reach
    foreign_admins: dict[str, bool] = field(default_factory=dict)  # those of them that are administrators

    def paths(self) -> dict[str, Path]:
        return shortest_paths({**self.foreign_admins, **self.admins}, self.edges)

    def actor(self, arn: str) -> Actor:
        return self.actors.get(arn) or self.foreign[arn]


def analyse(view: GraphView, scps_for_account: ScpProvider | None = None) -> Escalation:
    """Administrators and every escalation edge out of the principals that are not one."""
    an = Checks(view, scps_for_account or scp_provider(view))
    admins: dict[str, bool] = {}
    for a in an.actors.values():
        d = an.admin(a)
        if d.allowed:
            admins[a.arn] = d.conditional
    edges: list[Edge] = []
    for a in an.actors.values():
        if a.arn in admins or a.service_linked:
            continue  # administrators already have everything; service-linked roles act for a service
        # one edge per target and technique: conditional only if every way to it is
        merged: dict[tuple[str, str], tuple[Actor, bool, list[str]]] = {}
        for target, t, d, vias in an.edges_of(a):
            key = (target.arn, t.id)
            got = merged.get(key)
            if got is None:
                merged[key] = (target, d.conditional, list(vias))
            else:
                if vias:
                    got[2].extend(v for v in vias if v not in got[2])
                if got[1] and not d.conditional:
                    merged[key] = (got[0], False, got[2])
        for (dst, tid), (target, cond, through) in merged.items():
            edges.append(Edge(a.arn, dst, tid, cond, tuple(sorted(through)), a.account != target.account))
    edges.sort(key=lambda e: (e.source, e.target, e.technique))
    foreign: dict[str, Actor] = {}
    foreign_admins: dict[str, bool] = {}
    if an.foreign:  # roles of other accounts (a view of one account with a lookup)
        for arn in sorted({e.target for e in edges if e.target in an.foreign}):
            foreign[arn] = an.foreign[arn]
            d = an.foreign_admin(foreign[arn])
            if d.allowed:
                foreign_admins[arn] = d.conditional
    return Escalation(an.actors, admins, edges, foreign, foreign_admins)


@dataclass
class StoredEscalation:
    """The escalation part of a stored graph: every account's MANAGES edges and administrators."""

    principals: dict[str, str]  # user or role ARN -> entity type
    admins: dict[str, bool]
    edges: list[Edge]

    def paths(self) -> dict[str, Path]:
        return shortest_paths(self.admins, self.edges)


def stored_escalation(principals: Iterable[tuple[str, dict[str, Any]]], relationships: Iterable[dict[str, Any]]
                      ) -> StoredEscalation:
    """Administrators and escalation edges as each account's derivation stored them.

    ``principals``: (key, J1 properties) of the users and roles; ``relationships``: J1 objects
    of (at least) their MANAGES relationships. Edges of every account join here, so a path may
    cross accounts any number of times (a principal assumes a role elsewhere that escalates there).
    """
    arns: dict[str, str] = {}
    types: dict[str, str] = {}
    admins: dict[str, bool] = {}
    for key, props in principals:
        arn = props.get("arn")
        arn = str(arn) if isinstance(arn, str) and arn.startswith("arn:") else key
        arns[key] = arn
        types[arn] = str(props.get("_type") or "")
        if props.get("administrator") is True:
            admins[arn] = props.get("administratorConditional") is True
    edges: list[Edge] = []
    for r in relationships:
        if r.get("_class") != VERB or r.get("escalation") is not True or r.get("technique") not in BY_ID:
            continue
        src, dst = arns.get(str(r.get("_fromEntityKey"))), arns.get(str(r.get("_toEntityKey")))
        if src is None or dst is None or src in admins:
            continue
        via = tuple(v for v in str(r.get("via") or "").split(",") if v)
        edges.append(Edge(src, dst, str(r["technique"]), r.get("conditional") is True, via,
                          r.get("crossAccount") is True))
    edges.sort(key=lambda e: (e.source, e.target, e.technique))
    return StoredEscalation(types, admins, edges)


def shortest_paths(admins: Mapping[str, bool], edges: Iterable[Edge]) -> dict[str, Path]:
    """For every principal that is not an administrator but can become one, its shortest path.

    Fewest steps first, then fewest conditional steps. A self edge (granting oneself
    everything) ends a path at the principal itself.
    """
    incoming: dict[str, list[Edge]] = defaultdict(list)
    best: dict[str, tuple[int, int]] = {}
    nxt: dict[str, Edge | None] = {}
    heap: list[tuple[int, int, int, str]] = []
    order = itertools.count()
    for arn, conditional in admins.items():
        best[arn] = (0, int(conditional))
        nxt[arn] = None
        heapq.heappush(heap, (0, int(conditional), next(order), arn))
    for e in edges:
        if e.source == e.target:
            if e.source in admins:
                continue
            cost = (1, int(e.conditional))
            if cost < best.get(e.source, (1 << 30, 0)):
                best[e.source] = cost
                nxt[e.source] = e
                heapq.heappush(heap, (*cost, next(order), e.source))
        else:
            incoming[e.target].append(e)
    done: set[str] = set()
    while heap:
        hops, conds, _n, node = heapq.heappop(heap)
        if node in done or (hops, conds) != best.get(node):
            continue
        done.add(node)
        for e in incoming.get(node, ()):
            cost = (hops + 1, conds + int(e.conditional))
            if e.source not in admins and cost < best.get(e.source, (1 << 30, 0)):
                best[e.source] = cost
                nxt[e.source] = e
                heapq.heappush(heap, (*cost, next(order), e.source))
    out: dict[str, Path] = {}
    for start, step in nxt.items():
        if step is None:
            continue  # an administrator
        steps: list[Edge] = []
        node = start
        while (hop := nxt.get(node)) is not None and len(steps) <= len(nxt):
            steps.append(hop)
            if hop.source == hop.target:
                break
            node = hop.target
        out[start] = Path(start, steps[-1].target, tuple(steps))
    return out


def describe_path(path: Path) -> str:
    return "; ".join(f"{e.technique}: {e.source} -> {e.target}" + (" (conditional)" if e.conditional else "")
                     for e in path.steps)


def escalation_edges(view: GraphView, scps_for_account: ScpProvider | None = None
                     ) -> Iterator[Entity | Relationship]:
    """The analyser: MANAGES edges (one per technique) and administrator / escalation marks."""
    result = analyse(view, scps_for_account)
    actors = result.actors
    for e in result.edges:
        src, dst = actors[e.source], result.actor(e.target)
        t = BY_ID[e.technique]
        props: dict[str, Any] = {
            "escalation": True, "technique": t.id, "techniqueKind": t.kind, "actions": ",".join(t.actions),
            "conditional": e.conditional, "crossAccount": e.cross_account, "via": ",".join(e.via),
        }
        yield Relationship(src.rec.key, VERB, dst.rec.key, src.rec.type, dst.rec.type, props, qualifier=t.id)
    for arn, conditional in result.admins.items():
        a = actors[arn]
        yield merge_props(a.rec.key, a.rec.type, (), {"administrator": True, "administratorConditional": conditional})
    for arn, path in result.paths().items():
        a = actors[arn]
        yield merge_props(a.rec.key, a.rec.type, (), {
            "escalatesToAdmin": True, "escalationReaches": path.reaches, "escalationSteps": len(path.steps),
            "escalationPath": describe_path(path), "escalationConditional": path.conditional})


__all__ = ["VERB", "Actor", "Edge", "Escalation", "Path", "ScpProvider", "StoredEscalation", "analyse",
           "describe_path", "escalation_edges", "no_scps", "scp_provider", "shortest_paths", "stored_escalation"]
