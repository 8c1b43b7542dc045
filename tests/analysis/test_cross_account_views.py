"""Analysers on one account's view with the other accounts behind a lookup (as derivation runs
them): identity-policy grants into another account need that resource's policy to admit the
caller's account; escalation asks who trusts a principal only when its policy could name
another account."""

from __future__ import annotations

import json
from typing import Any

from awsgraph.analysis.identity import identities
from awsgraph.analysis.policy_edges import policy_edges
from awsgraph.analysis.privesc import analyse
from awsgraph.analysis.view import GraphView, Record
from awsgraph.model import Relationship

A, B = "111111111111", "222222222222"


class Elsewhere:
    """The other accounts, found by identity as the store's index finds them; records every question."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records
        self.asked: list[tuple[str, str]] = []

    def find(self, kind: str, value: str) -> list[Record]:
        self.asked.append((kind, value))
        return [Record(r.key, r.type, r.props) for r in self.records if (kind, value) in set(identities(r))]

    def raw(self, key: str) -> dict[str, Any]:
        return next((r.raw for r in self.records if r.key == key), {})


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def bucket(name: str, policy: dict[str, Any] | None = None) -> Record:
    arn = f"arn:aws:s3:::{name}"
    raw: dict[str, Any] = {"Name": name}
    if policy is not None:
        raw["Policy"] = json.dumps(policy)
    return Record(arn, "aws_s3_bucket", {"arn": arn, "accountId": B, "name": name}, raw)


def role(account: str, name: str, trust: dict[str, Any], *policy: dict[str, Any]) -> list[Record]:
    arn = f"arn:aws:iam::{account}:role/{name}"
    out = [Record(arn, "aws_iam_role", {"arn": arn, "accountId": account, "name": name},
                  {"RoleName": name, "Arn": arn, "AssumeRolePolicyDocument": trust})]
    if policy:
        key = f"{arn}|inline-policy|p"
        out.append(Record(key, "aws_iam_role_policy", {"accountId": account, "name": "p"}, {
            "PolicyName": "p", "PolicyDocument": doc(*policy), "OwnerArn": arn, "OwnerName": name,
            "OwnerType": "role"}))
    return out


def trusts(*who: str) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"AWS": list(who)}, "Action": "sts:AssumeRole"})


def test_identity_grants_into_another_account_need_its_resource_policy() -> None:
    shared = bucket("b-shared", doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                                     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b-shared/*"}))
    private = bucket("b-private")
    instance_arn = f"arn:aws:ec2:us-east-1:{B}:instance/i-0b"
    instance = Record(instance_arn, "aws_instance", {"arn": instance_arn, "accountId": B}, {})
    local = role(A, "reader", trusts(f"arn:aws:iam::{A}:root"),
                 {"Effect": "Allow", "Action": "s3:GetObject",
                  "Resource": ["arn:aws:s3:::b-shared/*", "arn:aws:s3:::b-private/*", "*"]},
                 {"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": instance_arn})
    view = GraphView(local, foreign=Elsewhere([shared, private, instance]))
    edges = {r.to_key: r for r in policy_edges(view) if isinstance(r, Relationship) and r.verb == "ALLOWS"}
    assert edges[shared.key].props["crossAccount"] is True and edges[shared.key].props["objectLevel"] is True
    # no policy admits A: the statement names them and grants nothing there
    assert private.key not in edges and instance_arn not in edges
    # the wildcard stays in A (the S3 service entity), never B's buckets
    assert all(not k.startswith("arn:aws:s3:::") or k == shared.key for k in edges)


def test_escalation_asks_other_accounts_only_when_a_policy_can_name_them() -> None:
    admin = role(B, "b-admin", trusts(f"arn:aws:iam::{A}:root"), {"Effect": "Allow", "Action": "*", "Resource": "*"})
    lambda_only = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    inward = role(A, "inward", lambda_only,
                  {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{A}:role/*"})
    outward = role(A, "outward", lambda_only,
                   {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{B}:role/*"})
    lookup = Elsewhere(admin)
    result = analyse(GraphView([*inward], foreign=lookup))
    assert result.edges == [] and not [q for q in lookup.asked if q[0] == "trusts"]
    lookup = Elsewhere(admin)
    result = analyse(GraphView([*inward, *outward], foreign=lookup))
    outward_arn, admin_arn = outward[0].key, admin[0].key
    assert [(e.source, e.target, e.technique, e.cross_account) for e in result.edges] == [
        (outward_arn, admin_arn, "sts-assume-role", True)]
    assert {v for k, v in lookup.asked if k == "trusts"} == {outward_arn, f"acct:{A}", "*"}
    # the foreign role's own inline policy, found by its owner, makes it the administrator the path ends at
    assert ("policy-owner", admin_arn) in lookup.asked and result.foreign_admins == {admin_arn: False}
    assert result.paths()[outward_arn].reaches == admin_arn


def test_roles_are_found_by_whom_they_trust_and_inline_policies_by_owner() -> None:
    from awsgraph.analysis.identity import MAX_TRUSTED

    got = role(B, "r", doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": [
        f"arn:aws:iam::{A}:root", A, f"arn:aws:iam::{A}:user/u", "*"], "Service": "ec2.amazonaws.com"}},
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::333333333333:root"}}),
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    role_rec, inline = got
    assert sorted(v for k, v in identities(role_rec) if k == "trusts") == ["*", f"acct:{A}", f"arn:aws:iam::{A}:user/u"]
    assert [v for k, v in identities(inline) if k == "policy-owner"] == [role_rec.key]
    # a service-linked role is nobody's assume-role target; a huge trust policy is cut
    linked = role(B, "aws-service-role/x", trusts(A))[0]
    linked = Record(f"arn:aws:iam::{B}:role/aws-service-role/x", linked.type, {**linked.props, "arn": (
        f"arn:aws:iam::{B}:role/aws-service-role/x")}, linked.raw)
    assert not [v for k, v in identities(linked) if k == "trusts"]
    many = role(B, "many", trusts(*(f"arn:aws:iam::{A}:user/u{i}" for i in range(500))))[0]
    assert len([v for k, v in identities(many) if k == "trusts"]) == MAX_TRUSTED


def test_dns_records_end_on_hosts_of_another_account() -> None:
    """Issue 14 item 4: a Route 53 record naming another collected account's address or load balancer
    ends on that real entity; an address no account of the graph holds stays a placeholder."""
    from awsgraph.analysis.mapped import dns_connections

    inst_arn = f"arn:aws:ec2:us-east-1:{B}:instance/i-0b"
    instance = Record(inst_arn, "aws_instance", {"arn": inst_arn, "accountId": B},
                      {"InstanceId": "i-0b", "PublicIpAddress": "54.1.2.3"})
    lb_arn = f"arn:aws:elasticloadbalancing:us-east-1:{B}:loadbalancer/app/web/1"
    lb = Record(lb_arn, "aws_alb", {"arn": lb_arn, "accountId": B}, {"DNSName": "web-1.us-east-1.elb.amazonaws.com"})

    def record(name: str, rtype: str, value: str) -> Record:
        rs = {"Name": name, "Type": rtype, "ResourceRecords": [{"Value": value}]}
        return Record(f"Z1/{name}/{rtype}", "aws_route53_record", {"accountId": A}, rs)

    recs = [record("a.example.com.", "A", "54.1.2.3"), record("www.example.com.", "CNAME",
                                                                "web-1.us-east-1.elb.amazonaws.com"),
            record("x.example.com.", "A", "198.51.100.7")]
    elsewhere = Elsewhere([instance, lb])
    out = list(dns_connections(GraphView(recs, foreign=elsewhere)))
    rels = {(r.from_key, r.to_key): r for r in out if isinstance(r, Relationship)}
    assert set(rels) == {(recs[0].key, inst_arn), (recs[1].key, lb_arn), (recs[2].key, "host:198.51.100.7")}
    assert not rels[(recs[0].key, inst_arn)].mapped and not rels[(recs[1].key, lb_arn)].mapped
    assert rels[(recs[2].key, "host:198.51.100.7")].mapped
    assert ("ip", "54.1.2.3") in elsewhere.asked and ("dns", "web-1.us-east-1.elb.amazonaws.com") in elsewhere.asked
