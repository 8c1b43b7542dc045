"""Lambda, ECS, EKS, ECR, Batch and Auto Scaling on in-process moto: entities, the security
properties, and every spec relationship for these services."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from moto.moto_api import state_manager

from awsgraph.catalog import CATALOG, Resource, autoscaling, ec2, ecr
from tests.helpers import collect

# Only the EC2 types these tests link to: the whole EC2 catalog would cost seconds per test.
NETWORK = (ec2.VPC, ec2.SUBNET, ec2.SECURITY_GROUP, ec2.ENI, ec2.INSTANCE)
SLIM = [s for s in CATALOG if s.service_group != "ec2"] + list(NETWORK)

ACCOUNT = "123456789012"
SECRET = "demo-lambda-env-secret-value"


@pytest.fixture
def aws() -> Iterator[None]:
    """In-process moto without AWS-managed IAM policies: nothing here attaches one, and loading
    them costs seconds per test."""
    with mock_aws(config={"batch": {"use_docker": False}, "lambda": {"use_docker": False}}):  # type: ignore[arg-type]
        yield


def _role(name: str, service: str) -> str:
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }
    return str(boto3.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(doc))["Role"]["Arn"])


def _network(region: str = "us-east-1") -> dict[str, str]:
    ec2c = boto3.client("ec2", region_name=region)
    vpc = ec2c.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2c.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24", AvailabilityZone=f"{region}a")["Subnet"]["SubnetId"]
    sg = ec2c.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnet": subnet, "sg": sg}


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("h.py", "def handler(e, c):\n    return 1\n")
    return buf.getvalue()


def test_lambda_function_role_vpc_and_no_environment_values(aws: None, db_path: str) -> None:
    net = _network()
    role = _role("fn-exec", "lambda.amazonaws.com")
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    lam = boto3.client("lambda")
    lam.create_function(
        FunctionName="orders",
        Runtime="python3.12",
        Role=role,
        Handler="h.handler",
        Code={"ZipFile": _zip()},
        MemorySize=256,
        Timeout=20,
        KMSKeyArn=key,
        VpcConfig={"SubnetIds": [net["subnet"]], "SecurityGroupIds": [net["sg"]]},
        Environment={"Variables": {"TOKEN": SECRET}},
        Tags={"Owner": "orders"},
    )
    lam.create_function(
        FunctionName="plain", Runtime="python3.12", Role=role, Handler="h.handler", Code={"ZipFile": _zip()}
    )
    got = collect(db_path, services=["lambda", "ec2", "iam", "kms"], catalog=SLIM)
    fn = got.one("aws_lambda_function", name="orders")
    assert fn["_class"] == ["Function"] and fn["_key"] == f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:orders"
    assert (fn["runtime"], fn["handler"], fn["memorySize"], fn["memorySizeMB"], fn["timeout"]) == (
        "python3.12",
        "h.handler",
        "256",  # Function.memorySize is a string in J1's schema
        256,
        20,
    )
    assert fn["packageType"] == "Zip" and fn["role"] == role and fn["tag.Owner"] == "orders"
    assert fn["vpcId"] == net["vpc"] and fn["subnetIds"] == [net["subnet"]] and fn["securityGroupIds"] == [net["sg"]]
    assert fn["environmentVariableNames"] == ["TOKEN"]
    role_key = got.one("aws_iam_role", name="fn-exec")["_key"]
    vpc_key = got.one("aws_vpc", id=net["vpc"])["_key"]
    assert got.has_rel(fn["_key"], "HAS", role_key)
    assert got.has_rel(fn["_key"], "HAS", vpc_key)
    assert got.has_rel(fn["_key"], "USES", got.one("aws_kms_key", arn=key)["_key"])
    assert got.has_rel(f"aws:{ACCOUNT}:lambda", "HAS", fn["_key"])
    assert got.has_rel(f"aws:account:{ACCOUNT}", "HAS", f"aws:{ACCOUNT}:lambda")
    plain = got.one("aws_lambda_function", name="plain")
    assert "vpcId" not in plain and not [
        r
        for r in got.relationships
        if r["_fromEntityKey"] == plain["_key"] and r["_class"] == "HAS" and r["_toEntityKey"].startswith("arn:aws:ec2")
    ]
    assert SECRET not in got.dump() and SECRET not in json.dumps(got.raw)
    assert got.step("aws_lambda_function", "us-east-1").status == "success"


def test_ecs_cluster_services_tasks_and_definitions(aws: None, db_path: str) -> None:
    # moto moves a task's lastStatus on at every read; hold it so the run is deterministic.
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 10**9})
    net = _network()
    task_role, exec_role = _role("task", "ecs-tasks.amazonaws.com"), _role("exec", "ecs-tasks.amazonaws.com")
    ec2c = boto3.client("ec2")
    iid = ec2c.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=net["subnet"])["Instances"][0][
        "InstanceId"
    ]
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="apps", tags=[{"key": "Owner", "value": "platform"}])
    doc = json.dumps(
        {
            "accountId": ACCOUNT,
            "region": "us-east-1",
            "instanceId": iid,
            "instanceType": "t3.micro",
            "availabilityZone": "us-east-1a",
            "privateIp": "10.7.1.5",
            "imageId": "ami-12c6146b",
        }
    )
    ci = ecs.register_container_instance(cluster="apps", instanceIdentityDocument=doc)["containerInstance"]
    td = ecs.register_task_definition(
        family="web",
        taskRoleArn=task_role,
        executionRoleArn=exec_role,
        networkMode="bridge",
        containerDefinitions=[
            {
                "name": "web",
                "image": "nginx",
                "memory": 128,
                "environment": [{"name": "API_KEY", "value": SECRET}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    svc = ecs.create_service(cluster="apps", serviceName="web", taskDefinition=td, desiredCount=1)["service"]
    task = ecs.run_task(cluster="apps", taskDefinition=td, count=1, group="service:web", startedBy="ecs-svc/web")[
        "tasks"
    ][0]
    # A task ECS starts for a service names the service's deployment in startedBy.
    by_deployment = ecs.run_task(cluster="apps", taskDefinition=td, count=1, startedBy=svc["deployments"][0]["id"])
    got = collect(db_path, services=["ecs", "ec2", "iam"], catalog=SLIM)
    cluster = got.one("aws_ecs_cluster", name="apps")
    cinst = got.one("aws_ecs_container_instance", arn=ci["containerInstanceArn"])
    service = got.one("aws_ecs_service", name="web")
    tdef = got.one("aws_ecs_task_definition", arn=td)
    etask = got.one("aws_ecs_task", arn=task["taskArn"])
    deployed = got.one("aws_ecs_task", arn=by_deployment["tasks"][0]["taskArn"])
    assert cluster["_class"] == ["Cluster"] and cluster["tag.Owner"] == "platform"
    assert cinst["_class"] == ["Host", "Container"] and cinst["ec2InstanceId"] == iid
    assert tdef["_class"] == ["Function", "Configuration"] and tdef["name"] == "web:1"
    assert tdef["taskRoleArn"] == task_role and tdef["environmentVariableNames"] == ["API_KEY"]
    assert etask["_class"] == ["Task", "Process"] and etask["group"] == "service:web"
    assert service["_key"] == svc["serviceArn"]
    instance = got.one("aws_instance", id=iid)
    role = {r["name"]: r["_key"] for r in got.of_type("aws_iam_role")}
    expected = [
        (cluster, "HAS", service),
        (cluster, "HAS", cinst),
        (cluster, "RUNS", etask),
        (cinst, "RUNS", etask),
        (tdef, "DEFINES", service),
        (tdef, "DEFINES", etask),
        (service, "TRIGGERS", etask),
        (service, "TRIGGERS", deployed),
        (instance, "RUNS", cinst),
    ]
    for a, verb, b in expected:
        assert got.has_rel(a["_key"], verb, b["_key"]), (a["_type"], verb, b["_type"])
    assert got.has_rel(tdef["_key"], "ASSIGNED", role["task"])
    assert got.has_rel(tdef["_key"], "USES", role["exec"])
    assert got.has_rel(f"aws:{ACCOUNT}:ecs", "HAS", cluster["_key"])
    assert got.has_rel(f"aws:{ACCOUNT}:ecs", "HAS", tdef["_key"])
    assert SECRET not in got.dump() and SECRET not in json.dumps(got.raw)


def test_eks_cluster(aws: None, db_path: str) -> None:
    net = _network()
    role = _role("eks", "eks.amazonaws.com")
    boto3.client("eks").create_cluster(
        name="k8s",
        roleArn=role,
        version="1.29",
        tags={"Owner": "platform"},
        resourcesVpcConfig={
            "subnetIds": [net["subnet"]],
            "securityGroupIds": [net["sg"]],
            "endpointPublicAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
    )
    got = collect(db_path, services=["eks", "ec2", "iam"], catalog=SLIM)
    c = got.one("aws_eks_cluster", name="k8s")
    assert c["_class"] == ["Cluster"] and c["_key"] == f"arn:aws:eks:us-east-1:{ACCOUNT}:cluster/k8s"
    # moto's describe_cluster has no resourcesVpcConfig.vpcId; the VPC comes from the subnets.
    assert c["vpcId"] == net["vpc"]
    assert c["subnetIds"] == [net["subnet"]] and c["securityGroupIds"] == [net["sg"]]
    assert c["public"] is True and c["publicToInternet"] is True and c["endpoint"]
    assert c["tag.Owner"] == "platform" and c["engineVersion"] == "1.29"
    assert got.has_rel(f"aws:{ACCOUNT}:eks", "HAS", c["_key"])
    assert got.has_rel(got.one("aws_security_group", id=net["sg"])["_key"], "PROTECTS", c["_key"])


def _push(repo: str, n: int) -> None:
    ecr_client = boto3.client("ecr")
    for i in range(n):
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                    "size": 100 + i,
                    "digest": "sha256:" + f"{i:x}" * 64,
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": 10,
                        "digest": "sha256:" + f"{i + 1:x}" * 64,
                    }
                ],
            }
        )
        ecr_client.put_image(repositoryName=repo, imageManifest=manifest, imageTag=f"v{i}")


def test_ecr_repository_images_and_scan_findings(aws: None, db_path: str) -> None:
    ecr_client = boto3.client("ecr")
    repo = ecr_client.create_repository(
        repositoryName="team/web",
        imageScanningConfiguration={"scanOnPush": True},
        tags=[{"Key": "Owner", "Value": "web"}],
    )["repository"]
    ecr_client.set_repository_policy(
        repositoryName="team/web",
        policyText=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}],
            }
        ),
    )
    _push("team/web", 1)
    digest = ecr_client.list_images(repositoryName="team/web")["imageIds"][0]["imageDigest"]
    ecr_client.start_image_scan(repositoryName="team/web", imageId={"imageDigest": digest})
    got = collect(db_path, services=["ecr"])
    r = got.one("aws_ecr_repository", name="team/web")
    assert r["_key"] == repo["repositoryArn"] and r["scanOnPush"] is True and r["tag.Owner"] == "web"
    assert r["encrypted"] is True and r["public"] is True  # the policy lets anyone pull
    image = got.one("aws_ecr_image", imageDigest=digest)
    assert image["name"] == "team/web:v0" and image["_key"] == f"{repo['repositoryArn']}@{digest}"
    findings = got.of_type("aws_ecr_image_scan_finding")
    assert findings and all(f["_class"] == ["Finding"] and f["severity"] for f in findings)
    assert got.has_rel(f"aws:{ACCOUNT}:ecr", "HAS", r["_key"])
    assert got.has_rel(r["_key"], "HAS", image["_key"])
    assert all(got.has_rel(image["_key"], "HAS", f["_key"]) for f in findings)


def test_ecr_images_are_capped_per_repository_and_reported(aws: None, db_path: str) -> None:
    boto3.client("ecr").create_repository(repositoryName="big")
    _push("big", 3)
    capped = dataclasses.replace(ecr.IMAGE, cap=2)
    catalog = [capped if isinstance(s, Resource) and s.type == "aws_ecr_image" else s for s in CATALOG]
    got = collect(db_path, services=["ecr"], catalog=catalog)
    assert len(got.of_type("aws_ecr_image")) == 2
    step = got.step("aws_ecr_image", "us-east-1")
    assert step.capped == "capped at 2 items" and step.status == "success"


def test_batch_environment_queue_definition_and_jobs(aws: None, db_path: str) -> None:
    net = _network()
    service_role = _role("batch-svc", "batch.amazonaws.com")
    _role("batch-inst", "ec2.amazonaws.com")
    iamc = boto3.client("iam")
    profile = iamc.create_instance_profile(InstanceProfileName="batch-inst")["InstanceProfile"]["Arn"]
    iamc.add_role_to_instance_profile(InstanceProfileName="batch-inst", RoleName="batch-inst")
    batch = boto3.client("batch")
    ce = batch.create_compute_environment(
        computeEnvironmentName="ce-main",
        type="MANAGED",
        state="ENABLED",
        serviceRole=service_role,
        computeResources={
            "type": "EC2",
            "minvCpus": 0,
            "maxvCpus": 2,
            "desiredvCpus": 0,
            "instanceTypes": ["t3.micro"],
            "subnets": [net["subnet"]],
            "securityGroupIds": [net["sg"]],
            "instanceRole": profile,
        },
    )
    queue = batch.create_job_queue(
        jobQueueName="q-main",
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ce["computeEnvironmentArn"]}],
    )
    jd = batch.register_job_definition(
        jobDefinitionName="report",
        type="container",
        containerProperties={
            "image": "busybox",
            "vcpus": 1,
            "memory": 64,
            "environment": [{"name": "K", "value": SECRET}],
        },
    )
    job = batch.submit_job(jobName="nightly", jobQueue=queue["jobQueueArn"], jobDefinition=jd["jobDefinitionArn"])
    got = collect(db_path, services=["batch", "ecs", "iam"])
    env = got.one("aws_batch_compute_environment", name="ce-main")
    q = got.one("aws_batch_job_queue", name="q-main")
    d = got.one("aws_batch_job_definition", arn=jd["jobDefinitionArn"])
    j = got.one("aws_batch_job", id=job["jobId"])
    assert env["_class"] == ["Configuration"] and q["_class"] == ["Queue"]
    assert d["_class"] == ["Configuration", "Function"] and j["_class"] == ["Process", "Task"]
    assert env["securityGroupIds"] == [net["sg"]] and env["subnetIds"] == [net["subnet"]]
    ecs_cluster = got.one("aws_ecs_cluster", arn=env["ecsClusterArn"])
    role = {r["name"]: r["_key"] for r in got.of_type("aws_iam_role")}
    assert got.has_rel(env["_key"], "USES", ecs_cluster["_key"])
    assert got.has_rel(env["_key"], "USES", role["batch-svc"])
    assert got.has_rel(env["_key"], "ASSIGNED", role["batch-inst"])
    assert got.has_rel(q["_key"], "HAS", j["_key"])
    for e in (env, q, d):
        assert got.has_rel(f"aws:{ACCOUNT}:batch", "HAS", e["_key"])
    assert SECRET not in got.dump() and SECRET not in json.dumps(got.raw)


def test_autoscaling_group_has_its_instances(aws: None, db_path: str) -> None:
    net = _network()
    asg = boto3.client("autoscaling")
    asg.create_launch_configuration(LaunchConfigurationName="lc", ImageId="ami-12c6146b", InstanceType="t3.micro")
    asg.create_auto_scaling_group(
        AutoScalingGroupName="workers",
        LaunchConfigurationName="lc",
        MinSize=2,
        MaxSize=4,
        DesiredCapacity=2,
        VPCZoneIdentifier=net["subnet"],
    )
    got = collect(db_path, services=["autoscaling", "ec2"], catalog=[*autoscaling.SPECS, ec2.INSTANCE])
    g = got.one("aws_autoscaling_group", name="workers")
    assert g["_class"] == ["Deployment", "Group"] and g["subnetIds"] == [net["subnet"]]
    assert (g["minSize"], g["maxSize"], g["desiredCapacity"]) == (2, 4, 2)
    instances = got.of_type("aws_instance")
    assert len(instances) == 2 and all(got.has_rel(g["_key"], "HAS", i["_key"]) for i in instances)
    assert got.has_rel(f"aws:{ACCOUNT}:autoscaling", "HAS", g["_key"])
