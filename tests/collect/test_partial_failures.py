"""Denied, throttled and unavailable calls: recorded as partial/failed, the run goes on, nothing lost.

AccessDenied comes from moto itself: with IAM enforcement switched on
(``set_initial_no_auth_action_count``), moto evaluates the caller's real IAM policies.
Throttling beyond retries uses botocore's Stubber (moto never throttles), with an error
shape botocore's own model accepts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from awsgraph.collect.errors import classify
from tests.helpers import collect


@pytest.fixture
def restore_env() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _auditor(deny: list[str]) -> None:
    iam = boto3.client("iam")
    iam.create_user(UserName="auditor")
    statements = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    if deny:
        statements.append({"Effect": "Deny", "Action": deny, "Resource": "*"})
    iam.put_user_policy(UserName="auditor", PolicyName="p",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    os.environ["AWS_ACCESS_KEY_ID"] = key["AccessKeyId"]
    os.environ["AWS_SECRET_ACCESS_KEY"] = key["SecretAccessKey"]
    os.environ.pop("AWS_SESSION_TOKEN", None)


@set_initial_no_auth_action_count(3)  # the three calls that create the auditor run unchecked
def test_denied_service_is_partial_and_keeps_what_earlier_runs_knew(restore_env: None, db_path: str) -> None:
    with mock_aws():
        _auditor([])
        ec2 = boto3.Session().client("ec2", region_name="us-east-1")  # a new session reads the auditor's keys
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SecurityGroupIds=[sg])

        first = collect(db_path, services=["ec2"])
        assert first.step("aws_security_group", "us-east-1").status == "success"
        sg_key = first.one("aws_security_group", id=sg)["_key"]
        protects = [r for r in first.relationships if r["_fromEntityKey"] == sg_key and r["_class"] == "PROTECTS"]
        assert protects

        iam = boto3.Session().client("iam")
        iam.put_user_policy(UserName="auditor", PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "ec2:DescribeSecurityGroups", "Resource": "*"}]}))
        second = collect(db_path, services=["ec2"])
        step = second.step("aws_security_group", "us-east-1")
        assert step.status == "partial" and "AccessDenied" in step.reason
        # The denied scope keeps what the first run knew, relationships included; the others
        # are re-collected normally.
        assert any(e["_key"] == sg_key for e in second.entities)
        assert any(r["_fromEntityKey"] == sg_key and r["_class"] == "PROTECTS" for r in second.relationships)
        assert second.step("aws_vpc", "us-east-1").status == "success"
        assert second.summary.changes["deleted"] == 0


def test_throttling_beyond_retries_is_partial() -> None:
    client = boto3.client("ec2", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("describe_vpcs", service_error_code="RequestLimitExceeded",
                              service_message="Request limit exceeded.", http_status_code=503)
        with pytest.raises(Exception) as info:
            client.describe_vpcs()
    status, reason = classify(info.value)
    assert status == "partial" and "throttled beyond retries" in reason


def test_unknown_errors_are_failed_and_opt_in_is_partial() -> None:
    client = boto3.client("sqs", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("list_queues", service_error_code="InternalFailure", http_status_code=400)
        stub.add_client_error("list_queues", service_error_code="OptInRequired", http_status_code=403)
        with pytest.raises(Exception) as first:
            client.list_queues()
        with pytest.raises(Exception) as second:
            client.list_queues()
    assert classify(first.value)[0] == "failed"
    assert classify(second.value)[0] == "partial"


def test_complete_scope_marks_vanished_resources_deleted(aws: None, db_path: str) -> None:
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    first = collect(db_path, services=["ec2"])
    assert any(e.get("id") == vpc for e in first.of_type("aws_vpc"))
    ec2.delete_vpc(VpcId=vpc)
    second = collect(db_path, services=["ec2"])
    assert not any(e.get("id") == vpc for e in second.of_type("aws_vpc"))
    assert second.summary.changes["deleted"] >= 1


@set_initial_no_auth_action_count(3)
def test_failed_detail_call_keeps_the_last_complete_record(restore_env: None, db_path: str) -> None:
    """A denied per-item call must not overwrite what an earlier complete read stored."""
    with mock_aws():
        _auditor([])
        s3 = boto3.Session().client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="kept-bucket")
        statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                     "Resource": "arn:aws:s3:::kept-bucket/*"}
        s3.put_bucket_policy(Bucket="kept-bucket",
                             Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
        first = collect(db_path, services=["s3"])
        bucket = first.one("aws_s3_bucket", name="kept-bucket")
        policy = first.one("aws_s3_bucket_policy", bucketName="kept-bucket")
        assert bucket["hasPolicy"] is True and first.has_rel(bucket["_key"], "HAS", policy["_key"])

        boto3.Session().client("iam").put_user_policy(UserName="auditor", PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:GetBucketPolicy", "Resource": "*"}]}))
        second = collect(db_path, services=["s3"])
        assert second.step("aws_s3_bucket").status == "partial"
        again = second.one("aws_s3_bucket", name="kept-bucket")
        assert again["hasPolicy"] is True  # not overwritten by the record that lacks the policy
        assert second.has_rel(bucket["_key"], "HAS", policy["_key"])
        assert second.summary.changes["deleted"] == 0 and second.summary.changes["rel_deleted"] == 0


def _bulk_estate() -> tuple[str, str]:
    session = boto3.Session()  # a new session: the auditor's keys when a test made one
    kms = session.client("kms", region_name="us-east-1")
    keys = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2)]
    kms.create_alias(AliasName="alias/orders", TargetKeyId=keys[0])
    kms.create_alias(AliasName="alias/orders-old", TargetKeyId=keys[0])
    s3 = session.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="tagged-bucket")
    s3.put_bucket_tagging(Bucket="tagged-bucket", Tagging={"TagSet": [{"Key": "Team", "Value": "data"}]})
    s3.create_bucket(Bucket="plain-bucket")
    return keys[0], keys[1]


def _check_bulk_joined(got: object, aliased: str, bare: str) -> None:
    from tests.helpers import Collected

    assert isinstance(got, Collected)
    assert sorted(got.one("aws_kms_key", id=aliased)["aliases"]) == ["alias/orders", "alias/orders-old"]
    assert got.one("aws_kms_key", id=bare).get("aliases", []) == []  # nothing matched
    assert got.one("aws_s3_bucket", name="tagged-bucket")["tag.Team"] == "data"
    assert not any(k.startswith("tag.") for k in got.one("aws_s3_bucket", name="plain-bucket"))


def test_bulk_reads_are_joined_onto_each_item(db_path: str) -> None:
    from awsgraph.catalog.kms import KEY
    from awsgraph.catalog.s3 import BUCKET

    with mock_aws():
        aliased, bare = _bulk_estate()
        got = collect(db_path, services=["kms", "s3"], regions=("us-east-1", "eu-west-1"))
    _check_bulk_joined(got, aliased, bare)
    # a region with nothing to join to makes no region-wide read: its list call only
    assert got.step("aws_s3_bucket", "eu-west-1").calls == 1
    assert got.step("aws_kms_key", "eu-west-1").calls == 1
    # one ListAliases for the region, not one per key; one tag listing, not one per bucket
    assert got.step("aws_kms_key", "us-east-1").calls == 1 + len(KEY.bulk) + 2 * len(KEY.details)
    assert got.step("aws_s3_bucket", "us-east-1").calls == 1 + len(BUCKET.bulk) + 2 * len(BUCKET.details)
    assert got.step("aws_s3_bucket", "us-east-1").status == "success"


@set_initial_no_auth_action_count(3)
def test_a_denied_bulk_read_falls_back_to_per_item_calls(restore_env: None, db_path: str) -> None:
    with mock_aws():
        # moto names the tagging API's actions by its signing name, "tagging:"; IAM by "tag:"
        _auditor(["tag:GetResources", "tagging:GetResources", "kms:ListAliases"])
        aliased, bare = _bulk_estate()
        got = collect(db_path, services=["kms", "s3"])
        steps = {(s.step, s.region): s for s in got.summary.steps}
    # S3 tags: the region-wide read is denied, GetBucketTagging per bucket gives the same answer
    assert got.one("aws_s3_bucket", name="tagged-bucket")["tag.Team"] == "data"
    assert steps[("aws_s3_bucket", "us-east-1")].status == "success", steps[("aws_s3_bucket", "us-east-1")].reason
    # KMS aliases: denied both ways, so the keys are kept but marked partial, never silently alias-less
    kms_step = steps[("aws_kms_key", "us-east-1")]
    # (moto answers a JSON-protocol denial with an XML body, so botocore reports it as a bare 403)
    assert kms_step.status == "partial" and ("AccessDenied" in kms_step.reason or "403" in kms_step.reason)
    assert {k["id"] for k in got.of_type("aws_kms_key")} == {aliased, bare}
