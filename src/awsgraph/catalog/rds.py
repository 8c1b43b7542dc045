"""RDS: DB clusters, DB instances and the account's own instance and cluster snapshots.

Members name their cluster, and snapshots their source, by identifier only; identifiers
repeat across regions, so links rebuild the source's ARN from the item's own ARN.
"""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.refs import kms_ref, sibling_arn
from awsgraph.catalog.spec import Detail, Link, Resource
from awsgraph.model.hostnames import host_names

CONSOLE = "https://console.aws.amazon.com/rds/home?region={region}#"


def _restore_public(attrs_key: str) -> Any:
    def compute(item: dict[str, Any]) -> dict[str, Any]:
        attrs = item.get(attrs_key) or []
        restore = [
            v
            for a in attrs
            if isinstance(a, dict) and a.get("AttributeName") == "restore"
            for v in a.get("AttributeValues") or []
        ]
        return {
            "public": "all" in restore,
            "sharedWithAccounts": [v for v in restore if v != "all"] or None,
            "classification": None,
        }

    return compute


def _datastore(item: dict[str, Any]) -> dict[str, Any]:
    return {"classification": None, "location": item.get("AvailabilityZone")}


COMMON = {
    "engine": "Engine",
    "engineVersion": "EngineVersion",
    "encrypted": "StorageEncrypted",
    "kmsKeyId": "KmsKeyId",
    "backupRetentionPeriod": "BackupRetentionPeriod",
    "multiAZ": "MultiAZ",
    "deletionProtection": "DeletionProtection",
    "iamAuth": "IAMDatabaseAuthenticationEnabled",
    "status": "Status",
    "port": "Port",
    "masterUsername": "MasterUsername",
    "storageType": "StorageType",
    "securityGroupIds": "VpcSecurityGroups[].VpcSecurityGroupId",
    "publiclyAccessible": "PubliclyAccessible",
    "public": "PubliclyAccessible",
    "copyTagsToSnapshot": "CopyTagsToSnapshot",
    "caCertificateIdentifier": "CACertificateIdentifier || CertificateDetails.CAIdentifier",
    "enabledCloudwatchLogsExports": "EnabledCloudwatchLogsExports",
    "performanceInsightsEnabled": "PerformanceInsightsEnabled",
}

CLUSTER = Resource(
    type="aws_rds_cluster",
    cls=("DataStore", "Database", "Cluster"),
    service="rds",
    call="describe_db_clusters",
    items="DBClusters",
    id="DBClusterIdentifier",
    arn="DBClusterArn",
    name="DBClusterIdentifier",
    created="ClusterCreateTime",
    tags="TagList",
    active="Status == 'available'",
    props={
        **COMMON,
        "endpoint": "Endpoint",
        "hostname": "Endpoint",
        "readerEndpoint": "ReaderEndpoint",
        "engineMode": "EngineMode",
        "databaseName": "DatabaseName",
        "dbSubnetGroup": "DBSubnetGroup",
        "memberIds": "DBClusterMembers[].DBInstanceIdentifier",
        "vpcId": "SubnetGroup.VpcId",
        "subnetIds": "SubnetGroup.Subnets[].SubnetIdentifier",
        "allocatedStorage": "AllocatedStorage",
        "clusterResourceId": "DbClusterResourceId",
    },
    compute=_datastore,
    details=(
        Detail(
            "describe_db_subnet_groups",
            into="SubnetGroup",
            params={"DBSubnetGroupName": "DBSubnetGroup"},
            result="DBSubnetGroups[0]",
            missing=("DBSubnetGroupNotFoundFault",),
        ),
    ),
    web_link=CONSOLE + "database:id={DBClusterIdentifier};is-cluster=true",
    links=(Link("USES", "aws_kms_key", values=kms_ref("KmsKeyId", "DBClusterArn"), on="keyRefs"),),
)
INSTANCE = Resource(
    type="aws_db_instance",
    cls=("DataStore", "Database", "Host"),
    service="rds",
    call="describe_db_instances",
    items="DBInstances",
    id="DBInstanceIdentifier",
    arn="DBInstanceArn",
    name="DBInstanceIdentifier",
    created="InstanceCreateTime",
    tags="TagList",
    active="DBInstanceStatus == 'available'",
    props={
        **COMMON,
        # Host.status is a device lifecycle state: the DB status is dbInstanceStatus.
        "dbInstanceStatus": "DBInstanceStatus",
        "endpoint": "Endpoint.Address",
        "port": "Endpoint.Port || DbInstancePort",
        "instanceClass": "DBInstanceClass",
        "dbClusterIdentifier": "DBClusterIdentifier",
        "databaseName": "DBName",
        "allocatedStorage": "AllocatedStorage",
        "availabilityZone": "AvailabilityZone",
        "vpcId": "DBSubnetGroup.VpcId",
        "subnetIds": "DBSubnetGroup.Subnets[].SubnetIdentifier",
        "dbSubnetGroup": "DBSubnetGroup.DBSubnetGroupName",
        "autoMinorVersionUpgrade": "AutoMinorVersionUpgrade",
        "dbiResourceId": "DbiResourceId",
        "networkType": "NetworkType",
        "parameterGroups": "DBParameterGroups[].DBParameterGroupName",
        "monitoringInterval": "MonitoringInterval",
    },
    compute=lambda item: {**_datastore(item), **host_names((item.get("Endpoint") or {}).get("Address"))},
    raw=("PubliclyAccessible", "NetworkType", "VpcSecurityGroups", "DBSubnetGroup.Subnets.SubnetIdentifier",
         "Endpoint.Address"),
    web_link=CONSOLE + "database:id={DBInstanceIdentifier};is-cluster=false",
    links=(
        Link(
            "CONTAINS",
            "aws_rds_cluster",
            reverse=True,
            values=sibling_arn("DBInstanceArn", "cluster", "DBClusterIdentifier"),
        ),
        Link("USES", "aws_kms_key", values=kms_ref("KmsKeyId", "DBInstanceArn"), on="keyRefs"),
    ),
)
SNAPSHOT = Resource(
    type="aws_db_snapshot",
    cls=("DataStore", "Database", "Image"),
    service="rds",
    call="describe_db_snapshots",
    items="DBSnapshots",
    id="DBSnapshotIdentifier",
    arn="DBSnapshotArn",
    name="DBSnapshotIdentifier",
    created="SnapshotCreateTime",
    tags="TagList",
    active="Status == 'available'",
    props={
        "engine": "Engine",
        "engineVersion": "EngineVersion",
        "encrypted": "Encrypted",
        "kmsKeyId": "KmsKeyId",
        "snapshotType": "SnapshotType",
        "status": "Status",
        "dbInstanceIdentifier": "DBInstanceIdentifier",
        "allocatedStorage": "AllocatedStorage",
        "vpcId": "VpcId",
        "port": "Port",
        "iamAuth": "IAMDatabaseAuthenticationEnabled",
        "sourceRegion": "SourceRegion",
    },
    compute=_restore_public("Attributes"),
    details=(
        Detail(
            "describe_db_snapshot_attributes",
            into="Attributes",
            params={"DBSnapshotIdentifier": "DBSnapshotIdentifier"},
            result="DBSnapshotAttributesResult.DBSnapshotAttributes",
            missing=("DBSnapshotNotFound", "DBSnapshotNotFoundFault"),
        ),
    ),
    web_link=CONSOLE + "db-snapshot:id={DBSnapshotIdentifier}",
    links=(
        Link(
            "CONTAINS",
            "aws_db_instance",
            reverse=True,
            values=sibling_arn("DBSnapshotArn", "db", "DBInstanceIdentifier"),
        ),
    ),
    service_has=False,
)
CLUSTER_SNAPSHOT = Resource(
    type="aws_db_cluster_snapshot",
    cls=("DataStore", "Database", "Image"),
    service="rds",
    call="describe_db_cluster_snapshots",
    items="DBClusterSnapshots",
    id="DBClusterSnapshotIdentifier",
    arn="DBClusterSnapshotArn",
    name="DBClusterSnapshotIdentifier",
    created="SnapshotCreateTime",
    tags="TagList",
    active="Status == 'available'",
    props={
        "engine": "Engine",
        "engineVersion": "EngineVersion",
        "encrypted": "StorageEncrypted",
        "kmsKeyId": "KmsKeyId",
        "snapshotType": "SnapshotType",
        "status": "Status",
        "dbClusterIdentifier": "DBClusterIdentifier",
        "allocatedStorage": "AllocatedStorage",
        "vpcId": "VpcId",
        "port": "Port",
        "iamAuth": "IAMDatabaseAuthenticationEnabled",
    },
    compute=_restore_public("Attributes"),
    details=(
        Detail(
            "describe_db_cluster_snapshot_attributes",
            into="Attributes",
            params={"DBClusterSnapshotIdentifier": "DBClusterSnapshotIdentifier"},
            result="DBClusterSnapshotAttributesResult.DBClusterSnapshotAttributes",
            missing=("DBClusterSnapshotNotFoundFault",),
        ),
    ),
    web_link=CONSOLE + "db-snapshot:id={DBClusterSnapshotIdentifier}",
    links=(
        Link(
            "CONTAINS",
            "aws_rds_cluster",
            reverse=True,
            values=sibling_arn("DBClusterSnapshotArn", "cluster", "DBClusterIdentifier"),
        ),
    ),
    service_has=False,
)

SPECS = (CLUSTER, INSTANCE, SNAPSHOT, CLUSTER_SNAPSHOT)
