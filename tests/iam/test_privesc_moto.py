"""Acceptance: the one-principal-per-technique estate created in moto, collected by the real
collector, answered by ``awsgraph privesc`` and by J1QL over the stored MANAGES relationships."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import privesc_estate as est
import pytest
from moto import mock_aws
from tests.conftest import MOTO_CONFIG
from tests.helpers import Collected, collect

from awsgraph.catalog import CATALOG, ec2
from awsgraph.cli import main

# Only the EC2 types the estate uses: the whole EC2 catalog would cost seconds.
SLIM = [s for s in CATALOG if s.service_group != "ec2"] + [ec2.INSTANCE]


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Collected]]:
    db = str(tmp_path_factory.mktemp("privesc") / "graph.db")
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        est.seed(boto3.Session(region_name="us-east-1"))
        got = collect(db, services=["iam", "lambda", "ec2"], catalog=SLIM)
    yield db, got


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    return code, capsys.readouterr()


def test_privesc_lists_exactly_the_positives(estate: tuple[str, Collected], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = estate
    code, out = run(capsys, "privesc", "--db", db, "--format", "json")
    assert code == 0
    rows = json.loads(out.out)
    assert all(set(r) == {"principal", "reaches", "path"} for r in rows)
    assert all(set(s) == {"technique", "from", "to", "actions"} for r in rows for s in r["path"])
    got = {r["principal"].rsplit("/", 1)[-1]: r for r in rows}
    assert set(got) == set(est.EXPECTED)
    for name, row in got.items():
        assert row["principal"] == est.principal_arn(name)
        assert row["path"][0]["technique"] == est.EXPECTED[name]
        assert row["path"][0]["from"] == row["principal"]
        assert row["path"][-1]["to"] == row["reaches"]
    chain = got["p-chain"]
    assert [(s["technique"], s["from"], s["to"]) for s in chain["path"]] == [
        ("sts-assume-role", est.arn("user", "p-chain"), est.arn("role", "hop-role")),
        ("sts-assume-role", est.arn("role", "hop-role"), est.arn("role", "admin-role"))]
    assert chain["reaches"] == est.arn("role", "admin-role")  # admin through the AWS-managed AdministratorAccess
    assert got["p-put-user-policy"]["reaches"] == est.arn("user", "p-put-user-policy")
    assert got["p-ssm-send-command"]["path"][0]["to"] == est.arn("role", "ec2-admin")
    assert got["p-set-default-policy-version"]["path"][0]["actions"] == ["iam:SetDefaultPolicyVersion"]


def test_privesc_one_principal_and_table(estate: tuple[str, Collected], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = estate
    chain = est.arn("user", "p-chain")
    code, out = run(capsys, "privesc", "--db", db, "--format", "json", "--principal", chain)
    assert code == 0 and [r["principal"] for r in json.loads(out.out)] == [chain]
    code, out = run(capsys, "privesc", "--db", db, "--format", "json", "--principal", est.arn("user", "n-read-only"))
    assert code == 0 and json.loads(out.out) == []
    code, out = run(capsys, "privesc", "--db", db, "--principal", chain)
    assert code == 0 and "2. sts-assume-role" in out.out and "admin-role" in out.out
    code, out = run(capsys, "privesc", "--db", db, "--principal", est.arn("role", "admin-role"))
    assert code == 0 and "already an administrator" in out.out
    code, out = run(capsys, "privesc", "--db", db, "--principal", est.arn("user", "nobody"))
    assert code == 2 and "no user or role" in out.err


def test_privesc_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "privesc", "--db", str(tmp_path / "none.db"), "--format", "json")
    assert code == 2 and out.err.count("\n") == 1


def test_escalation_edges_are_relationships_in_the_graph(estate: tuple[str, Collected],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    db, got = estate
    manages = [r for r in got.relationships if r["_class"] == "MANAGES"]
    techniques = {r["technique"] for r in manages}
    assert set(est.EXPECTED.values()) <= techniques
    assert all(r["_key"].endswith("|" + r["technique"]) for r in manages)
    negatives = {est.principal_arn(n) for n in (*est.USERS, *est.ROLES) if n.startswith("n-")}
    assert not [r for r in manages if r["_fromEntityKey"] in negatives]
    code, out = run(capsys, "query", "--db", db, "--format", "json",
                    "FIND aws_iam_user AS u THAT MANAGES >> AS esc aws_iam_role AS r "
                    "WHERE esc.technique = 'sts-assume-role' RETURN u.name, r.name")
    assert code == 0
    pairs = {(row["u.name"], row["r.name"]) for row in json.loads(out.out)}
    assert {("p-chain", "hop-role"), ("p-assume-role", "admin-role")} <= pairs
    assert not any(u.startswith("n-") for u, _r in pairs)


def test_privilege_escalation_question(estate: tuple[str, Collected], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = estate
    code, out = run(capsys, "ask", "privilege-escalation", "--db", db, "--format", "json")
    assert code == 0
    rows = json.loads(out.out)
    names = {r["principal.name"] for r in rows}
    assert names == set(est.EXPECTED)


def test_privesc_when_nobody_can_escalate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from awsgraph.collect.resolve import derive
    from awsgraph.model import Entity
    from awsgraph.store import open_store

    boss = est.arn("user", "boss")
    db = str(tmp_path / "g.db")
    store = open_store(db, write=True)
    run_id = store.begin_run({})
    store.stage_entities(run_id, [Entity(boss, "aws_iam_user", ("User",), {"arn": boss, "accountId": est.ACCT}, raw={
        "UserName": "boss", "Arn": boss, "UserPolicyList": [{"PolicyName": "all", "PolicyDocument": est.EVERYTHING}]})])
    store.finish_run(run_id, [], [], derive, {})  # privesc reads what derivation stored
    store.close()
    code, out = run(capsys, "privesc", "--db", db)
    assert code == 0 and "no user or role can become an administrator" in out.out and "1 already are" in out.out
    code, out = run(capsys, "privesc", "--db", db, "--format", "json")
    assert code == 0 and json.loads(out.out) == []
