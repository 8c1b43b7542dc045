"""Secrets Manager on in-process moto: the secret's metadata, its key, rotation function and resource
policy become the entity and its relationships; the secret's value reaches no byte of the database."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from awsgraph.catalog import CATALOG, ec2
from tests.helpers import collect
from tests.j1_schemas import assert_conform

SLIM = [s for s in CATALOG if s.service_group != "ec2"] + [ec2.VPC, ec2.SUBNET]
ACCOUNT = "123456789012"
VALUE = "sm-planted-secret-value-9c1e"
OLD_VALUE = "sm-planted-previous-value-41aa"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws(config={"lambda": {"use_docker": False}}):  # type: ignore[arg-type]
        yield


def _rotation_function() -> str:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = boto3.client("iam").create_role(RoleName="rotator", AssumeRolePolicyDocument=json.dumps(trust))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("h.py", "def handler(e, c):\n    return 1\n")
    fn = boto3.client("lambda").create_function(FunctionName="rotate-db", Runtime="python3.12",
                                                Role=role["Role"]["Arn"], Handler="h.handler",
                                                Code={"ZipFile": buf.getvalue()})
    return str(fn["FunctionArn"])


def test_secret_metadata_key_rotation_policy_and_never_the_value(aws: None, db_path: str) -> None:
    key = boto3.client("kms").create_key(Description="secrets")["KeyMetadata"]["Arn"]
    fn = _rotation_function()
    sm = boto3.client("secretsmanager")
    secret = sm.create_secret(Name="prod/db", Description="orders database", KmsKeyId=key, SecretString=OLD_VALUE,
                              Tags=[{"Key": "PII", "Value": "true"}, {"Key": "Owner", "Value": "data-team"}])
    sm.put_secret_value(SecretId=secret["ARN"], SecretString=VALUE)  # OLD_VALUE becomes AWSPREVIOUS
    sm.rotate_secret(SecretId=secret["ARN"], RotationLambdaARN=fn, RotationRules={"AutomaticallyAfterDays": 30},
                     RotateImmediately=False)
    reader = f"arn:aws:iam::{ACCOUNT}:role/rotator"
    grant = {"Effect": "Allow", "Principal": {"AWS": reader}, "Action": "secretsmanager:GetSecretValue",
             "Resource": "*"}
    sm.put_resource_policy(SecretId=secret["ARN"],
                           ResourcePolicy=json.dumps({"Version": "2012-10-17", "Statement": [grant]}))
    sm.create_secret(Name="plain", SecretBinary=VALUE.encode())  # default key, no policy, no rotation
    gone = sm.create_secret(Name="retired", SecretString=VALUE)
    sm.delete_secret(SecretId=gone["ARN"], RecoveryWindowInDays=7)

    got = collect(db_path, services=["secretsmanager", "kms", "lambda", "iam"], catalog=SLIM)

    s = got.one("aws_secretsmanager_secret", arn=secret["ARN"])
    assert s["_class"] == ["Secret"] and s["_key"] == secret["ARN"]
    assert (s["name"], s["displayName"], s["description"]) == ("prod/db", "prod/db", "orders database")
    assert s["kmsKeyId"] == key and s["rotationEnabled"] is True and s["rotationLambdaArn"] == fn
    assert s["rotationAfterDays"] == 30 and isinstance(s["lastChangedOn"], int) and isinstance(s["createdOn"], int)
    assert s["tag.PII"] is True and s["tag.Owner"] == "data-team" and s["active"] is True
    assert set(s["versionStages"]) >= {"AWSCURRENT", "AWSPREVIOUS"}
    assert s.get("deletedOn") is None and s["region"] == "us-east-1" and s["accountId"] == ACCOUNT
    p = got.one("aws_secretsmanager_secret", name="plain")
    assert p.get("kmsKeyId") is None and p.get("rotationLambdaArn") is None
    assert p.get("rotationEnabled") in (False, None)
    r = got.one("aws_secretsmanager_secret", name="retired")  # scheduled for deletion: still there, inactive
    assert r["active"] is False and isinstance(r["deletedOn"], int)

    assert got.has_rel(f"aws:{ACCOUNT}:secretsmanager", "HAS", s["_key"])
    assert got.has_rel(f"aws:{ACCOUNT}:secretsmanager", "HAS", p["_key"])
    assert got.has_rel(s["_key"], "USES", got.one("aws_kms_key", arn=key)["_key"])
    assert got.has_rel(s["_key"], "USES", got.one("aws_lambda_function", arn=fn)["_key"])
    assert not any(rel["_fromEntityKey"] == p["_key"] and rel["_class"] == "USES" for rel in got.relationships)
    # the resource policy feeds the ALLOWS analysis: the secret ALLOWS the role it names
    role = got.one("aws_iam_role", name="rotator")
    assert got.has_rel(s["_key"], "ALLOWS", role["_key"])
    assert got.raw[s["_key"]]["Policy"]["Statement"][0]["Principal"] == {"AWS": reader}
    assert got.raw[p["_key"]] in (None, {}, {"Policy": None})  # no policy stored, nothing else kept
    assert not got.step("aws_secretsmanager_secret", "us-east-1").reason  # the deleted one was not asked

    assert_conform(got.of_type("aws_secretsmanager_secret") + got.of_type("aws_secretsmanager"))
    # the value, current or previous, is in no byte the run wrote (the database, its WAL, its journal)
    files = [f for f in Path(db_path).parent.iterdir() if f.name.startswith(Path(db_path).name)]
    assert files
    for f in files:
        data = f.read_bytes()
        for planted in (VALUE, OLD_VALUE):
            assert planted.encode() not in data, (f.name, planted)
    assert VALUE not in got.dump() and OLD_VALUE not in got.dump()
