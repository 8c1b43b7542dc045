"""Redshift clusters; the VPC and subnets come from the cluster's subnet group."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.refs import kms_ref
from awsgraph.catalog.spec import Detail, Link, Resource

ARN = "arn:{partition}:redshift:{region}:{account}:cluster:{ClusterIdentifier}"


def _cluster(item: dict[str, Any]) -> dict[str, Any]:
    logging = item.get("Logging") or {}
    return {
        "engine": "redshift",
        "loggingEnabled": logging.get("LoggingEnabled") if logging else None,
        "classification": None,
    }


CLUSTER = Resource(
    type="aws_redshift_cluster",
    cls=("DataStore", "Database", "Cluster"),
    service="redshift",
    call="describe_clusters",
    items="Clusters",
    id="ClusterIdentifier",
    arn_template=ARN,
    name="ClusterIdentifier",
    created="ClusterCreateTime",
    tags="Tags",
    active="ClusterStatus == 'available'",
    props={
        "nodeType": "NodeType",
        "numberOfNodes": "NumberOfNodes",
        "status": "ClusterStatus",
        "engineVersion": "ClusterVersion",
        "encrypted": "Encrypted",
        "kmsKeyId": "KmsKeyId",
        "publiclyAccessible": "PubliclyAccessible",
        "public": "PubliclyAccessible",
        "endpoint": "Endpoint.Address",
        "hostname": "Endpoint.Address",
        "port": "Endpoint.Port",
        "databaseName": "DBName",
        "masterUsername": "MasterUsername",
        "vpcId": "VpcId || SubnetGroup.VpcId",
        "subnetIds": "SubnetGroup.Subnets[].SubnetIdentifier",
        "securityGroupIds": "VpcSecurityGroups[].VpcSecurityGroupId",
        "clusterSubnetGroupName": "ClusterSubnetGroupName",
        "enhancedVpcRouting": "EnhancedVpcRouting",
        "backupRetentionPeriod": "AutomatedSnapshotRetentionPeriod",
        "multiAZ": "MultiAZ == 'Enabled'",
        "availabilityZone": "AvailabilityZone",
        "iamRoles": "IamRoles[].IamRoleArn",
        "allowVersionUpgrade": "AllowVersionUpgrade",
        "loggingBucket": "Logging.BucketName",
    },
    compute=_cluster,
    details=(
        Detail(
            "describe_cluster_subnet_groups",
            into="SubnetGroup",
            params={"ClusterSubnetGroupName": "ClusterSubnetGroupName"},
            result="ClusterSubnetGroups[0]",
            missing=("ClusterSubnetGroupNotFoundFault",),
        ),
        Detail("describe_logging_status", into="Logging", params={"ClusterIdentifier": "ClusterIdentifier"}),
    ),
    web_link="https://console.aws.amazon.com/redshiftv2/home?region={region}#cluster-details?cluster="
    "{ClusterIdentifier}",
    links=(
        Link("HAS", "aws_vpc", values="VpcId || SubnetGroup.VpcId", on="id", reverse=True),
        Link("USES", "aws_kms_key", values=kms_ref("KmsKeyId", "ClusterNamespaceArn"), on="keyRefs"),
    ),
)

SPECS = (CLUSTER,)
