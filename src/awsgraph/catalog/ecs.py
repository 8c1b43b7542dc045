"""ECS: clusters, and per cluster its container instances, services and running tasks;
task definitions (active revisions). List calls return ARNs; one describe call each adds
the detail (tags included)."""

from __future__ import annotations

from typing import Any

from awsgraph.catalog.spec import Detail, Link, Parent, Resource

CONSOLE = "https://console.aws.amazon.com/ecs/v2/"
IN_CLUSTER = Parent("aws_ecs_cluster", params={"cluster": "Value"}, carry={"ClusterArn": "Value"})


def _task_group(cluster: str, group: str) -> str:
    """The value a service and its tasks share: tasks started by a service get ``service:<name>``."""
    return f"{cluster}|{group}"


def _service(item: dict[str, Any]) -> dict[str, Any]:
    svc = item.get("Service") or {}
    net = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return {
        "taskGroup": _task_group(str(svc.get("clusterArn")), f"service:{svc.get('serviceName')}"),
        "subnetIds": net.get("subnets"),
        "securityGroupIds": net.get("securityGroups"),
        "public": net.get("assignPublicIp") == "ENABLED" if net else None,
        # A task a service starts has startedBy = the id of one of the service's deployments.
        "deploymentIds": [d.get("id") for d in svc.get("deployments") or [] if d.get("id")] or None,
        # Service.category/function: an application whose function AWS cannot tell us
        "category": ["application"],
        "function": ["other"],
    }


def _task(item: dict[str, Any]) -> dict[str, Any]:
    task = item.get("Task") or {}
    details = [d for a in task.get("attachments") or [] for d in a.get("details") or []]
    found = {d.get("name"): d.get("value") for d in details if isinstance(d, dict)}
    return {
        "subnetId": found.get("subnetId"),
        "networkInterfaceId": found.get("networkInterfaceId"),
        "privateIpAddress": found.get("privateIPv4Address"),
    }


def _task_definition(item: dict[str, Any]) -> dict[str, Any]:
    td = (item.get("Def") or {}).get("taskDefinition") or {}
    containers = td.get("containerDefinitions") or []
    return {
        "images": sorted({c.get("image") for c in containers if c.get("image")}),
        "containerNames": [c.get("name") for c in containers if c.get("name")],
        "privileged": any(bool(c.get("privileged")) for c in containers),
        "environmentVariableNames": sorted(
            {
                e.get("name")
                for c in containers
                for e in c.get("environment") or []
                if isinstance(e, dict) and e.get("name")
            }
        )
        or None,
        "secretNames": sorted(
            {s.get("name") for c in containers for s in c.get("secrets") or [] if isinstance(s, dict) and s.get("name")}
        )
        or None,
    }


CLUSTER = Resource(
    type="aws_ecs_cluster",
    cls=("Cluster",),
    service="ecs",
    call="list_clusters",
    id="Value",
    arn="Cluster.clusterArn",
    name="Cluster.clusterName",
    tags="Cluster.tags",
    active="Cluster.status == 'ACTIVE'",
    props={
        "status": "Cluster.status",
        "clusterName": "Cluster.clusterName",
        "registeredContainerInstancesCount": "Cluster.registeredContainerInstancesCount",
        "runningTasksCount": "Cluster.runningTasksCount",
        "pendingTasksCount": "Cluster.pendingTasksCount",
        "activeServicesCount": "Cluster.activeServicesCount",
        "capacityProviders": "Cluster.capacityProviders",
        "containerInsights": "Cluster.settings[?name=='containerInsights'].value | [0]",
    },
    details=(
        Detail(
            "describe_clusters",
            into="Cluster",
            params={"clusters": "[Value]"},
            static={"include": ["TAGS", "SETTINGS"]},
            result="clusters[0]",
        ),
    ),
    web_link=CONSOLE + "clusters?region={region}",
)
CONTAINER_INSTANCE = Resource(
    type="aws_ecs_container_instance",
    cls=("Host", "Container"),
    service="ecs",
    call="list_container_instances",
    parent=IN_CLUSTER,
    id="Value",
    arn="Instance.containerInstanceArn",
    name="Instance.ec2InstanceId || Value",
    tags="Instance.tags",
    created="Instance.registeredAt",
    active="Instance.status == 'ACTIVE'",
    props={
        "ec2InstanceId": "Instance.ec2InstanceId",
        "instanceStatus": "Instance.status",  # Host.status is a device lifecycle state
        "agentConnected": "Instance.agentConnected",
        "runningTasksCount": "Instance.runningTasksCount",
        "pendingTasksCount": "Instance.pendingTasksCount",
        "agentVersion": "Instance.versionInfo.agentVersion",
        "dockerVersion": "Instance.versionInfo.dockerVersion",
        "clusterArn": "ClusterArn",
        "capacityProviderName": "Instance.capacityProviderName",
    },
    details=(
        Detail(
            "describe_container_instances",
            into="Instance",
            params={"cluster": "ClusterArn", "containerInstances": "[Value]"},
            static={"include": ["TAGS"]},
            result="containerInstances[0]",
        ),
    ),
    links=(
        Link("HAS", "aws_ecs_cluster", values="ClusterArn", reverse=True),
        Link("RUNS", "aws_instance", values="Instance.ec2InstanceId", on="id", reverse=True),
    ),
    service_has=False,
)
SERVICE = Resource(
    type="aws_ecs_service",
    cls=("Service",),
    service="ecs",
    call="list_services",
    parent=IN_CLUSTER,
    id="Value",
    arn="Service.serviceArn",
    name="Service.serviceName",
    tags="Service.tags",
    created="Service.createdAt",
    active="Service.status == 'ACTIVE'",
    props={
        "serviceName": "Service.serviceName",
        "status": "Service.status",
        "launchType": "Service.launchType",
        "desiredCount": "Service.desiredCount",
        "runningCount": "Service.runningCount",
        "pendingCount": "Service.pendingCount",
        "taskDefinition": "Service.taskDefinition",
        "platformVersion": "Service.platformVersion",
        "schedulingStrategy": "Service.schedulingStrategy",
        "roleArn": "Service.roleArn",
        "clusterArn": "ClusterArn",
        "loadBalancerTargetGroups": "Service.loadBalancers[].targetGroupArn",
    },
    compute=_service,
    details=(
        Detail(
            "describe_services",
            into="Service",
            params={"cluster": "ClusterArn", "services": "[Value]"},
            static={"include": ["TAGS"]},
            result="services[0]",
        ),
    ),
    web_link=CONSOLE + "clusters?region={region}",
    links=(
        Link("HAS", "aws_ecs_cluster", values="ClusterArn", reverse=True),
        Link("DEFINES", "aws_ecs_task_definition", values="Service.taskDefinition", reverse=True),
    ),
    service_has=False,
)
TASK_DEFINITION = Resource(
    type="aws_ecs_task_definition",
    cls=("Function", "Configuration"),
    service="ecs",
    call="list_task_definitions",
    params={"status": "ACTIVE", "sort": "DESC"},
    cap=2000,
    id="Value",
    arn="Def.taskDefinition.taskDefinitionArn",
    name="join(':', [Def.taskDefinition.family, to_string(Def.taskDefinition.revision)])",
    tags="Def.tags",
    created="Def.taskDefinition.registeredAt",
    active="Def.taskDefinition.status == 'ACTIVE'",
    props={
        "family": "Def.taskDefinition.family",
        "revision": "Def.taskDefinition.revision",
        "status": "Def.taskDefinition.status",
        "networkMode": "Def.taskDefinition.networkMode",
        "taskRoleArn": "Def.taskDefinition.taskRoleArn",
        "executionRoleArn": "Def.taskDefinition.executionRoleArn",
        "cpu": "Def.taskDefinition.cpu",
        "memory": "Def.taskDefinition.memory",
        "requiresCompatibilities": "Def.taskDefinition.requiresCompatibilities",
        "pidMode": "Def.taskDefinition.pidMode",
        "ipcMode": "Def.taskDefinition.ipcMode",
    },
    compute=_task_definition,
    details=(
        Detail(
            "describe_task_definition",
            into="Def",
            params={"taskDefinition": "Value"},
            static={"include": ["TAGS"]},
        ),
    ),
    web_link=CONSOLE + "task-definitions?region={region}",
    links=(
        # The task role is what the containers act as; the execution role is what ECS uses to
        # pull images and write logs on the task's behalf.
        Link("ASSIGNED", "aws_iam_role", values="Def.taskDefinition.taskRoleArn"),
        Link("USES", "aws_iam_role", values="Def.taskDefinition.executionRoleArn"),
    ),
)
TASK = Resource(
    type="aws_ecs_task",
    cls=("Task", "Process"),
    service="ecs",
    call="list_tasks",
    parent=IN_CLUSTER,
    id="Value",
    arn="Task.taskArn",
    name="arn_name(Value)",
    tags="Task.tags",
    created="Task.createdAt || Task.startedAt",
    active="Task.desiredStatus == 'RUNNING'",
    props={
        "lastStatus": "Task.lastStatus",
        "desiredStatus": "Task.desiredStatus",
        "launchType": "Task.launchType",
        "taskDefinitionArn": "Task.taskDefinitionArn",
        "containerInstanceArn": "Task.containerInstanceArn",
        "group": "Task.group",
        "startedBy": "Task.startedBy",
        "cpu": "Task.cpu",
        "memory": "Task.memory",
        "platformVersion": "Task.platformVersion",
        "availabilityZone": "Task.availabilityZone",
        "startedAt": "Task.startedAt",
        "clusterArn": "ClusterArn",
        "images": "Task.containers[].image",
    },
    compute=_task,
    details=(
        Detail(
            "describe_tasks",
            into="Task",
            params={"cluster": "ClusterArn", "tasks": "[Value]"},
            static={"include": ["TAGS"]},
            result="tasks[0]",
        ),
    ),
    links=(
        Link("RUNS", "aws_ecs_cluster", values="ClusterArn", reverse=True),
        Link("RUNS", "aws_ecs_container_instance", values="Task.containerInstanceArn", reverse=True),
        Link("DEFINES", "aws_ecs_task_definition", values="Task.taskDefinitionArn", reverse=True),
        Link(
            "TRIGGERS",
            "aws_ecs_service",
            on="taskGroup",
            reverse=True,
            values="Task.group && starts_with(Task.group, 'service:') && join('|', [ClusterArn, Task.group])",
        ),
        Link("TRIGGERS", "aws_ecs_service", on="deploymentIds", reverse=True, values="Task.startedBy"),
    ),
    service_has=False,
)

SPECS = (CLUSTER, CONTAINER_INSTANCE, SERVICE, TASK_DEFINITION, TASK)
