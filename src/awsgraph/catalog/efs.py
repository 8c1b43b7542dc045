"""EFS file systems (with their policy) and mount targets (with their security groups)."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.refs import kms_ref
from awsgraph.catalog.spec import Detail, Link, Parent, Resource

CONSOLE = "https://console.aws.amazon.com/efs/home?region={region}#/file-systems/"


def _file_system(item: dict[str, Any]) -> dict[str, Any]:
    return {"hasPolicy": isinstance(item.get("Policy"), dict), "classification": None}


FILE_SYSTEM = Resource(
    type="aws_efs_file_system",
    cls=("DataStore",),
    service="efs",
    call="describe_file_systems",
    items="FileSystems",
    id="FileSystemId",
    arn="FileSystemArn",
    arn_template="arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{FileSystemId}",
    name="Name || FileSystemId",
    created="CreationTime",
    active="LifeCycleState == 'available'",
    props={
        "fileSystemId": "FileSystemId",
        "encrypted": "Encrypted",
        "kmsKeyId": "KmsKeyId",
        "performanceMode": "PerformanceMode",
        "throughputMode": "ThroughputMode",
        "lifeCycleState": "LifeCycleState",
        "sizeInBytes": "SizeInBytes.Value",
        "numberOfMountTargets": "NumberOfMountTargets",
        "availabilityZoneName": "AvailabilityZoneName",
        "ownerId": "OwnerId",
    },
    compute=_file_system,
    details=(
        Detail(
            "describe_file_system_policy",
            into="Policy",
            params={"FileSystemId": "FileSystemId"},
            result="Policy",
            decode_json=True,
            missing=("PolicyNotFound", "FileSystemNotFound"),
        ),
    ),
    web_link=CONSOLE + "{FileSystemId}",
    links=(Link("USES", "aws_kms_key", values=kms_ref("KmsKeyId", "FileSystemArn"), on="keyRefs"),),
)
MOUNT_TARGET = Resource(
    type="aws_efs_mount_target",
    cls=("NetworkEndpoint",),
    service="efs",
    call="describe_mount_targets",
    items="MountTargets",
    parent=Parent(
        "aws_efs_file_system",
        params={"FileSystemId": "FileSystemId"},
        carry={"FileSystemArn": "FileSystemArn"},
    ),
    id="MountTargetId",
    key_template="{FileSystemArn}/mount-target/{MountTargetId}",
    tags=None,
    active="LifeCycleState == 'available'",
    props={
        "fileSystemId": "FileSystemId",
        "subnetId": "SubnetId",
        "vpcId": "VpcId",
        "ipAddress": "IpAddress",
        "networkInterfaceId": "NetworkInterfaceId",
        "availabilityZone": "AvailabilityZoneName",
        "lifeCycleState": "LifeCycleState",
        "securityGroupIds": "SecurityGroups",
    },
    details=(
        Detail(
            "describe_mount_target_security_groups",
            into="SecurityGroups",
            params={"MountTargetId": "MountTargetId"},
            result="SecurityGroups",
        ),
    ),
    web_link=CONSOLE + "{FileSystemId}?tabId=network",
    links=(
        Link("HAS", "aws_efs_file_system", values="FileSystemArn", reverse=True),
        Link("USES", "aws_eni", values="NetworkInterfaceId", on="id"),
        Link("HAS", "aws_subnet", values="SubnetId", on="id", reverse=True),
        Link("PROTECTS", "aws_security_group", values="SecurityGroups", on="id", reverse=True),
    ),
    service_has=False,
)

SPECS = (FILE_SYSTEM, MOUNT_TARGET)
