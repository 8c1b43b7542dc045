"""SCP levels from the graph and the gate that applies them to edges."""

from __future__ import annotations

import json
from typing import Any

import pytest

from awsgraph.analysis import GraphView, Record
from awsgraph.analysis.orgs import ScpGate, exempt_from_scps, scp_levels
from awsgraph.iam.evaluate import evaluate
from awsgraph.model.accounts import compose

ORG, MGMT, ACCT = "o-abc", "111111111111", "222222222222"
FULL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
DENY_DELETE = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}
ONLY_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def policy(pid: str, doc: dict[str, Any], *targets: str) -> Record:
    return Record(f"p/{pid}", "aws_organizations_policy", {"organizationId": ORG, "content": json.dumps(doc),
                                                           "targetIds": list(targets)})


def org_view(*policies: Record, feature_set: str = "ALL", path: str = f"{ORG}/r-1/ou-a/ou-b/") -> GraphView:
    return GraphView([
        Record("org", "aws_organization", {"organizationId": ORG, "masterAccountId": MGMT, "featureSet": feature_set,
                                           "rootId": "r-1", "scpEnabled": True}),
        Record(f"aws:account:{ACCT}", "aws_account", {"accountId": ACCT, "organizationId": ORG, "orgPath": path}),
        Record(f"aws:account:{MGMT}", "aws_account", {"accountId": MGMT, "organizationId": ORG,
                                                     "orgPath": f"{ORG}/r-1/"}),
        *policies,
    ])


def test_levels_run_from_the_root_to_the_account() -> None:
    view = org_view(policy("full", FULL, "r-1", "ou-a", "ou-b", ACCT), policy("deny", DENY_DELETE, "ou-b"))
    levels = scp_levels(view, ACCT)
    assert levels is not None and [len(level) for level in levels] == [1, 1, 2, 1]
    assert DENY_DELETE in levels[2]
    assert evaluate("s3:DeleteBucket", "arn:aws:s3:::b", identity_policies=[FULL], scps=levels).decision == "deny"
    assert evaluate("s3:GetObject", "arn:aws:s3:::b/k", identity_policies=[FULL], scps=levels).allowed


@pytest.mark.parametrize("case", ["management", "unknown level", "no org data", "consolidated billing"])
def test_no_levels_when_scps_do_not_apply_or_are_not_known(case: str) -> None:
    full = policy("full", FULL, "r-1", "ou-a", "ou-b", ACCT)
    if case == "management":
        assert scp_levels(org_view(full), MGMT) is None
    elif case == "unknown level":  # ou-b's policies were not read: no invented limit
        assert scp_levels(org_view(policy("full", FULL, "r-1", "ou-a", ACCT)), ACCT) is None
    elif case == "no org data":
        assert scp_levels(GraphView([Record(f"aws:account:{ACCT}", "aws_account", {"accountId": ACCT})]),
                          ACCT) is None
    else:
        assert scp_levels(org_view(full, feature_set="CONSOLIDATED_BILLING"), ACCT) is None


def test_the_gate_agrees_with_the_evaluator() -> None:
    simple = [[FULL], [FULL, DENY_DELETE]]  # allow-all on every level: pattern matching
    general = [[FULL], [ONLY_S3]]  # an allow-list level: the evaluator decides
    for levels in (simple, general):
        gate = ScpGate(levels)
        for action in ("s3:DeleteBucket", "s3:GetObject", "ec2:RunInstances", "iam:CreateUser"):
            expected = evaluate(action, "*", identity_policies=[FULL], scps=levels).allowed
            assert gate.allows(action) is expected, (levels, action)
        assert gate.restricts()
    assert not ScpGate([[FULL], [FULL]]).restricts()
    assert ScpGate(simple).denied(["s3:DeleteBucket", "s3:GetObject"], "*", "x") == (1, ["s3:DeleteBucket"])


def test_service_linked_roles_are_exempt() -> None:
    assert exempt_from_scps("arn:aws:iam::222222222222:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")
    assert not exempt_from_scps("arn:aws:iam::222222222222:role/admin")


def test_account_fragments_merge_by_source() -> None:
    own = {"accountId": ACCT, "alias": "acme-prod", "name": "acme-prod", "displayName": "acme-prod",
           "organizationId": ORG}
    org = {"accountId": ACCT, "name": "prod", "displayName": "prod", "accountName": "prod", "email": "p@example.com",
           "status": "ACTIVE", "parentId": "ou-b", "organizationId": ORG}
    merged = compose({"self": own, "org": org})
    assert merged["alias"] == "acme-prod" and merged["name"] == "acme-prod"  # its own run wins its own
    assert merged["email"] == "p@example.com" and merged["status"] == "ACTIVE"  # Organizations fills in
    without_alias = compose({"self": {k: v for k, v in own.items() if k != "alias"} | {"name": ACCT}, "org": org})
    assert without_alias["name"] == "prod"
    assert compose({"org": org}) == org and compose({"self": own}) == own
