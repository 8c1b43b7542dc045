# ruff: noqa: E501  (synthetic statements read better one per line)
"""Benchmark the IAM analysers on synthetic records (not a unit test).

    PYTHONPATH=src python bench/iam_bench.py [--policies 10000] [--resources 100000]

Builds a view with RESOURCES entities spread over S3, DynamoDB, Lambda, SQS, SNS and IAM
roles, and POLICIES managed policies whose statements mix exact ARNs, prefix wildcards,
wildcards in the region/account fields, object-level S3 grants and ``svc:*`` on ``*``. Times
the policy ALLOWS/DENIES analyser end to end, then ``evaluate`` for a principals x buckets
matrix (the question Cartography needed 446 s for at 500 x 2,000).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from awsgraph.analysis.policy_edges import policy_edges
from awsgraph.analysis.view import GraphView, Record
from awsgraph.iam import compile_policy, evaluate
from awsgraph.model import Entity, Relationship

ACCT = "123456789012"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")


def resources(n: int, rng: random.Random) -> list[Record]:
    out: list[Record] = [Record(f"aws:account:{ACCT}", "aws_account", {"accountId": ACCT})]
    for svc in ("s3", "dynamodb", "lambda", "sqs", "sns", "iam"):
        out.append(Record(f"aws:{ACCT}:{svc}", f"aws_{svc}", {"accountId": ACCT}))
    kinds = [
        ("aws_s3_bucket", lambda i, r: f"arn:aws:s3:::team{i % 1000}-data-{i}"),
        ("aws_dynamodb_table", lambda i, r: f"arn:aws:dynamodb:{r}:{ACCT}:table/team{i % 1000}-t{i}"),
        ("aws_lambda_function", lambda i, r: f"arn:aws:lambda:{r}:{ACCT}:function:team{i % 1000}-fn{i}"),
        ("aws_sqs_queue", lambda i, r: f"arn:aws:sqs:{r}:{ACCT}:team{i % 1000}-q{i}"),
        ("aws_sns_topic", lambda i, r: f"arn:aws:sns:{r}:{ACCT}:team{i % 1000}-topic{i}"),
        ("aws_iam_role", lambda i, r: f"arn:aws:iam::{ACCT}:role/team{i % 1000}/role{i}"),
    ]
    for i in range(n):
        typ, make = kinds[i % len(kinds)]
        arn = make(i, rng.choice(REGIONS))
        out.append(Record(arn, typ, {"arn": arn, "accountId": ACCT}))
    return out


def statement(i: int, rng: random.Random, n_res: int) -> dict[str, object]:
    team = rng.randrange(1000)
    j = rng.randrange(n_res)
    shape = i % 10
    if shape == 0:
        return {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::team{team}-data-*/*"}
    if shape == 1:
        return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::team{team}-data-{j}"}
    if shape == 2:
        return {"Effect": "Allow", "Action": "dynamodb:*", "Resource": f"arn:aws:dynamodb:*:*:table/team{team}-*"}
    if shape == 3:
        return {"Effect": "Allow", "Action": "lambda:InvokeFunction",
                "Resource": f"arn:aws:lambda:{rng.choice(REGIONS)}:{ACCT}:function:team{team}-fn{j}"}
    if shape == 4:
        return {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                "Resource": f"arn:aws:sqs:*:{ACCT}:team{team}-q*"}
    if shape == 5:
        return {"Effect": "Allow", "Action": "iam:PassRole", "Resource": f"arn:aws:iam::{ACCT}:role/team{team}/*"}
    if shape == 6:
        return {"Effect": "Allow", "Action": rng.choice(["s3:*", "sqs:*", "sns:*", "dynamodb:*"]), "Resource": "*"}
    if shape == 7:
        return {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": f"arn:aws:s3:::team{team}-*"}
    if shape == 8:
        return {"Effect": "Allow", "Action": "sns:Publish", "Resource": f"arn:aws:sns:us-east-1:{ACCT}:team{team}-topic?"}
    return {"Effect": "Allow", "Action": ["ec2:Describe*", "s3:ListAllMyBuckets"], "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}}}


def policies(n: int, rng: random.Random, n_res: int) -> list[Record]:
    out = []
    for i in range(n):
        arn = f"arn:aws:iam::{ACCT}:policy/p{i}"
        stmts = [statement(i + k, rng, n_res) for k in range(rng.randint(1, 4))]
        out.append(Record(arn, "aws_iam_policy", {"arn": arn, "accountId": ACCT, "name": f"p{i}"},
                          {"Arn": arn, "PolicyName": f"p{i}", "Document": {"Version": "2012-10-17", "Statement": stmts}}))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policies", type=int, default=10_000)
    ap.add_argument("--resources", type=int, default=100_000)
    ap.add_argument("--principals", type=int, default=500)
    ap.add_argument("--buckets", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    res = resources(args.resources, rng)
    pols = policies(args.policies, rng, args.resources)
    view = GraphView([*res, *pols])
    t1 = time.perf_counter()
    n_edges = n_ents = 0
    for item in policy_edges(view):
        if isinstance(item, Relationship):
            n_edges += 1
        elif isinstance(item, Entity):
            n_ents += 1
    t2 = time.perf_counter()
    print(f"synthetic view: {len(res):,} resources + {len(pols):,} policies built in {t1 - t0:.1f} s")
    print(f"policy_edges: {n_edges:,} ALLOWS/DENIES edges, {n_ents} placeholders in {t2 - t1:.1f} s")

    docs = [compile_policy(p.raw["Document"], p.key) for p in pols[: args.principals]]
    buckets = [r.key for r in res if r.type == "aws_s3_bucket"][: args.buckets]
    t3 = time.perf_counter()
    allowed = 0
    for doc in docs:
        for b in buckets:
            if evaluate("s3:GetObject", b + "/key", identity_policies=[doc]).decision == "allow":
                allowed += 1
    t4 = time.perf_counter()
    n = len(docs) * len(buckets)
    print(f"evaluate: {n:,} decisions ({len(docs)} principals x {len(buckets)} buckets), {allowed:,} allow, "
          f"in {t4 - t3:.1f} s ({(t4 - t3) / max(n, 1) * 1e6:.1f} us each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
