"""Resource-based policies: a bucket, queue, topic, key or repository ALLOWS its principals.

``Principal: "*"`` (or ``{"AWS": "*"}``) without a condition that narrows who the caller can
be ALLOWS the global ``Everyone`` entity and marks the resource ``public``. S3 public access
block settings and ACL grants to AllUsers are honoured for buckets.

An edge from a bucket, key or secret to a user or role of the same account also says what that
principal can *effectively* do there: the evaluator decides each action the resource policy names
with the principal's own policies, permissions boundary and SCPs and the whole resource policy
(its denies included), and the edge gets ``effective``, ``read``, ``write`` (and on a secret
``readsSecretValue``) from the actions allowed. The attack-path questions follow these edges as
they follow identity-policy grants.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from awsgraph.analysis.common import EVERYONE_KEY, Edges, arn_of, json_prop, mapping, merge_props, record_account
from awsgraph.analysis.policy_edges import SECRET_VALUE_ACTION, access_levels
from awsgraph.analysis.principal_targets import PrincipalResolver, everyone_entity
from awsgraph.analysis.privesc_actors import PRINCIPAL_TYPES
from awsgraph.analysis.view import GraphView, Record
from awsgraph.iam import actions as action_table
from awsgraph.iam.actions import ActionInfo
from awsgraph.iam.evaluate import evaluate
from awsgraph.iam.policy import Policy, compile_policy, load_document, parse_policy
from awsgraph.model import Entity, Relationship

RESOURCE_POLICY_TYPES = (
    "aws_s3_bucket", "aws_sqs_queue", "aws_sns_topic", "aws_kms_key", "aws_ecr_repository",
    "aws_lambda_function", "aws_secretsmanager_secret",
)

# Condition keys that restrict who the caller is (or where it comes from), so a "*"
# principal under one of them is not the whole internet.
NARROWING_KEYS = {
    "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce",
    "aws:sourceip", "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount",
    "aws:principalarn", "aws:userid", "aws:username", "aws:principalservicename", "aws:sourceorgid",
    "aws:sourceorgpaths", "aws:vpcsourceip", "kms:calleraccount", "kms:viaservice",
    "s3:dataaccesspointaccount", "s3:dataaccesspointarn", "sns:endpoint", "lambda:functionurlauthtype",
}
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def resource_policy_document(rec: Record) -> dict[str, Any]:
    raw = rec.raw or {}
    doc: Any = raw.get("Policy") or raw.get("policyText") or raw.get("PolicyText")
    if doc is None and isinstance(raw.get("Attributes"), dict):
        doc = raw["Attributes"].get("Policy")
    if doc is None:
        doc = rec.props.get("policy")
    if isinstance(doc, dict) and "Policy" in doc and "Statement" not in doc:
        doc = doc["Policy"]
    try:
        return load_document(doc)
    except (ValueError, TypeError, json.JSONDecodeError):
        return {}


def narrows(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for pairs in condition.values():
        if isinstance(pairs, dict) and any(str(k).lower() in NARROWING_KEYS for k in pairs):
            return True
    return False


def _public_access_block(rec: Record) -> dict[str, Any]:
    pab = (rec.raw or {}).get("PublicAccessBlock") or {}
    if isinstance(pab, dict) and "PublicAccessBlockConfiguration" in pab:
        pab = pab["PublicAccessBlockConfiguration"]
    return pab if isinstance(pab, dict) else {}


def _acl_public(rec: Record) -> bool:
    acl = (rec.raw or {}).get("Acl") or {}
    grants = acl.get("Grants", ()) if isinstance(acl, dict) else acl  # the Grants list, or the whole result
    for grant in grants if isinstance(grants, list) else ():
        if not isinstance(grant, dict):
            continue
        uri = mapping(grant.get("Grantee")).get("URI")
        if uri in (ALL_USERS, AUTHENTICATED_USERS):
            return True
    return False


def resource_policy_edges(view: GraphView) -> Iterator[Entity | Relationship]:
    resolver = PrincipalResolver(view)
    edges = Edges()
    placeholders: dict[str, Entity] = {}
    for rec in view.entities(*RESOURCE_POLICY_TYPES):
        doc = resource_policy_document(rec)
        account = record_account(rec, view) or ""
        pab = _public_access_block(rec) if rec.type == "aws_s3_bucket" else {}
        public = False
        for st in parse_policy(doc, "resource"):
            if not st.allow or st.principals is None or st.not_principal:
                continue
            for ptype, entries in st.principals.items():
                for entry in entries:
                    target = resolver.resolve(ptype, entry, account)
                    if target is None:
                        continue
                    is_everyone = target.key == EVERYONE_KEY
                    if is_everyone and narrows(st.condition):
                        continue  # "*" limited to a source account/VPC/org is not everyone
                    if is_everyone and pab.get("RestrictPublicBuckets"):
                        continue
                    if target.placeholder is not None:
                        placeholders.setdefault(target.key, target.placeholder)
                    props: dict[str, Any] = {
                        "actions": ",".join(st.actions),
                        "resources": ",".join(st.resources) if st.resources else "*",
                        "conditional": st.condition is not None,
                        "crossAccount": bool(target.account and account and target.account != account),
                        "public": is_everyone,
                    }
                    if st.not_action:
                        props["notActions"] = props.pop("actions")
                    if st.condition is not None:
                        props["conditions"] = json_prop(st.condition)
                    public = public or is_everyone
                    edges.add(Relationship(rec.key, "ALLOWS", target.key, rec.type, target.type, props,
                                           mapped=target.placeholder is not None))
        if rec.type == "aws_s3_bucket" and _acl_public(rec) and not pab.get("IgnorePublicAcls"):
            placeholders.setdefault(EVERYONE_KEY, everyone_entity())
            edges.add(Relationship(rec.key, "ALLOWS", EVERYONE_KEY, rec.type, "everyone",
                                   {"actions": "acl", "public": True, "conditional": False}, mapped=True))
            public = True
        if public:
            yield merge_props(rec.key, rec.type, (), {"public": True})
    _effective_access(view, edges)
    yield from placeholders.values()
    yield from edges


# Resources whose policy edges get the principal's effective access (the data of the attack paths).
DATA_TYPES = frozenset({"aws_s3_bucket", "aws_kms_key", "aws_secretsmanager_secret"})
MAX_EVALUATED_ACTIONS = 400  # per edge: a statement of "s3:*" names ~150 actions
# Per account (~0.3 ms each): beyond it, edges keep what the policy text says, marked ``effectiveNotWeighed``.
MAX_EVALUATED_EDGES = 20_000


def _effective_access(view: GraphView, edges: Edges) -> None:
    """Set ``effective``/``read``/``write``/``readsSecretValue`` on data -> principal edges of one account."""
    wanted = [r for r in edges if r.from_type in DATA_TYPES and r.to_type in PRINCIPAL_TYPES]
    if not wanted:
        return
    for rel in wanted[MAX_EVALUATED_EDGES:]:
        rel.props["effectiveNotWeighed"] = True  # the bound was reached: say so rather than answer "no"
    wanted = wanted[:MAX_EVALUATED_EDGES]
    from awsgraph.analysis.privesc import scp_provider
    from awsgraph.analysis.privesc_actors import build_actors
    from awsgraph.analysis.privesc_checks import IAM_SOURCE_TYPES
    from awsgraph.iam.whocan import Directory, Rec

    named = {r.to_key for r in wanted}  # only the principals the edges name, with every policy and group
    iam = [r for r in view.entities(*IAM_SOURCE_TYPES) if r.type not in PRINCIPAL_TYPES or r.key in named]
    directory = Directory(Rec(r.key, r.type, r.props, r.raw or {}) for r in iam)
    actors = {a.rec.key: a for a in build_actors(GraphView(iam), directory).values()}
    scps = scp_provider(view)
    compiled: dict[str, Policy] = {}
    for rel in wanted:
        actor = actors.get(rel.to_key)
        resource = view.get(rel.from_key)
        if actor is None or resource is None or not actor.account:
            continue  # a principal of another account: its own account decides its side
        arn = arn_of(resource) or ""
        account = record_account(resource, view) or ""
        if not arn or actor.account != account:
            continue
        if rel.from_key not in compiled:
            compiled[rel.from_key] = compile_policy(resource_policy_document(resource), "resource policy")
        allowed: list[ActionInfo] = []
        conditional = True
        found: set[str] = set()  # "read", "write", "value": what the allowed actions already showed
        for info in _named_actions(rel, arn):
            kind = _kind(info)
            if kind in found and not (info.full == SECRET_VALUE_ACTION and "value" not in found):
                continue  # another action of a kind already allowed adds nothing to the edge
            for target in _targets(info, arn, rel):
                d = evaluate(info.full, target, identity_policies=actor.policies,
                             resource_policy=compiled[rel.from_key], principal_arn=actor.arn,
                             resource_account=account, boundary=actor.boundary, scps=scps(actor.account),
                             context=actor.context)
                if d.allowed:
                    allowed.append(info)
                    conditional = conditional and d.conditional
                    if not d.conditional:  # a conditional allow: an unconditional one may follow
                        found.add(kind)
                        if info.full == SECRET_VALUE_ACTION:
                            found.add("value")
                    break
        rel.props["effective"] = bool(allowed)
        rel.props["read"], rel.props["write"], _names = access_levels(allowed)
        if allowed:
            rel.props["effectiveConditional"] = conditional
        if rel.from_type == "aws_secretsmanager_secret":
            rel.props["readsSecretValue"] = any(i.full == SECRET_VALUE_ACTION for i in allowed)


def _kind(info: ActionInfo) -> str:
    read, write, _names = access_levels([info])
    return "read" if read else "write" if write else "other"


def _named_actions(rel: Relationship, arn: str) -> list[ActionInfo]:
    """The actions of the resource's own service that the edge's statements name (all of them for
    ``NotAction``), at most :data:`MAX_EVALUATED_ACTIONS`."""
    service = arn.split(":", 5)[2]
    tokens = str(rel.props.get("actions") or "").split(",") if "notActions" not in rel.props else [f"{service}:*"]
    seen: dict[str, ActionInfo] = {}
    for token in tokens:
        token = token.strip()
        if not token or len(seen) >= MAX_EVALUATED_ACTIONS:
            continue
        for info in action_table.expand(token if ":" in token or token == "*" else f"{service}:{token}"):
            if info.service == service and info.full not in seen:
                seen[info.full] = info
                if len(seen) >= MAX_EVALUATED_ACTIONS:
                    break
    return sorted(seen.values(), key=lambda i: i.full != SECRET_VALUE_ACTION)


def _targets(info: ActionInfo, arn: str, rel: Relationship) -> list[str]:
    """Where to decide ``info``: the resource itself, or for an S3 object action an object in it, one
    per object pattern the statements name (``bucket/private/*`` -> ``bucket/private/x``)."""
    if not arn.startswith("arn:aws:s3:::") or "object" not in info.resource_types:
        return [arn]
    out = [f"{arn}/x"]
    for pattern in str(rel.props.get("resources") or "").split(","):
        pattern = pattern.strip()
        if pattern.startswith(arn + "/"):
            out.append(pattern.replace("*", "x").replace("?", "x"))
    return list(dict.fromkeys(out))[:20]
