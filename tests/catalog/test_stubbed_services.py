"""What moto cannot serve, checked with botocore's Stubber.

moto 5.2.5 returns ElastiCache cache clusters without ``CacheNodes`` or ``SecurityGroups`` and
never returns a replication group's member clusters, so the security-group edges of cache
clusters and nodes cannot come from it; its ECR ``DescribeImages`` has no scan status or
severity counts, and its scan findings are one canned result. Here one client of a real
collector session is stubbed with responses that botocore validates against its service model;
everything else (identity, the security groups) is moto. One worker makes the call order
deterministic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from awsgraph.catalog import Spec, ec2, ecr, ecs, elasticache
from awsgraph.collect.config import InstanceConfig
from awsgraph.collect.run import run_collection
from awsgraph.collect.session import AwsSession
from awsgraph.store.sqlite import SQLiteStore

ACCOUNT = "123456789012"
REGION = "us-east-1"
ARN = f"arn:aws:elasticache:{REGION}:{ACCOUNT}"
NOW = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _collect(
    db: str, session: AwsSession, catalog: list[Spec]
) -> tuple[dict[str, dict[str, Any]], set[tuple[str, str, str]]]:
    config = InstanceConfig(regions=[REGION], services=None, db=db, workers=1, max_attempts=1)
    store = SQLiteStore(db)
    try:
        summary = run_collection(config, session, store, catalog=catalog)
        entities = {e.key: e.props for e in store.iter_entities()}
        rels = {(r["_fromEntityKey"], r["_class"], r["_toEntityKey"]) for r in store.relationships()}
    finally:
        store.close()
    bad = [s for s in summary.steps if s.status != "success"]
    assert not bad, bad
    return entities, rels


def _cache_cluster(cid: str, engine: str, sg: str, **extra: Any) -> dict[str, Any]:
    return {
        "CacheClusterId": cid,
        "ARN": f"{ARN}:cluster:{cid}",
        "Engine": engine,
        "EngineVersion": "7.1",
        "CacheNodeType": "cache.t3.micro",
        "CacheClusterStatus": "available",
        "CacheSubnetGroupName": "cache",
        "CacheClusterCreateTime": NOW,
        "SecurityGroups": [{"SecurityGroupId": sg, "Status": "active"}],
        **extra,
    }


def test_elasticache_nodes_and_security_groups(aws: None, tmp_path: Path) -> None:
    ec2c = boto3.client("ec2", region_name=REGION)
    vpc = ec2c.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    sg = ec2c.create_security_group(GroupName="cache", Description="cache", VpcId=vpc)["GroupId"]
    session = AwsSession(max_attempts=1)
    client = session.client("elasticache", REGION)  # the cached client the collector will use
    stub = Stubber(client)
    node = {
        "CacheNodeId": "0001",
        "CacheNodeStatus": "available",
        "CacheNodeCreateTime": NOW,
        "Endpoint": {"Address": "sessions.0001.cache.amazonaws.com", "Port": 11211},
    }
    memcached = _cache_cluster(
        "sessions",
        "memcached",
        sg,
        NumCacheNodes=2,
        TransitEncryptionEnabled=True,
        CacheNodes=[
            node,
            {
                **node,
                "CacheNodeId": "0002",
                "Endpoint": {"Address": "sessions.0002.cache.amazonaws.com", "Port": 11211},
            },
        ],
        ConfigurationEndpoint={"Address": "sessions.cfg.cache.amazonaws.com", "Port": 11211},
    )
    member = _cache_cluster("queue-001", "redis", sg, ReplicationGroupId="queue", NumCacheNodes=1)
    group = {
        "ReplicationGroupId": "queue",
        "ARN": f"{ARN}:replicationgroup:queue",
        "Status": "available",
        "MemberClusters": ["queue-001", "queue-002"],
        "AtRestEncryptionEnabled": True,
        "TransitEncryptionEnabled": True,
        "MultiAZ": "enabled",
        "AutomaticFailover": "enabled",
        "SnapshotRetentionLimit": 5,
        "NodeGroups": [
            {
                "NodeGroupId": "0001",
                "Status": "available",
                "PrimaryEndpoint": {"Address": "master.queue.cache.amazonaws.com", "Port": 6379},
                "NodeGroupMembers": [
                    {
                        "CacheClusterId": "queue-001",
                        "CacheNodeId": "0001",
                        "CurrentRole": "primary",
                        "ReadEndpoint": {"Address": "queue-001.cache.amazonaws.com", "Port": 6379},
                    },
                    {
                        "CacheClusterId": "queue-002",
                        "CacheNodeId": "0001",
                        "CurrentRole": "replica",
                        "ReadEndpoint": {"Address": "queue-002.cache.amazonaws.com", "Port": 6379},
                    },
                ],
            }
        ],
    }
    # The order the single worker makes the calls in: both list calls, then per-item details
    # in the order the items arrived (the group's subnet group after its member cluster), then
    # the node listing the replication group opens.
    stub.add_response("describe_cache_clusters", {"CacheClusters": [memcached, member]}, {"ShowCacheNodeInfo": True})
    stub.add_response("describe_replication_groups", {"ReplicationGroups": [group]}, {})
    stub.add_response(
        "list_tags_for_resource",
        {"TagList": [{"Key": "Owner", "Value": "web"}]},
        {"ResourceName": memcached["ARN"]},
    )
    stub.add_response(
        "describe_cache_subnet_groups",
        {
            "CacheSubnetGroups": [
                {
                    "CacheSubnetGroupName": "cache",
                    "VpcId": vpc,
                    "Subnets": [{"SubnetIdentifier": "subnet-0a1b"}],
                }
            ]
        },
        {"CacheSubnetGroupName": "cache"},
    )
    stub.add_response("list_tags_for_resource", {"TagList": []}, {"ResourceName": group["ARN"]})
    stub.add_response("describe_cache_clusters", {"CacheClusters": [member]}, {"CacheClusterId": "queue-001"})
    stub.add_response(
        "describe_cache_subnet_groups",
        {
            "CacheSubnetGroups": [
                {"CacheSubnetGroupName": "cache", "VpcId": vpc, "Subnets": [{"SubnetIdentifier": "subnet-0a1b"}]}
            ]
        },
        {"CacheSubnetGroupName": "cache"},
    )
    stub.add_response("describe_replication_groups", {"ReplicationGroups": [group]}, {"ReplicationGroupId": "queue"})
    stub.add_response(
        "describe_cache_clusters",
        {"CacheClusters": [member]},
        {"CacheClusterId": "queue-001", "ShowCacheNodeInfo": True},
    )
    stub.add_client_error(
        "describe_cache_clusters",
        service_error_code="CacheClusterNotFound",
        http_status_code=404,
        expected_params={"CacheClusterId": "queue-002", "ShowCacheNodeInfo": True},
    )
    with stub:
        entities, rels = _collect(str(tmp_path / "g.db"), session, [*elasticache.SPECS, ec2.SECURITY_GROUP])
        stub.assert_no_pending_responses()
    sg_key = f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{sg}"
    mc, rg = entities[memcached["ARN"]], entities[group["ARN"]]
    primary, replica = entities[f"{ARN}:cluster:queue-001"], entities[f"{ARN}:cluster:queue-002"]
    assert mc["_type"] == "aws_elasticache_memcached_cluster" and mc["vpcId"] == vpc and mc["tag.Owner"] == "web"
    assert mc["endpoint"] == "sessions.cfg.cache.amazonaws.com" and mc["securityGroupIds"] == [sg]
    assert mc["nodeEndpoints"] == ["sessions.0001.cache.amazonaws.com", "sessions.0002.cache.amazonaws.com"]
    assert rg["_type"] == "aws_elasticache_redis_cluster" and rg["multiAZ"] is True and rg["encrypted"] is True
    assert rg["endpoint"] == "master.queue.cache.amazonaws.com" and rg["backupRetentionPeriod"] == 5
    assert rg["vpcId"] == vpc and rg["securityGroupIds"] == [sg] and rg["subnetIds"] == ["subnet-0a1b"]
    assert primary["_type"] == replica["_type"] == "aws_elasticache_cluster_node"
    assert primary["_class"] == ["Database", "DataStore", "Host"]
    assert primary["role"] == "primary" and primary["securityGroupIds"] == [sg] and primary["engineVersion"] == "7.1"
    assert replica["role"] == "replica" and "securityGroupIds" not in replica  # its cluster could not be described
    assert not [k for k, e in entities.items() if e["_type"] == "aws_elasticache_memcached_cluster" and k != mc["_key"]]
    assert (sg_key, "PROTECTS", mc["_key"]) in rels
    assert (sg_key, "PROTECTS", primary["_key"]) in rels
    assert (sg_key, "PROTECTS", rg["_key"]) in rels
    assert (rg["_key"], "HAS", primary["_key"]) in rels and (rg["_key"], "HAS", replica["_key"]) in rels
    assert (f"aws:{ACCOUNT}:elasticache", "HAS", rg["_key"]) in rels


def test_ecr_scan_summary_and_findings(aws: None, tmp_path: Path) -> None:
    session = AwsSession(max_attempts=1)
    stub = Stubber(session.client("ecr", REGION))
    repo_arn = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/shop/api"
    repo = {
        "repositoryArn": repo_arn,
        "registryId": ACCOUNT,
        "repositoryName": "shop/api",
        "repositoryUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/shop/api",
        "createdAt": NOW,
        "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfiguration": {
            "encryptionType": "KMS",
            "kmsKey": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1",
        },
    }
    scanned, unscanned = "sha256:" + "1" * 64, "sha256:" + "2" * 64
    images = [
        {
            "registryId": ACCOUNT,
            "repositoryName": "shop/api",
            "imageDigest": scanned,
            "imageTags": ["2.0.1"],
            "imageSizeInBytes": 1000,
            "imagePushedAt": NOW,
            "imageScanStatus": {"status": "COMPLETE"},
            "imageScanFindingsSummary": {
                "imageScanCompletedAt": NOW,
                "findingSeverityCounts": {"CRITICAL": 1, "HIGH": 2},
            },
        },
        {"registryId": ACCOUNT, "repositoryName": "shop/api", "imageDigest": unscanned, "imagePushedAt": NOW},
    ]
    finding = {
        "name": "CVE-2026-0001",
        "severity": "CRITICAL",
        "uri": "https://nvd.example/CVE-2026-0001",
        "description": "overflow",
        "attributes": [
            {"key": "package_name", "value": "openssl"},
            {"key": "package_version", "value": "3.0.1"},
            {"key": "CVSS3_SCORE", "value": "9.8"},
        ],
    }
    stub.add_response("describe_repositories", {"repositories": [repo]}, {})
    stub.add_response(
        "list_tags_for_resource", {"tags": [{"Key": "Owner", "Value": "shop"}]}, {"resourceArn": repo_arn}
    )
    stub.add_client_error(
        "get_repository_policy",
        service_error_code="RepositoryPolicyNotFoundException",
        expected_params={"repositoryName": "shop/api", "registryId": ACCOUNT},
    )
    stub.add_response(
        "describe_images", {"imageDetails": images}, {"repositoryName": "shop/api", "registryId": ACCOUNT}
    )
    stub.add_response(
        "describe_image_scan_findings",
        {
            "registryId": ACCOUNT,
            "repositoryName": "shop/api",
            "imageId": {"imageDigest": scanned},
            "imageScanStatus": {"status": "COMPLETE"},
            "imageScanFindings": {
                "findings": [
                    finding,
                    {**finding, "attributes": [{"key": "package_name", "value": "libssl"}]},
                ],
                # Enhanced (Inspector) scanning reports its findings in another shape.
                "enhancedFindings": [
                    {
                        "awsAccountId": ACCOUNT,
                        "findingArn": f"arn:aws:inspector2:{REGION}:{ACCOUNT}:finding/f1",
                        "severity": "HIGH",
                        "score": 7.5,
                        "status": "ACTIVE",
                        "title": "CVE-2026-0002 - zlib",
                        "description": "zlib overflow",
                        "fixAvailable": "YES",
                        "packageVulnerabilityDetails": {
                            "vulnerabilityId": "CVE-2026-0002",
                            "sourceUrl": "https://nvd.example/CVE-2026-0002",
                            "vulnerablePackages": [{"name": "zlib", "version": "1.2.11"}],
                        },
                    }
                ],
                "findingSeverityCounts": {"CRITICAL": 2, "HIGH": 1},
            },
        },
        {"repositoryName": "shop/api", "registryId": ACCOUNT, "imageId": {"imageDigest": scanned}},
    )
    stub.add_client_error(
        "describe_image_scan_findings",
        service_error_code="ScanNotFoundException",
        expected_params={
            "repositoryName": "shop/api",
            "registryId": ACCOUNT,
            "imageId": {"imageDigest": unscanned},
        },
    )
    with stub:
        entities, rels = _collect(str(tmp_path / "g.db"), session, list(ecr.SPECS))
        stub.assert_no_pending_responses()
    repo_e = entities[repo_arn]
    assert repo_e["encryptionType"] == "KMS" and repo_e["kmsKeyId"].endswith("key/k1") and repo_e["tag.Owner"] == "shop"
    image = entities[f"{repo_arn}@{scanned}"]
    assert image["name"] == "shop/api:2.0.1" and image["scanStatus"] == "COMPLETE"
    assert image["criticalFindingCount"] == 1 and image["highFindingCount"] == 2 and image["findingCount"] == 3
    assert entities[f"{repo_arn}@{unscanned}"]["name"] == f"shop/api@{unscanned}"
    findings = {k: e for k, e in entities.items() if e["_type"] == "aws_ecr_image_scan_finding"}
    assert len(findings) == 3  # the same CVE in two packages: two findings; one enhanced finding
    for key, f in findings.items():
        assert f["_class"] == ["Finding"] and (image["_key"], "HAS", key) in rels
    basic = [f for f in findings.values() if f["cve"] == "CVE-2026-0001"]
    assert {f["packageName"] for f in basic} == {"openssl", "libssl"}
    assert all(f["severity"] == "CRITICAL" for f in basic)
    # CVSS when the finding has it, else the severity's score
    assert sorted(f["numericSeverity"] for f in basic) == [9.8, 10]
    enhanced = next(f for f in findings.values() if f["cve"] == "CVE-2026-0002")
    assert (enhanced["severity"], enhanced["numericSeverity"], enhanced["packageName"]) == ("HIGH", 7.5, "zlib")
    assert enhanced["uri"] == "https://nvd.example/CVE-2026-0002" and enhanced["open"] is True
    assert (repo_arn, "HAS", image["_key"]) in rels


def test_denied_ecs_is_partial_and_keeps_what_was_known(aws: None, tmp_path: Path) -> None:
    """A first run reads the cluster from moto; in the second, ECS answers AccessDenied: the
    steps are partial with the reason, and the cluster and its task definition stay in the graph."""
    ecs_client = boto3.client("ecs", region_name=REGION)
    cluster = ecs_client.create_cluster(clusterName="apps")["cluster"]["clusterArn"]
    td = ecs_client.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 64}]
    )["taskDefinition"]["taskDefinitionArn"]
    db = str(tmp_path / "g.db")
    entities, _ = _collect(db, AwsSession(max_attempts=1), list(ecs.SPECS))
    assert cluster in entities and td in entities
    session = AwsSession(max_attempts=1)
    stub = Stubber(session.client("ecs", REGION))
    for op in ("list_clusters", "list_task_definitions"):
        stub.add_client_error(
            op, service_error_code="AccessDeniedException", http_status_code=400, service_message="not authorized"
        )
    config = InstanceConfig(regions=[REGION], services=None, db=db, workers=1, max_attempts=1)
    store = SQLiteStore(db)
    try:
        with stub:
            summary = run_collection(config, session, store, catalog=list(ecs.SPECS))
        kept = {e.key for e in store.iter_entities()}
    finally:
        store.close()
    steps = {s.step: s for s in summary.steps}
    assert steps["aws_ecs_cluster"].status == "partial" and "AccessDenied" in steps["aws_ecs_cluster"].reason
    assert steps["aws_ecs_task_definition"].status == "partial"
    assert steps["aws_ecs_service"].status == "partial"  # its parent listing was incomplete
    assert cluster in kept and td in kept
