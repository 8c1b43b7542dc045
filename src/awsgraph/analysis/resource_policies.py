"""Resource-based policies: a bucket, queue, topic, key or repository ALLOWS its principals.

``Principal: "*"`` (or ``{"AWS": "*"}``) without a condition that narrows who the caller can
be ALLOWS the global ``Everyone`` entity and marks the resource ``public``. S3 public access
block settings and ACL grants to AllUsers are honoured for buckets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from awsgraph.analysis.common import EVERYONE_KEY, Edges, json_prop, mapping, merge_props, record_account
from awsgraph.analysis.principal_targets import PrincipalResolver, everyone_entity
from awsgraph.analysis.view import GraphView, Record
from awsgraph.iam.policy import load_document, parse_policy
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
    yield from placeholders.values()
    yield from edges
