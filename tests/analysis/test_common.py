# ruff: noqa: E501  (fixture records read better on one line)
from __future__ import annotations

from analysis_records import ACCT, out_of, rec

from awsgraph.analysis.common import ArnIndex, arn_of, default_account, mapping_filter_keys
from awsgraph.analysis.mapped import user_persons
from awsgraph.analysis.view import GraphView


def test_arn_index_uses_prefixes_and_globs():
    recs = [rec(f"arn:aws:dynamodb:{r}:{ACCT}:table/{n}", "aws_dynamodb_table")
            for r in ("us-east-1", "eu-west-1") for n in ("orders", "orders-archive", "users")]
    idx = ArnIndex(recs)
    assert {a for a, _ in idx.match(f"arn:aws:dynamodb:*:{ACCT}:table/orders*")} == {
        f"arn:aws:dynamodb:{r}:{ACCT}:table/{n}" for r in ("us-east-1", "eu-west-1") for n in ("orders", "orders-archive")}
    assert {a for a, _ in idx.match(f"arn:aws:dynamodb:eu-west-1:{ACCT}:table/users")} == {
        f"arn:aws:dynamodb:eu-west-1:{ACCT}:table/users"}
    assert idx.match("arn:aws:dynamodb:*:*:table/${aws:username}") == []  # unresolved variable
    assert len(idx.match("arn:aws:*:*:*:table/?sers")) == 2


def test_record_keys_with_pipes_are_not_arns():
    inline = rec(f"arn:aws:iam::{ACCT}:role/x|inline-policy|p", "aws_iam_role_policy")
    inline.props.pop("arn")
    assert arn_of(inline) is None


def test_home_account_is_the_most_common():
    recs = [rec("aws:account:999999999999", "aws_account", accountId="999999999999"),
            rec("arn:aws:s3:::a", "aws_s3_bucket"), rec("arn:aws:s3:::b", "aws_s3_bucket")]
    assert default_account(GraphView(recs)) == ACCT


def test_filter_keys_for_placeholders():
    ents, _ = out_of([rec(f"arn:aws:iam::{ACCT}:user/a@b.co", "aws_iam_user", {"UserName": "a@b.co"})], user_persons)
    person = ents["person:a@b.co"].to_j1()
    assert mapping_filter_keys(person) == [["_class", "email"]]
    assert mapping_filter_keys({"_type": "aws_account", "accountId": "1"}) == [["_type", "accountId"]]
    assert mapping_filter_keys({"_type": "internet", "_key": "global:internet"}) == [["_type", "_key"]]
    assert mapping_filter_keys({"_type": "aws_lambda", "accountId": "1"}) == [["_type", "accountId"]]
