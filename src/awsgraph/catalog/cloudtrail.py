"""CloudTrail trails, with the buckets and log groups they log to (``aws_cloudtrail LOGS``)."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Resource

# arn:aws:logs:region:account:log-group:NAME:*
LOG_GROUP_NAME = "CloudWatchLogsLogGroupArn && split(':', CloudWatchLogsLogGroupArn)[6] || null"


def _trail(item: dict[str, Any]) -> dict[str, Any]:
    status = item.get("Status") or {}
    selectors = item.get("Selectors") or {}
    management = [s for s in selectors.get("EventSelectors") or [] if s.get("IncludeManagementEvents")]
    return {
        "isLogging": status.get("IsLogging"),
        "latestDeliveryError": status.get("LatestDeliveryError"),
        "encrypted": bool(item.get("KmsKeyId")),
        "logsManagementEvents": bool(management) or bool(selectors.get("AdvancedEventSelectors")) or None,
        "category": ["logging", "audit"],
        "function": ["audit"],
    }


TRAIL = Resource(
    # JupiterOne's aws_cloudtrail is the trail: "aws_cloudtrail LOGS aws_s3_bucket" names one.
    type="aws_cloudtrail",
    cls=("Service",),
    service="cloudtrail",
    call="describe_trails",
    params={"includeShadowTrails": False},
    items="trailList",
    id="TrailARN",
    arn="TrailARN",
    name="Name",
    region="HomeRegion",
    props={
        "s3BucketName": "S3BucketName",
        "s3KeyPrefix": "S3KeyPrefix",
        "snsTopicArn": "SnsTopicARN",
        "isMultiRegionTrail": "IsMultiRegionTrail",
        "isOrganizationTrail": "IsOrganizationTrail",
        "includeGlobalServiceEvents": "IncludeGlobalServiceEvents",
        "logFileValidationEnabled": "LogFileValidationEnabled",
        "kmsKeyId": "KmsKeyId",
        "cloudWatchLogsLogGroupArn": "CloudWatchLogsLogGroupArn",
        "cloudWatchLogsRoleArn": "CloudWatchLogsRoleArn",
        "homeRegion": "HomeRegion",
        "hasCustomEventSelectors": "HasCustomEventSelectors",
    },
    compute=_trail,
    active="Status.IsLogging",
    details=(
        Detail("get_trail_status", into="Status", params={"Name": "TrailARN"}),
        Detail("get_event_selectors", into="Selectors", params={"TrailName": "TrailARN"}),
        Detail(
            "list_tags",
            into="Tags",
            params={"ResourceIdList": "[TrailARN]"},
            result="ResourceTagList[0].TagsList",
        ),
    ),
    web_link="https://console.aws.amazon.com/cloudtrail/home?region={region}#/trails/{TrailARN}",
    links=(
        Link("LOGS", "aws_s3_bucket", values="S3BucketName", on="name"),
        Link("LOGS", "aws_cloudwatch_log_group", values=LOG_GROUP_NAME, on="name"),
        Link("USES", "aws_kms_key", values="KmsKeyId", on="keyRefs"),
        # No separate aws_cloudtrail service entity (the type is the trail): the account has its trails.
        Link(
            "HAS", "aws_account", values="join('', ['aws:account:', split(':', TrailARN)[4]])", reverse=True
        ),
    ),
    service_has=False,
)

SPECS = (TRAIL,)
