"""ElastiCache: Memcached clusters, Redis (and Valkey) replication groups and their member nodes.

A replication group does not carry its members' security groups; each member node is read
with ``DescribeCacheClusters`` for them (a member that cannot be described still yields its node).
"""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.refs import kms_ref
from awsgraph.catalog.spec import Detail, Link, Parent, Resource
from awsgraph.model.hostnames import host_names

CONSOLE = "https://console.aws.amazon.com/elasticache/home?region={region}#/"
NODE_ARN = "arn:{partition}:elasticache:{region}:{account}:cluster:{CacheClusterId}"


def _encryption(item: dict[str, Any]) -> dict[str, Any]:
    at_rest = item.get("AtRestEncryptionEnabled")
    return {"encrypted": bool(at_rest) if at_rest is not None else False, "classification": None}


def _replication_group(item: dict[str, Any]) -> dict[str, Any]:
    groups = item.get("NodeGroups") or []
    primary = (groups[0].get("PrimaryEndpoint") or {}) if groups else {}
    endpoint = (item.get("ConfigurationEndpoint") or {}).get("Address") or primary.get("Address")
    return {
        **_encryption(item),
        "endpoint": endpoint,
        "hostname": endpoint,
        "port": (item.get("ConfigurationEndpoint") or {}).get("Port") or primary.get("Port"),
        "engine": str(item.get("Engine") or "redis").lower(),
        "numNodeGroups": len(groups),
        "numCacheNodes": sum(len(g.get("NodeGroupMembers") or []) for g in groups),
    }


MEMCACHED = Resource(
    type="aws_elasticache_memcached_cluster",
    cls=("Database", "DataStore", "Cluster"),
    service="elasticache",
    call="describe_cache_clusters",
    params={"ShowCacheNodeInfo": True},
    items="CacheClusters",
    keep=lambda item: str(item.get("Engine", "")).lower() == "memcached",
    id="CacheClusterId",
    arn="ARN",
    arn_template=NODE_ARN,
    name="CacheClusterId",
    created="CacheClusterCreateTime",
    tags="Tags",
    active="CacheClusterStatus == 'available'",
    props={
        "engine": "Engine",
        "engineVersion": "EngineVersion",
        "nodeType": "CacheNodeType",
        "numCacheNodes": "NumCacheNodes",
        "status": "CacheClusterStatus",
        "endpoint": "ConfigurationEndpoint.Address",
        "hostname": "ConfigurationEndpoint.Address",
        "port": "ConfigurationEndpoint.Port",
        "transitEncryptionEnabled": "TransitEncryptionEnabled",
        "subnetGroupName": "CacheSubnetGroupName",
        "vpcId": "SubnetGroup.VpcId",
        "subnetIds": "SubnetGroup.Subnets[].SubnetIdentifier",
        "securityGroupIds": "SecurityGroups[].SecurityGroupId",
        "availabilityZone": "PreferredAvailabilityZone",
        "nodeEndpoints": "CacheNodes[].Endpoint.Address",
        "autoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
        "backupRetentionPeriod": "SnapshotRetentionLimit",
    },
    compute=_encryption,
    details=(
        Detail("list_tags_for_resource", into="Tags", params={"ResourceName": "ARN"}, result="TagList"),
        Detail(
            "describe_cache_subnet_groups",
            into="SubnetGroup",
            params={"CacheSubnetGroupName": "CacheSubnetGroupName"},
            result="CacheSubnetGroups[0]",
            missing=("CacheSubnetGroupNotFoundFault",),
        ),
    ),
    web_link=CONSOLE + "memcached/{CacheClusterId}",
    links=(Link("PROTECTS", "aws_security_group", values="SecurityGroups[].SecurityGroupId", on="id", reverse=True),),
)
REDIS = Resource(
    type="aws_elasticache_redis_cluster",
    cls=("Database", "DataStore", "Cluster"),
    service="elasticache",
    call="describe_replication_groups",
    items="ReplicationGroups",
    id="ReplicationGroupId",
    arn="ARN",
    arn_template="arn:{partition}:elasticache:{region}:{account}:replicationgroup:{ReplicationGroupId}",
    name="ReplicationGroupId",
    created="ReplicationGroupCreateTime",
    tags="Tags",
    active="Status == 'available'",
    props={
        "description": "Description",
        "status": "Status",
        "nodeType": "CacheNodeType",
        "memberClusters": "MemberClusters",
        "clusterEnabled": "ClusterEnabled",
        "clusterMode": "ClusterMode",
        "automaticFailover": "AutomaticFailover",
        "multiAZ": "MultiAZ == 'enabled'",
        "transitEncryptionEnabled": "TransitEncryptionEnabled",
        "authTokenEnabled": "AuthTokenEnabled",
        "kmsKeyId": "KmsKeyId",
        "backupRetentionPeriod": "SnapshotRetentionLimit",
        "snapshotWindow": "SnapshotWindow",
        "dataTiering": "DataTiering",
        "networkType": "NetworkType",
        "securityGroupIds": "Member.SecurityGroups[].SecurityGroupId",
        "subnetGroupName": "Member.CacheSubnetGroupName",
        "engineVersion": "Member.EngineVersion",
        "vpcId": "SubnetGroup.VpcId",
        "subnetIds": "SubnetGroup.Subnets[].SubnetIdentifier",
    },
    compute=_replication_group,
    details=(
        Detail("list_tags_for_resource", into="Tags", params={"ResourceName": "ARN"}, result="TagList"),
        # A group carries neither security groups nor subnets: its first member cluster does.
        Detail(
            "describe_cache_clusters",
            into="Member",
            params={"CacheClusterId": "MemberClusters[0]"},
            result="CacheClusters[0]",
            missing=("CacheClusterNotFound", "CacheClusterNotFoundFault"),
        ),
        Detail(
            "describe_cache_subnet_groups",
            into="SubnetGroup",
            params={"CacheSubnetGroupName": "Member.CacheSubnetGroupName"},
            result="CacheSubnetGroups[0]",
            missing=("CacheSubnetGroupNotFoundFault",),
            stage=1,
        ),
    ),
    web_link=CONSOLE + "redis/{ReplicationGroupId}",
    links=(
        Link("USES", "aws_kms_key", values=kms_ref("KmsKeyId", "ARN"), on="keyRefs"),
        Link("PROTECTS", "aws_security_group", values="Member.SecurityGroups[].SecurityGroupId", on="id", reverse=True),
    ),
)
NODE = Resource(
    type="aws_elasticache_cluster_node",
    cls=("Database", "DataStore", "Host"),
    service="elasticache",
    call="describe_replication_groups",
    items="ReplicationGroups[0].NodeGroups[].NodeGroupMembers[]",
    parent=Parent(
        "aws_elasticache_redis_cluster",
        params={"ReplicationGroupId": "ReplicationGroupId"},
        carry={
            "ReplicationGroupArn": "ARN",
            "ReplicationGroupId": "ReplicationGroupId",
            "Encrypted": "AtRestEncryptionEnabled",
        },
    ),
    id="CacheClusterId",
    arn="Cluster.ARN",
    arn_template=NODE_ARN,
    name="CacheClusterId",
    created="Cluster.CacheClusterCreateTime",
    tags=None,
    props={
        "cacheClusterId": "CacheClusterId",
        "cacheNodeId": "CacheNodeId",
        "role": "CurrentRole",
        "replicationGroupId": "ReplicationGroupId",
        "availabilityZone": "PreferredAvailabilityZone",
        "endpoint": "ReadEndpoint.Address",
        "port": "ReadEndpoint.Port",
        "encrypted": "Encrypted",
        "engine": "Cluster.Engine",
        "engineVersion": "Cluster.EngineVersion",
        "nodeType": "Cluster.CacheNodeType",
        "cacheClusterStatus": "Cluster.CacheClusterStatus",  # Host.status is a device lifecycle state
        "securityGroupIds": "Cluster.SecurityGroups[].SecurityGroupId",
        "subnetGroupName": "Cluster.CacheSubnetGroupName",
    },
    compute=lambda item: {"classification": None, **host_names((item.get("ReadEndpoint") or {}).get("Address"))},
    details=(
        Detail(
            "describe_cache_clusters",
            into="Cluster",
            params={"CacheClusterId": "CacheClusterId"},
            static={"ShowCacheNodeInfo": True},
            result="CacheClusters[0]",
            missing=("CacheClusterNotFound", "CacheClusterNotFoundFault"),
        ),
    ),
    web_link=CONSOLE + "redis/{ReplicationGroupId}",
    links=(
        Link("HAS", "aws_elasticache_redis_cluster", values="ReplicationGroupArn", reverse=True),
        Link(
            "PROTECTS",
            "aws_security_group",
            values="Cluster.SecurityGroups[].SecurityGroupId",
            on="id",
            reverse=True,
        ),
    ),
    service_has=False,
)

SPECS = (MEMCACHED, REDIS, NODE)
