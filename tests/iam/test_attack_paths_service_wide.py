"""Attack paths through a grant on ``*``: it links to the service (``aws_s3``, ``aws_secretsmanager``), as
JupiterOne does, and from an exposed instance it reaches every store of that service.

On the estate of ``test_attack_paths_secrets``, two more instance roles in the public subnet:

* ``wide-role``: ``secretsmanager:GetSecretValue`` and ``s3:GetObject`` on ``*``: a path to the secret and
  one to the bucket ``wide-data`` (tagged PII), through the services that HAS them;
* ``wide-meta-role``: ``secretsmanager:DescribeSecret`` and ``ListSecrets`` on ``*``: no path (metadata);

and ``wide-internal-role``, like ``wide-role`` on an instance without a route to the Internet: no path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.helpers import Collected, collect
from tests.iam.test_attack_paths_secrets import SECRET_NAME, ask, seed

GRANTS = {
    "wide-role": ["secretsmanager:GetSecretValue", "s3:GetObject"],
    "wide-meta-role": ["secretsmanager:DescribeSecret", "secretsmanager:ListSecrets"],
    "wide-internal-role": ["secretsmanager:GetSecretValue", "s3:GetObject"],
}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def seed_wide_grants() -> None:
    iam = boto3.client("iam")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="wide-data")
    s3.put_bucket_tagging(Bucket="wide-data", Tagging={"TagSet": [{"Key": "PII", "Value": "true"}]})
    subnets = {s["CidrBlock"]: s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
    sg = ec2.describe_security_groups(GroupNames=["web"])["SecurityGroups"][0]["GroupId"]
    for name, actions in GRANTS.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName=name, PolicyName="wide", PolicyDocument=_doc(
            {"Effect": "Allow", "Action": actions, "Resource": "*"}))
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
        subnet = subnets["10.0.2.0/24" if name == "wide-internal-role" else "10.0.1.0/24"]
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, IamInstanceProfile={"Name": name},
                          SubnetId=subnet, SecurityGroupIds=[sg], TagSpecifications=[
                              {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name[:-5]}]}])


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Collected]]:
    db = str(tmp_path_factory.mktemp("wide") / "graph.db")
    with mock_aws():
        seed()
        seed_wide_grants()
        got = collect(db, services=["iam", "ec2", "secretsmanager", "s3"])
    yield db, got


def test_a_grant_on_star_reaches_the_service_from_the_exposed_instance(
        estate: tuple[str, Collected], capsys: pytest.CaptureFixture[str]) -> None:
    db, got = estate
    rows = ask(capsys, db, "attack-path-internet-host-every-data-store")
    why = {e["tag.Name"]: e.get("exposedToInternet") for e in got.of_type("aws_instance")}
    assert {(r["host.displayName"], r["role.name"], r["service._type"], r["data.displayName"]) for r in rows} == {
        ("wide", "wide-role", "aws_secretsmanager", SECRET_NAME), ("wide", "wide-role", "aws_s3", "wide-data")}, why
    secret_rows = [r for r in rows if r["service._type"] == "aws_secretsmanager"]
    assert secret_rows and all(r["grant.readsSecretValue"] is True and r["grant.read"] is True for r in secret_rows)
    assert [r["data.tag.PII"] for r in rows if r["data._type"] == "aws_s3_bucket"] == [True]


def test_the_metadata_grant_links_to_the_service_but_reads_no_value(estate: tuple[str, Collected]) -> None:
    _, got = estate
    role_key = {r["name"]: r["_key"] for r in got.of_type("aws_iam_role")}
    policy_role = {r["_toEntityKey"]: name for name in GRANTS for r in got.relationships
                   if r["_class"] == "HAS" and r["_fromEntityKey"] == role_key[name]}
    to_secrets = {policy_role[r["_fromEntityKey"]]: r for r in got.relationships
                  if r["_class"] == "ALLOWS" and r["_fromEntityKey"] in policy_role
                  and r["_toEntityKey"].endswith(":secretsmanager")}
    assert {name: (r["read"], r["readsSecretValue"]) for name, r in to_secrets.items()} == {
        "wide-role": (True, True), "wide-meta-role": (True, False), "wide-internal-role": (True, True)}
