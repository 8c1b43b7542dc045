"""The read-only guard: enforced once in the client layer, before anything is sent."""

from __future__ import annotations

import boto3
import pytest

from awsgraph.collect.guard import WriteOperationBlocked, is_read_operation, redact
from awsgraph.collect.session import AwsSession


@pytest.mark.parametrize(("service", "operation"), [
    ("ec2", "DescribeInstances"), ("iam", "GetAccountAuthorizationDetails"), ("s3", "ListBuckets"),
    ("s3", "GetBucketPolicy"), ("kms", "GetKeyPolicy"), ("sts", "AssumeRole"), ("sts", "GetCallerIdentity"),
    ("lambda", "ListFunctions"), ("dynamodb", "DescribeTable"),
])
def test_metadata_reads_pass(service: str, operation: str) -> None:
    assert is_read_operation(service, operation)


def test_generating_the_credential_report_is_the_documented_exception() -> None:
    assert is_read_operation("iam", "GenerateCredentialReport")  # no content, no secret: password/MFA state
    assert not is_read_operation("iam", "UpdateAccessKey") and not is_read_operation("sts", "GetSessionToken")


@pytest.mark.parametrize(("service", "operation"), [
    ("ec2", "RunInstances"), ("ec2", "TerminateInstances"), ("iam", "CreateUser"), ("s3", "PutBucketPolicy"),
    ("s3", "DeleteBucket"), ("s3", "GetObject"), ("dynamodb", "Scan"), ("dynamodb", "Query"),
    ("dynamodb", "GetItem"), ("secretsmanager", "GetSecretValue"), ("ssm", "GetParameter"),
    ("ssm", "GetParametersByPath"), ("logs", "GetLogEvents"), ("ec2", "DescribeInstanceAttribute"),
    ("lambda", "GetFunction"), ("kms", "Decrypt"), ("iam", "UpdateAccountPasswordPolicy"), ("sqs", "ReceiveMessage"),
    ("sts", "GetSessionToken"),
])
def test_writes_and_content_reads_are_refused(service: str, operation: str) -> None:
    assert not is_read_operation(service, operation)


def test_every_client_refuses_before_sending(aws: None) -> None:
    session = AwsSession()
    ec2 = session.client("ec2", "us-east-1")
    before = session.stats.requests
    with pytest.raises(WriteOperationBlocked):
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)
    with pytest.raises(WriteOperationBlocked):
        ec2.describe_instance_attribute(InstanceId="i-123", Attribute="userData")
    with pytest.raises(WriteOperationBlocked):
        session.client("s3", "us-east-1").get_object(Bucket="b", Key="k")
    assert session.stats.requests == before  # nothing reached the wire
    # and the emulator saw no instance being created
    assert boto3.client("ec2", region_name="us-east-1").describe_instances()["Reservations"] == []
    ec2.describe_vpcs()  # a read goes through
    assert session.stats.requests == before + 1


def test_redaction_of_secrets_in_responses() -> None:
    data = {
        "Functions": [{"FunctionName": "f", "Environment": {"Variables": {"DB_PASS": "s3cret", "MODE": "x"}}}],
        "containerDefinitions": [{"name": "c", "environment": [{"name": "TOKEN", "value": "abc123"}]}],
        "UserData": "IyEvYmluL2Jhc2g=", "MasterUserPassword": "pw",
    }
    redact(data)
    text = str(data)
    assert "s3cret" not in text and "abc123" not in text and "IyEvYmluL2Jhc2g=" not in text and "pw'" not in text
    assert data["Functions"][0]["Environment"] == {"VariableNames": ["DB_PASS", "MODE"]}
    assert data["containerDefinitions"][0]["environment"] == [{"name": "TOKEN"}]
