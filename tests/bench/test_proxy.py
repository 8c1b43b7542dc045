"""The benchmark proxy injects faults that botocore classifies correctly, and adds latency."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.retries.standard import ThrottledRetryableChecker

os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from moto.server import ThreadedMotoServer

import proxy as bench_proxy


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def proxy(moto_url: str) -> Iterator[bench_proxy.FaultProxy]:
    with bench_proxy.FaultProxy(moto_url, bench_proxy.ProxyConfig(seed=7)) as px:
        yield px


def client(service: str, url: str, attempts: int = 1) -> object:
    cfg = Config(retries={"max_attempts": attempts, "mode": "standard"}, connect_timeout=5, read_timeout=30)
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=cfg)


CALLS = {
    "ec2": lambda c: c.describe_vpcs(),
    "iam": lambda c: c.list_roles(),
    "s3": lambda c: c.list_buckets(),
    "kms": lambda c: c.list_keys(),
    "lambda": lambda c: c.list_functions(),
}


@pytest.mark.parametrize(
    ("service", "code"),
    [("ec2", "RequestLimitExceeded"), ("iam", "Throttling"), ("s3", "SlowDown"),
     ("kms", "ThrottlingException"), ("lambda", "TooManyRequestsException")],
)
def test_throttling_is_in_the_protocols_own_format(proxy: bench_proxy.FaultProxy, service: str,
                                                   code: str) -> None:
    proxy.configure(throttle_rate=1.0)
    with pytest.raises(ClientError) as err:
        CALLS[service](client(service, proxy.url))
    assert err.value.response["Error"]["Code"] == code
    # botocore's own retry machinery must see it as throttling, not as a generic failure
    checker = ThrottledRetryableChecker()

    class _Ctx:
        parsed_response = err.value.response
        status = err.value.response["ResponseMetadata"]["HTTPStatusCode"]
        http_response = type("R", (), {"status_code": status})

        def get_error_code(self) -> str:
            return str(err.value.response["Error"]["Code"])

    assert checker.is_retryable(_Ctx())
    assert proxy.stats()["services"][service]["throttle"] >= 1


def test_throttled_calls_succeed_after_retries(proxy: bench_proxy.FaultProxy) -> None:
    proxy.configure(throttle_rate=0.3, error_rate=0.1, seed=3)
    ec2 = client("ec2", proxy.url, attempts=20)
    for _ in range(4):
        assert ec2.describe_vpcs()["Vpcs"]
    stats = proxy.stats()
    assert stats["outcomes"]["ok"] == 4
    assert stats["outcomes"].get("throttle", 0) + stats["outcomes"].get("server", 0) > 0


@pytest.mark.parametrize(
    ("service", "code"),
    [("ec2", "UnauthorizedOperation"), ("iam", "AccessDenied"), ("s3", "AccessDenied"),
     ("kms", "AccessDeniedException"), ("lambda", "AccessDeniedException")],
)
def test_denied_service_answers_access_denied(proxy: bench_proxy.FaultProxy, service: str,
                                               code: str) -> None:
    proxy.configure(deny_services={service})
    with pytest.raises(ClientError) as err:
        CALLS[service](client(service, proxy.url))
    assert err.value.response["Error"]["Code"] == code
    # other services still pass
    other = "ec2" if service != "ec2" else "iam"
    CALLS[other](client(other, proxy.url))


def test_server_errors_are_5xx(proxy: bench_proxy.FaultProxy) -> None:
    proxy.configure(error_rate=1.0)
    with pytest.raises(ClientError) as err:
        client("kms", proxy.url).list_keys()
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] in (500, 503)


def test_latency_is_added_per_request(proxy: bench_proxy.FaultProxy) -> None:
    sts = client("sts", proxy.url)
    sts.get_caller_identity()  # warm the connection and moto
    proxy.configure(latency_ms=80)
    t0 = time.perf_counter()
    for _ in range(3):
        sts.get_caller_identity()
    assert time.perf_counter() - t0 >= 3 * 0.080


def test_s3_path_style_bodies_and_head(proxy: bench_proxy.FaultProxy) -> None:
    s3 = client("s3", proxy.url)
    s3.create_bucket(Bucket="proxy-test-bucket")
    s3.put_object(Bucket="proxy-test-bucket", Key="a/b.txt", Body=b"x" * 70_000)
    s3.put_bucket_policy(Bucket="proxy-test-bucket", Policy='{"Version":"2012-10-17","Statement":[]}')
    assert s3.head_object(Bucket="proxy-test-bucket", Key="a/b.txt")["ContentLength"] == 70_000
    assert len(s3.get_object(Bucket="proxy-test-bucket", Key="a/b.txt")["Body"].read()) == 70_000
    ops = proxy.stats()["operations"]
    assert ops["s3:HEAD /{bucket}/{key}"] == 1
    assert ops["s3:PUT /{bucket}?policy"] == 1


def test_chunked_request_body_is_forwarded(proxy: bench_proxy.FaultProxy) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    body = iter([b"Action=GetCallerIdentity", b"&Version=2011-06-15"])
    conn.request("POST", "/", body=body, encode_chunked=True, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/sts/aws4_request, "
                         "SignedHeaders=host, Signature=00"})
    resp = conn.getresponse()
    assert resp.status == 200
    assert b"GetCallerIdentityResult" in resp.read()
    assert proxy.stats()["operations"]["sts:GetCallerIdentity"] == 1


def test_counts_peak_in_flight_and_stats_endpoint(proxy: bench_proxy.FaultProxy) -> None:
    from concurrent.futures import ThreadPoolExecutor

    proxy.configure(latency_ms=150)
    sts = client("sts", proxy.url)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: sts.get_caller_identity(), range(8)))
    stats = bench_proxy.fetch_stats(proxy.url)
    assert stats["requests"] == 8
    assert stats["peak_in_flight"] >= 4
    assert stats["services"]["sts"]["ok"] == 8
    bench_proxy.reset_stats(proxy.url)
    assert bench_proxy.fetch_stats(proxy.url)["requests"] == 0
