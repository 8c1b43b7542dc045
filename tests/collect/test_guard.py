"""The read-only guard: enforced once in the client layer, before anything is sent."""

from __future__ import annotations

import boto3
import pytest

from awsgraph.collect.guard import WriteOperationBlocked, is_read_operation, redact
from awsgraph.collect.session import AwsSession


@pytest.mark.parametrize(("service", "operation"), [
    ("ec2", "DescribeInstances"), ("iam", "GetAccountAuthorizationDetails"), ("s3", "ListBuckets"),
    ("s3", "GetBucketPolicy"), ("kms", "GetKeyPolicy"), ("sts", "GetCallerIdentity"),
    ("lambda", "ListFunctions"), ("dynamodb", "DescribeTable"),
    ("iam", "GenerateCredentialReport"),  # a declared non-read (NON_READ_OPERATIONS), if a spec declares it
])
def test_second_net_lets_metadata_reads_pass(service: str, operation: str) -> None:
    assert is_read_operation(service, operation)


@pytest.mark.parametrize(("service", "operation"), [
    ("ec2", "RunInstances"), ("ec2", "TerminateInstances"), ("iam", "CreateUser"), ("s3", "PutBucketPolicy"),
    ("s3", "DeleteBucket"), ("s3", "GetObject"), ("dynamodb", "Scan"), ("dynamodb", "Query"),
    ("dynamodb", "GetItem"), ("secretsmanager", "GetSecretValue"), ("ssm", "GetParameter"),
    ("ssm", "GetParametersByPath"), ("logs", "GetLogEvents"), ("ec2", "DescribeInstanceAttribute"),
    ("lambda", "GetFunction"), ("kms", "Decrypt"), ("sqs", "ReceiveMessage"), ("sts", "GetSessionToken"),
    ("sts", "AssumeRole"),
])
def test_second_net_refuses_writes_and_content_reads(service: str, operation: str) -> None:
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


# -- the allow-list ---------------------------------------------------------------------------

def test_the_allow_list_is_the_iam_policy() -> None:
    """The guard's allow-list and docs/iam-policy.json come from the same list of operations."""
    from awsgraph.catalog import CATALOG
    from awsgraph.catalog.calls import SESSION_CALLS, allowed_calls, api_name, methods
    from awsgraph.catalog.docs import required_permissions

    allowed = allowed_calls(CATALOG)
    assert allowed == SESSION_CALLS | {c for spec in CATALOG for c in methods(spec)}
    policy_ops = {p.split(":", 1)[1] for p in required_permissions(CATALOG)}
    # every operation sent is granted by the policy (API Gateway's reads are granted per HTTP verb)
    for client, call in allowed:
        op = api_name(client, call)
        assert op in policy_ops or client == "apigateway" or op in {"ListBuckets", "GetBucketEncryption",
                                                                    "GetPublicAccessBlock"}, (client, op)
    assert ("sts", "assume_role") not in allowed


# Reads by name, each of which hands out a secret, content or a side effect: none is declared.
ISSUE_READS = [
    ("redshift", "get_cluster_credentials", {"DbUser": "u", "ClusterIdentifier": "c"}),
    ("cognito-identity", "get_id", {"IdentityPoolId": "us-east-1:0000"}),
    ("ebs", "get_snapshot_block", {"SnapshotId": "snap-1", "BlockIndex": 0, "BlockToken": "t"}),
    ("glue", "get_connection", {"Name": "db"}),
    ("apigateway", "get_api_keys", {"includeValues": True}),
    ("cognito-idp", "describe_user_pool_client", {"UserPoolId": "us-east-1_x", "ClientId": "c"}),
    ("redshift-data", "get_statement_result", {"Id": "00000000-0000-0000-0000-000000000000"}),
    ("stepfunctions", "get_activity_task", {"activityArn": "arn:aws:states:us-east-1:123456789012:activity:a"}),
    ("sts", "assume_role", {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s2"}),
    # iam:generate_credential_report is declared by the IAM step: only that step may send it
    # (tests/catalog/test_credential_report.py)
]


def test_undeclared_operations_are_refused_before_sending(aws: None) -> None:
    session = AwsSession()
    before = session.stats.requests
    for service, method, params in ISSUE_READS:
        client = session.client(service, "us-east-1")
        with pytest.raises(WriteOperationBlocked, match="not an operation the catalog declares"):
            getattr(client, method)(**params)
    assert session.stats.requests == before  # nothing reached the wire


def test_a_custom_step_calling_an_undeclared_operation_is_refused(aws: None) -> None:
    """The step may send what it declares (describe_vpcs) and nothing else, not even another
    operation the catalog declares elsewhere (describe_subnets)."""
    from collections.abc import Iterator
    from typing import Any

    from awsgraph.catalog import account, ec2
    from awsgraph.catalog.spec import Custom, FetchContext, Resource
    from awsgraph.collect.engine import Collector, Options

    seen: list[str] = []

    def fetch(ctx: FetchContext) -> Iterator[tuple[str, dict[str, Any]]]:
        client = ctx.client("ec2")
        seen.append(f"vpcs:{len(client.describe_vpcs()['Vpcs'])}")
        client.describe_subnets()  # not declared by this step
        seen.append("subnets read")
        yield "test_thing", {"Id": "x"}

    thing = Resource(type="test_thing", cls=("Configuration",), service="ec2", call=None, id="Id", tags=None,
                     service_has=False)
    sneaky = Custom(name="sneaky", service="ec2", fetch=fetch, produces=("test_thing",),
                    operations=("ec2:describe_vpcs",))
    session = AwsSession()
    staged: list[Any] = []
    collector = Collector(session, (*account.SPECS, sneaky, thing, ec2.SUBNET), sink=staged.extend,
                          options=Options(regions=["us-east-1"], workers=2))
    result = collector.run()
    step = next(s for s in result.steps if s.step == "sneaky")
    assert step.status == "failed" and "refused ec2:DescribeSubnets" in step.reason
    assert seen == ["vpcs:1"]
    assert "ec2:DescribeSubnets" in {k for k, v in session.stats.calls.items() if v}  # the subnets step's own
    assert not any(e.type == "test_thing" for e in staged)


def test_session_assumes_its_role_with_its_own_client_and_can_chain(aws: None) -> None:
    import json

    iam = boto3.client("iam", region_name="us-east-1")
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    session = AwsSession(role_arn=arn, external_id="ext-1")
    assert session.account_id == "123456789012"
    with pytest.raises(WriteOperationBlocked):
        session.client("sts", "us-east-1").assume_role(RoleArn=arn, RoleSessionName="xx")
    chained = AwsSession(source=session, role_arn=arn, external_id="ext-1")
    assert chained.account_id == "123456789012" and ":assumed-role/reader/" in chained.caller_arn
    chained.client("ec2", "us-east-1").describe_vpcs()  # a declared read goes through


def test_a_declared_non_read_goes_through(aws: None) -> None:
    from awsgraph.catalog.calls import allowed_calls
    from awsgraph.catalog.spec import Custom

    report = Custom(name="credential_report", service="iam", fetch=lambda ctx: iter(()), produces=(),
                    operations=("iam:generate_credential_report", "iam:get_credential_report"))
    session = AwsSession(allowed=allowed_calls([report]))
    assert session.client("iam", "us-east-1").generate_credential_report()["State"] in ("STARTED", "COMPLETE")
    with pytest.raises(WriteOperationBlocked):
        session.client("iam", "us-east-1").create_user(UserName="x")  # declared or not, never a write
