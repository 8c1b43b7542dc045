"""A hostile estate, collected end to end through the CLI: nothing seeded as a secret is stored,
every endless or huge answer is bounded, and the run finishes.

The estate (moto's server, one region) holds a secret in each place the trust issue found one
leaking: CloudFront origin custom header values, API Gateway stage variables, EventBridge target
Input / InputTransformer / HttpParameters (an Authorization header), CloudFormation outputs and a
NoEcho parameter, an ELBv2 listener's OIDC client secret, Batch job-definition parameters /
command / environment / EKS env, ECS task-definition command / docker labels / environment, an
SNS subscription endpoint's token, a Lambda environment value and EC2 user data; names, tags and
descriptions carry markup, control characters and formulas. A loopback proxy in front of moto
answers CloudWatch Logs' DescribeLogGroups with a pagination that cycles A -> B -> A forever and
KMS's ListKeys with one page of 100,000 keys.

Bound: ``collect`` exits 0 within 240 s (on a shared 2-core machine it takes a fraction of that),
with the log-group step partial (repeated token) and the KMS step partial (item and detail caps,
set low with --max-items/--max-details as a user may). No secret appears in any byte of the
database, of its WAL at any commit, of the jsonl and J1 exports, of the report and graph pages,
or of the JSON that ``collect``, ``runs`` and ``query`` print.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from awsgraph.cli import main
from awsgraph.store.sqlite import SQLiteStore

pytestmark = pytest.mark.e2e
BOUND_SECONDS = 240
REGION = "us-east-1"
ACCOUNT = "123456789012"
FAKE = "hostile-fake-"  # the proxy answers reads about these made-up resources itself
KEYS_ON_THE_PAGE = 100_000
MAX_ITEMS, MAX_DETAILS = 5_000, 300

SECRETS = {
    "cloudfront origin header": "S3CRET-cf-origin-header-7d1f",
    "apigateway stage variable": "S3CRET-apigw-stage-var-2b9c",
    "eventbridge input": "S3CRET-events-input-61ae",
    "eventbridge transformer": "S3CRET-events-template-0c55",
    "eventbridge authorization": "S3CRET-events-bearer-93d0",
    "eventbridge query string": "S3CRET-events-query-44f1",
    "cloudformation output": "S3CRET-cfn-output-5e2a",
    "cloudformation noecho": "S3CRET-cfn-noecho-8b07",
    "elbv2 oidc client secret": "S3CRET-oidc-client-1c3d",
    "batch parameter": "S3CRET-batch-param-77aa",
    "batch command": "S3CRET-batch-command-19bd",
    "batch environment": "S3CRET-batch-env-c0de",
    "batch eks env": "S3CRET-batch-eks-env-5150",
    "ecs command": "S3CRET-ecs-command-ab12",
    "ecs docker label": "S3CRET-ecs-label-9f9f",
    "ecs environment": "S3CRET-ecs-env-3141",
    "sns endpoint token": "S3CRET-sns-token-2718",
    "lambda environment": "S3CRET-lambda-env-1618",
    "ec2 user data": "S3CRET-user-data-0101",
}
HOSTILE = {
    "markup": "[/b] web-sg (prod) [red]x[/red]",
    "escape": "\x1b[31mred\x1b[0m\x07bell",
    "html": "<script>alert('x')</script>",
    "formula": "=HYPERLINK(\"http://evil.example\",\"x\")",
}


# -- a loopback proxy in front of moto ---------------------------------------------------------

def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


class _State:
    def __init__(self, upstream: str) -> None:
        host, _, port = upstream.removeprefix("http://").partition(":")
        self.upstream = (host, int(port))
        self.cycle_pages = 0
        self.key_page = _json({"Truncated": False, "Keys": [
            {"KeyId": f"{FAKE}key-{i:06d}", "KeyArn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{FAKE}key-{i:06d}"}
            for i in range(KEYS_ON_THE_PAGE)]})


def _answer(state: _State, target: str, body: bytes) -> bytes | None:
    if target == "Logs_20140328.DescribeLogGroups":
        token = json.loads(body or b"{}").get("nextToken")
        state.cycle_pages += 1
        group = f"{FAKE}cycle-{state.cycle_pages}"
        return _json({"logGroups": [{"logGroupName": group, "creationTime": 1_700_000_000_000,
                                     "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"}],
                      "nextToken": "B" if token == "A" else "A"})  # A -> B -> A -> B ...
    if target == "TrentService.ListKeys":
        return state.key_page
    if target and FAKE.encode() in body:
        return b"{}"  # a detail read about one of the made-up keys or log groups
    return None


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = _answer(state, self.headers.get("X-Amz-Target", ""), body)
            if answer is not None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                return
            conn = http.client.HTTPConnection(*state.upstream, timeout=120)
            try:
                conn.request(self.command, self.path, body=body,
                             headers={k: v for k, v in self.headers.items() if k.lower() != "connection"})
                resp = conn.getresponse()
                data = resp.read()
            finally:
                conn.close()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay

    return Handler


# -- the estate ----------------------------------------------------------------------------

def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()


def seed(url: str) -> None:
    def c(service: str) -> Any:
        return boto3.client(service, endpoint_url=url, region_name=REGION)

    s = SECRETS
    ec2 = c("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [
        # XML answers (EC2's) cannot carry control characters; JSON ones below do
        {"Key": "Name", "Value": HOSTILE["html"]}, {"Key": "Owner", "Value": HOSTILE["formula"]}]}])["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{z}")
               ["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))]
    sg = ec2.create_security_group(GroupName=HOSTILE["markup"], Description=HOSTILE["html"], VpcId=vpc)["GroupId"]
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnets[0], SecurityGroupIds=[sg],
                      UserData=f"#!/bin/sh\nexport TOKEN={s['ec2 user data']}\n")

    cf = c("cloudfront")
    cf.create_distribution(DistributionConfig={
        "CallerReference": "hostile", "Comment": HOSTILE["html"], "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "o1", "DomainName": "origin.example.com",
            "CustomHeaders": {"Quantity": 1, "Items": [{"HeaderName": "X-Origin-Verify",
                                                        "HeaderValue": s["cloudfront origin header"]}]},
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o1", "ViewerProtocolPolicy": "allow-all", "MinTTL": 0,
                                 "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}}})

    ag = c("apigateway")
    api = ag.create_rest_api(name="hostile-api", description=HOSTILE["markup"])["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    ag.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
    ag.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = ag.create_deployment(restApiId=api)["id"]
    ag.create_stage(restApiId=api, stageName="prod", deploymentId=deployment,
                    variables={"dbPassword": s["apigateway stage variable"]})

    ev = c("events")
    ev.put_rule(Name="hostile-rule", ScheduleExpression="rate(5 minutes)", Description=HOSTILE["escape"])
    ev.put_targets(Rule="hostile-rule", Targets=[
        {"Id": "1", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q1", "Input": json.dumps({"k": s["eventbridge input"]})},
        {"Id": "2", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q2", "InputTransformer": {
            "InputPathsMap": {"a": "$.detail"}, "InputTemplate": f'"{s["eventbridge transformer"]} <a>"'}},
        {"Id": "3", "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:api-destination/d/x", "HttpParameters": {
            "HeaderParameters": {"Authorization": f"Bearer {s['eventbridge authorization']}"},
            "QueryStringParameters": {"k": s["eventbridge query string"]}}}])

    template = {"Parameters": {"Pw": {"Type": "String", "NoEcho": True}},
                "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {"Token": {"Value": s["cloudformation output"]}, "Pw": {"Value": {"Ref": "Pw"}}}}
    c("cloudformation").create_stack(StackName="hostile-stack", TemplateBody=json.dumps(template), Parameters=[
        {"ParameterKey": "Pw", "ParameterValue": s["cloudformation noecho"]}])

    elb = c("elbv2")
    lb = elb.create_load_balancer(Name="hostile-lb", Subnets=subnets, SecurityGroups=[sg])
    tg = elb.create_target_group(Name="hostile-tg", Protocol="HTTP", Port=80, VpcId=vpc)
    elb.create_listener(LoadBalancerArn=lb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=[
                            {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": {
                                "Issuer": "https://idp.example", "AuthorizationEndpoint": "https://idp.example/a",
                                "TokenEndpoint": "https://idp.example/t", "UserInfoEndpoint": "https://idp.example/u",
                                "ClientId": "client", "ClientSecret": s["elbv2 oidc client secret"]}},
                            {"Type": "forward", "Order": 2,
                             "TargetGroupArn": tg["TargetGroups"][0]["TargetGroupArn"]}])

    batch = c("batch")
    batch.register_job_definition(
        jobDefinitionName="hostile-job", type="container", parameters={"apiKey": s["batch parameter"]},
        containerProperties={"image": "busybox", "vcpus": 1, "memory": 128,
                             "command": ["run", "--token", s["batch command"]],
                             "environment": [{"name": "DB_PASS", "value": s["batch environment"]}]})
    batch.register_job_definition(jobDefinitionName="hostile-eks-job", type="container", eksProperties={
        "podProperties": {"containers": [{"image": "busybox", "env": [{"name": "T", "value": s["batch eks env"]}]}]}})

    c("ecs").register_task_definition(family="hostile-task", containerDefinitions=[{
        "name": "app", "image": "busybox", "memory": 128, "command": ["sh", "-c", f"echo {s['ecs command']}"],
        "dockerLabels": {"token": s["ecs docker label"]},
        "environment": [{"name": "X", "value": s["ecs environment"]}]}])

    sns = c("sns")
    topic = sns.create_topic(Name="hostile-topic", Tags=[{"Key": "note", "Value": HOSTILE["markup"]}])["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="https",
                  Endpoint=f"https://hooks.example.com/in?token={s['sns endpoint token']}")

    role = c("iam").create_role(RoleName="hostile-fn-role", AssumeRolePolicyDocument=json.dumps({
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                       "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    c("lambda").create_function(FunctionName="hostile-fn", Runtime="python3.12", Role=role,
                                Handler="handler.handler", Code={"ZipFile": _zip()},
                                Description=HOSTILE["escape"] + HOSTILE["formula"],
                                Environment={"Variables": {"API_TOKEN": s["lambda environment"]}})


@pytest.fixture(scope="module")
def estate() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    upstream = f"http://{host}:{port}"
    requests.post(f"{upstream}/moto-api/config", json={"batch": {"use_docker": False},
                                                       "lambda": {"use_docker": False}}, timeout=30)
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _handler(_State(upstream)))
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        seed(upstream)
        yield f"http://127.0.0.1:{proxy.server_address[1]}"
    finally:
        proxy.shutdown()
        proxy.server_close()
        server.stop()


# -- the run -------------------------------------------------------------------------------

def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err, out.err
    return code, out.out, out.err


def test_a_hostile_estate_is_collected_bounded_and_no_secret_is_stored(
        estate: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "hostile.db"
    wal_bytes: list[bytes] = []

    def snapshot_wal() -> None:
        wal = Path(f"{db}-wal")
        if wal.exists():
            wal_bytes.append(wal.read_bytes())

    original_stage, original_close = SQLiteStore.stage_entities, SQLiteStore.close

    def stage(self: SQLiteStore, *args: Any, **kwargs: Any) -> None:
        original_stage(self, *args, **kwargs)
        snapshot_wal()  # every staged batch has just been committed to the WAL

    def close(self: SQLiteStore) -> None:
        snapshot_wal()  # the final merge, before the last connection checkpoints the WAL away
        original_close(self)

    monkeypatch.setattr(SQLiteStore, "stage_entities", stage)
    monkeypatch.setattr(SQLiteStore, "close", close)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)

    started = time.monotonic()
    code, out, err = _cli(capsys, "collect", "--endpoint-url", estate, "--regions", REGION, "--db", str(db),
                          "--services", "ec2,cloudfront,apigateway,cloudwatch,cloudformation,elasticloadbalancing,"
                                        "batch,ecs,sns,lambda,kms",
                          "--max-items", str(MAX_ITEMS), "--max-details", str(MAX_DETAILS), "--json")
    elapsed = time.monotonic() - started
    assert code == 0, err
    assert elapsed < BOUND_SECONDS, f"collect took {elapsed:.0f} s"
    summary = json.loads(out)
    steps = {s["step"]: s for s in summary["steps"]}
    logs = steps["aws_cloudwatch_log_group"]
    assert logs["status"] == "partial" and "token repeated after 3 pages" in logs["reason"]
    keys = steps["aws_kms_key"]
    assert keys["status"] == "partial"
    assert f"stopped at {MAX_ITEMS} items (--max-items)" in keys["reason"]
    assert f"stopped after {MAX_DETAILS} detail calls (--max-details)" in keys["reason"]
    assert keys["entities"] == MAX_ITEMS and keys["calls"] <= MAX_DETAILS + 5
    assert wal_bytes, "the WAL was never seen"

    # everything a user can make awsgraph write or print from this database
    pages = tmp_path / "pages"
    pages.mkdir()
    for argv in (["report", "--db", str(db), "--out", str(pages / "report.html")],
                 ["visualize", "--db", str(db), "--out", str(pages / "graph.html")],
                 ["export", "--db", str(db), "--out", str(tmp_path / "jsonl")],
                 ["export", "--db", str(db), "--out", str(tmp_path / "j1"), "--format", "j1"]):
        assert _cli(capsys, *argv)[0] == 0, argv
    printed = [out]
    for argv in (["runs", "--db", str(db), "--json"], ["query", "FIND *", "--db", str(db), "--format", "json"]):
        code, text, _ = _cli(capsys, *argv)
        assert code == 0, argv
        printed.append(text)

    files = [db, *(p for p in tmp_path.rglob("*") if p.is_file() and p != db)]
    blobs = {str(p): p.read_bytes() for p in files}
    blobs.update({f"WAL snapshot {i}": b for i, b in enumerate(wal_bytes)})
    blobs.update({f"printed {i}": t.encode() for i, t in enumerate(printed)})
    leaks = {name: where for name, secret in SECRETS.items()
             for where, blob in blobs.items() if secret.encode() in blob}
    assert not leaks, f"secrets stored or printed: {leaks}"

    # ... and the resources that held them were collected, so the absence means something
    entities = [json.loads(line) for line in (tmp_path / "jsonl" / "entities.jsonl").read_text().splitlines()]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for e in entities:
        by_type.setdefault(e["_type"], []).append(e)
    for etype in ("aws_cloudfront_distribution", "aws_api_gateway_rest_api", "aws_cloudwatch_event_rule",
                  "aws_cloudformation_stack", "aws_alb", "aws_batch_job_definition", "aws_ecs_task_definition",
                  "aws_sns_subscription", "aws_lambda_function", "aws_instance", "aws_security_group"):
        assert by_type.get(etype), f"no {etype} collected"
    stack = by_type["aws_cloudformation_stack"][0]
    assert sorted(stack["outputKeys"]) == ["Pw", "Token"] and stack["parameterKeys"] == ["Pw"]
    assert by_type["aws_sns_subscription"][0]["endpoint"] == "https://hooks.example.com/in"
    assert by_type["aws_lambda_function"][0]["environmentVariableNames"] == ["API_TOKEN"]
    assert {"X"} <= set(by_type["aws_ecs_task_definition"][0]["environmentVariableNames"])
    assert any(e.get("name") == HOSTILE["markup"] for e in by_type["aws_security_group"])  # data kept as data
    assert all(os.stat(p).st_mode & 0o077 == 0 for p in files), "a file awsgraph wrote is readable by others"
