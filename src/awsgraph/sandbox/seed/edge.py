"""Edge, DNS, messaging, monitoring and security services in the demo regions.

Per region: an internet-facing ALB (HTTPS with an ACM certificate, a WAFv2 web ACL) and an
internal NLB forwarding to target groups that hold the web and app instances, a classic ELB,
a REST API whose method calls a Lambda function, an EventBridge rule triggering the function,
SNS/SQS (with a public-ish queue policy and a KMS-encrypted topic), an alarm, log groups,
VPC flow logs to a log group and to the logs bucket, a Config rule, a CloudFormation stack,
a GuardDuty detector and an SFTP server with a user whose home is a bucket. Once: CloudTrail,
a CloudFront distribution (bucket and API origins, Lambda@Edge, certificate, CLOUDFRONT web
ACL), Route53 zones and records, a registered domain, and a WorkSpace.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from awsgraph.sandbox.seed import Estate

HOME = "us-east-1"


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    return buf.getvalue()


def _tags(**kw: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in kw.items()]


def _role(estate: Estate, name: str, service: str) -> str:
    roles: dict[str, str] = estate.made.setdefault("roles", {})
    if name not in roles:
        doc = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
        roles[name] = estate.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(doc))["Role"][
            "Arn"
        ]
    return roles[name]


def _function(estate: Estate, region: str) -> dict[str, str]:
    """A function from the compute seeder when there is one, else a small one of our own."""
    found = (estate.made.get("lambda") or {}).get(region)
    if isinstance(found, dict) and found.get("arn"):
        return {"arn": str(found["arn"]), "name": str(found.get("name") or found["arn"].rsplit(":", 1)[-1])}
    role = estate.made.get("roles", {}).get("acme-lambda-exec") or _role(
        estate, "acme-lambda-exec", "lambda.amazonaws.com"
    )
    fn = estate.client("lambda", region).create_function(
        FunctionName="edge-api-handler",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        Publish=True,
        Tags={"Owner": "web-team"},
    )
    return {
        "arn": fn["FunctionArn"].rsplit(":", 1)[0] if fn["FunctionArn"].count(":") > 6 else fn["FunctionArn"],
        "name": fn["FunctionName"],
        "version_arn": f"{fn['FunctionArn']}:{fn.get('Version', '1')}",
    }


def _load_balancers(estate: Estate, region: str, net: dict[str, Any], cert: str, made: dict[str, Any]) -> None:
    ec2 = estate.client("ec2", region)
    elbv2 = estate.client("elbv2", region)
    vpc, public = net["vpc"], net["public_subnet"]
    second = ec2.create_subnet(
        VpcId=vpc,
        CidrBlock=ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["CidrBlock"].replace(".0.0/16", ".3.0/24"),
        AvailabilityZone=f"{region}b",
    )["Subnet"]["SubnetId"]
    alb = elbv2.create_load_balancer(
        Name="acme-web",
        Subnets=[public, second],
        SecurityGroups=[net["web_sg"]],
        Scheme="internet-facing",
        Type="application",
        Tags=_tags(Owner="web-team"),
    )["LoadBalancers"][0]
    web_tg = elbv2.create_target_group(Name="acme-web-tg", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="instance")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=web_tg, Targets=[{"Id": net["web_instance"]}])
    elbv2.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": cert}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": web_tg}],
    )
    elbv2.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": web_tg}],
    )
    nlb = elbv2.create_load_balancer(
        Name="acme-app", Subnets=[net["private_subnet"]], Scheme="internal", Type="network"
    )["LoadBalancers"][0]
    app_tg = elbv2.create_target_group(Name="acme-app-tg", Protocol="TCP", Port=8080, VpcId=vpc, TargetType="instance")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=app_tg, Targets=[{"Id": i} for i in net["app_instances"]])
    elbv2.create_listener(
        LoadBalancerArn=nlb["LoadBalancerArn"],
        Protocol="TCP",
        Port=8080,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": app_tg}],
    )
    elb = estate.client("elb", region)
    elb.create_load_balancer(
        LoadBalancerName="legacy-web",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        Subnets=[public],
        SecurityGroups=[net["web_sg"]],
        Scheme="internet-facing",
    )
    elb.register_instances_with_load_balancer(
        LoadBalancerName="legacy-web", Instances=[{"InstanceId": net["web_instance"]}]
    )
    waf = estate.client("wafv2", region)
    acl = waf.create_web_acl(
        Name="acme-web-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        Rules=[],
        VisibilityConfig={
            "SampledRequestsEnabled": True,
            "CloudWatchMetricsEnabled": True,
            "MetricName": "acme-web-acl",
        },
    )["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=alb["LoadBalancerArn"])
    made.update(
        alb=alb["LoadBalancerArn"],
        alb_dns=alb["DNSName"],
        nlb=nlb["LoadBalancerArn"],
        web_tg=web_tg,
        app_tg=app_tg,
        regional_acl=acl["ARN"],
    )


def _api(estate: Estate, region: str, fn: dict[str, str], made: dict[str, Any]) -> None:
    apigw = estate.client("apigateway", region)
    api = apigw.create_rest_api(
        name="acme-orders",
        description="orders API",
        tags={"Owner": "web-team"},
        endpointConfiguration={"types": ["REGIONAL"]},
    )
    root = next(r["id"] for r in apigw.get_resources(restApiId=api["id"])["items"] if r["path"] == "/")
    res = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="orders")
    apigw.put_method(restApiId=api["id"], resourceId=res["id"], httpMethod="GET", authorizationType="NONE")
    uri = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn['arn']}/invocations"
    apigw.put_integration(
        restApiId=api["id"],
        resourceId=res["id"],
        httpMethod="GET",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=uri,
    )
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    estate.client("lambda", region).add_permission(
        FunctionName=fn["name"],
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:{region}:{estate.account}:{api['id']}/*/GET/orders",
    )
    made["api"] = api["id"]


def _messaging(estate: Estate, region: str, fn: dict[str, str], made: dict[str, Any]) -> None:
    sqs = estate.client("sqs", region)
    kms_key = (estate.made.get("kms") or {}).get(region, {}).get("data")
    dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attrs = {"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})}
    if kms_key:
        attrs["KmsMasterKeyId"] = kms_key
    queue = sqs.create_queue(QueueName="orders", Attributes=attrs, tags={"Owner": "orders-team"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(
        QueueUrl=dlq,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": "*",
                            "Action": "sqs:SendMessage",
                            "Resource": dlq_arn,
                        }
                    ],
                }
            )
        },
    )
    sns = estate.client("sns", region)
    topic = sns.create_topic(
        Name="order-events", Attributes={"KmsMasterKeyId": "alias/aws/sns"}, Tags=_tags(Owner="orders-team")
    )["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn["arn"])
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
    events = estate.client("events", region)
    events.put_rule(
        Name="nightly-report",
        ScheduleExpression="cron(0 2 * * ? *)",
        State="ENABLED",
        Tags=_tags(Owner="orders-team"),
    )
    events.put_targets(Rule="nightly-report", Targets=[{"Id": "fn", "Arn": fn["arn"]}])
    events.put_rule(Name="order-created", EventPattern=json.dumps({"source": ["acme.orders"]}), State="DISABLED")
    events.put_targets(Rule="order-created", Targets=[{"Id": "q", "Arn": queue_arn}])
    events.create_event_bus(Name="orders-bus")
    events.put_rule(
        Name="order-shipped",
        EventBusName="orders-bus",
        EventPattern=json.dumps({"detail-type": ["OrderShipped"]}),
        State="ENABLED",
    )
    events.put_targets(Rule="order-shipped", EventBusName="orders-bus", Targets=[{"Id": "fn", "Arn": fn["arn"]}])
    estate.client("cloudwatch", region).put_metric_alarm(
        AlarmName="orders-backlog",
        MetricName="ApproximateNumberOfMessagesVisible",
        Namespace="AWS/SQS",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=100.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
        Dimensions=[{"Name": "QueueName", "Value": "orders"}],
        Tags=_tags(Owner="orders-team"),
    )
    made.update(queue=queue_arn, dlq=dlq_arn, topic=topic)


def _logging(estate: Estate, region: str, net: dict[str, Any], fn: dict[str, str], made: dict[str, Any]) -> None:
    logs = estate.client("logs", region)
    logs.create_log_group(logGroupName=f"/aws/lambda/{fn['name']}", tags={"Owner": "web-team"})
    logs.put_retention_policy(logGroupName=f"/aws/lambda/{fn['name']}", retentionInDays=30)
    logs.create_log_group(logGroupName="vpc-flow-logs")
    role = _role(estate, "vpc-flow-logs", "vpc-flow-logs.amazonaws.com")
    ec2 = estate.client("ec2", region)
    ec2.create_flow_logs(
        ResourceIds=[net["vpc"]],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName="vpc-flow-logs",
        DeliverLogsPermissionArn=role,
    )
    bucket = (estate.made.get("buckets") or {}).get("logs")
    if bucket:
        ec2.create_flow_logs(
            ResourceIds=[net["vpc"]],
            ResourceType="VPC",
            TrafficType="REJECT",
            LogDestinationType="s3",
            LogDestination=f"arn:aws:s3:::{bucket}",
        )
    made["flow_log_group"] = "vpc-flow-logs"


def _security(estate: Estate, region: str, made: dict[str, Any]) -> None:
    config = estate.client("config", region)
    role = _role(estate, "aws-config-recorder", "config.amazonaws.com")
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": role,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": region == HOME},
        }
    )
    config.put_config_rule(
        ConfigRule={
            "ConfigRuleName": "s3-bucket-public-read-prohibited",
            "Source": {"Owner": "AWS", "SourceIdentifier": "S3_BUCKET_PUBLIC_READ_PROHIBITED"},
            "Scope": {"ComplianceResourceTypes": ["AWS::S3::Bucket"]},
        }
    )
    estate.client("cloudformation", region).create_stack(
        StackName="acme-queues",
        TemplateBody=json.dumps(
            {"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "acme-jobs"}}}}
        ),
        Tags=_tags(Owner="platform"),
    )
    made["detector"] = estate.client("guardduty", region).create_detector(Enable=True)["DetectorId"]
    transfer = estate.client("transfer", region)
    server = transfer.create_server(
        Protocols=["SFTP"],
        IdentityProviderType="SERVICE_MANAGED",
        EndpointType="PUBLIC",
        Tags=_tags(Owner="partners"),
        LoggingRole=_role(estate, "sftp-logging", "transfer.amazonaws.com"),
    )["ServerId"]
    bucket = (estate.made.get("buckets") or {}).get("data", "acme-data")
    role = _role(estate, "sftp-partner-access", "transfer.amazonaws.com")
    transfer.create_user(
        ServerId=server,
        UserName="partner-acme",
        Role=role,
        HomeDirectory=f"/{bucket}/partners/acme",
        Tags=_tags(Owner="partners"),
    )
    made.update(transfer_server=server, transfer_user="partner-acme")


def _global(estate: Estate, regional: dict[str, dict[str, Any]]) -> dict[str, Any]:
    made: dict[str, Any] = {}
    home = regional[HOME]
    buckets = estate.made.get("buckets") or {}
    trail_bucket = buckets.get("logs")
    if trail_bucket:
        logs = estate.client("logs", HOME)
        logs.create_log_group(logGroupName="cloudtrail/management")
        ct = estate.client("cloudtrail", HOME)
        ct.create_trail(
            Name="org-trail",
            S3BucketName=trail_bucket,
            IsMultiRegionTrail=True,
            EnableLogFileValidation=True,
            CloudWatchLogsLogGroupArn=f"arn:aws:logs:{HOME}:{estate.account}:log-group:cloudtrail/management:*",
            CloudWatchLogsRoleArn=_role(estate, "cloudtrail-to-logs", "cloudtrail.amazonaws.com"),
        )
        ct.start_logging(Name="org-trail")
    waf = estate.client("wafv2", HOME)
    cf_acl = waf.create_web_acl(
        Name="acme-edge-acl",
        Scope="CLOUDFRONT",
        DefaultAction={"Block": {}},
        Rules=[],
        VisibilityConfig={
            "SampledRequestsEnabled": False,
            "CloudWatchMetricsEnabled": False,
            "MetricName": "acme-edge-acl",
        },
    )["Summary"]["ARN"]
    bucket = buckets.get("public") or buckets.get("data") or "acme-site"
    origins = [
        {
            "Id": "site",
            "DomainName": f"{bucket}.s3.amazonaws.com",
            "S3OriginConfig": {"OriginAccessIdentity": ""},
        },
        {
            "Id": "api",
            "DomainName": f"{home['api']}.execute-api.{HOME}.amazonaws.com",
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
        },
    ]
    behaviour: dict[str, Any] = {
        "TargetOriginId": "site",
        "ViewerProtocolPolicy": "redirect-to-https",
        "MinTTL": 0,
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
    }
    if home.get("fn_version_arn"):
        behaviour["LambdaFunctionAssociations"] = {
            "Quantity": 1,
            "Items": [{"LambdaFunctionARN": home["fn_version_arn"], "EventType": "viewer-request"}],
        }
    dist = estate.client("cloudfront", HOME).create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": {
                "CallerReference": "acme-site",
                "Comment": "acme web site",
                "Enabled": True,
                "Aliases": {"Quantity": 1, "Items": ["www.acme-demo.com"]},
                "Origins": {"Quantity": len(origins), "Items": origins},
                "DefaultCacheBehavior": behaviour,
                "ViewerCertificate": {
                    "ACMCertificateArn": home["cert"],
                    "SSLSupportMethod": "sni-only",
                    "MinimumProtocolVersion": "TLSv1.2_2021",
                },
                "WebACLId": cf_acl,
            },
            "Tags": {"Items": _tags(Owner="web-team")},
        }
    )["Distribution"]
    r53 = estate.client("route53", HOME)
    zone = r53.create_hosted_zone(Name="acme-demo.com", CallerReference="acme-demo")["HostedZone"]["Id"]
    changes = [
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": "www.acme-demo.com",
                "Type": "CNAME",
                "TTL": 300,
                "ResourceRecords": [{"Value": dist["DomainName"]}],
            },
        },
        {
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": "app.acme-demo.com",
                "Type": "A",
                "AliasTarget": {
                    "HostedZoneId": "Z35SXDOTRQ7X7K",
                    "DNSName": home["alb_dns"],
                    "EvaluateTargetHealth": True,
                },
            },
        },
    ]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    r53.create_hosted_zone(
        Name="internal.acme-demo.com",
        CallerReference="acme-internal",
        HostedZoneConfig={"Comment": "private", "PrivateZone": True},
        VPC={"VPCRegion": HOME, "VPCId": estate.made["ec2"][HOME]["vpc"]},
    )
    contact = {
        "FirstName": "Ops",
        "LastName": "Team",
        "ContactType": "COMPANY",
        "OrganizationName": "Acme",
        "AddressLine1": "1 Main St",
        "City": "Seattle",
        "State": "WA",
        "CountryCode": "US",
        "ZipCode": "98101",
        "PhoneNumber": "+1.2065550100",
        "Email": "dns@example.com",
    }
    estate.client("route53domains", HOME).register_domain(
        DomainName="acme-demo-registered.com",
        DurationInYears=2,
        AutoRenew=True,
        AdminContact=contact,
        RegistrantContact=contact,
        TechContact=contact,
        PrivacyProtectAdminContact=True,
    )
    made.update(distribution=dist["Id"], zone=zone, cloudfront_acl=cf_acl)
    made["workspace"] = _workspace(estate)
    return made


def _workspace(estate: Estate) -> str:
    net = estate.made["ec2"][HOME]
    ec2 = estate.client("ec2", HOME)
    second = ec2.describe_subnets(
        Filters=[
            {"Name": "vpc-id", "Values": [net["vpc"]]},
            {"Name": "availability-zone", "Values": [f"{HOME}b"]},
        ]
    )["Subnets"]
    directory = estate.client("ds", HOME).create_directory(
        Name="corp.acme-demo.com",
        Password="Str0ng-Directory-Pass!",
        Size="Small",
        VpcSettings={"VpcId": net["vpc"], "SubnetIds": [net["private_subnet"], second[0]["SubnetId"]]},
    )["DirectoryId"]
    ws = estate.client("workspaces", HOME)
    ws.register_workspace_directory(DirectoryId=directory)
    created = ws.create_workspaces(
        Workspaces=[
            {
                "DirectoryId": directory,
                "UserName": "alice",
                "BundleId": "wsb-bh8rsxt14",
                "RootVolumeEncryptionEnabled": False,
                "UserVolumeEncryptionEnabled": False,
                "Tags": _tags(Owner="it"),
            }
        ]
    )["PendingRequests"]
    return str(created[0]["WorkspaceId"]) if created else ""


def seed(estate: Estate) -> None:
    regional: dict[str, dict[str, Any]] = {}
    for region in estate.regions:
        net = estate.made["ec2"][region]
        made: dict[str, Any] = {}
        cert = estate.client("acm", region).request_certificate(
            DomainName="app.acme-demo.com",
            SubjectAlternativeNames=["www.acme-demo.com"],
            ValidationMethod="DNS",
            Tags=[{"Key": "Owner", "Value": "web-team"}],
        )["CertificateArn"]
        made["cert"] = cert
        fn = _function(estate, region)
        made.update(fn=fn["arn"], fn_name=fn["name"], fn_version_arn=fn.get("version_arn", ""))
        _load_balancers(estate, region, net, cert, made)
        _api(estate, region, fn, made)
        estate.client("wafv2", region).associate_web_acl(
            WebACLArn=made["regional_acl"],
            ResourceArn=f"arn:aws:apigateway:{region}::/restapis/{made['api']}/stages/prod",
        )
        _messaging(estate, region, fn, made)
        _logging(estate, region, net, fn, made)
        _security(estate, region, made)
        regional[region] = made
    if HOME in regional:
        regional["global"] = _global(estate, regional)
    estate.made["edge"] = regional
