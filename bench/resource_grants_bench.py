"""What weighing resource-policy grants costs.

The resource-policy analyser on the estate of ``privesc_bench.py`` plus BUCKETS buckets whose policies
name three of its roles each, with and without the evaluation of each grant (``effective``, ``read``,
``write``). Usage: ``.venv/bin/python bench/resource_grants_bench.py [PRINCIPALS] [BUCKETS]``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from awsgraph.analysis import resource_policies
from awsgraph.analysis.view import GraphView, Record
from privesc_bench import ACCT, principals_estate


def bucket(i: int, named: list[str]) -> Record:
    arn = f"arn:aws:s3:::rp-bucket-{i}"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": named}, "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": f"{arn}/*"},
        {"Effect": "Allow", "Principal": {"AWS": named[0]}, "Action": "s3:*", "Resource": arn}]}
    return Record(arn, "aws_s3_bucket", {"arn": arn, "accountId": ACCT, "name": f"rp-bucket-{i}"},
                  {"Policy": json.dumps(policy)})


def main() -> int:
    principals = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    buckets = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    records = principals_estate(principals)
    roles = [str(r.props.get("arn") or r.raw.get("Arn")) for r in records if r.type == "aws_iam_role"]
    rng = random.Random(3)
    records += [bucket(i, rng.sample(roles, 3)) for i in range(buckets)]
    view = GraphView(records)
    weigh = resource_policies._effective_access
    for weighed in (False, True):
        resource_policies._effective_access = weigh if weighed else (lambda _view, _edges: None)
        start = time.perf_counter()
        out = list(resource_policies.resource_policy_edges(view))
        seconds = time.perf_counter() - start
        effective = sum(1 for o in out if getattr(o, "verb", "") == "ALLOWS" and o.props.get("effective"))
        print(f"principals={principals} buckets={buckets} weighed={weighed} items={len(out)} "
              f"effective={effective} {seconds:.2f} s load={os.getloadavg()[0]:.1f}")
    resource_policies._effective_access = weigh
    return 0


if __name__ == "__main__":
    sys.exit(main())
