"""What moto 5.2.5 cannot serve, through botocore's Stubber (responses checked against the model).

Access Analyzer, Inspector classic, WAF classic (global and regional), GuardDuty findings,
WorkSpaces bundles, Config compliance, Transfer ListUsers and Inspector2 findings are
answered by Stubber-backed clients of a small ``AwsSession`` subclass; everything else (the
instances, buckets, roles, load balancer and subnet those findings and users point at) is
in-process moto, so the relationships resolve against real collected entities. Stubber
validates each queued response against botocore's output shape when it is added. The run
uses one worker so each stubbed client sees its calls in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from awsgraph.catalog import CATALOG, Spec, findings
from awsgraph.catalog.cloudfront import DISTRIBUTION
from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.convert import build_entity
from awsgraph.collect.run import run_collection
from awsgraph.collect.session import AwsSession
from awsgraph.store.sqlite import SQLiteStore
from tests.helpers import Collected
from tests.j1_schemas import STUBBED_ONLY, assert_conform

ACCOUNT = "123456789012"
REGION = "us-east-1"
SERVER = "s-0123456789abcdef0"
NOW = dt.datetime.now(dt.UTC)
OLD = NOW - dt.timedelta(days=200)

Stub = tuple[str, dict[str, Any]]


class StubbedSession(AwsSession):
    """An AwsSession whose clients for some services answer from queued Stubber responses."""

    def __init__(self, stubs: dict[str, list[Stub]], **kwargs: Any) -> None:
        self._stubs = stubs
        self.stubbers: dict[str, Stubber] = {}
        self._stub_lock = threading.Lock()
        super().__init__(**kwargs)

    def client(self, service: str, region: str) -> Any:
        client = super().client(service, region)
        if service in self._stubs:
            with self._stub_lock:
                if service not in self.stubbers:
                    stubber = Stubber(client)
                    for operation, response in self._stubs[service]:
                        stubber.add_response(operation, response)  # validated against the output shape
                    stubber.activate()
                    self.stubbers[service] = stubber
        return client


def _moto_estate() -> dict[str, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    subnet_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"])
    s3 = boto3.client("s3", region_name=REGION)
    for b in ("acme-sftp-home", "acme-sftp-shared", "acme-site"):
        s3.create_bucket(Bucket=b)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "transfer.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="sftp-user", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    logging_role = iam.create_role(RoleName="sftp-logs", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    alb = boto3.client("elbv2", region_name=REGION).create_load_balancer(
        Name="legacy", Subnets=[subnet["SubnetId"], subnet_b["SubnetId"]], Type="application"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    return {
        "instance": instance["Instances"][0]["InstanceId"],
        "subnet": subnet["SubnetId"],
        "role": role,
        "logging_role": logging_role,
        "alb": alb,
    }


def _stubs(ids: dict[str, str]) -> dict[str, list[Stub]]:
    analyzer = f"arn:aws:access-analyzer:{REGION}:{ACCOUNT}:analyzer/account-analyzer"
    run = f"arn:aws:inspector:{REGION}:{ACCOUNT}:target/0-a/template/0-b/run/0-c"
    finding = f"{run}/finding/0-d"
    api_stage = f"arn:aws:apigateway:{REGION}::/restapis/a1b2c3/stages/prod"
    aa_finding: dict[str, Any] = {
        "id": "f-public",
        "principal": {"AWS": "*"},
        "action": ["s3:GetObject"],
        "resource": "arn:aws:s3:::acme-site",
        "isPublic": True,
        "resourceType": "AWS::S3::Bucket",
        "condition": {},
        "createdAt": NOW,
        "analyzedAt": NOW,
        "updatedAt": NOW,
        "status": "ACTIVE",
        "resourceOwnerAccount": ACCOUNT,
    }
    return {
        "accessanalyzer": [
            (
                "list_analyzers",
                {
                    "analyzers": [
                        {
                            "arn": analyzer,
                            "name": "account-analyzer",
                            "type": "ACCOUNT",
                            "createdAt": OLD,
                            "status": "ACTIVE",
                            "tags": {"Owner": "sec"},
                        }
                    ]
                },
            ),
            (
                "list_findings",
                {
                    "findings": [
                        aa_finding,
                        {
                            **aa_finding,
                            "id": "f-old",
                            "updatedAt": OLD,
                            "status": "ARCHIVED",
                            "isPublic": False,
                        },
                    ]
                },
            ),
        ],
        "inspector": [
            ("list_assessment_runs", {"assessmentRunArns": [run]}),
            (
                "describe_assessment_runs",
                {
                    "assessmentRuns": [
                        {
                            "arn": run,
                            "name": "weekly",
                            "assessmentTemplateArn": run.rsplit("/run/", 1)[0],
                            "state": "COMPLETED",
                            "durationInSeconds": 3600,
                            "rulesPackageArns": ["arn:aws:inspector:us-east-1:316112463485:rp/0-x"],
                            "userAttributesForFindings": [],
                            "createdAt": NOW,
                            "completedAt": NOW,
                            "stateChangedAt": NOW,
                            "dataCollected": True,
                            "stateChanges": [],
                            "notifications": [],
                            "findingCounts": {"High": 1},
                        }
                    ],
                    "failedItems": {},
                },
            ),
            ("list_findings", {"findingArns": [finding]}),
            (
                "describe_findings",
                {
                    "findings": [
                        {
                            "arn": finding,
                            "attributes": [],
                            "userAttributes": [],
                            "createdAt": NOW,
                            "updatedAt": NOW,
                            "title": "Port 22 is reachable from the internet",
                            "severity": "High",
                            "numericSeverity": 7.0,
                            "assetType": "ec2-instance",
                            "assetAttributes": {"schemaVersion": 1, "agentId": ids["instance"]},
                        }
                    ],
                    "failedItems": {},
                },
            ),
        ],
        "inspector2": [
            (
                "list_findings",
                {
                    "findings": [
                        {
                            "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/abc",
                            "awsAccountId": ACCOUNT,
                            "type": "PACKAGE_VULNERABILITY",
                            "description": "openssl",
                            "title": "CVE-2024-0001 - openssl",
                            "severity": "CRITICAL",
                            "inspectorScore": 9.8,
                            "status": "ACTIVE",
                            "firstObservedAt": NOW,
                            "lastObservedAt": NOW,
                            "updatedAt": NOW,
                            "remediation": {"recommendation": {"text": "upgrade"}},
                            "resources": [{"type": "AWS_EC2_INSTANCE", "id": ids["instance"]}],
                        }
                    ]
                },
            ),
        ],
        "guardduty": [
            ("list_detectors", {"DetectorIds": ["d0"]}),
            (
                "get_detector",
                {
                    "ServiceRole": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/gd",
                    "Status": "ENABLED",
                    "CreatedAt": OLD.isoformat(),
                    "Tags": {"Owner": "sec"},
                },
            ),
            ("list_findings", {"FindingIds": ["g1"]}),
            (
                "get_findings",
                {
                    "Findings": [
                        {
                            "AccountId": ACCOUNT,
                            "Arn": f"arn:aws:guardduty:{REGION}:{ACCOUNT}:detector/d0/finding/g1",
                            "CreatedAt": NOW.isoformat(),
                            "Id": "g1",
                            "Region": REGION,
                            "SchemaVersion": "2.0",
                            "Severity": 8.0,
                            "Type": "UnauthorizedAccess:EC2/SSHBruteForce",
                            "UpdatedAt": NOW.isoformat(),
                            "Title": "SSH brute force",
                            "Resource": {
                                "ResourceType": "Instance",
                                "InstanceDetails": {"InstanceId": ids["instance"]},
                            },
                            "Service": {
                                "Archived": False,
                                "Count": 12,
                                "ServiceName": "guardduty",
                                "DetectorId": "d0",
                            },
                        }
                    ]
                },
            ),
        ],
        "waf": [
            ("list_web_acls", {"WebACLs": [{"WebACLId": "acl-global", "Name": "legacy-edge"}]}),
            (
                "get_web_acl",
                {
                    "WebACL": {
                        "WebACLId": "acl-global",
                        "Name": "legacy-edge",
                        "DefaultAction": {"Type": "BLOCK"},
                        "Rules": [],
                        "WebACLArn": f"arn:aws:waf::{ACCOUNT}:webacl/acl-global",
                    }
                },
            ),
        ],
        "waf-regional": [
            ("list_web_acls", {"WebACLs": [{"WebACLId": "acl-regional", "Name": "legacy-app"}]}),
            (
                "get_web_acl",
                {
                    "WebACL": {
                        "WebACLId": "acl-regional",
                        "Name": "legacy-app",
                        "DefaultAction": {"Type": "ALLOW"},
                        "Rules": [],
                    }
                },
            ),
            ("list_resources_for_web_acl", {"ResourceArns": [ids["alb"], api_stage]}),
        ],
        "workspaces": [
            (
                "describe_workspaces",
                {
                    "Workspaces": [
                        {
                            "WorkspaceId": "ws-1",
                            "DirectoryId": "d-906732325d",
                            "UserName": "alice",
                            "BundleId": "wsb-std",
                            "SubnetId": ids["subnet"],
                            "State": "AVAILABLE",
                            "ComputerName": "WSAMZN-1",
                            "RootVolumeEncryptionEnabled": True,
                            "UserVolumeEncryptionEnabled": True,
                        }
                    ]
                },
            ),
            ("describe_workspace_bundles", {"Bundles": []}),  # the account's own bundles: none
            ("describe_tags", {"TagList": [{"Key": "Owner", "Value": "it"}]}),
            (
                "describe_workspace_bundles",
                {
                    "Bundles": [
                        {
                            "BundleId": "wsb-std",
                            "Name": "Standard with Windows",
                            "Owner": "AMAZON",
                            "ComputeType": {"Name": "STANDARD"},
                        }
                    ]
                },
            ),
        ],
        "config": [
            (
                "describe_config_rules",
                {
                    "ConfigRules": [
                        {
                            "ConfigRuleName": "s3-public-read",
                            "ConfigRuleId": "config-rule-1",
                            "ConfigRuleArn": f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-1",
                            "Source": {
                                "Owner": "AWS",
                                "SourceIdentifier": "S3_BUCKET_PUBLIC_READ_PROHIBITED",
                            },
                            "ConfigRuleState": "ACTIVE",
                        }
                    ]
                },
            ),
            (
                "describe_compliance_by_config_rule",
                {
                    "ComplianceByConfigRules": [
                        {
                            "ConfigRuleName": "s3-public-read",
                            "Compliance": {"ComplianceType": "NON_COMPLIANT"},
                        }
                    ]
                },
            ),
            (
                "get_compliance_details_by_config_rule",
                {
                    "EvaluationResults": [
                        _evaluation("AWS::S3::Bucket", "acme-site", "NON_COMPLIANT"),
                        _evaluation("AWS::EC2::Instance", ids["instance"], "COMPLIANT"),
                        _evaluation("AWS::::Account", ACCOUNT, "COMPLIANT"),
                    ]
                },
            ),
            ("list_tags_for_resource", {"Tags": [{"Key": "Owner", "Value": "compliance"}]}),
        ],
        "transfer": [
            (
                "list_servers",
                {
                    "Servers": [
                        {
                            "Arn": f"arn:aws:transfer:{REGION}:{ACCOUNT}:server/{SERVER}",
                            "ServerId": SERVER,
                            "EndpointType": "PUBLIC",
                            "IdentityProviderType": "SERVICE_MANAGED",
                            "State": "ONLINE",
                            "LoggingRole": ids["logging_role"],
                            "UserCount": 1,
                        }
                    ]
                },
            ),
            (
                "describe_server",
                {
                    "Server": {
                        "Arn": f"arn:aws:transfer:{REGION}:{ACCOUNT}:server/{SERVER}",
                        "ServerId": SERVER,
                        "Protocols": ["SFTP"],
                        "EndpointType": "PUBLIC",
                    }
                },
            ),
            (
                "list_users",
                {
                    "ServerId": SERVER,
                    "Users": [
                        {
                            "Arn": f"arn:aws:transfer:{REGION}:{ACCOUNT}:user/{SERVER}/partner",
                            "UserName": "partner",
                            "Role": ids["role"],
                            "HomeDirectory": "/acme-sftp-home/partner",
                            "HomeDirectoryType": "LOGICAL",
                        }
                    ],
                },
            ),
            (
                "describe_user",
                {
                    "ServerId": SERVER,
                    "User": {
                        "Arn": f"arn:aws:transfer:{REGION}:{ACCOUNT}:user/{SERVER}/partner",
                        "UserName": "partner",
                        "Role": ids["role"],
                        "HomeDirectoryType": "LOGICAL",
                        "HomeDirectoryMappings": [{"Entry": "/shared", "Target": "/acme-sftp-shared/partner"}],
                        "Tags": [{"Key": "Owner", "Value": "partners"}],
                    },
                },
            ),
        ],
    }


def _evaluation(rtype: str, rid: str, compliance: str) -> dict[str, Any]:
    return {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": "s3-public-read",
                "ResourceType": rtype,
                "ResourceId": rid,
            }
        },
        "ComplianceType": compliance,
    }


@pytest.fixture(scope="module")
def stubbed(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Collected, dict[str, str], StubbedSession]]:
    with mock_aws():
        ids = _moto_estate()
        db = str(Path(tmp_path_factory.mktemp("stubbed")) / "graph.db")
        services = [
            "accessanalyzer",
            "inspector",
            "guardduty",
            "waf",
            "workspaces",
            "config",
            "transfer",
            "ec2",
            "s3",
            "iam",
            "elasticloadbalancing",
        ]
        session = StubbedSession(_stubs(ids), max_attempts=1)
        yield _collect(session, db, services), ids, session


def _collect(session: StubbedSession, db: str, services: list[str], catalog: Sequence[Spec] = CATALOG) -> Collected:
    cfg = InstanceConfig(regions=[REGION], services=services, db=db, workers=1, max_attempts=1)
    store = SQLiteStore(db)
    try:
        summary = run_collection(cfg, session, store, catalog=catalog)
        return Collected(summary, [e.props for e in store.iter_entities()], list(store.relationships()))
    finally:
        store.close()


def test_findings_count_cap_is_reported(tmp_path: Path) -> None:
    """Newest first, at most ``cap`` per (account, region): the step says it was capped."""
    capped = replace(findings.INSPECTOR2_FINDING, cap=2)
    catalog = tuple(capped if s is findings.INSPECTOR2_FINDING else s for s in CATALOG)
    base = {
        "awsAccountId": ACCOUNT,
        "type": "PACKAGE_VULNERABILITY",
        "description": "d",
        "severity": "LOW",
        "status": "ACTIVE",
        "firstObservedAt": NOW,
        "lastObservedAt": NOW,
        "updatedAt": NOW,
        "resources": [{"type": "AWS_EC2_INSTANCE", "id": "i-0"}],
        "remediation": {},
    }
    page = [
        {**base, "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/{n}", "title": f"CVE-{n}"}
        for n in range(3)
    ]
    stubs: dict[str, list[Stub]] = {
        "inspector2": [("list_findings", {"findings": page})],
        "inspector": [("list_assessment_runs", {"assessmentRunArns": []})],
    }
    with mock_aws():
        got = _collect(StubbedSession(stubs, max_attempts=1), str(tmp_path / "g.db"), ["inspector"], catalog)
    assert sorted(f["name"] for f in got.of_type("aws_inspector_finding")) == ["CVE-0", "CVE-1"]
    step = next(s for s in got.summary.steps if s.service == "inspector" and s.capped)
    assert step.capped == "capped at 2 items" and step.status == "success"


def test_every_stubbed_response_was_used(stubbed: tuple[Collected, dict[str, str], StubbedSession]) -> None:
    got, _, session = stubbed
    for stubber in session.stubbers.values():
        stubber.assert_no_pending_responses()
    assert [(s.step, s.reason) for s in got.summary.steps if s.status != "success"] == []
    assert set(session.stubbers) == {
        "accessanalyzer",
        "inspector",
        "inspector2",
        "guardduty",
        "waf",
        "waf-regional",
        "workspaces",
        "config",
        "transfer",
    }


def test_stubbed_entities_match_the_j1_class_schemas(
    stubbed: tuple[Collected, dict[str, str], StubbedSession],
) -> None:
    got, _, _ = stubbed
    assert assert_conform(got.entities) >= STUBBED_ONLY


def test_access_analyzer(stubbed: tuple[Collected, dict[str, str], StubbedSession]) -> None:
    got, _, _ = stubbed
    analyzer = got.one("aws_accessanalyzer_analyzer", name="account-analyzer")
    assert analyzer["_class"] == ["Scanner"] and analyzer["tag.Owner"] == "sec"
    findings = got.of_type("aws_accessanalyzer_finding")
    assert [f["id"] for f in findings] == ["f-public"]  # the 200-day-old one is past the age cap
    f = findings[0]
    assert f["_class"] == ["Finding"] and f["open"] is True and f["public"] is True
    assert f["severity"] == "high" and f["numericSeverity"] == 8 and f["category"] == "external-access"
    assert got.has_rel(analyzer["_key"], "IDENTIFIED", f["_key"])
    assert got.has_rel("aws:123456789012:accessanalyzer", "HAS", analyzer["_key"])


def test_inspector_classic_and_inspector2(stubbed: tuple[Collected, dict[str, str], StubbedSession]) -> None:
    got, ids, _ = stubbed
    instance = got.one("aws_instance", id=ids["instance"])
    run = got.one("aws_inspector_assessment", name="weekly")
    assert run["_class"] == ["Assessment"] and run["completed"] is True
    classic = got.one("aws_inspector_finding", name="Port 22 is reachable from the internet")
    assert classic["severity"] == "high" and classic["numericSeverity"] == 7.0 and classic["open"] is True
    assert got.has_rel(run["_key"], "IDENTIFIED", classic["_key"])
    assert got.has_rel(instance["_key"], "HAS", classic["_key"])
    v2 = got.one("aws_inspector_finding", name="CVE-2024-0001 - openssl")
    assert v2["severity"] == "critical" and v2["numericSeverity"] == 9.8 and v2["category"] == "package-vulnerability"
    assert got.has_rel(instance["_key"], "HAS", v2["_key"])


def test_guardduty_findings(stubbed: tuple[Collected, dict[str, str], StubbedSession]) -> None:
    got, ids, _ = stubbed
    detector = got.one("aws_guardduty_detector", id="d0")
    finding = got.one("aws_guardduty_finding", id="g1")
    assert finding["_class"] == ["Finding"] and finding["severity"] == "high" and finding["numericSeverity"] == 8.0
    assert finding["open"] is True and finding["category"] == "UnauthorizedAccess"
    assert got.has_rel(detector["_key"], "IDENTIFIED", finding["_key"])
    assert got.has_rel(got.one("aws_instance", id=ids["instance"])["_key"], "HAS", finding["_key"])


def test_waf_classic_global_and_regional(stubbed: tuple[Collected, dict[str, str], StubbedSession]) -> None:
    got, ids, _ = stubbed
    edge = got.one("aws_waf_web_acl", id="acl-global")
    assert edge["_class"] == ["Firewall"] and edge["defaultAction"] == "BLOCK" and edge["scope"] == "CLOUDFRONT"
    regional = got.one("aws_waf_web_acl", id="acl-regional")
    assert regional["wafVersion"] == "classic" and regional["scope"] == "REGIONAL"
    assert got.has_rel(regional["_key"], "PROTECTS", ids["alb"])
    assert got.has_rel("aws:123456789012:waf", "HAS", edge["_key"])


def test_workspace_uses_its_bundle(stubbed: tuple[Collected, dict[str, str], StubbedSession]) -> None:
    got, ids, _ = stubbed
    ws = got.one("aws_workspace", id="ws-1")
    bundle = got.one("aws_workspaces_bundle", id="wsb-std")
    assert bundle["_class"] == ["Configuration"] and bundle["bundleOwner"] == "AMAZON"
    assert ws["encrypted"] is True and ws["tag.Owner"] == "it"
    assert got.has_rel(ws["_key"], "USES", bundle["_key"])
    assert got.has_rel(got.one("aws_subnet", id=ids["subnet"])["_key"], "HAS", ws["_key"])


def test_config_rule_evaluates_account_and_resources(
    stubbed: tuple[Collected, dict[str, str], StubbedSession],
) -> None:
    got, ids, _ = stubbed
    rule = got.one("aws_config_rule", name="s3-public-read")
    assert rule["complianceType"] == "NON_COMPLIANT" and rule["compliant"] is False
    assert rule["nonCompliantResourceCount"] == 1 and rule["evaluatedResourceCount"] == 3
    assert got.has_rel(rule["_key"], "EVALUATES", "arn:aws:s3:::acme-site")
    assert got.has_rel(rule["_key"], "EVALUATES", got.one("aws_instance", id=ids["instance"])["_key"])
    assert got.has_rel(rule["_key"], "EVALUATES", "aws:account:123456789012")


def test_transfer_user_assigned_role_and_allowed_by_buckets(
    stubbed: tuple[Collected, dict[str, str], StubbedSession],
) -> None:
    got, ids, _ = stubbed
    server = got.one("aws_transfer_server", id=SERVER)
    user = got.one("aws_transfer_user", name="partner")
    assert user["_class"] == ["User"] and user["homeBuckets"] == ["acme-sftp-home", "acme-sftp-shared"]
    assert got.has_rel(server["_key"], "HAS", user["_key"])
    assert got.has_rel(ids["role"], "ASSIGNED", user["_key"])
    assert got.has_rel(ids["logging_role"], "ASSIGNED", server["_key"])
    assert got.has_rel("arn:aws:s3:::acme-sftp-home", "ALLOWS", user["_key"])
    assert got.has_rel("arn:aws:s3:::acme-sftp-shared", "ALLOWS", user["_key"])
    assert all(s.status == "success" for s in got.summary.steps if s.service == "transfer")


def test_cloudfront_lambda_edge_associations() -> None:
    """moto drops LambdaFunctionAssociations, so the link is checked on a recorded-shape item."""
    item = {
        "Id": "E1",
        "ARN": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1",
        "DefaultCacheBehavior": {
            "LambdaFunctionAssociations": {
                "Quantity": 1,
                "Items": [
                    {
                        "LambdaFunctionARN": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:edge-auth:7",
                        "EventType": "viewer-request",
                    }
                ],
            }
        },
        "CacheBehaviors": {
            "Quantity": 1,
            "Items": [
                {
                    "LambdaFunctionAssociations": {
                        "Quantity": 1,
                        "Items": [
                            {
                                "LambdaFunctionARN": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:rewrite:2",
                                "EventType": "origin-request",
                            }
                        ],
                    }
                }
            ],
        },
        "Origins": {
            "Quantity": 1,
            "Items": [{"Id": "o", "DomainName": "acme-site.s3.us-east-1.amazonaws.com"}],
        },
    }
    entity = build_entity(DISTRIBUTION, item, account=ACCOUNT, region=REGION, partition="aws", stamp={})
    assert entity is not None
    triggers = next(v for k, v in entity.link_values.items() if k.startswith("TRIGGERS|aws_lambda_function|"))
    assert triggers == [
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:edge-auth",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:rewrite",
    ]
    connects = next(v for k, v in entity.link_values.items() if k.startswith("CONNECTS|aws_s3_bucket|"))
    assert connects == ["acme-site"]
    assert entity.props["lambdaEdgeFunctionArns"] == triggers
