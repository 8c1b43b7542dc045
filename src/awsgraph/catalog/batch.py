"""AWS Batch: compute environments, job queues, job definitions and jobs.

Jobs are listed per queue with a creation-time filter, which AWS answers with jobs of every
status in one listing (a bare ``ListJobs`` returns only RUNNING ones); capped per queue.
"""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Link, Parent, Resource

JOB_CAP = 200
CONSOLE = "https://console.aws.amazon.com/batch/home?region={region}#"


def _job_definition(item: dict[str, Any]) -> dict[str, Any]:
    c = item.get("containerProperties") or {}
    return {
        "privileged": bool(c.get("privileged")) if c else None,
        "environmentVariableNames": sorted(
            {e.get("name") for e in c.get("environment") or [] if isinstance(e, dict) and e.get("name")}
        )
        or None,
    }


COMPUTE_ENVIRONMENT = Resource(
    type="aws_batch_compute_environment",
    cls=("Configuration",),
    service="batch",
    call="describe_compute_environments",
    items="computeEnvironments",
    id="computeEnvironmentName",
    arn="computeEnvironmentArn",
    name="computeEnvironmentName",
    tags="tags",
    active="state == 'ENABLED' && status == 'VALID'",
    props={
        "type": "type",
        "state": "state",
        "status": "status",
        "statusReason": "statusReason",
        "ecsClusterArn": "ecsClusterArn",
        "serviceRole": "serviceRole",
        "instanceRole": "computeResources.instanceRole",
        "computeType": "computeResources.type",
        "subnetIds": "computeResources.subnets",
        "securityGroupIds": "computeResources.securityGroupIds",
        "instanceTypes": "computeResources.instanceTypes",
        "minvCpus": "computeResources.minvCpus",
        "maxvCpus": "computeResources.maxvCpus",
        "desiredvCpus": "computeResources.desiredvCpus",
        "imageId": "computeResources.imageId",
        "ec2KeyPair": "computeResources.ec2KeyPair",
        "spotIamFleetRole": "computeResources.spotIamFleetRole",
    },
    web_link=CONSOLE + "compute-environments",
    links=(
        Link("USES", "aws_ecs_cluster", values="ecsClusterArn"),
        # The service role is what Batch acts as for the environment; the instance role (an
        # instance profile) is what its container instances run as.
        Link("USES", "aws_iam_role", values="serviceRole"),
        Link("ASSIGNED", "aws_iam_role", values="computeResources.instanceRole", on="instanceProfileArns"),
        # Some estates name a role here rather than an instance profile.
        Link("ASSIGNED", "aws_iam_role", values="computeResources.instanceRole"),
    ),
)
JOB_QUEUE = Resource(
    type="aws_batch_job_queue",
    cls=("Queue",),
    service="batch",
    call="describe_job_queues",
    items="jobQueues",
    id="jobQueueName",
    arn="jobQueueArn",
    name="jobQueueName",
    tags="tags",
    active="state == 'ENABLED' && status == 'VALID'",
    props={
        "state": "state",
        "status": "status",
        "priority": "priority",
        "computeEnvironments": "computeEnvironmentOrder[].computeEnvironment",
        "schedulingPolicyArn": "schedulingPolicyArn",
    },
    web_link=CONSOLE + "queues",
    links=(Link("USES", "aws_batch_compute_environment", values="computeEnvironmentOrder[].computeEnvironment"),),
)
JOB_DEFINITION = Resource(
    type="aws_batch_job_definition",
    cls=("Configuration", "Function"),
    service="batch",
    call="describe_job_definitions",
    params={"status": "ACTIVE"},
    items="jobDefinitions",
    id="join(':', [jobDefinitionName, to_string(revision)])",
    arn="jobDefinitionArn",
    tags="tags",
    active="status == 'ACTIVE'",
    props={
        "jobDefinitionName": "jobDefinitionName",
        "revision": "revision",
        "status": "status",
        "type": "type",
        "image": "containerProperties.image",
        "jobRoleArn": "containerProperties.jobRoleArn",
        "executionRoleArn": "containerProperties.executionRoleArn",
        "platformCapabilities": "platformCapabilities",
        "propagateTags": "propagateTags",
    },
    compute=_job_definition,
    web_link=CONSOLE + "job-definition",
    links=(
        Link("ASSIGNED", "aws_iam_role", values="containerProperties.jobRoleArn"),
        Link("USES", "aws_iam_role", values="containerProperties.executionRoleArn"),
    ),
)
JOB = Resource(
    type="aws_batch_job",
    cls=("Process", "Task"),
    service="batch",
    call="list_jobs",
    params={"filters": [{"name": "AFTER_CREATED_AT", "values": ["0"]}]},
    items="jobSummaryList",
    parent=Parent("aws_batch_job_queue", params={"jobQueue": "jobQueueArn"}, carry={"JobQueueArn": "jobQueueArn"}),
    cap=JOB_CAP,
    id="jobId",
    arn="jobArn",
    arn_template="arn:{partition}:batch:{region}:{account}:job/{jobId}",
    name="jobName",
    created="createdAt",
    tags=None,
    active="contains(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING'], status)",
    props={
        "jobId": "jobId",
        "status": "status",
        "statusReason": "statusReason",
        "jobDefinition": "jobDefinition",
        "startedAt": "startedAt",
        "stoppedAt": "stoppedAt",
        "exitCode": "container.exitCode",
        "jobQueueArn": "JobQueueArn",
    },
    web_link=CONSOLE + "jobs/detail/{jobId}",
    links=(
        Link("HAS", "aws_batch_job_queue", values="JobQueueArn", reverse=True),
        Link("USES", "aws_batch_job_definition", values="jobDefinition"),
    ),
    service_has=False,
)

SPECS = (COMPUTE_ENVIRONMENT, JOB_QUEUE, JOB_DEFINITION, JOB)
