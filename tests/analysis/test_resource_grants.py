"""What a bucket, key or secret policy's grant to a principal of its account is worth once the evaluator
weighs it with the principal's own policies and the whole resource policy (``effective``, ``read``,
``write``, ``readsSecretValue``, ``effectiveConditional``)."""

from __future__ import annotations

from typing import Any

from analysis_records import ACCT, OTHER, account, bucket, edges, out_of, rec, role_policy

from awsgraph.analysis.resource_policies import resource_policy_edges

READER = f"arn:aws:iam::{ACCT}:role/reader"
BLOCKED = f"arn:aws:iam::{ACCT}:role/blocked"
FOREIGN = f"arn:aws:iam::{OTHER}:role/partner"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:db-AbCdEf"


def role(name: str) -> Any:
    arn = f"arn:aws:iam::{ACCT}:role/{name}"
    return rec(arn, "aws_iam_role", {"RoleName": name, "Arn": arn}, name=name)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def grant(principals: Any, actions: Any, resource: str, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": actions, "Resource": resource, **extra}


def test_a_deny_in_the_resource_policy_or_the_principals_own_policy_takes_the_grant_away() -> None:
    pol = doc(grant([READER, BLOCKED, FOREIGN], ["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::data/*"),
              {"Effect": "Deny", "Principal": {"AWS": READER}, "Action": "s3:PutObject",
               "Resource": "arn:aws:s3:::data/*"})
    records = [account(), role("reader"), role("blocked"), bucket("data", Policy=pol),
               role_policy("blocked", "no-s3", {"Effect": "Deny", "Action": "s3:*", "Resource": "*"})]
    _, rels = out_of(records, resource_policy_edges)
    e = edges(rels, "ALLOWS")
    reader = e[("arn:aws:s3:::data", READER)].props
    assert (reader["effective"], reader["read"], reader["write"]) == (True, True, False)  # PutObject denied
    assert reader["effectiveConditional"] is False
    blocked = e[("arn:aws:s3:::data", BLOCKED)].props
    assert (blocked["effective"], blocked["read"], blocked["write"]) == (False, False, False)
    assert "effectiveConditional" not in blocked
    # another account's principal: its own account's policies decide its side, not this one
    foreign = e[("arn:aws:s3:::data", FOREIGN)].props
    assert foreign["crossAccount"] is True and "effective" not in foreign


def test_a_secret_grant_reads_the_value_only_through_get_secret_value_and_conditions_are_marked() -> None:
    vpce = {"StringEquals": {"aws:SourceVpce": "vpce-1234"}}
    pol = doc(grant(READER, ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], "*", Condition=vpce),
              grant(BLOCKED, "secretsmanager:DescribeSecret", "*"))
    secret = rec(SECRET, "aws_secretsmanager_secret", {"ARN": SECRET, "Name": "db", "ResourcePolicy": pol},
                 name="db", policy=pol)
    _, rels = out_of([account(), role("reader"), role("blocked"), secret], resource_policy_edges)
    e = edges(rels, "ALLOWS")
    reader = e[(SECRET, READER)].props
    assert (reader["effective"], reader["readsSecretValue"], reader["effectiveConditional"]) == (True, True, True)
    blocked = e[(SECRET, BLOCKED)].props
    assert (blocked["effective"], blocked["readsSecretValue"], blocked["read"]) == (True, False, True)


def test_past_its_bound_an_edge_says_it_was_not_weighed(monkeypatch: Any) -> None:
    monkeypatch.setattr("awsgraph.analysis.resource_policies.MAX_EVALUATED_EDGES", 1)
    pol = doc(grant([READER, BLOCKED], "s3:GetObject", "arn:aws:s3:::data/*"))
    _, rels = out_of([account(), role("reader"), role("blocked"), bucket("data", Policy=pol)], resource_policy_edges)
    props = [r.props for r in edges(rels, "ALLOWS").values()]
    assert sorted(("effective" in p, p.get("effectiveNotWeighed", False)) for p in props) == [
        (False, True), (True, False)]
