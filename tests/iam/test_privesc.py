# ruff: noqa: E501  (policy fixtures read better on one line)
"""Escalation analysis on plain records: one principal per technique, the negatives, the rules."""

from __future__ import annotations

from typing import Any

import privesc_estate as est
import pytest

from awsgraph.analysis.privesc import VERB, analyse, escalation_edges, shortest_paths
from awsgraph.analysis.view import GraphView, Record
from awsgraph.iam.techniques import TECHNIQUES
from awsgraph.model import Entity, Relationship

AWS_MANAGED = {
    est.ADMIN: est.EVERYTHING,
    "arn:aws:iam::aws:policy/IAMReadOnlyAccess": est.doc(est.allow(["iam:Get*", "iam:List*", "iam:Generate*"])),
}


def view_of(rows: list[dict[str, Any]]) -> GraphView:
    return GraphView(Record(r["key"], r["type"], r["props"], r["raw"]) for r in rows)


@pytest.fixture(scope="module")
def estate() -> Any:
    return analyse(view_of(est.records(AWS_MANAGED)))


def name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def test_every_technique_has_a_positive_principal() -> None:
    assert {t.id for t in TECHNIQUES} <= set(est.EXPECTED.values())


def test_exactly_the_positives_can_become_administrators(estate: Any) -> None:
    paths = estate.paths()
    assert {name(p) for p in paths} == set(est.EXPECTED)
    for arn, path in paths.items():
        assert path.steps[0].technique == est.EXPECTED[name(arn)], (arn, path)
        assert path.steps[0].source == arn
        assert path.reaches in estate.admins or path.steps[-1].source == path.steps[-1].target


def test_administrators_are_whoever_may_do_everything(estate: Any) -> None:
    assert {name(a) for a in estate.admins} == {
        "victim-admin", "console-admin", "admin-role", "locked-admin", "trusts-someone-else", "lambda-admin", "ec2-admin", "cfn-admin",
        "ecs-admin", "glue-admin", "codebuild-admin", "sagemaker-admin", "datapipeline-admin"}


def test_two_hop_assume_role_chain_is_two_steps(estate: Any) -> None:
    path = estate.paths()[est.arn("user", "p-chain")]
    assert [(e.technique, name(e.source), name(e.target)) for e in path.steps] == [
        ("sts-assume-role", "p-chain", "hop-role"), ("sts-assume-role", "hop-role", "admin-role")]
    assert path.reaches == est.arn("role", "admin-role")
    assert path.as_json()["path"][1] == {"technique": "sts-assume-role", "from": est.arn("role", "hop-role"),
                                         "to": est.arn("role", "admin-role"), "actions": ["sts:AssumeRole"]}


def test_self_escalation_reaches_itself(estate: Any) -> None:
    path = estate.paths()[est.arn("user", "p-put-user-policy")]
    assert path.reaches == est.arn("user", "p-put-user-policy")
    assert path.as_json() == {"principal": path.reaches, "reaches": path.reaches, "path": [
        {"technique": "iam-put-user-policy", "from": path.reaches, "to": path.reaches, "actions": ["iam:PutUserPolicy"]}]}


def test_negatives_have_no_edges(estate: Any) -> None:
    negatives = {est.principal_arn(n) for n in (*est.USERS, *est.ROLES) if n.startswith("n-")}
    assert len(negatives) == 6
    assert [e for e in estate.edges if e.source in negatives] == []


def test_passrole_reaches_only_roles_trusting_the_service(estate: Any) -> None:
    got = {(e.technique, name(e.target)) for e in estate.edges if e.source == est.arn("user", "p-lambda-create-invoke")}
    assert got == {("lambda-create-invoke", "lambda-admin")}
    ec2 = {(e.technique, name(e.target)) for e in estate.edges if e.source == est.arn("user", "p-asg-launch-template")}
    # ec2-admin is in an instance profile; the p-role-* roles trust EC2 but have none and the user cannot make one
    assert ec2 == {("autoscaling-launch-template", "ec2-admin")}


def test_graph_relationships_one_per_technique() -> None:
    rows = est.records(AWS_MANAGED)
    out = list(escalation_edges(view_of(rows)))
    rels = [r for r in out if isinstance(r, Relationship)]
    assert rels and {r.verb for r in rels} == {VERB}
    by_key = {r.key: r for r in rels}
    assert len(by_key) == len(rels)
    cak = by_key[f"{est.arn('user', 'p-create-access-key')}|manages|{est.arn('user', 'victim-admin')}|iam-create-access-key"]
    assert cak.type == "aws_iam_user_manages_user"
    assert cak.props["technique"] == "iam-create-access-key" and cak.props["conditional"] is False
    marks = {e.key: e.props for e in out if isinstance(e, Entity)}
    assert marks[est.arn("role", "admin-role")]["administrator"] is True
    chain = marks[est.arn("user", "p-chain")]
    assert chain["escalatesToAdmin"] is True and chain["escalationSteps"] == 2
    assert chain["escalationReaches"] == est.arn("role", "admin-role")


# --- the rules, one small estate each ----------------------------------------------------------
A = est.ACCT


def user(n: str, *statements: dict[str, Any], boundary: dict[str, Any] | None = None,
         account: str = A) -> list[Record]:
    arn = f"arn:aws:iam::{account}:user/{n}"
    raw: dict[str, Any] = {"UserName": n, "Arn": arn,
                           "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": est.doc(*statements)}]}
    recs = [Record(arn, "aws_iam_user", {"arn": arn, "accountId": account}, raw)]
    if boundary is not None:
        barn = f"arn:aws:iam::{account}:policy/{n}-boundary"
        raw["PermissionsBoundary"] = {"PermissionsBoundaryArn": barn}
        recs.append(Record(barn, "aws_iam_policy", {"arn": barn}, {"Arn": barn, "Document": boundary}))
    return recs


def role(n: str, trust: dict[str, Any], *statements: dict[str, Any], account: str = A) -> Record:
    arn = f"arn:aws:iam::{account}:role/{n}"
    return Record(arn, "aws_iam_role", {"arn": arn, "accountId": account}, {
        "RoleName": n, "Arn": arn, "AssumeRolePolicyDocument": trust,
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": est.doc(*statements)}] if statements else []})


def edges_of(records: list[Record], **kw: Any) -> set[tuple[str, str, str, bool]]:
    return {(name(e.source), name(e.target), e.technique, e.conditional)
            for e in analyse(GraphView(records), **kw).edges}


def test_boundary_bounds_a_self_granted_policy() -> None:
    stmt = est.allow("iam:PutUserPolicy", f"arn:aws:iam::{A}:user/u")
    assert edges_of(user("u", stmt)) == {("u", "u", "iam-put-user-policy", False)}
    assert edges_of(user("u", stmt, boundary=est.doc(est.allow(["iam:*", "s3:*"])))) == set()
    assert edges_of(user("u", stmt, boundary=est.doc(est.allow("*")))) == {("u", "u", "iam-put-user-policy", False)}


def test_condition_marks_the_edge_conditional() -> None:
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    recs = user("u", est.allow("iam:CreateAccessKey", "*", Condition=mfa)) + user("admin", est.allow("*"))
    assert edges_of(recs) == {("u", "admin", "iam-create-access-key", True)}
    assert edges_of(user("u", est.allow("iam:CreateAccessKey", "*"), est.deny("iam:CreateAccessKey"))
                    + user("admin", est.allow("*"))) == set()


def test_scps_from_the_provider_apply_per_account() -> None:
    recs = user("u", est.allow("iam:CreateAccessKey")) + user("admin", est.allow("*"))
    deny_iam = [[est.doc(est.allow("*"))], [est.doc(est.deny("iam:CreateAccessKey"))]]
    asked: list[str] = []

    def provider(account: str) -> Any:
        asked.append(account)
        return deny_iam if account == A else None

    assert edges_of(recs, scps_for_account=provider) == set()
    assert asked == [A]  # asked once per account
    # an allow-list SCP that does not allow everything: nobody is an administrator any more
    result = analyse(GraphView(recs), scps_for_account=lambda _a: [[est.doc(est.allow(["iam:*", "s3:*"]))]])
    assert result.admins == {}
    assert edges_of(recs, scps_for_account=lambda _a: None) == {("u", "admin", "iam-create-access-key", False)}


def test_service_trust_is_not_a_users_path_and_cross_account_assume_is() -> None:
    other = "210987654321"
    recs = [
        *user("u", est.allow("sts:AssumeRole")),
        role("fn-role", est.trust_service("lambda.amazonaws.com"), est.allow("*")),
        role("ext-admin", est.trust_aws(A), est.allow("*"), account=other),
        role("ext-named", est.trust_aws(f"arn:aws:iam::{A}:user/u"), est.allow("s3:*"), account=other),
        role("ext-other", est.trust_aws("999999999999"), est.allow("*"), account=other),
    ]
    result = analyse(GraphView(recs))
    got = {(name(e.target), e.cross_account) for e in result.edges if name(e.source) == "u"}
    assert got == {("ext-admin", True), ("ext-named", True)}
    assert result.paths()[f"arn:aws:iam::{A}:user/u"].reaches == f"arn:aws:iam::{other}:role/ext-admin"


def test_cross_account_assume_needs_the_callers_policy() -> None:
    other = "210987654321"
    recs = [*user("u", est.allow("s3:*")),
            role("ext-named", est.trust_aws(f"arn:aws:iam::{A}:user/u"), est.allow("*"), account=other),
            role("same-named", est.trust_aws(f"arn:aws:iam::{A}:user/u"), est.allow("*"))]
    # the same account's trust naming the user is enough on its own; another account's is not
    assert edges_of(recs) == {("u", "same-named", "sts-assume-role", False)}


def test_administrators_get_no_outgoing_edges_and_shortest_path_wins() -> None:
    recs = [*user("boss", est.allow("*")),
            *user("u", est.allow(["iam:CreateAccessKey", "sts:AssumeRole"])),
            role("mid", est.trust_aws(f"arn:aws:iam::{A}:user/u"), est.allow("iam:CreateAccessKey"))]
    result = analyse(GraphView(recs))
    assert all(name(e.source) != "boss" for e in result.edges)
    path = result.paths()[f"arn:aws:iam::{A}:user/u"]
    assert [e.technique for e in path.steps] == ["iam-create-access-key"]


def test_shortest_paths_prefer_unconditional_on_ties() -> None:
    from awsgraph.analysis.privesc import Edge

    edges = [Edge("u", "a1", "sts-assume-role", True), Edge("u", "a2", "sts-assume-role", False)]
    assert shortest_paths({"a1": False, "a2": False}, edges)["u"].reaches == "a2"
    # a cycle without an administrator leads nowhere and ends
    assert shortest_paths({}, [Edge("x", "y", "sts-assume-role", False), Edge("y", "x", "sts-assume-role", False)]) == {}


def test_update_assume_role_policy_still_needs_the_boundary_to_allow_assuming() -> None:
    stmt = est.allow("iam:UpdateAssumeRolePolicy")
    target = role("r", est.trust_aws(f"arn:aws:iam::{A}:user/nobody"), est.allow("*"))
    assert edges_of([*user("u", stmt), target]) == {("u", "r", "iam-update-assume-role-policy", False)}
    assert edges_of([*user("u", stmt, boundary=est.doc(est.allow("iam:*"))), target]) == set()


def test_service_linked_roles_are_neither_sources_nor_targets() -> None:
    slr = f"arn:aws:iam::{A}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX"
    recs = [*user("u", est.allow(["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"])),
            Record(slr, "aws_iam_role", {"arn": slr, "serviceLinked": True}, {
                "RoleName": "AWSServiceRoleForX", "Arn": slr, "AssumeRolePolicyDocument": est.trust_aws(A),
                "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": est.doc(est.allow("iam:*"))}]})]
    assert edges_of(recs) == set()


def test_login_profile_techniques_follow_what_is_known_of_the_password() -> None:
    stmt = est.allow(["iam:CreateLoginProfile", "iam:UpdateLoginProfile"])
    target = user("t", est.allow("*"))
    target[0].props["passwordEnabled"] = True
    assert {e[2] for e in edges_of([*user("u", stmt), *target])} == {"iam-update-login-profile"}
    target[0].props["passwordEnabled"] = False
    assert {e[2] for e in edges_of([*user("u", stmt), *target])} == {"iam-create-login-profile"}


def test_new_resource_probe_respects_named_patterns_and_denies() -> None:
    lam = role("fn", est.trust_service("lambda.amazonaws.com"), est.allow("*"))
    fn_arn = f"arn:aws:lambda:us-east-1:{A}:function:"
    ok = est.allow(["lambda:CreateFunction", "lambda:InvokeFunction"], fn_arn + "dev-*")
    assert edges_of([*user("u", est.allow("iam:PassRole"), ok), lam]) == {("u", "fn", "lambda-create-invoke", False)}
    blocked = est.deny("lambda:CreateFunction", f"arn:aws:lambda:*:{A}:function:*")
    assert edges_of([*user("u", est.allow("iam:PassRole"), est.allow("lambda:*"), blocked), lam]) == set()
    passed_elsewhere = est.allow("iam:PassRole", "*", Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
    assert edges_of([*user("u", passed_elsewhere, est.allow("lambda:*")), lam]) == set()


def test_resource_tag_conditions_are_decided_from_collected_tags() -> None:
    """ABAC: a condition on the target's tag is decided from the tags awsgraph collected, so a
    team's operator reaches its own instances' roles and not the others'."""
    def instance(iid: str, profile_role: str, team: str) -> Record:
        arn = f"arn:aws:ec2:us-east-1:{A}:instance/{iid}"
        return Record(arn, "aws_instance", {"arn": arn, "accountId": A,
                                            "iamInstanceProfile": f"arn:aws:iam::{A}:instance-profile/{profile_role}"},
                      {"Tags": [{"Key": "team", "Value": team}]})

    def ec2_role(n: str) -> Record:
        r = role(n, est.trust_service("ec2.amazonaws.com"), est.allow("*"))
        r.props["instanceProfileArns"] = [f"arn:aws:iam::{A}:instance-profile/{n}"]
        return r

    cond = {"StringEquals": {"ssm:resourceTag/team": "red"}}
    recs = [*user("op", est.allow("ssm:SendCommand", "*", Condition=cond)),
            ec2_role("red-role"), ec2_role("blue-role"), ec2_role("untagged-role"),
            instance("i-red", "red-role", "red"), instance("i-blue", "blue-role", "blue")]
    untagged = f"arn:aws:ec2:us-east-1:{A}:instance/i-none"
    recs.append(Record(untagged, "aws_instance", {"arn": untagged, "accountId": A,
                                                  "iamInstanceProfile": f"arn:aws:iam::{A}:instance-profile/untagged-role"}, {}))
    # red: decided by its tag; blue: its tag says no; untagged: its tag is unknown, so conditional
    assert edges_of(recs) == {("op", "red-role", "ssm-send-command", False),
                              ("op", "untagged-role", "ssm-send-command", True)}
