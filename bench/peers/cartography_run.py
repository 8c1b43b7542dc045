"""Run Cartography's own AWS fetch against an endpoint, with a recording stand-in for Neo4j.

Runs in Cartography's virtualenv (``bench/.venv-peers/cartography/bin/python``), created by
``bench/peers/setup.sh``. It calls ``cartography.intel.aws._sync_one_account`` — the function
Cartography's CLI calls per account — for the requested syncs, so module order, per-region
loops, retries and cleanup jobs are Cartography's own. Every Cypher statement goes to
``RecordingSession``, which answers with empty results, so the time measured is Cartography's
fetch and transform (plus its Python work building queries), not a database's.

    bench/.venv-peers/cartography/bin/python bench/peers/cartography_run.py \\
        --endpoint-url http://127.0.0.1:8080 --regions us-east-1,eu-west-1
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections import Counter
from typing import Any

# The same services awsgraph collects in the comparison: EC2 instances, security groups,
# VPCs and subnets, IAM, S3, Lambda, KMS.
DEFAULT_SYNCS = ("iam", "kms", "s3", "ec2:instance", "ec2:security_group", "ec2:subnet", "ec2:vpc",
                 "lambda_function")


class _Counters:
    def __getattr__(self, name: str) -> int:
        return 0

    contains_updates = False
    contains_system_updates = False


class _Summary:
    counters = _Counters()


class RecordingResult:
    """An empty Neo4j result: no records, no updates."""

    def __iter__(self) -> Any:
        return iter(())

    def single(self, strict: bool = False) -> None:
        return None

    def consume(self) -> _Summary:
        return _Summary()

    def data(self, *keys: str) -> list[Any]:
        return []

    def values(self, *keys: str) -> list[Any]:
        return []

    def value(self, key: int | str = 0, default: Any = None) -> list[Any]:
        return []

    def peek(self) -> None:
        return None

    def to_df(self) -> Any:  # pragma: no cover - not used by the AWS syncs
        raise NotImplementedError


class RecordingSession:
    """Accepts what Cartography calls on a ``neo4j.Session`` and records it."""

    def __init__(self) -> None:
        self.statements = 0
        self.rows = 0  # items passed in list parameters (nodes/edges Cartography would write)
        self.by_kind: Counter[str] = Counter()

    # session and transaction API
    def run(self, query: Any, parameters: dict[str, Any] | None = None, **kwargs: Any) -> RecordingResult:
        self.statements += 1
        params = {**(parameters or {}), **kwargs}
        for value in params.values():
            if isinstance(value, list):
                self.rows += len(value)
        text = str(getattr(query, "text", query)).lstrip().split(None, 1)
        self.by_kind[text[0].upper() if text else "?"] += 1
        return RecordingResult()

    def execute_write(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    execute_read = write_transaction = read_transaction = execute_write

    def begin_transaction(self, *args: Any, **kwargs: Any) -> RecordingSession:
        return self

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass

    def closed(self) -> bool:
        return False

    def __enter__(self) -> RecordingSession:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint-url", required=True)
    ap.add_argument("--regions", required=True, help="comma-separated")
    ap.add_argument("--syncs", default=",".join(DEFAULT_SYNCS))
    ap.add_argument("--account-id", default="123456789012")
    ap.add_argument("--out", help="write the summary JSON here too")
    ap.add_argument("--all-profiles", action="store_true",
                    help="every profile of the AWS config, one account each: what --aws-sync-all-profiles runs "
                         "(cartography.intel.aws.start_aws_ingestion with aws_sync_all_profiles)")
    args = ap.parse_args(argv)

    # botocore >= 1.28 sends every client to this endpoint (Cartography has no endpoint option).
    os.environ["AWS_ENDPOINT_URL"] = args.endpoint_url
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    import boto3
    from cartography.intel import aws as cartography_aws

    session = RecordingSession()
    update_tag = int(time.time())
    params = {"UPDATE_TAG": update_tag, "AWS_ID": args.account_id,
              "permission_relationships_file": "cartography/data/permission_relationships.yaml",
              "aws_guardduty_severity_threshold": None,
              "aws_cloudtrail_management_events_lookback_hours": None,
              "experimental_aws_inspector_batch": 1000, "aws_tagging_api_cleanup_batch": 1000,
              "aws_ssm_public_parameter_prefix_allowlist": []}
    t0 = time.perf_counter()
    error = None
    try:
        if args.all_profiles:
            from cartography.config import Config

            config = Config(neo4j_uri="bolt://recording-stand-in", update_tag=update_tag,
                            aws_sync_all_profiles=True, aws_regions=args.regions,
                            aws_requested_syncs=args.syncs, aws_best_effort_mode=True,
                            permission_relationships_file=params["permission_relationships_file"])
            cartography_aws.start_aws_ingestion(session, config)
        else:
            cartography_aws._sync_one_account(
                session, boto3.Session(), args.account_id, update_tag, params,
                regions=args.regions.split(","), aws_requested_syncs=args.syncs.split(","),
            )
    except Exception as exc:  # report, don't hide: the summary says it failed
        error = f"{type(exc).__name__}: {exc}"
        logging.exception("cartography sync failed")
    summary = {"tool": "cartography", "wall_s": round(time.perf_counter() - t0, 2), "error": error,
               "statements": session.statements, "rows": session.rows, "by_kind": dict(session.by_kind)}
    text = json.dumps(summary)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text)
    return 1 if error else 0


if __name__ == "__main__":
    sys.exit(main())
