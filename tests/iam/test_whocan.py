
from __future__ import annotations

from awsgraph.iam.whocan import Rec, who_can

A = "111111111111"
BUCKET = "arn:aws:s3:::data"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def user(name, *, inline=(), managed=(), groups=(), boundary=None):
    arn = f"arn:aws:iam::{A}:user/{name}"
    raw = {"UserName": name, "Arn": arn, "GroupList": list(groups),
           "UserPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
           "AttachedManagedPolicies": [{"PolicyName": m.rsplit("/", 1)[-1], "PolicyArn": m} for m in managed]}
    if boundary:
        raw["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return Rec(arn, "aws_iam_user", {"arn": arn, "accountId": A}, raw)


def role(name, trust, *, managed=()):
    arn = f"arn:aws:iam::{A}:role/{name}"
    raw = {"RoleName": name, "Arn": arn, "AssumeRolePolicyDocument": trust, "RolePolicyList": [],
           "AttachedManagedPolicies": [{"PolicyArn": m} for m in managed]}
    return Rec(arn, "aws_iam_role", {"arn": arn, "accountId": A}, raw)


def group(name, *, inline=(), managed=()):
    arn = f"arn:aws:iam::{A}:group/{name}"
    raw = {"GroupName": name, "Arn": arn,
           "GroupPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
           "AttachedManagedPolicies": [{"PolicyArn": m} for m in managed]}
    return Rec(arn, "aws_iam_group", {"arn": arn}, raw)


def managed(name, document):
    arn = f"arn:aws:iam::{A}:policy/{name}"
    return Rec(arn, "aws_iam_policy", {"arn": arn}, {"PolicyName": name, "Arn": arn, "Document": document})


def bucket(policy=None):
    raw = {"Name": "data"}
    if policy:
        raw["Policy"] = policy
    return Rec(BUCKET, "aws_s3_bucket", {"arn": BUCKET, "accountId": A}, raw)


def names(answers):
    return {a.principal.rsplit("/", 1)[-1] for a in answers}


def test_inline_managed_and_group_members():
    records = [
        managed("read", doc(allow("s3:GetObject", BUCKET + "/*"))),
        group("analysts", inline=[("g", doc(allow("s3:Get*")))]),
        user("alice", inline=[("a", doc(allow("s3:*")))]),
        user("bob", managed=[f"arn:aws:iam::{A}:policy/read"]),
        user("carol", groups=["analysts"]),
        user("dave"),
        bucket(),
    ]
    answers = who_can("s3:GetObject", BUCKET + "/k", records)
    assert names(answers) == {"alice", "bob", "carol"}
    carol = next(a for a in answers if a.principal.endswith("carol"))
    assert carol.via == ["group analysts: inline g (#0)"]


def test_boundary_and_explicit_deny_remove_principals():
    records = [
        managed("only-ec2", doc(allow("ec2:*"))),
        user("alice", inline=[("a", doc(allow("s3:*")))], boundary=f"arn:aws:iam::{A}:policy/only-ec2"),
        user("bob", inline=[("a", doc(allow("s3:*"), {"Effect": "Deny", "Action": "s3:GetObject",
                                                       "Resource": "*"}))]),
        user("erin", inline=[("a", doc(allow("s3:*")))]),
        bucket(),
    ]
    assert names(who_can("s3:GetObject", BUCKET + "/k", records)) == {"erin"}


def test_bucket_policy_grants_and_outside_principals():
    policy = doc(
        allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": f"arn:aws:iam::{A}:user/frank"}),
        allow("s3:GetObject", BUCKET + "/*", Principal={"AWS": "222222222222"}),
    )
    records = [user("frank"), user("gina"), bucket(policy)]
    answers = who_can("s3:GetObject", BUCKET + "/k", records)
    assert {a.principal for a in answers} == {f"arn:aws:iam::{A}:user/frank", "222222222222"}
    outside = next(a for a in answers if a.principal == "222222222222")
    assert outside.note


def test_conditional_answers_are_marked():
    records = [user("h", inline=[("a", doc(allow("s3:GetObject", "*",
                                                  Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))]),
               bucket()]
    (ans,) = who_can("s3:GetObject", BUCKET + "/k", records)
    assert ans.conditional is True
    (ans2,) = who_can("s3:GetObject", BUCKET + "/k", records, context={"aws:MultiFactorAuthPresent": "true"})
    assert ans2.conditional is False


def test_assume_role_uses_trust_policy():
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "sts:AssumeRole"})
    records = [role("target", trust), user("ivan", inline=[("a", doc(allow("sts:AssumeRole")))]), user("judy")]
    answers = who_can("sts:AssumeRole", f"arn:aws:iam::{A}:role/target", records)
    assert names(answers) == {"ivan"}


def test_scps_apply():
    records = [user("k", inline=[("a", doc(allow("s3:*")))]), bucket()]
    assert names(who_can("s3:GetObject", BUCKET + "/k", records, scps=[[doc(allow("ec2:*"))]])) == set()


def test_resource_policy_known_absent_or_unknown():
    """A collected bucket without a policy has none (another account's user gets nothing); a bucket
    that was not collected has an unknown policy, so that user's answer is conditional."""
    other = "222222222222"
    arn = f"arn:aws:iam::{other}:user/olga"
    olga = Rec(arn, "aws_iam_user", {"arn": arn, "accountId": other},
               {"UserName": "olga", "Arn": arn, "UserPolicyList": [{"PolicyName": "a", "PolicyDocument":
                                                                   doc(allow(["s3:*", "sqs:*"]))}]})
    assert who_can("s3:GetObject", BUCKET + "/k", [olga, bucket()]) == []
    queue = f"arn:aws:sqs:us-east-1:{A}:not-collected"
    (ans,) = who_can("sqs:SendMessage", queue, [olga])
    assert ans.principal == arn and ans.conditional is True
    assert ans.decision.unknowns == ("resource policy",)
