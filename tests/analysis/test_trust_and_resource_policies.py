
from __future__ import annotations

import json

from analysis_records import ACCT, OTHER, account, bucket, edges, out_of, rec

from awsgraph.analysis.resource_policies import resource_policy_edges
from awsgraph.analysis.trust import trust_edges

ROLE = f"arn:aws:iam::{ACCT}:role/app"
USER = f"arn:aws:iam::{ACCT}:user/alice"


def role(doc, name="app"):
    arn = f"arn:aws:iam::{ACCT}:role/{name}"
    return rec(arn, "aws_iam_role", {"RoleName": name, "Arn": arn, "AssumeRolePolicyDocument": doc})


def trust(principal, action="sts:AssumeRole", condition=None):
    st = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        st["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [st]}


def test_service_principal_trusts_service_entity():
    ents, rels = out_of([account(), role(trust({"Service": "lambda.amazonaws.com"}))], trust_edges)
    e = edges(rels, "TRUSTS")
    assert set(e) == {(ROLE, f"aws:{ACCT}:lambda")}
    assert ents[f"aws:{ACCT}:lambda"].type == "aws_lambda"
    assert e[(ROLE, f"aws:{ACCT}:lambda")].props["crossAccount"] is False


def test_same_account_user():
    _, rels = out_of([account(), rec(USER, "aws_iam_user"), role(trust({"AWS": USER}))], trust_edges)
    e = edges(rels)
    assert set(e) == {(ROLE, USER)}
    assert e[(ROLE, USER)].type == "aws_iam_role_trusts_user"
    assert e[(ROLE, USER)].mapped is False


def test_cross_account_root_gets_placeholder_account_with_external_id():
    cond = {"StringEquals": {"sts:ExternalId": "xyz"}}
    ents, rels = out_of([account(), role(trust({"AWS": f"arn:aws:iam::{OTHER}:root"}, condition=cond))],
                        trust_edges)
    e = edges(rels)
    key = f"aws:account:{OTHER}"
    assert set(e) == {(ROLE, key)}
    props = e[(ROLE, key)].props
    assert props["crossAccount"] is True and props["externalIdRequired"] is True and props["conditional"] is True
    assert json.loads(str(props["conditions"])) == cond
    assert ents[key].props["accountId"] == OTHER and ents[key].props["_source"] == "system-mapper"


def test_bare_account_id_same_account():
    _, rels = out_of([account(), role(trust({"AWS": ACCT}))], trust_edges)
    e = edges(rels)
    assert set(e) == {(ROLE, f"aws:account:{ACCT}")}
    assert e[(ROLE, f"aws:account:{ACCT}")].props["crossAccount"] is False


def test_only_assume_role_actions_count_and_wildcards_do():
    other = role(trust({"Service": "ec2.amazonaws.com"}, action="sts:TagSession"), "tagonly")
    wild = role(trust({"Service": "ec2.amazonaws.com"}, action="sts:*"), "wild")
    _, rels = out_of([account(), other, wild], trust_edges)
    assert {r.from_key for r in rels} == {f"arn:aws:iam::{ACCT}:role/wild"}


def test_deny_statement_is_not_trust():
    doc = {"Statement": [{"Effect": "Deny", "Principal": {"AWS": USER}, "Action": "sts:AssumeRole"}]}
    _, rels = out_of([account(), rec(USER, "aws_iam_user"), role(doc)], trust_edges)
    assert rels == []


def test_cross_account_role_placeholder_and_saml():
    other_role = f"arn:aws:iam::{OTHER}:role/deployer"
    saml = f"arn:aws:iam::{ACCT}:saml-provider/okta"
    doc = {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": other_role}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Federated": saml}, "Action": "sts:AssumeRoleWithSAML"},
    ]}
    ents, rels = out_of([account(), role(doc)], trust_edges)
    e = edges(rels)
    assert set(e) == {(ROLE, other_role), (ROLE, saml)}
    assert ents[other_role].type == "aws_iam_role" and e[(ROLE, other_role)].props["crossAccount"] is True
    assert ents[saml].type == "aws_iam_saml_provider"


def test_trust_document_as_json_string():
    _, rels = out_of([account(), role(json.dumps(trust({"Service": "ecs-tasks.amazonaws.com"})))], trust_edges)
    assert {r.to_key for r in rels} == {f"aws:{ACCT}:ecs"}


# --- resource policies -----------------------------------------------------------------------

def bucket_policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_public_bucket_allows_everyone_and_is_marked_public():
    pol = bucket_policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::web/*"})
    ents, rels = out_of([account(), bucket("web", Policy=pol)], resource_policy_edges)
    assert set(edges(rels)) == {("arn:aws:s3:::web", "global:everyone")}
    assert ents["global:everyone"].type == "everyone"
    merged = ents["arn:aws:s3:::web"]
    assert merged.raw == {"__merge__": True} and merged.props == {"public": True}


def test_star_with_source_account_condition_is_not_public():
    pol = bucket_policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:PutObject",
                         "Resource": "arn:aws:s3:::logs/*",
                         "Condition": {"StringEquals": {"aws:SourceAccount": ACCT}}})
    ents, rels = out_of([account(), bucket("logs", Policy=pol)], resource_policy_edges)
    assert rels == [] and "arn:aws:s3:::logs" not in ents


def test_star_with_non_narrowing_condition_is_still_public():
    pol = bucket_policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::web/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    _, rels = out_of([account(), bucket("web", Policy=pol)], resource_policy_edges)
    assert set(edges(rels)) == {("arn:aws:s3:::web", "global:everyone")}


def test_restrict_public_buckets_blocks_everyone():
    pol = bucket_policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::web/*"})
    b = bucket("web", Policy=pol, PublicAccessBlock={"RestrictPublicBuckets": True})
    _, rels = out_of([account(), b], resource_policy_edges)
    assert rels == []


def test_public_acl_marks_bucket_public():
    acl = {"Grants": [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                       "Permission": "READ"}]}
    ents, rels = out_of([account(), bucket("old", Acl=acl)], resource_policy_edges)
    assert set(edges(rels)) == {("arn:aws:s3:::old", "global:everyone")}
    assert ents["arn:aws:s3:::old"].props["public"] is True


def test_queue_policy_string_allows_service_and_cross_account():
    q = f"arn:aws:sqs:us-east-1:{ACCT}:jobs"
    policy = json.dumps(bucket_policy(
        {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
         "Resource": q, "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"}}},
        {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "sqs:ReceiveMessage", "Resource": q},
    ))
    ents, rels = out_of([account(), rec(q, "aws_sqs_queue", {"Attributes": {"Policy": policy}})],
                        resource_policy_edges)
    e = edges(rels)
    assert set(e) == {(q, f"aws:{ACCT}:sns"), (q, f"aws:account:{OTHER}")}
    assert e[(q, f"aws:account:{OTHER}")].props["crossAccount"] is True
    assert e[(q, f"aws:{ACCT}:sns")].props["conditional"] is True
    assert "global:everyone" not in ents


def test_kms_key_policy_root_and_role():
    k = f"arn:aws:kms:us-east-1:{ACCT}:key/abc"
    pol = bucket_policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"},
    )
    _, rels = out_of([account(), rec(ROLE, "aws_iam_role"), rec(k, "aws_kms_key", {"Policy": pol})],
                     resource_policy_edges)
    assert set(edges(rels)) == {(k, f"aws:account:{ACCT}"), (k, ROLE)}


def test_service_principals_use_collected_aliases_and_identifier_types():
    cw = rec(f"aws:{ACCT}:cloudwatch", "aws_cloudwatch")
    doc = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                          "Principal": {"Service": ["events.amazonaws.com", "vpc-flow-logs.amazonaws.com"]}}]}
    ents, rels = out_of([account(), cw, role(doc)], trust_edges)
    assert {(r.to_key, r.to_type) for r in rels} == {
        (f"aws:{ACCT}:cloudwatch", "aws_cloudwatch"), (f"aws:{ACCT}:vpc-flow-logs", "aws_vpc_flow_logs")}
    assert ents[f"aws:{ACCT}:vpc-flow-logs"].type == "aws_vpc_flow_logs"


def test_cloudfront_origin_access_identity_is_the_cloudfront_service():
    oai = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
    pol = bucket_policy({"Effect": "Allow", "Principal": {"AWS": oai}, "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::site/*"})
    _, rels = out_of([account(), bucket("site", Policy=pol)], resource_policy_edges)
    assert {(r.to_key, r.to_type) for r in rels} == {(f"aws:{ACCT}:cloudfront", "aws_cloudfront")}
