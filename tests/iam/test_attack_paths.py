"""Acceptance: attack-path questions on an estate built in moto and collected by the real collector.

Internet -> web instance on 443 (public subnet, route to an internet gateway) -> web-role -> the
PII bucket is found; the same role on an instance in a subnet without a route to the Internet is
not; a load balancer, a public function URL and an escalation step each extend a path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from privesc_estate import _zip
from tests.conftest import MOTO_CONFIG
from tests.helpers import Collected, collect, public_and_private_subnets

from awsgraph.cli import main

ACCT = "123456789012"
PII, PLAIN = "customer-pii", "public-assets"


def trust(principal: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def reads(*buckets: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{b}{suffix}" for b in buckets for suffix in ("", "/*")]}


def seed() -> dict[str, str]:
    iam = boto3.client("iam")
    s3 = boto3.client("s3", region_name="us-east-1")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    s3.create_bucket(Bucket=PII)
    s3.put_bucket_tagging(Bucket=PII, Tagging={"TagSet": [{"Key": "PII", "Value": "true"}]})
    s3.create_bucket(Bucket=PLAIN)
    roles = {
        "web-role": ({"Service": "ec2.amazonaws.com"}, [reads(PII, PLAIN)]),
        "internal-role": ({"Service": "ec2.amazonaws.com"}, [reads(PII)]),
        "app-role": ({"Service": "ec2.amazonaws.com"}, [reads(PII)]),
        "jump-role": ({"Service": "ec2.amazonaws.com"}, [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                           "Resource": f"arn:aws:iam::{ACCT}:role/reader-role"}]),
        "reader-role": ({"AWS": f"arn:aws:iam::{ACCT}:role/jump-role"}, [reads(PII)]),
        "fn-role": ({"Service": "lambda.amazonaws.com"}, [reads(PII)]),
    }
    for name, (principal, statements) in roles.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(principal))
        iam.put_role_policy(RoleName=name, PolicyName="data", PolicyDocument=policy(*statements))
        if principal.get("Service") == "ec2.amazonaws.com":
            iam.create_instance_profile(InstanceProfileName=name)
            iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)

    public, private, sg, vpc = public_and_private_subnets(ec2)

    def instance(name: str, subnet: str, role: str) -> str:
        got = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, IamInstanceProfile={"Name": role},
                                SubnetId=subnet, SecurityGroupIds=[sg],
                                TagSpecifications=[{"ResourceType": "instance",
                                                    "Tags": [{"Key": "Name", "Value": name}]}])
        return str(got["Instances"][0]["InstanceId"])

    ids = {"web": instance("web", public, "web-role"), "internal": instance("internal", private, "internal-role"),
           "jump": instance("jump", public, "jump-role"), "app": instance("app", private, "app-role")}

    elb = boto3.client("elbv2", region_name="us-east-1")
    lb = elb.create_load_balancer(Name="front", Subnets=[public, private], SecurityGroups=[sg],
                                  Scheme="internet-facing", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=vpc,
                                 TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ids["app"]}])
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=443,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])

    lam = boto3.client("lambda", region_name="us-east-1")
    lam.create_function(FunctionName="public-fn", Runtime="python3.12", Role=f"arn:aws:iam::{ACCT}:role/fn-role",
                        Handler="x.handler", Code={"ZipFile": _zip()})
    lam.create_function_url_config(FunctionName="public-fn", AuthType="NONE")
    return ids


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Collected]]:
    db = str(tmp_path_factory.mktemp("attack") / "graph.db")
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        seed()
        got = collect(db, services=["iam", "s3", "ec2", "lambda", "elasticloadbalancing"])
    yield db, got


def ask(capsys: pytest.CaptureFixture[str], db: str, qid: str) -> list[dict[str, Any]]:
    code = main(["ask", qid, "--db", db, "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    rows: list[dict[str, Any]] = json.loads(out.out)
    return rows


def test_instance_is_assigned_its_profile_role(estate: tuple[str, Collected]) -> None:
    _, got = estate
    web = next(e for e in got.of_type("aws_instance") if e.get("tag.Name") == "web")
    role = got.one("aws_iam_role", name="web-role")
    assert got.has_rel(web["_key"], "ASSIGNED", role["_key"])


def test_internet_to_pii_bucket_through_the_web_instance(estate: tuple[str, Collected],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = estate
    rows = ask(capsys, db, "attack-path-internet-host-data")
    paths = {(r["host.displayName"], r["rule.fromPort"], r["rule.toPort"], r["role.name"], r["data.displayName"])
             for r in rows}
    assert ("web", 443, 443, "web-role", PII) in paths
    assert ("web", 443, 443, "web-role", PLAIN) in paths
    assert not any(host == "internal" for host, *_ in paths)  # no route to the Internet from its subnet
    web_pii = next(r for r in rows if r["host.displayName"] == "web" and r["data.displayName"] == PII)
    assert web_pii["grant.read"] is True and web_pii["host.exposedPorts"] == "tcp:443"
    sensitive = ask(capsys, db, "attack-path-internet-sensitive-data")
    assert {(r["host.displayName"], r["rule.fromPort"], r["role.name"], r["data.displayName"]) for r in sensitive} == {
        ("web", 443, "web-role", PII)}


def test_escalation_extends_the_path(estate: tuple[str, Collected], capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = estate
    rows = ask(capsys, db, "attack-path-internet-host-escalation-data")
    assert {(r["host.displayName"], r["role.name"], r["escalation.technique"], r["next.name"], r["data.displayName"])
            for r in rows} == {("jump", "jump-role", "sts-assume-role", "reader-role", PII)}
    assert ask(capsys, db, "attack-path-internet-host-admin") == []


def test_load_balancer_and_public_function_paths(estate: tuple[str, Collected],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    db, _ = estate
    lb_rows = ask(capsys, db, "attack-path-internet-lb-data")
    assert {(r["lb.displayName"], r["host.displayName"], r["role.name"], r["data.displayName"]) for r in lb_rows} == {
        ("front", "app", "app-role", PII)}
    fn_rows = ask(capsys, db, "attack-path-public-function-data")
    assert {(r["fn.displayName"], r["role.name"], r["data.displayName"]) for r in fn_rows} == {
        ("public-fn", "fn-role", PII)}
