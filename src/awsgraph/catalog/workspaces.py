"""Amazon WorkSpaces: workspaces and the bundles they use."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Parent, Resource
from awsgraph.model.hostnames import host_names


def _workspace(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "encrypted": bool(
            item.get("RootVolumeEncryptionEnabled") and item.get("UserVolumeEncryptionEnabled")
        ),
        "category": "endpoint",
        **host_names(item.get("ComputerName")),
        "privateIpAddresses": [item["IpAddress"]] if item.get("IpAddress") else None,
        "ipv4Addresses": [item["IpAddress"]] if item.get("IpAddress") else None,
    }


WORKSPACE = Resource(
    type="aws_workspace",
    cls=("Host",),
    service="workspaces",
    call="describe_workspaces",
    id="WorkspaceId",
    name="ComputerName || WorkspaceId",
    tags="Tags",
    arn_template="arn:{partition}:workspaces:{region}:{account}:workspace/{WorkspaceId}",
    active="State == 'AVAILABLE'",
    props={
        "directoryId": "DirectoryId",
        "username": "UserName",
        "ipAddress": "IpAddress",
        "state": "State",
        "bundleId": "BundleId",
        "subnetId": "SubnetId",
        "computerName": "ComputerName",
        "volumeEncryptionKey": "VolumeEncryptionKey",
        "rootVolumeEncryptionEnabled": "RootVolumeEncryptionEnabled",
        "userVolumeEncryptionEnabled": "UserVolumeEncryptionEnabled",
        "runningMode": "WorkspaceProperties.RunningMode",
        "computeType": "WorkspaceProperties.ComputeTypeName",
    },
    compute=_workspace,
    details=(Detail("describe_tags", into="Tags", params={"ResourceId": "WorkspaceId"}, result="TagList"),),
    safe={"volumeEncryptionKey": "names the KMS key (id or ARN) that encrypts the volumes, never key material",
          "links": "VolumeEncryptionKey names a KMS key (id or ARN), never key material"},
    web_link="https://console.aws.amazon.com/workspaces/home?region={region}#listworkspaces:search={WorkspaceId}",
    links=(
        Link("USES", "aws_workspaces_bundle", values="BundleId", on="id"),
        Link("HAS", "aws_subnet", values="SubnetId", on="id", reverse=True),
        Link("USES", "aws_kms_key", values="VolumeEncryptionKey", on="keyRefs"),
    ),
)


def _bundle(parent: Parent | None) -> Resource:
    return Resource(
        type="aws_workspaces_bundle",
        cls=("Configuration",),
        service="workspaces",
        call="describe_workspace_bundles",
        parent=parent,
        items="Bundles",
        id="BundleId",
        name="Name",
        tags=None,
        created="CreationTime",
        arn_template="arn:{partition}:workspaces:{region}:{account}:workspacebundle/{BundleId}",
        props={
            "description": "Description",
            "bundleOwner": "Owner",
            "imageId": "ImageId",
            "computeType": "ComputeType.Name",
            "rootStorage": "RootStorage.Capacity",
            "userStorage": "UserStorage.Capacity",
            "state": "State",
            "bundleType": "BundleType",
        },
        web_link="https://console.aws.amazon.com/workspaces/home?region={region}#bundles",
    )


# The account's own bundles, and the (often Amazon-owned) bundle each workspace uses.
BUNDLE = _bundle(None)
USED_BUNDLE = _bundle(Parent("aws_workspace", params={"BundleIds": "[BundleId]"}))

SPECS = (WORKSPACE, BUNDLE, USED_BUNDLE)
