"""IAM policy ALLOWS / DENIES edges: which entities a policy's statements grant (or deny).

Broad grants collapse as JupiterOne does: ``*`` on ``*`` -> the ``aws_account`` (admin);
other grants on ``*`` -> each named service's ``aws_<svc>`` entity; specific ARN patterns
-> the matching entities, found through an ARN index and kept only when one of the
statement's actions applies to that entity's resource type (so ``ec2:*`` never reaches a
bucket and ``s3:GetObject`` on ``bucket/*`` reaches the bucket with ``objectLevel``).

Other accounts: a statement grants nothing in another account by itself; the resource's own
policy there must admit the caller's account too (AWS needs both). So an ARN naming a resource
of another account of the graph (found through the view's ``foreign`` lookup) gets an edge,
marked ``crossAccount``, only when that resource's policy (a role's trust policy, a bucket, key
or queue policy) admits the policy's account: a principal of it, the account, or ``*``; a
resource type without resource policies (an instance) is never reached from another account.
A wildcard pattern is matched in the policy's own account only: access it could give elsewhere
exists only where a resource there admits this account, and that resource's account derives it
as the resource-policy edge (``resource ALLOWS account-or-principal``, in
:mod:`awsgraph.analysis.resource_policies`); J1QL joins the two sides.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from awsgraph.analysis.common import (
    ArnIndex,
    Edges,
    account_key,
    account_placeholder,
    arn_account,
    arn_of,
    default_account,
    dicts,
    json_prop,
    record_account,
    service_entity_key,
    service_placeholder,
    service_type,
    strings,
)
from awsgraph.analysis.orgs import ScpGate, exempt_from_scps, scp_levels
from awsgraph.analysis.view import GraphView, Record
from awsgraph.iam import actions as action_table
from awsgraph.iam.actions import LEVEL_NAMES, ActionInfo
from awsgraph.iam.patterns import LITERAL, Unresolved, action_matches, matcher
from awsgraph.iam.policy import Statement, load_document, parse_policy
from awsgraph.model import Entity, Relationship

# A statement naming more services than this on "*" links only to collected service entities.
MAX_PLACEHOLDER_SERVICES = 10
POLICY_TYPES = ("aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy", "aws_iam_role_policy")


def policy_document(rec: Record) -> dict[str, Any]:
    raw = rec.raw or {}
    doc = raw.get("Document") or raw.get("PolicyDocument")
    if doc is None:
        for version in dicts(raw.get("PolicyVersionList")):
            if isinstance(version, dict) and version.get("IsDefaultVersion"):
                doc = version.get("Document")
    if doc is None:
        doc = rec.props.get("policyDocument") or rec.props.get("document")
    try:
        return load_document(doc)
    except (ValueError, TypeError):
        return {}


@dataclass(frozen=True)
class _Grant:
    admin: bool
    patterns: tuple[str, ...]  # the statement's Action (or NotAction) patterns
    not_action: bool
    services: frozenset[str]  # services the statement names
    whole_services: frozenset[str]  # services every action of which is covered
    _by_service: dict[str, tuple[ActionInfo, ...]] = field(default_factory=dict, compare=False, repr=False)

    def of(self, service: str) -> tuple[ActionInfo, ...]:
        """The concrete actions of one service the statement covers (expanded on first use:
        a ``*`` or NotAction statement covers ~18,000 actions, most never looked at)."""
        found = self._by_service.get(service)
        if found is None:
            if self.admin:
                found = action_table.expand(f"{service}:*")
            elif self.not_action:
                found = _kept_actions(self.patterns, service)
            else:
                seen: dict[str, ActionInfo] = {}
                for pat in self.patterns:
                    svc_pat = pat.split(":", 1)[0] if ":" in pat else pat
                    if pat.strip() == "*" or action_matches(svc_pat.strip(), service):
                        for info in action_table.expand(pat):
                            if info.service == service:
                                seen[info.name.lower()] = info
                found = tuple(seen.values())
            self._by_service[service] = found
        return found

    @property
    def infos(self) -> tuple[ActionInfo, ...]:
        found = self._by_service.get("")
        if found is None:
            found = self._by_service[""] = tuple(i for svc in sorted(self.services) for i in self.of(svc))
        return found


def _kept_actions(excluded: tuple[str, ...], service: str) -> tuple[ActionInfo, ...]:
    # expand() covers exactly what action_matches() would for a "service:name" pattern; a
    # pattern without a colon (a glob spanning it) is tested against every action.
    dropped = {id(a) for p in excluded if ":" in p for a in action_table.expand(p)}
    odd = [p for p in excluded if ":" not in p]
    return tuple(a for a in action_table.expand(f"{service}:*")
                 if id(a) not in dropped and not any(action_matches(p, a.full) for p in odd))


@lru_cache(maxsize=8192)
def _grant(actions: tuple[str, ...], not_action: bool) -> _Grant:
    if not not_action:
        admin = any(a.strip() == "*" for a in actions)
        if admin:
            every = frozenset(action_table.services())
            return _Grant(True, actions, False, every, every)
        services: set[str] = set()
        whole: set[str] = set()
        for pat in actions:
            found_services = {i.service for i in action_table.expand(pat)}
            if ":" in pat and not any(c in pat.split(":", 1)[0] for c in "*?"):
                services.add(pat.split(":", 1)[0].lower())
            else:
                services.update(found_services)
            for svc in found_services | ({pat.split(":", 1)[0].lower()} if ":" in pat else set()):
                if action_table.covers_service(pat, svc):
                    whole.add(svc)
        return _Grant(False, actions, False, frozenset(services), frozenset(whole))
    untouched_by = [p.lower() for p in actions]
    grant = _Grant(False, actions, True, frozenset(), frozenset())
    svcs = frozenset(s for s in action_table.services() if grant.of(s))
    untouched = frozenset(s for s in svcs if not any(p.startswith(s + ":") for p in untouched_by))
    return _Grant(False, actions, True, svcs, untouched, grant._by_service)


def access_levels(infos: list[ActionInfo]) -> tuple[bool, bool, str]:
    """(reads, writes, the access levels' names) of a set of actions."""
    levels: set[str] = set()
    for i in infos:
        if i.level in LEVEL_NAMES:
            levels.add(i.level)
            if len(levels) == len(LEVEL_NAMES):
                break  # every level there is; the rest cannot add one
    read = bool(levels & {"L", "R"})
    write = bool(levels & {"W", "P", "T"})
    names = ",".join(sorted(LEVEL_NAMES[x] for x in levels if x in LEVEL_NAMES))
    return read, write, names


def _normalized(grant: _Grant, infos: list[ActionInfo], services: set[str]) -> str:
    out: set[str] = set()
    for svc in services:
        if svc in grant.whole_services:
            out.add(f"{svc}:*")
    for i in infos:
        if i.service not in grant.whole_services:
            out.add(i.full)
    return ",".join(sorted(out))


def _base_props(st: Statement, grant: _Grant, infos: list[ActionInfo], services: set[str],
                admin: bool = False) -> dict[str, Any]:
    """Edge properties; ``admin`` only for every action on every resource."""
    if grant.admin:
        read = write = True
        levels = ",".join(sorted(LEVEL_NAMES.values()))
    else:
        read, write, levels = access_levels(infos)
    props: dict[str, Any] = {
        "actions": ",".join(st.actions) if not st.not_action else None,
        "normalizedActions": "*" if grant.admin else _normalized(grant, infos, services),
        "resources": ",".join(st.resources) if st.resources is not None else "*",
        "conditional": st.condition is not None,
        "admin": admin,
        "read": read,
        "write": write,
        "effect": st.effect,
    }
    if st.not_action:
        del props["actions"]
        props["notActions"] = ",".join(st.actions)
    if st.not_resource:
        props["notResources"] = props.pop("resources")
        props["resources"] = "*"
    if st.condition is not None:
        props["conditions"] = json_prop(st.condition)
    if levels:
        props["accessLevels"] = levels
    props["statements"] = st.label()
    return props


def _applicable(grant: _Grant, arn: str, rtype: str | None) -> list[ActionInfo]:
    """The statement's actions that act on this resource (by the action table)."""
    service = arn.split(":", 5)[2]
    if rtype is None:  # a resource the table does not know: fall back to the service prefix
        return list(grant.of(service))
    # actions of other services can act on it too (sts:AssumeRole on an IAM role)
    return [i for i in grant.infos if rtype in i.resource_types and action_table.applies_to(i, arn)]


class PolicyMapper:
    """Maps statements to graph targets; built once per view (holds the ARN index)."""

    def __init__(self, view: GraphView) -> None:
        self.view = view
        self.index = ArnIndex(r for r in view.all() if r.type not in POLICY_TYPES)
        self.default_account = default_account(view)
        self.placeholders: dict[str, Entity] = {}

    def _account_target(self, account: str) -> tuple[str, str, bool]:
        key = account_key(account)
        if self.view.get(key) is None and key not in self.placeholders:
            self.placeholders[key] = account_placeholder(account)
        return key, "aws_account", self.view.get(key) is None

    def _service_target(self, account: str, service: str) -> tuple[str, str, bool]:
        key, rec = service_entity_key(self.view, account, service)
        if rec is not None:
            return key, rec.type, False
        if key not in self.placeholders:
            self.placeholders[key] = service_placeholder(account, service)
        return key, service_type(service), True

    def _elsewhere(self, pattern: str, account: str) -> list[tuple[str, Record]]:
        """A resource of another account of the graph, named by its exact ARN, whose own policy
        admits ``account`` (a wildcard pattern is matched in the policy's own account only)."""
        if any(c in pattern for c in "*?$") or self.view.foreign is None:
            return []
        out = []
        for r in self.view.find("arn", pattern):
            if r.type in POLICY_TYPES or (r.account or arn_account(arn_of(r))) == account:
                continue
            if admits(self.view.with_raw(r), account):
                out.append((arn_of(r) or pattern, r))
        return out

    def targets(self, st: Statement, account: str, context: Mapping[str, Any] | None
                ) -> Iterator[tuple[str, str, bool, dict[str, Any]]]:
        """(target key, target type, is placeholder, edge props) for one statement."""
        grant = _grant(st.actions, st.not_action)
        if not st.variables:
            context = LITERAL
        patterns = ["*"] if st.resources is None or st.not_resource else list(st.resources)
        for pattern in patterns:
            if pattern.strip() == "*":
                if grant.admin:
                    key, typ, ph = self._account_target(account)
                    yield key, typ, ph, _base_props(st, grant, [], set(), admin=True)  # levels: all
                    continue
                services = set(grant.services)
                if st.not_action or len(services) > MAX_PLACEHOLDER_SERVICES:
                    # Broad read-only style grants name hundreds of services: link the ones
                    # collected rather than inventing an entity for each.
                    services = {s for s in services
                                if service_entity_key(self.view, account, s)[1] is not None}
                for svc in sorted(services):
                    infos = list(grant.of(svc))
                    key, typ, ph = self._service_target(account, svc)
                    props = _base_props(st, grant, infos, {svc})
                    _mark_secret_value(props, grant, infos, svc, "secret")  # every secret of the account
                    yield key, typ, ph, props
                continue
            yield from self._arn_targets(st, grant, pattern, context, account)

    def _arn_targets(self, st: Statement, grant: _Grant, pattern: str, context: Mapping[str, Any] | None,
                     account: str) -> Iterator[tuple[str, str, bool, dict[str, Any]]]:
        parts = pattern.split(":", 5)
        if len(parts) == 6 and parts[2] == "s3" and not parts[3] and not parts[4]:
            yield from self._s3_targets(st, grant, pattern, context, account)
            return
        # Every target of one resource type gets the same edge properties: compute them once.
        memo: dict[tuple[str, str | None], dict[str, Any] | None] = {}
        found = self.index.match(pattern, context)
        cross = not found
        for arn, rec in found or self._elsewhere(pattern, account):
            service = arn.split(":", 5)[2]
            rtype = action_table.resource_type_of(arn)
            if (service, rtype) not in memo:
                infos = _applicable(grant, arn, rtype)
                memo[(service, rtype)] = (
                    _base_props(st, grant, infos, {service})
                    if infos or grant.admin else None
                )
                _mark_secret_value(memo[(service, rtype)], grant, infos, service, rtype)
            props = memo[(service, rtype)]
            if props is not None:
                yield rec.key, rec.type, False, {**props, "crossAccount": True} if cross else dict(props)

    def _s3_targets(self, st: Statement, grant: _Grant, pattern: str, context: Mapping[str, Any] | None,
                    account: str) -> Iterator[tuple[str, str, bool, dict[str, Any]]]:
        try:
            test = matcher(pattern, context)
        except Unresolved:
            return
        bucket_part = pattern.split("/", 1)[0]
        memo: dict[tuple[bool, bool], dict[str, Any] | None] = {}
        found = self.index.match(bucket_part, context)
        cross = not found
        for arn, rec in found or self._elsewhere(bucket_part, account):
            if rec.type != "aws_s3_bucket" and action_table.resource_type_of(arn) != "bucket":
                continue
            bucket_level = test(arn)
            object_level = "/" in pattern or test(arn + "/x")
            if (bucket_level, object_level) not in memo:
                memo[(bucket_level, object_level)] = _s3_props(st, grant, bucket_level, object_level)
            props = memo[(bucket_level, object_level)]
            if props is not None:
                yield rec.key, rec.type, False, {**props, "crossAccount": True} if cross else dict(props)


SECRET_VALUE_ACTION = "secretsmanager:GetSecretValue"


def _mark_secret_value(props: dict[str, Any] | None, grant: _Grant, infos: list[ActionInfo], service: str,
                       rtype: str | None) -> None:
    """On an edge to a Secrets Manager secret (or to the service, for a grant on ``*``),
    ``readsSecretValue``: whether the grant reads the secret itself (``GetSecretValue``), not only
    its metadata (``DescribeSecret``, ``ListSecrets``)."""
    if props is not None and service == "secretsmanager" and rtype == "secret":
        props["readsSecretValue"] = grant.admin or any(i.full == SECRET_VALUE_ACTION for i in infos)


def admits(rec: Record, account: str) -> bool:
    """Whether a resource's own policy (a role's trust policy) lets principals of ``account`` in:
    an Allow naming the account, one of its principals, or anyone."""
    from awsgraph.analysis.identity import trust_document, trust_key
    from awsgraph.analysis.resource_policies import resource_policy_document

    doc = trust_document(rec) if rec.type == "aws_iam_role" else resource_policy_document(rec)
    for st in parse_policy(doc, "resource"):
        if not st.allow or st.principals is None:
            continue
        if st.not_principal:
            return True
        for ptype, entries in st.principals.items():
            if ptype.lower() != "aws":
                continue
            for e in entries:
                key = trust_key(e)
                if key in ("*", f"acct:{account}") or arn_account(key) == account:
                    return True
    return False


def _s3_props(st: Statement, grant: _Grant, bucket_level: bool, object_level: bool) -> dict[str, Any] | None:
    infos: list[ActionInfo] = []
    if bucket_level:
        infos += [i for i in grant.of("s3") if "bucket" in i.resource_types]
    obj_infos = [i for i in grant.of("s3") if "object" in i.resource_types]
    if object_level:
        infos += obj_infos
    if not infos and not grant.admin:
        return None
    props = _base_props(st, grant, infos, {"s3"})
    props["objectLevel"] = bool(object_level and (obj_infos or grant.admin))
    return props


class _Usernames:
    """Which IAM user names a policy applies to, to resolve ``${aws:username}`` per user."""

    def __init__(self, view: GraphView) -> None:
        members: dict[str, set[str]] = {}
        self.by_policy: dict[str, set[str]] = {}
        users = list(view.entities("aws_iam_user"))
        for u in users:
            name = str((u.raw or {}).get("UserName") or u.props.get("username") or "")
            for g in strings((u.raw or {}).get("GroupList")):
                members.setdefault(g, set()).add(name)
            for ap in dicts((u.raw or {}).get("AttachedManagedPolicies")):
                self.by_policy.setdefault(str(ap.get("PolicyArn")), set()).add(name)
        self.members = members
        for grp in view.entities("aws_iam_group"):
            gname = str((grp.raw or {}).get("GroupName") or grp.props.get("name") or "")
            for ap in dicts((grp.raw or {}).get("AttachedManagedPolicies")):
                self.by_policy.setdefault(str(ap.get("PolicyArn")), set()).update(members.get(gname, ()))

    def of(self, rec: Record) -> set[str]:
        raw = rec.raw or {}
        owner_type = str(raw.get("OwnerType", "")).lower()
        if owner_type == "user" and raw.get("OwnerName"):
            return {str(raw["OwnerName"])}
        if owner_type == "group" and raw.get("OwnerName"):
            return set(self.members.get(str(raw["OwnerName"]), ()))
        if rec.type == "aws_iam_policy":
            arn = str(rec.props.get("arn") or raw.get("Arn") or rec.key)
            return set(self.by_policy.get(arn, ()))
        return set()


def _contexts(st: Statement, users: set[str]) -> list[dict[str, Any] | None]:
    """One context per user when the statement's resources use ``${aws:username}``."""
    uses_variables = any("${" in r for r in st.resources or ())
    if not uses_variables or not users:
        return [None]
    return [{"aws:username": u} for u in sorted(users)]


def policy_edges(view: GraphView) -> Iterator[Entity | Relationship]:
    """ALLOWS / DENIES from every managed and inline policy to what its statements reach."""
    mapper = PolicyMapper(view)
    usernames = _Usernames(view)
    edges = Edges()
    owners: dict[str, str | None] = {}  # policy key -> the account whose SCPs bind it (None: exempt)
    for rec in view.entities(*POLICY_TYPES):
        doc = policy_document(rec)
        if not doc:
            continue
        account = record_account(rec, view)
        if account is None or not account.isdigit():
            account = mapper.default_account or arn_account(rec.key) or "unknown"
        owners[rec.key] = None if exempt_from_scps(rec.key) or exempt_from_scps(arn_of(rec)) else account
        users = usernames.of(rec)
        for st in parse_policy(doc, (rec.props.get("name") and str(rec.props["name"])) or ""):
            verb = "ALLOWS" if st.allow else "DENIES"
            for context in _contexts(st, users):
                for key, typ, ph, props in mapper.targets(st, account, context):
                    edges.add(Relationship(rec.key, verb, key, rec.type, typ, props, mapped=ph))
    yield from mapper.placeholders.values()
    gates: dict[str, ScpGate | None] = {}
    for rel in edges:
        account = owners.get(rel.from_key)
        if rel.verb == "ALLOWS" and account:
            if account not in gates:
                levels = scp_levels(view, account)
                gates[account] = ScpGate(levels) if levels else None
            gate = gates[account]
            if gate is not None and not _apply_scps(rel, gate):
                continue  # the account's SCPs deny every action the statement allows
        yield rel


def _apply_scps(rel: Relationship, gate: ScpGate) -> bool:
    """Mark what the principal's SCPs deny of an ALLOWS edge; False when they deny all of it.

    ``scpDenied`` lists the denied actions (at most 100), ``scpLimited`` says some are denied; an
    edge granting everything (``*``) only gets ``scpLimited`` when the SCPs deny anything."""
    normalized = str(rel.props.get("normalizedActions") or "")
    if normalized == "*":
        if gate.restricts():
            rel.props["scpLimited"] = True
        return True
    actions: dict[str, str] = {}
    for token in normalized.split(","):
        for info in action_table.expand(token.strip()) if token.strip() else ():
            actions[info.full.lower()] = info.full
    if not actions:
        return True
    resource = rel.to_key if rel.to_key.startswith("arn:") and "|" not in rel.to_key else "*"
    count, denied = gate.denied(list(actions.values()), resource, normalized)
    if count == len(actions):
        return False
    if denied:
        rel.props["scpLimited"] = True
        rel.props["scpDenied"] = ",".join(denied[:100])
        if rel.props.get("readsSecretValue") and SECRET_VALUE_ACTION.lower() in {d.lower() for d in denied}:
            rel.props["readsSecretValue"] = False
    return True
