"""EKS clusters: endpoint exposure, VPC placement, secrets encryption and control-plane logging."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource


def _cluster(item: dict[str, Any]) -> dict[str, Any]:
    c = item.get("Cluster") or {}
    vpc = c.get("resourcesVpcConfig") or {}
    cidrs = vpc.get("publicAccessCidrs") or []
    public = bool(vpc.get("endpointPublicAccess"))
    logs = [
        t
        for lg in (c.get("logging") or {}).get("clusterLogging") or []
        if lg.get("enabled")
        for t in lg.get("types") or []
    ]
    return {
        "public": public,
        "publicAccessCidrs": cidrs or None,
        "publicToInternet": public and (not cidrs or "0.0.0.0/0" in cidrs),
        "encrypted": bool(c.get("encryptionConfig")),
        "enabledLogTypes": sorted(logs),
        "loggingEnabled": bool(logs),
    }


CLUSTER = Resource(
    type="aws_eks_cluster",
    cls=("Cluster",),
    service="eks",
    call="list_clusters",
    id="Value",
    arn="Cluster.arn",
    name="Cluster.name || Value",
    tags="Cluster.tags",
    created="Cluster.createdAt",
    active="Cluster.status == 'ACTIVE'",
    props={
        "version": "Cluster.version",
        "engineVersion": "Cluster.version",
        "platformVersion": "Cluster.platformVersion",
        "status": "Cluster.status",
        "endpoint": "Cluster.endpoint",
        "roleArn": "Cluster.roleArn",
        "vpcId": "Cluster.resourcesVpcConfig.vpcId || SubnetVpcIds[0]",
        "subnetIds": "Cluster.resourcesVpcConfig.subnetIds",
        "securityGroupIds": "Cluster.resourcesVpcConfig.securityGroupIds",
        "clusterSecurityGroupId": "Cluster.resourcesVpcConfig.clusterSecurityGroupId",
        "endpointPublicAccess": "Cluster.resourcesVpcConfig.endpointPublicAccess",
        "endpointPrivateAccess": "Cluster.resourcesVpcConfig.endpointPrivateAccess",
        "kmsKeyId": "Cluster.encryptionConfig[0].provider.keyArn",
        "oidcIssuer": "Cluster.identity.oidc.issuer",
    },
    compute=_cluster,
    details=(
        Detail("describe_cluster", into="Cluster", params={"name": "Value"}, result="cluster"),
        # The VPC of its subnets, for endpoints whose cluster description leaves vpcId out.
        Detail(
            "describe_subnets",
            service="ec2",
            into="SubnetVpcIds",
            params={"SubnetIds": "Cluster.resourcesVpcConfig.subnetIds[0] && Cluster.resourcesVpcConfig.subnetIds"},
            result="Subnets[].VpcId",
            stage=1,
        ),
    ),
    web_link="https://console.aws.amazon.com/eks/home?region={region}#/clusters/{Value}",
    links=(
        Link("USES", "aws_iam_role", values="Cluster.roleArn"),
        Link(
            "PROTECTS",
            "aws_security_group",
            on="id",
            reverse=True,
            values="Cluster.resourcesVpcConfig.[securityGroupIds, clusterSecurityGroupId][]",
        ),
    ),
)

SPECS = (CLUSTER,)
