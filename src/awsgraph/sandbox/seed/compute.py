"""Compute, container and data-store services in each region: Lambda, ECS, EKS, ECR, Batch,
Auto Scaling, EFS, RDS, Redshift, DynamoDB, ElastiCache, OpenSearch/Elasticsearch and Secrets Manager.

Risky on purpose: a public RDS instance with a publicly restorable snapshot, an unencrypted
Redshift cluster open to the internet, a Lambda function whose environment holds a secret (the
collector keeps only the variable names), an OpenSearch domain outside any VPC and a Secrets Manager
secret whose value the collector never reads.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from awsgraph.sandbox.seed import Estate

LAMBDA_SECRET = "demo-lambda-env-secret-value"  # listed in PLANTED_SECRETS
SECRETSMANAGER_VALUE = "demo-secretsmanager-value-5e2b"  # listed in PLANTED_SECRETS


def _trust(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
    )


def _zip() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buf.getvalue()


def _roles(estate: Estate) -> dict[str, str]:
    iam = estate.client("iam")
    roles = dict(estate.made.get("roles", {}))
    for name, service in (
        ("acme-ecs-task", "ecs-tasks.amazonaws.com"),
        ("acme-ecs-exec", "ecs-tasks.amazonaws.com"),
        ("acme-batch-service", "batch.amazonaws.com"),
        ("acme-batch-instance", "ec2.amazonaws.com"),
        ("acme-eks-cluster", "eks.amazonaws.com"),
    ):
        roles[name] = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(service))["Role"]["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="acme-batch-instance")["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName="acme-batch-instance", RoleName="acme-batch-instance")
    roles["batch-instance-profile"] = profile["Arn"]
    if "acme-lambda-exec" not in roles:  # made by the IAM seeder; standalone runs make their own
        roles["acme-lambda-exec"] = iam.create_role(
            RoleName="acme-lambda-exec", AssumeRolePolicyDocument=_trust("lambda.amazonaws.com")
        )["Role"]["Arn"]
    return roles


def _lambda(estate: Estate, region: str, net: dict[str, Any], roles: dict[str, str], kms_key: str) -> None:
    lam = estate.client("lambda", region)
    common: dict[str, Any] = {
        "Runtime": "python3.12",
        "Role": roles["acme-lambda-exec"],
        "Code": {"ZipFile": _zip()},
    }
    lam.create_function(
        FunctionName="acme-orders-api",
        Handler="handler.handler",
        MemorySize=512,
        Timeout=30,
        VpcConfig={"SubnetIds": [net["private_subnet"]], "SecurityGroupIds": [net["db_sg"]]},
        Environment={"Variables": {"DB_HOST": "orders-db", "API_TOKEN": LAMBDA_SECRET}},
        KMSKeyArn=kms_key,
        Tags={"Owner": "orders-team", "Classification": "internal"},
        **common,
    )
    lam.create_function(
        FunctionName="acme-thumbnailer",
        Handler="handler.handler",
        MemorySize=1024,
        Timeout=60,
        Tags={"Owner": "media-team"},
        **common,
    )
    lam.add_permission(
        FunctionName="acme-thumbnailer",
        StatementId="public-invoke",
        Action="lambda:InvokeFunction",
        Principal="*",
    )


def _ecs(estate: Estate, region: str, net: dict[str, Any], roles: dict[str, str]) -> None:
    ecs = estate.client("ecs", region)
    cluster = ecs.create_cluster(clusterName="acme-apps", tags=[{"key": "Owner", "value": "platform"}])
    cluster_arn = cluster["cluster"]["clusterArn"]
    doc = json.dumps(
        {
            "accountId": estate.account,
            "region": region,
            "instanceId": net["app_instances"][0],
            "instanceType": "m5.large",
            "availabilityZone": f"{region}a",
            "privateIp": "10.0.2.10",
            "imageId": "ami-12c6146b",
        }
    )
    ci = ecs.register_container_instance(cluster="acme-apps", instanceIdentityDocument=doc)
    td = ecs.register_task_definition(
        family="orders-web",
        taskRoleArn=roles["acme-ecs-task"],
        executionRoleArn=roles["acme-ecs-exec"],
        networkMode="bridge",
        requiresCompatibilities=["EC2"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "web",
                "image": "public.ecr.aws/nginx/nginx:1.25",
                "memory": 256,
                "environment": [{"name": "STRIPE_KEY", "value": "sk_live_demo_51HxSECRET"}],
                "portMappings": [{"containerPort": 443}],
            }
        ],
        tags=[{"key": "Owner", "value": "orders-team"}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="acme-apps", serviceName="orders-web", taskDefinition=td, desiredCount=1, launchType="EC2"
    )
    # Services never start tasks in the emulator: start the service's task the way ECS would.
    ecs.run_task(
        cluster="acme-apps",
        taskDefinition=td,
        count=1,
        launchType="EC2",
        group="service:orders-web",
        startedBy="ecs-svc/orders-web",
    )
    estate.made.setdefault("ecs", {})[region] = {
        "cluster": cluster_arn,
        "task_definition": td,
        "container_instance": ci["containerInstance"]["containerInstanceArn"],
    }


def _ecr(estate: Estate, region: str) -> None:
    ecr = estate.client("ecr", region)
    repo = ecr.create_repository(
        repositoryName="acme/orders-web",
        imageScanningConfiguration={"scanOnPush": True},
        tags=[{"Key": "Owner", "Value": "orders-team"}],
    )["repository"]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7023,
                "digest": "sha256:" + "a" * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 32654,
                    "digest": "sha256:" + "b" * 64,
                }
            ],
        }
    )
    for tag in ("1.4.2", "latest"):
        ecr.put_image(repositoryName=repo["repositoryName"], imageManifest=manifest, imageTag=tag)
    digest = ecr.list_images(repositoryName=repo["repositoryName"])["imageIds"][0]["imageDigest"]
    ecr.start_image_scan(repositoryName=repo["repositoryName"], imageId={"imageDigest": digest})
    ecr.set_repository_policy(
        repositoryName=repo["repositoryName"],
        policyText=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "pull",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                        "Action": ["ecr:BatchGetImage"],
                    }
                ],
            }
        ),
    )


def _batch(estate: Estate, region: str, net: dict[str, Any], roles: dict[str, str]) -> None:
    batch = estate.client("batch", region)
    ce = batch.create_compute_environment(
        computeEnvironmentName="acme-batch-ce",
        type="MANAGED",
        state="ENABLED",
        serviceRole=roles["acme-batch-service"],
        computeResources={
            "type": "EC2",
            "minvCpus": 0,
            "maxvCpus": 4,
            "desiredvCpus": 0,
            "instanceTypes": ["m5.large"],
            "subnets": [net["private_subnet"]],
            "securityGroupIds": [net["db_sg"]],
            "instanceRole": roles["batch-instance-profile"],
        },
    )
    queue = batch.create_job_queue(
        jobQueueName="acme-batch-queue",
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ce["computeEnvironmentArn"]}],
    )
    jd = batch.register_job_definition(
        jobDefinitionName="acme-nightly-report",
        type="container",
        containerProperties={
            "image": "busybox",
            "vcpus": 1,
            "memory": 128,
            "command": ["echo", "report"],
            "jobRoleArn": roles["acme-ecs-task"],
        },
    )
    batch.submit_job(jobName="nightly-report", jobQueue=queue["jobQueueArn"], jobDefinition=jd["jobDefinitionArn"])


def _autoscaling(estate: Estate, region: str, net: dict[str, Any]) -> None:
    asg = estate.client("autoscaling", region)
    asg.create_launch_configuration(
        LaunchConfigurationName="acme-workers", ImageId="ami-12c6146b", InstanceType="t3.micro"
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName="acme-workers",
        LaunchConfigurationName="acme-workers",
        MinSize=1,
        MaxSize=3,
        DesiredCapacity=1,
        VPCZoneIdentifier=net["private_subnet"],
        Tags=[{"Key": "Owner", "Value": "platform", "PropagateAtLaunch": True}],
    )


def _efs(estate: Estate, region: str, net: dict[str, Any], kms_key: str) -> None:
    efs = estate.client("efs", region)
    fs = efs.create_file_system(
        CreationToken=f"acme-shared-{region}",
        Encrypted=True,
        KmsKeyId=kms_key,
        Tags=[{"Key": "Name", "Value": "acme-shared"}],
    )
    efs.create_mount_target(
        FileSystemId=fs["FileSystemId"], SubnetId=net["private_subnet"], SecurityGroups=[net["db_sg"]]
    )
    efs.create_file_system(
        CreationToken=f"acme-scratch-{region}",
        Encrypted=False,
        Tags=[{"Key": "Name", "Value": "acme-scratch"}],
    )


def _rds(estate: Estate, region: str, net: dict[str, Any], kms_key: str) -> None:
    rds = estate.client("rds", region)
    rds.create_db_subnet_group(
        DBSubnetGroupName="acme-db",
        DBSubnetGroupDescription="databases",
        SubnetIds=[net["private_subnet"], net["public_subnet"]],
    )
    rds.create_db_cluster(
        DBClusterIdentifier="acme-orders",
        Engine="aurora-postgresql",
        MasterUsername="orders",
        MasterUserPassword="hunter2-demo-db-password",
        DBSubnetGroupName="acme-db",
        VpcSecurityGroupIds=[net["db_sg"]],
        StorageEncrypted=True,
        KmsKeyId=kms_key,
        BackupRetentionPeriod=7,
        DeletionProtection=True,
        EnableIAMDatabaseAuthentication=True,
        Tags=[{"Key": "Classification", "Value": "confidential"}, {"Key": "PII", "Value": "true"}],
    )
    rds.create_db_instance(
        DBInstanceIdentifier="acme-orders-1",
        DBClusterIdentifier="acme-orders",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        DBSubnetGroupName="acme-db",
    )
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="acme-orders-manual", DBClusterIdentifier="acme-orders")
    rds.create_db_instance(
        DBInstanceIdentifier="acme-legacy-mysql",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="hunter2-demo-db-password",
        PubliclyAccessible=True,
        DBSubnetGroupName="acme-db",
        VpcSecurityGroupIds=[net["web_sg"]],
        BackupRetentionPeriod=0,
        Tags=[{"Key": "Owner", "Value": "legacy"}],
    )
    rds.create_db_snapshot(DBSnapshotIdentifier="acme-legacy-export", DBInstanceIdentifier="acme-legacy-mysql")
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="acme-legacy-export", AttributeName="restore", ValuesToAdd=["all"]
    )


def _redshift(estate: Estate, region: str, net: dict[str, Any]) -> None:
    rs = estate.client("redshift", region)
    rs.create_cluster_subnet_group(
        ClusterSubnetGroupName="acme-dw", Description="warehouse", SubnetIds=[net["public_subnet"]]
    )
    rs.create_cluster(
        ClusterIdentifier="acme-warehouse",
        NodeType="ra3.xlplus",
        NumberOfNodes=2,
        MasterUsername="dw",
        MasterUserPassword="Hunter2DemoDbPassword1",
        ClusterSubnetGroupName="acme-dw",
        VpcSecurityGroupIds=[net["web_sg"]],
        PubliclyAccessible=True,
        Encrypted=False,
        Tags=[{"Key": "Classification", "Value": "internal"}],
    )


def _dynamodb(estate: Estate, region: str, kms_key: str) -> None:
    ddb = estate.client("dynamodb", region)
    keys: dict[str, Any] = {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    ddb.create_table(
        TableName="acme-orders",
        SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": kms_key},
        Tags=[{"Key": "PII", "Value": "true"}],
        **keys,
    )
    ddb.create_table(TableName="acme-sessions", **keys)


def _secrets(estate: Estate, region: str, kms_key: str) -> None:
    estate.client("secretsmanager", region).create_secret(
        Name="acme/orders-db",
        Description="orders database credentials",
        SecretString=json.dumps({"username": "app", "password": SECRETSMANAGER_VALUE}),
        Tags=[{"Key": "PII", "Value": "true"}],
        **({"KmsKeyId": kms_key} if kms_key else {}),
    )


def _elasticache(estate: Estate, region: str, net: dict[str, Any]) -> None:
    ec = estate.client("elasticache", region)
    ec.create_cache_subnet_group(
        CacheSubnetGroupName="acme-cache",
        CacheSubnetGroupDescription="cache",
        SubnetIds=[net["private_subnet"]],
    )
    ec.create_cache_cluster(
        CacheClusterId="acme-sessions",
        Engine="memcached",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=2,
        CacheSubnetGroupName="acme-cache",
        SecurityGroupIds=[net["db_sg"]],
    )
    ec.create_replication_group(
        ReplicationGroupId="acme-queue",
        ReplicationGroupDescription="job queue",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=2,
        CacheSubnetGroupName="acme-cache",
        SecurityGroupIds=[net["db_sg"]],
        AtRestEncryptionEnabled=True,
        TransitEncryptionEnabled=True,
    )


def _search(estate: Estate, region: str, net: dict[str, Any]) -> None:
    estate.client("opensearch", region).create_domain(
        DomainName="acme-logs",
        EngineVersion="OpenSearch_2.11",
        ClusterConfig={"InstanceType": "r6g.large.search", "InstanceCount": 2},
        VPCOptions={"SubnetIds": [net["private_subnet"]], "SecurityGroupIds": [net["db_sg"]]},
        EncryptionAtRestOptions={"Enabled": True},
        NodeToNodeEncryptionOptions={"Enabled": True},
    )
    estate.client("es", region).create_elasticsearch_domain(
        DomainName="acme-legacy-search",
        ElasticsearchVersion="7.10",
        AccessPolicies=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": "*"}],
            }
        ),
    )


def _eks(estate: Estate, region: str, net: dict[str, Any], roles: dict[str, str]) -> None:
    estate.client("eks", region).create_cluster(
        name="acme-k8s",
        roleArn=roles["acme-eks-cluster"],
        version="1.29",
        resourcesVpcConfig={
            "subnetIds": [net["private_subnet"], net["public_subnet"]],
            "securityGroupIds": [net["web_sg"]],
            "endpointPublicAccess": True,
        },
        tags={"Owner": "platform"},
    )


def seed(estate: Estate) -> None:
    roles = _roles(estate)
    for region in estate.regions:
        net = estate.made["ec2"][region]
        kms_key = estate.made.get("kms", {}).get(region, {}).get("data", "")
        _lambda(estate, region, net, roles, kms_key)
        _ecs(estate, region, net, roles)
        _ecr(estate, region)
        _batch(estate, region, net, roles)
        _autoscaling(estate, region, net)
        _efs(estate, region, net, kms_key)
        _rds(estate, region, net, kms_key)
        _redshift(estate, region, net)
        _dynamodb(estate, region, kms_key)
        _secrets(estate, region, kms_key)
        _elasticache(estate, region, net)
        _search(estate, region, net)
        _eks(estate, region, net, roles)
    estate.made["compute_roles"] = roles
