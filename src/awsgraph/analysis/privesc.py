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

SCPs come from an optional provider ``scps_for_account(account) -> levels | None`` (root,
then OUs, then the account, each a list of policy documents; ``None``: not subject to SCPs).
"""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from awsgraph.analysis.common import ArnIndex, arn_of, dicts, merge_props, record_account, strings, tags_of
from awsgraph.analysis.view import GraphView, Record
from awsgraph.analysis.workload_roles import instance_profile_of
from awsgraph.iam import actions as action_table
from awsgraph.iam.evaluate import Decision, evaluate
from awsgraph.iam.patterns import Unresolved, substitute
from awsgraph.iam.policy import Policy, compile_policy, load_document
from awsgraph.iam.techniques import ADMIN_POLICY_ARN, BY_ID, TECHNIQUES, Technique
from awsgraph.iam.whocan import Directory, Rec
from awsgraph.model import Entity, Relationship

VERB = "MANAGES"  # principal MANAGES principal: it can act as (or re-grant) the other
PRINCIPAL_TYPES = ("aws_iam_user", "aws_iam_role")
ScpLevels = list[list[dict[str, Any]]]
ScpProvider = Callable[[str], ScpLevels | None]

ALLOW_ALL = compile_policy({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "granted by the technique")
MAX_PROBES = 16  # concrete resource names tried for a "new" resource, per action
_IAM_SOURCE_TYPES = ("aws_iam_user", "aws_iam_role", "aws_iam_group", "aws_iam_policy", "aws_iam_user_policy",
                     "aws_iam_group_policy", "aws_iam_role_policy")


def no_scps(_account: str) -> ScpLevels | None:
    return None


def scp_provider(view: GraphView) -> ScpProvider:
    """Where the analyser gets SCP levels from: none until Organizations data is wired in."""
    return no_scps


@dataclass
class Actor:
    """A user or role, with what the evaluator needs about it."""

    rec: Record
    arn: str
    kind: str  # user | role
    account: str
    name: str
    policies: list[Policy]
    boundary: Policy | None
    context: dict[str, Any]
    groups: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)  # customer-managed policy ARNs, direct or via groups
    trust: Policy | None = None
    profiles: frozenset[str] = frozenset()
    service_linked: bool = False
    password: bool | None = None  # has a console password (None: unknown)


@dataclass(frozen=True)
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

    def paths(self) -> dict[str, Path]:
        return shortest_paths(self.admins, self.edges)


def _account(rec: Record, arn: str, view: GraphView) -> str:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4].isdigit():
        return parts[4]
    return record_account(rec, view) or ""


def _customer_managed(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[4] not in ("aws", "")


def _build_actors(view: GraphView, d: Directory) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    group_attached: dict[str, list[str]] = {}
    for g in view.entities("aws_iam_group"):
        raw = g.raw or {}
        name = str(raw.get("GroupName") or g.props.get("name") or "")
        group_attached[name] = [str(p.get("PolicyArn")) for p in dicts(raw.get("AttachedManagedPolicies"))]
    for rec in view.entities(*PRINCIPAL_TYPES):
        arn = arn_of(rec)
        if not arn:
            continue
        raw = rec.raw or {}
        rr = Rec(rec.key, rec.type, rec.props, raw)
        kind = "user" if rec.type == "aws_iam_user" else "role"
        name = str(raw.get("UserName") or raw.get("RoleName") or rec.props.get("name") or arn.rsplit("/", 1)[-1])
        context: dict[str, Any] = {f"aws:PrincipalTag/{k}": v for k, v in tags_of(rec).items()}
        if kind == "user":
            context["aws:username"] = name
        attached = [str(p.get("PolicyArn")) for p in dicts(raw.get("AttachedManagedPolicies"))]
        groups = strings(raw.get("GroupList")) if kind == "user" else []
        for gname in groups:
            attached += group_attached.get(gname, [])
        actor = Actor(rec, arn, kind, _account(rec, arn, view), name, d.identity_policies(rr), d.boundary(rr),
                      context, groups, [a for a in dict.fromkeys(attached) if _customer_managed(a)])
        if kind == "role":
            trust = d.resource_policy("sts:AssumeRole", arn)
            actor.trust = compile_policy(trust or {}, "trust")
            profiles = strings(rec.props.get("instanceProfileArns")) or [
                str(p.get("Arn")) for p in dicts(raw.get("InstanceProfileList"))]
            actor.profiles = frozenset(profiles)
            actor.service_linked = bool(rec.props.get("serviceLinked")) or "/aws-service-role/" in arn
        else:
            pw = rec.props.get("passwordEnabled")
            actor.password = pw if isinstance(pw, bool) else (True if raw.get("LoginProfile") else None)
        actors[arn] = actor
    return actors


class _Analysis:
    def __init__(self, view: GraphView, scps_for_account: ScpProvider) -> None:
        self.view = view
        self.scps_for_account = scps_for_account
        self._scps: dict[str, ScpLevels | None] = {}
        self.directory = Directory(Rec(r.key, r.type, r.props, r.raw or {}) for r in view.entities(*_IAM_SOURCE_TYPES))
        self.actors = _build_actors(view, self.directory)
        self.users = ArnIndex(a.rec for a in self.actors.values() if a.kind == "user")
        self.roles = ArnIndex(a.rec for a in self.actors.values() if a.kind == "role" and not a.service_linked)
        self.groups = ArnIndex(view.entities("aws_iam_group"))
        self.group_arn = {name: arn_of(Record(g.key, g.type, dict(g.props), dict(g.raw))) or g.key
                          for name, g in self.directory.groups.items()}
        self.by_key = {a.rec.key: a for a in self.actors.values()}
        self.functions = ArnIndex(view.entities("aws_lambda_function"))
        self.instances = ArnIndex(view.entities("aws_instance"))
        self.role_by_profile: dict[str, Actor] = {}
        for a in self.actors.values():
            for p in a.profiles:
                self.role_by_profile[p] = a
        self.trust_index = self._index_trusts()
        self._service_roles: dict[str, set[str]] = {}
        self._patterns: dict[tuple[str, str], list[str]] = {}
        self._admin: dict[str, Decision] = {}

    # -- evaluation --------------------------------------------------------------------
    def scps(self, account: str) -> ScpLevels | None:
        if account not in self._scps:
            self._scps[account] = self.scps_for_account(account)
        return self._scps[account]

    def decide(self, a: Actor, action: str, resource: str, *, policies: list[Policy] | None = None,
               resource_policy: Any = None, resource_account: str | None = None,
               context: Mapping[str, Any] | None = None) -> Decision:
        ctx = dict(a.context)
        ctx.update(context or {})
        return evaluate(action, resource, identity_policies=a.policies if policies is None else policies,
                        resource_policy=resource_policy, principal_arn=a.arn, resource_account=resource_account,
                        boundary=a.boundary, scps=self.scps(a.account), context=ctx)

    def admin(self, a: Actor, extra: list[Policy] | None = None) -> Decision:
        """Whether the actor (with ``extra`` policies granted) may do ``*`` on ``*``."""
        if extra is None:
            if a.arn not in self._admin:
                self._admin[a.arn] = self.decide(a, "*", "*")
            return self._admin[a.arn]
        return self.decide(a, "*", "*", policies=a.policies + extra)

    def patterns(self, a: Actor, action: str) -> list[str]:
        """Resource patterns of the actor's Allow statements that cover ``action``."""
        key = (a.arn, action)
        found = self._patterns.get(key)
        if found is None:
            found = []
            for pol in a.policies:
                for st in pol.statements:
                    if st.allow and st.matches_action(action):
                        found += ["*"] if st.resources is None or st.not_resource else list(st.resources)
            found = self._patterns[key] = list(dict.fromkeys(found))
        return found

    def candidates(self, a: Actor, action: str, index: ArnIndex) -> list[Record]:
        pats = self.patterns(a, action)
        if not pats:
            return []
        if "*" in pats:
            return [r for svc in index.services() for r in index.by_service(svc)]
        seen: dict[str, Record] = {}
        for p in pats:
            for _arn, rec in index.match(p, a.context):
                seen[rec.key] = rec
        return list(seen.values())

    def probe(self, a: Actor, action: str) -> Decision | None:
        """Whether the actor may do ``action`` on some resource it names itself (the best answer)."""
        pats = self.patterns(a, action)
        if not pats:
            return None
        probes: list[str] = []
        for tpl in action_table.resource_templates(action):
            probes.append(action_table.fill_template(tpl, account=a.account))
        for p in pats:
            if p == "*":
                continue
            try:
                concrete = substitute(p, a.context)
            except Unresolved:
                continue
            probes.append(concrete.replace("*", "x").replace("?", "x"))
        if not probes:
            probes = ["*"]
        best: Decision | None = None
        for r in list(dict.fromkeys(probes))[:MAX_PROBES]:
            d = self.decide(a, action, r)
            if d.allowed and not d.conditional:
                return d
            if d.allowed and best is None:
                best = d
        return best

    # -- indexes -----------------------------------------------------------------------
    def _index_trusts(self) -> dict[str, list[Actor]]:
        """Roles by who their trust policy names: an ARN, ``acct:<id>`` or ``*``."""
        out: dict[str, list[Actor]] = defaultdict(list)
        for role in self.actors.values():
            if role.kind != "role" or role.service_linked or role.trust is None:
                continue
            keys: set[str] = set()
            for st in role.trust.statements:
                if not st.allow or st.principals is None:
                    continue
                if st.not_principal:
                    keys.add("*")
                    continue
                for ptype, entries in st.principals.items():
                    if ptype.lower() != "aws":
                        continue
                    for e in entries:
                        keys.add(_trust_key(e))
            for k in keys:
                out[k].append(role)
        return out

    def service_roles(self, service: str) -> set[str]:
        """ARNs of the roles whose trust policy lets ``service`` assume them."""
        found = self._service_roles.get(service)
        if found is None:
            found = set()
            for role in self.actors.values():
                if role.kind != "role" or role.service_linked or role.trust is None:
                    continue
                if not _mentions_service(role.trust, service):
                    continue
                d = evaluate("sts:AssumeRole", role.arn, resource_policy=role.trust, principal_arn=service,
                             resource_account=role.account)
                if d.allowed:
                    found.add(role.arn)
            self._service_roles[service] = found
        return found

    def role_of_function(self, rec: Record) -> Actor | None:
        role = (rec.raw or {}).get("Role") or rec.props.get("role")
        return self.actors.get(str(role)) if role else None

    def role_of_instance(self, rec: Record) -> Actor | None:
        profile = instance_profile_of(rec)
        return self.role_by_profile.get(profile) if profile else None

    # -- techniques --------------------------------------------------------------------
    def edges_of(self, a: Actor) -> Iterator[tuple[Actor, Technique, Decision, str]]:
        """(target, technique, decisive answer, via) for every way the actor escalates."""
        yield from self._self_edges(a)
        yield from self._takeover_edges(a)
        yield from self._passrole_edges(a)
        yield from self._existing_edges(a)

    def _self_edges(self, a: Actor) -> Iterator[tuple[Actor, Technique, Decision, str]]:
        grant = self.admin(a, [ALLOW_ALL])  # what granting itself anything would make it
        for t in TECHNIQUES:
            if t.kind != "self" or t.principal not in ("any", a.kind):
                continue
            need = t.needs[0]
            ctx = {"iam:PolicyARN": ADMIN_POLICY_ARN} if "Attach" in need.action else None
            if need.on == "self":
                if grant.allowed:
                    d = self.decide(a, need.action, a.arn, context=ctx)
                    if d.allowed:
                        yield a, t, _both(d, grant), a.arn
            elif need.on == "own-group":
                if grant.allowed:
                    for g in a.groups:
                        garn = self.group_arn.get(g, "")
                        if not garn:
                            continue
                        d = self.decide(a, need.action, garn, context=ctx)
                        if d.allowed:
                            yield a, t, _both(d, grant), garn
            elif need.on == "attached-policy":
                for parn in a.attached:
                    if t.id == "iam-create-policy-version":
                        if not grant.allowed:
                            break
                        d = self.decide(a, need.action, parn)
                        if d.allowed:
                            yield a, t, _both(d, grant), parn
                    else:
                        after = self._older_version_admin(a, parn)
                        if after is not None:
                            d = self.decide(a, need.action, parn)
                            if d.allowed:
                                yield a, t, _both(d, after), parn
            elif need.on == "other-group":
                for rec in self.candidates(a, need.action, self.groups):
                    gname = str((rec.raw or {}).get("GroupName") or rec.props.get("name") or "")
                    garn = arn_of(rec) or rec.key
                    if gname in a.groups or _account(rec, garn, self.view) != a.account:
                        continue
                    d = self.decide(a, need.action, garn)
                    if not d.allowed:
                        continue
                    after = self.admin(a, self.directory.group_policies(gname))
                    if after.allowed:
                        yield a, t, _both(d, after), garn

    def _older_version_admin(self, a: Actor, policy_arn: str) -> Decision | None:
        rec = self.directory.by_arn.get(policy_arn)
        if rec is None:
            return None
        for v in dicts(rec.raw.get("PolicyVersionList")):
            if v.get("IsDefaultVersion"):
                continue
            try:
                doc = load_document(v.get("Document"))
            except (ValueError, TypeError):
                continue
            after = self.admin(a, [compile_policy(doc, f"{policy_arn} {v.get('VersionId')}")])
            if after.allowed:
                return after
        return None

    def _takeover_edges(self, a: Actor) -> Iterator[tuple[Actor, Technique, Decision, str]]:
        for t in TECHNIQUES:
            if t.kind != "takeover":
                continue
            action = t.needs[0].action
            if t.id == "sts-assume-role":
                for role in self._assume_candidates(a):
                    d = self.decide(a, action, role.arn, resource_policy=role.trust, resource_account=role.account)
                    if d.allowed:
                        yield role, t, d, role.arn
                continue
            index = self.users if t.target == "user" else self.roles
            for rec in self.candidates(a, action, index):
                other = self.by_key.get(rec.key)
                if other is None or other is a or other.account != a.account:
                    continue
                if t.id == "iam-create-login-profile" and other.password is True:
                    continue
                if t.id == "iam-update-login-profile" and other.password is False:
                    continue
                d = self.decide(a, action, other.arn)
                if not d.allowed:
                    continue
                if t.id == "iam-update-assume-role-policy":
                    trust = compile_policy({"Statement": [{"Effect": "Allow", "Principal": {"AWS": a.arn},
                                                           "Action": "sts:AssumeRole"}]}, "rewritten trust")
                    assume = self.decide(a, "sts:AssumeRole", other.arn, resource_policy=trust,
                                         resource_account=other.account)
                    if not assume.allowed:
                        continue
                    d = _both(d, assume)
                yield other, t, d, other.arn

    def _assume_candidates(self, a: Actor) -> list[Actor]:
        named = self.trust_index.get(a.arn, []) + self.trust_index.get("*", [])
        by_account = self.trust_index.get(f"acct:{a.account}", [])
        if by_account and self.patterns(a, "sts:AssumeRole"):
            if "*" in self.patterns(a, "sts:AssumeRole"):
                named = named + by_account
            else:
                allowed = {r.key for r in self.candidates(a, "sts:AssumeRole", self.roles)}
                named = named + [r for r in by_account if r.rec.key in allowed]
        seen: dict[str, Actor] = {}
        for role in named:
            if role is not a:
                seen[role.arn] = role
        return list(seen.values())

    def _passrole_edges(self, a: Actor) -> Iterator[tuple[Actor, Technique, Decision, str]]:
        if not self.patterns(a, "iam:PassRole"):
            return
        passable: list[Actor] | None = None
        for t in TECHNIQUES:
            if t.kind != "passrole":
                continue
            service_roles = self.service_roles(t.service)
            if not service_roles:
                continue
            extra: list[Decision] = []
            for need in t.needs[1:]:
                d = self._need_anywhere(a, need.action, need.on)
                if d is None:
                    break
                extra.append(d)
            else:
                if passable is None:
                    passable = [r for rec in self.candidates(a, "iam:PassRole", self.roles)
                                if (r := self.by_key.get(rec.key)) is not None and r is not a
                                and r.account == a.account]
                make_profile: Decision | None = None
                for role in passable:
                    if role.arn not in service_roles:
                        continue
                    needs = list(extra)
                    via = t.service
                    if t.instance_profile and not role.profiles:
                        if make_profile is None:
                            make_profile = self._can_make_profile(a)
                        if not make_profile.allowed:
                            continue
                        needs.append(make_profile)
                        via = f"{t.service} (new instance profile)"
                    d = self.decide(a, "iam:PassRole", role.arn, context={"iam:PassedToService": t.service})
                    if d.allowed:
                        yield role, t, _both(d, *needs), via

    def _need_anywhere(self, a: Actor, action: str, on: str) -> Decision | None:
        if on == "any-instance":
            for rec in self.candidates(a, action, self.instances):
                arn = arn_of(rec)
                if arn and _account(rec, arn, self.view) == a.account:
                    d = self.decide(a, action, arn)
                    if d.allowed:
                        return d
        return self.probe(a, action)

    def _can_make_profile(self, a: Actor) -> Decision:
        first = self.probe(a, "iam:CreateInstanceProfile")
        second = self.probe(a, "iam:AddRoleToInstanceProfile")
        if first is None or second is None:
            return Decision("implicit_deny")
        return _both(first, second)

    def _existing_edges(self, a: Actor) -> Iterator[tuple[Actor, Technique, Decision, str]]:
        for t in TECHNIQUES:
            if t.kind != "existing":
                continue
            need = t.needs[0]
            index = self.functions if need.on == "function" else self.instances
            for rec in self.candidates(a, need.action, index):
                arn = arn_of(rec)
                if not arn or _account(rec, arn, self.view) != a.account:
                    continue
                role = self.role_of_function(rec) if need.on == "function" else self.role_of_instance(rec)
                if role is None or role is a:
                    continue
                d = self.decide(a, need.action, arn)
                if d.allowed:
                    yield role, t, d, arn


def _trust_key(entry: str) -> str:
    entry = entry.strip()
    if entry == "*":
        return "*"
    if entry.isdigit():
        return f"acct:{entry}"
    parts = entry.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return f"acct:{parts[4]}"
    return entry


def _mentions_service(trust: Policy, service: str) -> bool:
    for st in trust.statements:
        if not st.allow or st.principals is None:
            continue
        if st.not_principal:
            return True
        for ptype, entries in st.principals.items():
            if any(e == "*" or (ptype.lower() == "service" and e.lower() == service) for e in entries):
                return True
    return False


def _both(*decisions: Decision) -> Decision:
    """All of several needs: allowed, conditional when any of them is."""
    return Decision("allow", any(d.conditional for d in decisions),
                    allowed_by=tuple(x for d in decisions for x in d.allowed_by))


def analyse(view: GraphView, scps_for_account: ScpProvider | None = None) -> Escalation:
    """Administrators and every escalation edge out of the principals that are not one."""
    an = _Analysis(view, scps_for_account or scp_provider(view))
    admins: dict[str, bool] = {}
    for a in an.actors.values():
        d = an.admin(a)
        if d.allowed:
            admins[a.arn] = d.conditional
    merged: dict[tuple[str, str, str], list[tuple[bool, str]]] = defaultdict(list)
    for a in an.actors.values():
        if a.arn in admins or a.service_linked:
            continue  # administrators already have everything; service-linked roles act for a service
        for target, t, d, via in an.edges_of(a):
            merged[(a.arn, target.arn, t.id)].append((d.conditional, via))
    edges = []
    for (src, dst, tid), ways in merged.items():
        edges.append(Edge(src, dst, tid, conditional=all(c for c, _v in ways),
                          via=tuple(sorted({v for _c, v in ways})),
                          cross_account=an.actors[src].account != an.actors[dst].account))
    edges.sort(key=lambda e: (e.source, e.target, e.technique))
    return Escalation(an.actors, admins, edges)


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
        src, dst = actors[e.source], actors[e.target]
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


__all__ = ["VERB", "Actor", "Edge", "Escalation", "Path", "ScpProvider", "analyse", "describe_path",
           "escalation_edges", "no_scps", "scp_provider", "shortest_paths"]
