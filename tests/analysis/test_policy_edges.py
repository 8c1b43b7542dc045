# ruff: noqa: E501  (fixture records read better on one line)
from __future__ import annotations

import json

from analysis_records import ACCT, account, bucket, edges, managed_policy, out_of, rec, role_policy

from awsgraph.analysis.policy_edges import policy_edges

TABLE = f"arn:aws:dynamodb:us-east-1:{ACCT}:table/orders"
FUNC = f"arn:aws:lambda:us-east-1:{ACCT}:function:worker"
POLICY = f"arn:aws:iam::{ACCT}:policy/p"


def estate(*policies):
    return [account(), bucket("data"), bucket("logs"), bucket("data.backup"),
            rec(TABLE, "aws_dynamodb_table"), rec(FUNC, "aws_lambda_function"),
            rec(f"aws:{ACCT}:s3", "aws_s3"), *policies]


def allow(action, resource, **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_star_star_collapses_to_account_as_admin():
    _, rels = out_of(estate(managed_policy("p", allow("*", "*"))), policy_edges)
    e = edges(rels, "ALLOWS")
    assert set(e) == {(POLICY, f"aws:account:{ACCT}")}
    assert e[(POLICY, f"aws:account:{ACCT}")].props["admin"] is True


def test_service_star_on_star_goes_to_service_entity():
    ents, rels = out_of(estate(managed_policy("p", allow(["s3:*", "sqs:*"], "*"))), policy_edges)
    e = edges(rels, "ALLOWS")
    assert set(e) == {(POLICY, f"aws:{ACCT}:s3"), (POLICY, f"aws:{ACCT}:sqs")}
    assert e[(POLICY, f"aws:{ACCT}:s3")].props["admin"] is False
    assert e[(POLICY, f"aws:{ACCT}:s3")].props["normalizedActions"] == "s3:*"
    assert ents[f"aws:{ACCT}:sqs"].props["_source"] == "system-mapper"  # not collected: placeholder
    assert f"aws:{ACCT}:s3" not in ents  # collected: no placeholder
    assert e[(POLICY, f"aws:{ACCT}:sqs")].mapped is True


def test_specific_arn_matches_only_that_bucket():
    _, rels = out_of(estate(managed_policy("p", allow("s3:ListBucket", "arn:aws:s3:::data"))), policy_edges)
    assert set(edges(rels)) == {(POLICY, "arn:aws:s3:::data")}


def test_dot_in_bucket_name_is_literal():
    _, rels = out_of(estate(managed_policy("p", allow("s3:ListBucket", "arn:aws:s3:::data.backup"))), policy_edges)
    assert set(edges(rels)) == {(POLICY, "arn:aws:s3:::data.backup")}


def test_wildcard_bucket_pattern():
    _, rels = out_of(estate(managed_policy("p", allow("s3:ListBucket", "arn:aws:s3:::data*"))), policy_edges)
    assert set(edges(rels)) == {(POLICY, "arn:aws:s3:::data"), (POLICY, "arn:aws:s3:::data.backup")}


def test_object_grant_maps_to_bucket_with_object_level():
    _, rels = out_of(estate(managed_policy("p", allow("s3:GetObject", "arn:aws:s3:::logs/*"))), policy_edges)
    e = edges(rels)
    assert set(e) == {(POLICY, "arn:aws:s3:::logs")}
    props = e[(POLICY, "arn:aws:s3:::logs")].props
    assert props["objectLevel"] is True
    assert props["read"] is True and props["write"] is False
    assert props["normalizedActions"] == "s3:GetObject"


def test_bucket_level_action_on_object_pattern_does_not_link():
    _, rels = out_of(estate(managed_policy("p", allow("s3:ListBucket", "arn:aws:s3:::logs/*"))), policy_edges)
    assert rels == []


def test_object_action_on_bucket_arn_does_not_link():
    _, rels = out_of(estate(managed_policy("p", allow("s3:GetObject", "arn:aws:s3:::logs"))), policy_edges)
    assert rels == []


def test_ec2_star_never_links_buckets():
    _, rels = out_of(estate(managed_policy("p", allow("ec2:*", "arn:aws:s3:::*"))), policy_edges)
    assert rels == []


def test_table_and_function():
    pol = managed_policy("p", allow(["dynamodb:GetItem", "lambda:InvokeFunction"], [TABLE, FUNC]))
    _, rels = out_of(estate(pol), policy_edges)
    e = edges(rels)
    assert set(e) == {(POLICY, TABLE), (POLICY, FUNC)}
    assert e[(POLICY, TABLE)].props["normalizedActions"] == "dynamodb:GetItem"
    assert e[(POLICY, FUNC)].props["write"] is True


def test_wildcard_region_and_account_in_arn():
    pol = managed_policy("p", allow("dynamodb:*", "arn:aws:dynamodb:*:*:table/ord*"))
    _, rels = out_of(estate(pol), policy_edges)
    assert set(edges(rels)) == {(POLICY, TABLE)}


def test_deny_statement_gives_denies_edge():
    pol = managed_policy("p", {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::data"})
    _, rels = out_of(estate(pol), policy_edges)
    assert [(r.verb, r.to_key) for r in rels] == [("DENIES", "arn:aws:s3:::data")]


def test_conditions_are_json_and_conditional_flag():
    cond = {"Bool": {"aws:SecureTransport": "true"}}
    _, rels = out_of(estate(managed_policy("p", allow("s3:ListBucket", "arn:aws:s3:::data", Condition=cond))),
                     policy_edges)
    props = rels[0].props
    assert props["conditional"] is True
    assert props["conditions"] == '{"Bool": {"aws:SecureTransport": "true"}}'


def test_edge_props_are_primitives():
    pol = managed_policy("p", allow(["s3:Get*", "s3:List*"], ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]))
    _, rels = out_of(estate(pol), policy_edges)
    for r in rels:
        for v in r.props.values():
            assert v is None or isinstance(v, str | int | float | bool)
    assert rels[0].props["actions"] == "s3:Get*,s3:List*"


def test_inline_role_policy_source():
    pol = role_policy("app", "inline", allow("s3:PutObject", "arn:aws:s3:::data/*"))
    _, rels = out_of(estate(pol), policy_edges)
    assert [(r.from_type, r.to_key) for r in rels] == [("aws_iam_role_policy", "arn:aws:s3:::data")]
    assert rels[0].type == "aws_iam_role_policy_allows_s3_bucket"


def test_notaction_on_star_reaches_only_collected_services():
    pol = managed_policy("p", {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    _, rels = out_of(estate(pol), policy_edges)
    assert {r.to_key for r in rels} == {f"aws:{ACCT}:s3"}


def test_unresolved_variable_matches_nothing_but_username_of_owner_resolves():
    user_pol = rec(f"arn:aws:iam::{ACCT}:user/data:policy/home", "aws_iam_user_policy",
                   {"PolicyName": "home", "OwnerType": "user", "OwnerName": "data",
                    "PolicyDocument": {"Statement": [allow("s3:ListBucket", "arn:aws:s3:::${aws:username}")]}})
    _, rels = out_of(estate(user_pol, managed_policy("p", allow("s3:ListBucket", "arn:aws:s3:::${aws:username}"))),
                     policy_edges)
    assert {(r.from_type, r.to_key) for r in rels} == {("aws_iam_user_policy", "arn:aws:s3:::data")}


def test_many_statements_same_target_merge():
    pol = managed_policy("p", allow("s3:GetObject", "arn:aws:s3:::data/*"), allow("s3:ListBucket", "arn:aws:s3:::data"))
    _, rels = out_of(estate(pol), policy_edges)
    assert len(rels) == 1
    assert set(rels[0].props["normalizedActions"].split(",")) == {"s3:GetObject", "s3:ListBucket"}


def test_broad_multi_service_grant_links_only_collected_services():
    actions = [f"{svc}:Describe*" for svc in ("ec2", "rds", "ecs", "eks", "elasticache", "redshift", "emr",
                                               "es", "kafka", "mq", "fsx")] + ["s3:Get*"]
    _, rels = out_of(estate(managed_policy("p", allow(actions, "*"))), policy_edges)
    assert {r.to_key for r in rels} == {f"aws:{ACCT}:s3"}


def test_sts_assume_role_reaches_iam_roles():
    role = f"arn:aws:iam::{ACCT}:role/deploy/ci"
    pol = managed_policy("p", allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/deploy/*"))
    _, rels = out_of(estate(pol, rec(role, "aws_iam_role"), rec(f"arn:aws:iam::{ACCT}:user/deploy/x", "aws_iam_user")),
                     policy_edges)
    assert {r.to_key for r in rels} == {role}
    assert rels[0].props["normalizedActions"] == "sts:AssumeRole"


def test_pass_role_and_iam_user_actions_do_not_cross_types():
    role = f"arn:aws:iam::{ACCT}:role/app"
    user = f"arn:aws:iam::{ACCT}:user/app"
    pol = managed_policy("p", allow(["iam:PassRole", "iam:CreateAccessKey"], f"arn:aws:iam::{ACCT}:*/app"))
    _, rels = out_of(estate(pol, rec(role, "aws_iam_role"), rec(user, "aws_iam_user")), policy_edges)
    got = {r.to_key: r.props["normalizedActions"] for r in rels}
    assert got == {role: "iam:PassRole", user: "iam:CreateAccessKey"}


def test_every_action_on_one_bucket_is_not_admin():
    _, rels = out_of(estate(managed_policy("p", allow("*", "arn:aws:s3:::data"))), policy_edges)
    assert [(r.to_key, r.props["admin"], r.props["normalizedActions"]) for r in rels] == [
        ("arn:aws:s3:::data", False, "*")]


def test_username_variable_resolves_for_each_user_the_policy_reaches():
    self_service = managed_policy("p", allow("iam:CreateAccessKey", f"arn:aws:iam::{ACCT}:user/${{aws:username}}"))
    users = [rec(f"arn:aws:iam::{ACCT}:user/{n}", "aws_iam_user", raw) for n, raw in (
        ("ann", {"UserName": "ann", "AttachedManagedPolicies": [{"PolicyArn": POLICY}]}),
        ("ben", {"UserName": "ben", "GroupList": ["staff"]}),
        ("cat", {"UserName": "cat"}),
    )]
    group = rec(f"arn:aws:iam::{ACCT}:group/staff", "aws_iam_group",
                {"GroupName": "staff", "AttachedManagedPolicies": [{"PolicyArn": POLICY}]})
    group_inline = rec(f"arn:aws:iam::{ACCT}:group/staff|inline-policy|own", "aws_iam_group_policy",
                       {"PolicyName": "own", "OwnerType": "group", "OwnerName": "staff",
                        "PolicyDocument": {"Statement": [allow("iam:ChangePassword", f"arn:aws:iam::{ACCT}:user/${{aws:username}}")]}})
    _, rels = out_of(estate(self_service, group, group_inline, *users), policy_edges)
    got = {(r.from_type, r.to_key.rsplit("/", 1)[-1]) for r in rels}
    assert got == {("aws_iam_policy", "ann"), ("aws_iam_policy", "ben"), ("aws_iam_group_policy", "ben")}


SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:prod/db-AbCdEf"


def _secret_edge(*statements, extra=()):
    records = [*estate(managed_policy("p", *statements)), rec(SECRET, "aws_secretsmanager_secret"), *extra]
    return edges(out_of(records, policy_edges)[1], "ALLOWS").get((POLICY, SECRET))


def test_a_grant_on_a_secret_says_whether_it_reads_the_value():
    """GetSecretValue (named, by a wildcard, or by secretsmanager:*) reads the secret; DescribeSecret only
    its metadata. Both reach the secret (Secret, not secret: the action table's spelling)."""
    by_name = f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:prod/db-*"
    for action, reads in (("secretsmanager:GetSecretValue", True), ("secretsmanager:Get*", True),
                          ("secretsmanager:*", True), ("secretsmanager:DescribeSecret", False)):
        edge = _secret_edge(allow(action, by_name))
        assert edge is not None, action
        assert edge.props["readsSecretValue"] is reads and edge.props["read"] is True, action
    assert _secret_edge(allow("s3:GetObject", by_name)) is None
    assert "readsSecretValue" not in edges(out_of(estate(managed_policy("p", allow("s3:ListBucket", "arn:aws:s3:::data"))),
                                                  policy_edges)[1])[(POLICY, "arn:aws:s3:::data")].props


def test_an_scp_denying_get_secret_value_leaves_a_metadata_grant():
    from awsgraph.analysis import Record

    org, path = "o-abc", "o-abc/r-1/"
    scp = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                                  {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue",
                                                   "Resource": "*"}]}
    org_records = [
        Record("org", "aws_organization", {"organizationId": org, "masterAccountId": "999999999999",
                                           "featureSet": "ALL", "rootId": "r-1", "scpEnabled": True}),
        Record("p/deny", "aws_organizations_policy", {"organizationId": org, "content": json.dumps(scp),
                                                      "targetIds": ["r-1", ACCT]}),
    ]
    member = rec(f"aws:account:{ACCT}", "aws_account", {}, accountId=ACCT, organizationId=org, orgPath=path)
    records = [member, *estate(managed_policy("p", allow(["secretsmanager:GetSecretValue",
                                                          "secretsmanager:DescribeSecret"], SECRET)))[1:],
               rec(SECRET, "aws_secretsmanager_secret"), *org_records]
    edge = edges(out_of(records, policy_edges)[1], "ALLOWS")[(POLICY, SECRET)]
    assert edge.props["scpDenied"] == "secretsmanager:GetSecretValue"
    assert edge.props["readsSecretValue"] is False and edge.props["read"] is True
    # the SCP alone changes the answer
    assert _secret_edge(allow(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], SECRET)
                        ).props["readsSecretValue"] is True
