"""Attack paths through a resource's own policy: a bucket, key or secret whose policy names an instance
role grants it what the role's own policies never mention.

On the estate of ``test_attack_paths_secrets`` (a public subnet with 443 open, a private one), more
roles and instances in the public subnet, none of whose own policies reach the data:

* ``rp-web-role``: named by the secret's policy (``GetSecretValue``), the bucket's policy
  (``GetObject`` on ``private/*``) and the key's policy (``Decrypt``): three paths;
* ``rp-denied-role``: named by the same policies, but its own policy denies ``secretsmanager:*`` and
  ``s3:*``: only the key's path remains;
* ``rp-meta-role``: the secret's policy lets it ``DescribeSecret`` only: no path (metadata is no data);
* ``rp-internal-role``: the same grants as ``rp-web-role`` on an instance without a route to the
  Internet: no path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.helpers import Collected, collect
from tests.iam.test_attack_paths_secrets import ask, seed

ACCT = "123456789012"
SECRET = "prod/payments-api-key"
BUCKET = "rp-customer-exports"
ROLES = ("rp-web-role", "rp-denied-role", "rp-meta-role", "rp-internal-role")


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _arn(role: str) -> str:
    return f"arn:aws:iam::{ACCT}:role/{role}"


def seed_resource_policies() -> dict[str, str]:
    iam = boto3.client("iam")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    for name in ROLES:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.create_instance_profile(InstanceProfileName=name)
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    iam.put_role_policy(RoleName="rp-denied-role", PolicyName="no-data", PolicyDocument=_doc(
        {"Effect": "Deny", "Action": ["secretsmanager:*", "s3:*"], "Resource": "*"}))
    readers = [_arn(r) for r in ("rp-web-role", "rp-denied-role", "rp-internal-role")]

    sm = boto3.client("secretsmanager", region_name="us-east-1")
    secret = sm.create_secret(Name=SECRET, SecretString="rp-secret-value-91c2")["ARN"]
    sm.put_resource_policy(SecretId=secret, ResourcePolicy=_doc(
        {"Effect": "Allow", "Principal": {"AWS": readers}, "Action": "secretsmanager:GetSecretValue",
         "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": _arn("rp-meta-role")}, "Action": "secretsmanager:DescribeSecret",
         "Resource": "*"}))
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=_doc(
        {"Effect": "Allow", "Principal": {"AWS": readers}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{BUCKET}/private/*"}))
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key(Description="rp exports key", Policy=_doc(
        {"Sid": "admin", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"}, "Action": "kms:*",
         "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": readers}, "Action": "kms:Decrypt", "Resource": "*"}))["KeyMetadata"]

    subnets = {s["CidrBlock"]: s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
    sg = ec2.describe_security_groups(GroupNames=["web"])["SecurityGroups"][0]["GroupId"]
    for role in ROLES:
        subnet = subnets["10.0.2.0/24" if role == "rp-internal-role" else "10.0.1.0/24"]
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, IamInstanceProfile={"Name": role},
                          SubnetId=subnet, SecurityGroupIds=[sg], TagSpecifications=[
                              {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": role[:-5]}]}])
    return {"secret": secret, "key": key["Arn"]}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Collected, dict[str, str]]]:
    db = str(tmp_path_factory.mktemp("rp") / "graph.db")
    with mock_aws():
        seed()
        made = seed_resource_policies()
        got = collect(db, services=["iam", "ec2", "secretsmanager", "s3", "kms"])
    yield db, got, made


def test_a_resource_policy_grant_is_a_path_when_the_role_can_use_it(
        estate: tuple[str, Collected, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    db, got, _ = estate
    rows = ask(capsys, db, "attack-path-internet-host-data-by-resource-policy")
    paths = {(r["host.displayName"], r["rule.fromPort"], r["role.name"], r["data._type"]) for r in rows}
    # what each part of the path looked like, should the answer be wrong
    why = {"exposed": {e["tag.Name"]: e.get("exposedToInternet") for e in got.of_type("aws_instance")},
           "grants": sorted((r["_fromEntityKey"].rsplit(":", 1)[-1], r["_toEntityKey"].rsplit("/", 1)[-1],
                             r.get("effective")) for r in got.relationships
                            if r["_class"] == "ALLOWS" and r["_toEntityKey"].endswith(ROLES))}
    assert paths == {
        ("rp-web", 443, "rp-web-role", "aws_secretsmanager_secret"),
        ("rp-web", 443, "rp-web-role", "aws_s3_bucket"),
        ("rp-web", 443, "rp-web-role", "aws_kms_key"),
        ("rp-denied", 443, "rp-denied-role", "aws_kms_key"),  # its deny covers secrets and S3, not KMS
    }, why
    secret_row = next(r for r in rows if r["data._type"] == "aws_secretsmanager_secret")
    assert secret_row["grant.readsSecretValue"] is True and secret_row["data.displayName"] == SECRET
    bucket_row = next(r for r in rows if r["data._type"] == "aws_s3_bucket")
    assert bucket_row["grant.read"] is True and bucket_row["grant.write"] is False


def test_each_negative_has_the_edge_but_not_the_access(estate: tuple[str, Collected, dict[str, str]]) -> None:
    """The resource policies name every role; what the evaluator decides is what differs."""
    _, got, made = estate
    role_key = {r["name"]: r["_key"] for r in got.of_type("aws_iam_role")}
    secret = got.one("aws_secretsmanager_secret", arn=made["secret"])
    edges = {r["_toEntityKey"]: r for r in got.relationships
             if r["_class"] == "ALLOWS" and r["_fromEntityKey"] == secret["_key"]}
    decided = {name: (edges[role_key[name]]["effective"], edges[role_key[name]]["readsSecretValue"])
               for name in ROLES}
    assert decided == {"rp-web-role": (True, True), "rp-denied-role": (False, False),
                       "rp-meta-role": (True, False), "rp-internal-role": (True, True)}
    hosts = {e["tag.Name"]: e for e in got.of_type("aws_instance")}
    assert hosts["rp-web"]["exposedToInternet"] is True and not hosts["rp-internal"].get("exposedToInternet")
    # the roles' own policies reach none of this data: the identity-policy question finds none of them
    assert not [r for r in got.relationships if r["_class"] == "ALLOWS" and r["_toEntityKey"] == secret["_key"]
                and r["_fromEntityKey"].startswith(tuple(role_key[n] for n in ROLES))]
