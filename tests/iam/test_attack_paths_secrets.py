"""Attack paths into Secrets Manager, on an estate built in moto and collected by the real collector.

Internet -> web instance on 443 (public subnet, route to an internet gateway) -> web-role, whose policy
allows ``secretsmanager:GetSecretValue`` on the secret -> the secret: found. Not found: the same grant
from an instance whose subnet has no route to the Internet, and a public instance whose role may only
describe the secret (its metadata, not its value).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.helpers import Collected, collect, public_and_private_subnets

from awsgraph.cli import main

ACCT = "123456789012"
SECRET_NAME = "prod/db-credentials"
SECRET_VALUE = "attack-path-secret-value-7f3a"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def seed() -> dict[str, str]:
    iam = boto3.client("iam")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    secret = sm.create_secret(Name=SECRET_NAME, SecretString=SECRET_VALUE, Tags=[{"Key": "PII", "Value": "true"}])
    # the usual way to name a secret in a policy: its name and a wildcard for the random suffix
    by_name = f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:{SECRET_NAME}-*"
    roles = {
        "web-role": {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": by_name},
        "internal-role": {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": secret["ARN"]},
        "meta-role": {"Effect": "Allow", "Action": ["secretsmanager:DescribeSecret", "secretsmanager:ListSecrets"],
                      "Resource": secret["ARN"]},
    }
    trust = _policy({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    for name, statement in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName=name, PolicyName="secrets", PolicyDocument=_policy(statement))
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)

    public, private, sg, _ = public_and_private_subnets(ec2)
    for name, subnet, role in (("web", public, "web-role"), ("internal", private, "internal-role"),
                               ("meta", public, "meta-role")):
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, IamInstanceProfile={"Name": role},
                          SubnetId=subnet, SecurityGroupIds=[sg],
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}])
    return {"secret": secret["ARN"]}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Collected, dict[str, str]]]:
    db = str(tmp_path_factory.mktemp("secrets") / "graph.db")
    with mock_aws():
        made = seed()
        got = collect(db, services=["iam", "ec2", "secretsmanager"])
    yield db, got, made


def ask(capsys: pytest.CaptureFixture[str], db: str, qid: str) -> list[dict[str, Any]]:
    code = main(["ask", qid, "--db", db, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    rows: list[dict[str, Any]] = json.loads(out.out)
    return rows


def test_internet_to_secret_through_the_web_instance(estate: tuple[str, Collected, dict[str, str]],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    db, _, _ = estate
    rows = ask(capsys, db, "attack-path-internet-host-data")
    paths = {(r["host.displayName"], r["rule.fromPort"], r["rule.toPort"], r["role.name"], r["data._type"],
              r["data.displayName"], r["grant.readsSecretValue"]) for r in rows}
    # only web: internal has no route to the Internet, meta's role reads the secret's metadata only
    assert paths == {("web", 443, 443, "web-role", "aws_secretsmanager_secret", SECRET_NAME, True)}
    sensitive = ask(capsys, db, "attack-path-internet-sensitive-data")
    assert {(r["host.displayName"], r["role.name"], r["data.displayName"], r["data.tag.PII"]) for r in sensitive} == {
        ("web", "web-role", SECRET_NAME, True)}


def test_the_negatives_are_excluded_for_the_stated_reason(estate: tuple[str, Collected, dict[str, str]]) -> None:
    """Each negative has the edges the path would need but one, and is excluded for that reason alone."""
    _, got, made = estate
    secret = got.one("aws_secretsmanager_secret", arn=made["secret"])
    hosts = {e["tag.Name"]: e for e in got.of_type("aws_instance")}
    assert hosts["web"]["exposedToInternet"] is True and hosts["meta"]["exposedToInternet"] is True
    assert not hosts["internal"].get("exposedToInternet")  # its subnet has no route to the Internet
    role_of_policy = {r["_toEntityKey"]: role["name"] for role in got.of_type("aws_iam_role")
                      for r in got.relationships if r["_class"] == "HAS" and r["_fromEntityKey"] == role["_key"]}
    grants = {role_of_policy[r["_fromEntityKey"]]: r for r in got.relationships
              if r["_class"] == "ALLOWS" and r["_toEntityKey"] == secret["_key"]}
    # meta-role may describe the secret (a read of its metadata) but not read its value
    assert {name: (r["read"], r["readsSecretValue"]) for name, r in grants.items()} == {
        "web-role": (True, True), "internal-role": (True, True), "meta-role": (True, False)}
