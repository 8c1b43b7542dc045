"""EC2 Auto Scaling groups and the instances they hold."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Link, Resource


def _group(item: dict[str, Any]) -> dict[str, Any]:
    zone_ids = item.get("VPCZoneIdentifier") or ""
    lt = (
        item.get("LaunchTemplate")
        or (item.get("MixedInstancesPolicy") or {}).get("LaunchTemplate", {}).get("LaunchTemplateSpecification")
        or {}
    )
    return {
        "subnetIds": [s for s in zone_ids.split(",") if s] or None,
        "launchTemplateId": lt.get("LaunchTemplateId"),
        "launchTemplateName": lt.get("LaunchTemplateName"),
        "launchTemplateVersion": lt.get("Version"),
    }


GROUP = Resource(
    type="aws_autoscaling_group",
    cls=("Deployment", "Group"),
    service="autoscaling",
    call="describe_auto_scaling_groups",
    items="AutoScalingGroups",
    id="AutoScalingGroupName",
    arn="AutoScalingGroupARN",
    name="AutoScalingGroupName",
    created="CreatedTime",
    props={
        "minSize": "MinSize",
        "maxSize": "MaxSize",
        "desiredCapacity": "DesiredCapacity",
        "defaultCooldown": "DefaultCooldown",
        "availabilityZones": "AvailabilityZones",
        "launchConfigurationName": "LaunchConfigurationName",
        "healthCheckType": "HealthCheckType",
        "healthCheckGracePeriod": "HealthCheckGracePeriod",
        "loadBalancerNames": "LoadBalancerNames",
        "targetGroupArns": "TargetGroupARNs",
        "instanceIds": "Instances[].InstanceId",
        "status": "Status",
        "serviceLinkedRoleArn": "ServiceLinkedRoleARN",
        "capacityRebalance": "CapacityRebalance",
        "newInstancesProtectedFromScaleIn": "NewInstancesProtectedFromScaleIn",
    },
    compute=_group,
    web_link="https://console.aws.amazon.com/ec2/home?region={region}#AutoScalingGroupDetails:id="
    "{AutoScalingGroupName}",
    links=(Link("HAS", "aws_instance", values="Instances[].InstanceId", on="id"),),
)

SPECS = (GROUP,)
