"""CloudFormation stacks."""

from __future__ import annotations

from awsgraph.catalog.spec import Link, Resource

STACK = Resource(
    type="aws_cloudformation_stack",
    cls=("Configuration",),
    service="cloudformation",
    call="describe_stacks",
    id="StackId",
    arn="StackId",
    name="StackName",
    created="CreationTime",
    active="!contains(StackStatus, 'DELETE_COMPLETE')",
    props={
        "status": "StackStatus",
        "statusReason": "StackStatusReason",
        "description": "Description",
        "roleArn": "RoleARN",
        "parentId": "ParentId",
        "rootId": "RootId",
        "terminationProtection": "EnableTerminationProtection",
        "disableRollback": "DisableRollback",
        "driftStatus": "DriftInformation.StackDriftStatus",
        "lastUpdatedTime": "LastUpdatedTime",
        "capabilities": "Capabilities",
        "notificationArns": "NotificationARNs",
        "outputKeys": "Outputs[].OutputKey",
        "parameterKeys": "Parameters[].ParameterKey",
    },
    safe={"outputKeys": "output names only: the values (which may be secrets) are never read into the graph",
          "parameterKeys": "parameter names only: the values (NoEcho ones included) are never stored"},
    web_link="https://console.aws.amazon.com/cloudformation/home?region={region}#/stacks/stackinfo?stackId="
    "{StackId}",
    links=(Link("USES", "aws_iam_role", values="RoleARN"),),
)

SPECS = (STACK,)
