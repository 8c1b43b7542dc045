"""CloudWatch: EventBridge rules (and the functions they trigger), metric alarms, log groups;
VPC flow logs (``aws_vpc LOGS`` a log group or a bucket)."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.messaging import policy_props
from awsgraph.catalog.spec import Detail, Link, Parent, Resource

GROUP = "cloudwatch"
CONSOLE = "https://console.aws.amazon.com/cloudwatch/home?region={region}#"
# Target ARNs may carry a version or alias: arn:aws:lambda:r:a:function:name[:qualifier].
TARGET_ARNS = "map(&join(':', split(':', @)[0:7]), Targets[].Arn)"


EVENT_BUS = Resource(
    type="aws_cloudwatch_event_bus",
    cls=("Channel",),
    service="events",
    group=GROUP,
    call="list_event_buses",
    items="EventBuses",
    id="Arn",
    arn="Arn",
    name="Name",
    created="CreationTime",
    props={"description": "Description", "eventBusName": "Name"},
    compute=lambda item: policy_props({"Policy": item.get("Policy")}),
    details=(Detail("list_tags_for_resource", into="Tags", params={"ResourceARN": "Arn"}, result="Tags"),),
    web_link=CONSOLE.replace("cloudwatch/home", "events/home") + "eventbus/{Name}",
    description="Event buses; rules are listed per bus (the default bus and custom ones).",
)

EVENT_RULE = Resource(
    type="aws_cloudwatch_event_rule",
    cls=("Task",),
    service="events",
    group=GROUP,
    call="list_rules",
    parent=Parent("aws_cloudwatch_event_bus", params={"EventBusName": "Name"}, carry={"EventBusArn": "Arn"}),
    id="Arn",
    arn="Arn",
    name="Name",
    active="State == 'ENABLED'",
    props={
        "state": "State",
        "scheduleExpression": "ScheduleExpression",
        "eventPattern": "EventPattern",
        "eventBusName": "EventBusName",
        "description": "Description",
        "roleArn": "RoleArn",
        "managedBy": "ManagedBy",
        "targetArns": "Targets[].Arn",
    },
    compute=lambda item: {
        "schedule": item.get("ScheduleExpression"),
        "enabled": item.get("State") == "ENABLED",
    },
    details=(
        Detail(
            "list_targets_by_rule",
            into="Targets",
            params={"Rule": "Name", "EventBusName": "EventBusName"},
            result="Targets",
            paginate=True,
        ),
        Detail("list_tags_for_resource", into="Tags", params={"ResourceARN": "Arn"}, result="Tags"),
    ),
    web_link=CONSOLE + "rules:name={Name}",
    links=(
        Link("TRIGGERS", ("aws_lambda_function", "aws_sqs_queue", "aws_sns_topic"), values=TARGET_ARNS),
        Link("HAS", "aws_cloudwatch_event_bus", values="EventBusArn", reverse=True),
    ),
)

METRIC_ALARM = Resource(
    type="aws_cloudwatch_metric_alarm",
    cls=("Monitor",),
    service="cloudwatch",
    group=GROUP,
    call="describe_alarms",
    items="MetricAlarms",
    id="AlarmArn",
    arn="AlarmArn",
    name="AlarmName",
    created="AlarmConfigurationUpdatedTimestamp",
    active="ActionsEnabled",
    props={
        "description": "AlarmDescription",
        "state": "StateValue",
        "stateReason": "StateReason",
        "metricName": "MetricName",
        "namespace": "Namespace",
        "statistic": "Statistic",
        "threshold": "Threshold",
        "comparisonOperator": "ComparisonOperator",
        "period": "Period",
        "evaluationPeriods": "EvaluationPeriods",
        "actionsEnabled": "ActionsEnabled",
        "alarmActions": "AlarmActions",
        "okActions": "OKActions",
        "insufficientDataActions": "InsufficientDataActions",
        "dimensions": "Dimensions[].join('=', [Name, Value])",
    },
    details=(Detail("list_tags_for_resource", into="Tags", params={"ResourceARN": "AlarmArn"}, result="Tags"),),
    web_link=CONSOLE + "alarmsV2:alarm/{AlarmName}",
)


def _log_group(item: dict[str, Any]) -> dict[str, Any]:
    kms = item.get("kmsKeyId")
    return {
        "kmsKeyId": kms,
        "encrypted": True,
        "kmsEncrypted": bool(kms),
        "retentionDays": item.get("retentionInDays"),
        "retentionSet": item.get("retentionInDays") is not None,
        "arn": item.get("logGroupArn") or str(item.get("arn", "")).removesuffix(":*") or None,
    }


LOG_GROUP = Resource(
    type="aws_cloudwatch_log_group",
    cls=("Logs",),
    service="logs",
    group=GROUP,
    call="describe_log_groups",
    id="logGroupName",
    name="logGroupName",
    created="creationTime",
    tags="Tags",
    # logGroupArn has no ":*" suffix; older responses only have "arn" with it.
    arn="logGroupArn || arn",
    arn_template="arn:{partition}:logs:{region}:{account}:log-group:{logGroupName}",
    props={
        "retentionInDays": "retentionInDays",
        "storedBytes": "storedBytes",
        "metricFilterCount": "metricFilterCount",
        "logGroupClass": "logGroupClass",
        "dataProtectionStatus": "dataProtectionStatus",
    },
    compute=_log_group,
    details=(Detail("list_tags_log_group", into="Tags", params={"logGroupName": "logGroupName"}, result="tags"),),
    web_link=CONSOLE + "logsV2:log-groups/log-group/{logGroupName}",
    links=(Link("USES", "aws_kms_key", values="kmsKeyId", on="keyRefs"),),
)

# A flow log delivers to a log group (LogGroupName; no LogDestination on some endpoints) or to a
# bucket (LogDestination arn:aws:s3:::bucket[/prefix]).
FLOW_LOG_BUCKET = "(LogDestinationType == 's3' && split('/', split(':::', LogDestination)[1])[0]) || null"
FLOW_LOG_GROUP = (
    "LogGroupName || (LogDestinationType == 'cloud-watch-logs' && LogDestination "
    "&& split(':', LogDestination)[6]) || null"
)
FLOW_LOG = Resource(
    type="aws_vpc_flow_log",
    cls=("Configuration",),
    service="ec2",
    group=GROUP,
    call="describe_flow_logs",
    items="FlowLogs",
    id="FlowLogId",
    arn_template="arn:{partition}:ec2:{region}:{account}:vpc-flow-log/{FlowLogId}",
    created="CreationTime",
    active="FlowLogStatus == 'ACTIVE'",
    props={
        "resourceId": "ResourceId",
        "trafficType": "TrafficType",
        "destinationType": "LogDestinationType",
        "logDestination": "LogDestination",
        "logGroupName": "LogGroupName",
        "status": "FlowLogStatus",
        "deliverLogsStatus": "DeliverLogsStatus",
        "logFormat": "LogFormat",
        "deliverLogsPermissionArn": "DeliverLogsPermissionArn",
    },
    web_link="https://console.aws.amazon.com/vpc/home?region={region}#FlowLogs:",
    links=(
        # The spec's rows are aws_vpc LOGS ...: the VPC named by ResourceId stands in for the flow log.
        Link(
            "LOGS",
            "aws_cloudwatch_log_group",
            values=FLOW_LOG_GROUP,
            on="name",
            subject=("aws_vpc", "id", "ResourceId"),
        ),
        Link(
            "LOGS",
            "aws_s3_bucket",
            values=FLOW_LOG_BUCKET,
            on="name",
            subject=("aws_vpc", "id", "ResourceId"),
        ),
        Link("HAS", ("aws_vpc", "aws_subnet", "aws_eni"), values="ResourceId", on="id", reverse=True),
        Link("USES", "aws_iam_role", values="DeliverLogsPermissionArn"),
    ),
    service_has=False,
    description="Recorded so that aws_vpc LOGS its flow log destinations.",
)

SPECS = (EVENT_BUS, EVENT_RULE, METRIC_ALARM, LOG_GROUP, FLOW_LOG)
