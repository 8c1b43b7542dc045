# ruff: noqa: E501  (fixture records read better on one line)
from __future__ import annotations

import json

import pytest

from awsgraph.cli import main


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return str(p)


def run(capsys, *argv):
    code = main(list(argv))
    return code, capsys.readouterr()


def test_simulate_allow_and_deny(tmp_path, capsys):
    pol = write(tmp_path, "p.json", {"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]})
    code, out = run(capsys, "iam", "simulate", "--policy", pol, "--action", "s3:GetObject",
                    "--resource", "arn:aws:s3:::b/k", "--json")
    assert code == 0 and json.loads(out.out)["decision"] == "allow"
    code, out = run(capsys, "iam", "simulate", "--policy", pol, "--action", "s3:DeleteBucket",
                    "--resource", "arn:aws:s3:::b", "--json")
    assert json.loads(out.out)["decision"] == "deny"


def test_simulate_boundary_scp_context_and_resource_policy(tmp_path, capsys):
    pol = write(tmp_path, "p.json", {"Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                    "Resource": "arn:aws:s3:::home/${aws:username}/*"}]})
    boundary = write(tmp_path, "b.json", {"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]})
    scp = write(tmp_path, "scp.json", [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}])
    args = ["iam", "simulate", "--policy", pol, "--boundary", boundary, "--scp", scp, "--action", "s3:GetObject",
            "--resource", "arn:aws:s3:::home/ann/x", "--json"]
    _, out = run(capsys, *args, "--context", "aws:username=ann")
    assert json.loads(out.out)["decision"] == "allow"
    _, out = run(capsys, *args, "--context", "aws:username=bob")
    assert json.loads(out.out)["decision"] == "implicit_deny"
    rp = write(tmp_path, "rp.json", {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:user/z"},
                                                    "Action": "sqs:*", "Resource": "*"}]})
    _, out = run(capsys, "iam", "simulate", "--resource-policy", rp, "--principal", "arn:aws:iam::1:user/z",
                 "--action", "sqs:SendMessage", "--resource", "arn:aws:sqs:us-east-1:1:q", "--json")
    assert json.loads(out.out)["decision"] == "allow"


def test_simulate_user_errors(tmp_path, capsys):
    code, out = run(capsys, "iam", "simulate", "--policy", str(tmp_path / "missing.json"), "--action", "s3:x",
                    "--resource", "*")
    assert code == 2 and "no such file" in out.err
    rp = write(tmp_path, "rp.json", {"Statement": []})
    code, out = run(capsys, "iam", "simulate", "--resource-policy", rp, "--action", "s3:x", "--resource", "*")
    assert code == 2 and "--principal" in out.err
    code, out = run(capsys, "iam", "simulate", "--action", "s3:x", "--resource", "*", "--context", "novalue")
    assert code == 2


def test_who_can_missing_db(tmp_path, capsys):
    code, out = run(capsys, "who-can", "s3:GetObject", "arn:aws:s3:::b/k", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "does not exist" in out.err


def test_parse_context_multi_valued():
    from awsgraph.cli.iam_cmds import parse_context

    assert parse_context(["a=1", "b=x", "b=y", 'c=["p","q"]']) == {"a": "1", "b": ["x", "y"], "c": ["p", "q"]}
    with pytest.raises(Exception, match="KEY=VALUE"):
        parse_context(["oops"])


def test_who_can_reads_the_store(tmp_path, capsys):
    from awsgraph.model import Entity
    from awsgraph.store import open_store

    acct = "111111111111"
    user = f"arn:aws:iam::{acct}:user/ana"
    bucket = "arn:aws:s3:::reports"
    doc = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": bucket + "/*"}]}
    db = str(tmp_path / "g.db")
    store = open_store(db, write=True)
    run_id = store.begin_run({})
    store.stage_entities(run_id, [
        Entity(user, "aws_iam_user", ("User",), {"arn": user, "accountId": acct},
               raw={"UserName": "ana", "Arn": user, "UserPolicyList": [{"PolicyName": "read", "PolicyDocument": doc}]}),
        Entity(f"arn:aws:iam::{acct}:user/bo", "aws_iam_user", ("User",), {"accountId": acct},
               raw={"UserName": "bo", "Arn": f"arn:aws:iam::{acct}:user/bo"}),
        Entity(bucket, "aws_s3_bucket", ("DataStore",), {"arn": bucket, "accountId": acct}, raw={"Name": "reports"}),
    ])
    store.finish_run(run_id, [], [], None, {})
    store.close()
    code, out = run(capsys, "who-can", "s3:GetObject", bucket + "/q1.csv", "--db", db, "--json")
    assert code == 0
    answers = json.loads(out.out)
    assert [(a["principal"], a["via"], a["conditional"]) for a in answers] == [(user, ["inline read (#0)"], False)]



def test_simulate_repeated_flags_accumulate(tmp_path, capsys):
    a = write(tmp_path, "a.json", {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    b = write(tmp_path, "b.json", {"Statement": [{"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*",
                                                  "Condition": {"StringEquals": {"aws:PrincipalTag/x": "1"}}}]})
    args = ["iam", "simulate", "--policy", a, "--policy", b, "--action", "s3:DeleteObject", "--resource", "arn:aws:s3:::b/k",
            "--json"]
    _, out = run(capsys, *args, "--context", "aws:PrincipalTag/x=1")
    assert json.loads(out.out)["decision"] == "deny"
    _, out = run(capsys, *args)
    got = json.loads(out.out)
    assert (got["decision"], got["conditional"]) == ("allow", True)


@pytest.mark.parametrize(("argv", "needle"), [
    (["--action", "GetObject", "--resource", "arn:aws:s3:::b/k"], "action 'GetObject' has no service prefix"),
    (["--action", "s3:", "--resource", "arn:aws:s3:::b/k"], "has no service prefix"),
    (["--action", "s3:GetObject", "--resource", "my-bucket/k"], "resource 'my-bucket/k' is not an ARN"),
    (["--action", "s3:GetObject", "--resource", "arn:aws:s3"], "is not an ARN"),
])
def test_simulate_rejects_malformed_requests(capsys, argv, needle):
    code, out = run(capsys, "iam", "simulate", *argv)
    assert code == 2 and needle in out.err
    assert out.err.count("\n") == 1 and "Traceback" not in out.err


@pytest.mark.parametrize(("statement", "needle"), [
    ({"Effect": "Permit", "Action": "s3:*", "Resource": "*"}, "has Effect 'Permit'; it must be Allow or Deny"),
    ({"Effect": "Allow", "Action": "s3:*"}, "has no Resource"),
    ({"Effect": "Allow", "Action": ["s3:GetObject", "ListBucket"], "Resource": "*"}, "'ListBucket' has no service prefix"),
    ({"Sid": "Mine", "Effect": "Allow", "Resource": "*"}, "statement 'Mine' has no Action"),
])
def test_simulate_rejects_malformed_policies(tmp_path, capsys, statement, needle):
    pol = write(tmp_path, "p.json", {"Version": "2012-10-17", "Statement": [statement]})
    for flag in ("--policy", "--boundary"):
        code, out = run(capsys, "iam", "simulate", flag, pol, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k")
        assert code == 2 and needle in out.err and out.err.startswith("awsgraph: error: " + pol)
        assert out.err.count("\n") == 1


def test_simulate_trust_policy_needs_no_resource_but_a_bucket_policy_does(tmp_path, capsys):
    trust = write(tmp_path, "t.json", {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:user/u"},
                                                      "Action": "sts:AssumeRole"}]})
    code, out = run(capsys, "iam", "simulate", "--resource-policy", trust, "--principal", "arn:aws:iam::1:user/u",
                    "--action", "sts:AssumeRole", "--resource", "arn:aws:iam::1:role/r", "--json")
    assert code == 0 and json.loads(out.out)["decision"] == "allow"
    code, out = run(capsys, "iam", "simulate", "--resource-policy", trust, "--principal", "arn:aws:iam::1:user/u",
                    "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k")
    assert code == 2 and "has no Resource" in out.err


def test_simulate_counts_further_problems_on_one_line(tmp_path, capsys):
    pol = write(tmp_path, "p.json", {"Statement": [{"Effect": "Maybe", "Action": "x"}]})
    code, out = run(capsys, "iam", "simulate", "--policy", pol, "--action", "s3:GetObject", "--resource", "*")
    assert code == 2 and "(and 2 more problems)" in out.err and out.err.count("\n") == 1


def test_simulate_scp_may_omit_resource_but_not_effect(tmp_path, capsys):
    ok = write(tmp_path, "scp.json", {"Statement": [{"Effect": "Allow", "Action": "*"}]})
    code, out = run(capsys, "iam", "simulate", "--scp", ok, "--action", "s3:GetObject", "--resource", "*", "--json")
    assert code == 0 and json.loads(out.out)["decision"] == "implicit_deny"
    bad = write(tmp_path, "bad.json", {"Statement": [{"Effect": "allowed", "Action": "*"}]})
    code, out = run(capsys, "iam", "simulate", "--scp", bad, "--action", "s3:GetObject", "--resource", "*")
    assert code == 2 and "must be Allow or Deny" in out.err


@pytest.mark.parametrize(("action", "resource", "needle"), [
    ("GetObject", "arn:aws:s3:::b/k", "has no service prefix"),
    ("s3:GetObject", "*", "resource '*' is not an ARN"),
    ("s3:GetObject", "b/k", "resource 'b/k' is not an ARN"),
])
def test_who_can_rejects_malformed_requests(tmp_path, capsys, action, resource, needle):
    code, out = run(capsys, "who-can", action, resource, "--db", str(tmp_path / "none.db"))
    assert code == 2 and needle in out.err and out.err.count("\n") == 1


def test_who_can_rejects_malformed_scp(tmp_path, capsys):
    bad = write(tmp_path, "scp.json", {"Statement": [{"Effect": "Allow", "Action": "ListBuckets"}]})
    code, out = run(capsys, "who-can", "s3:GetObject", "arn:aws:s3:::b/k", "--db", str(tmp_path / "none.db"),
                    "--scp", bad)
    assert code == 2 and "'ListBuckets' has no service prefix" in out.err
