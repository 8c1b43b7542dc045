"""What deriving relationships costs after a run, as the graph grows by accounts.

Builds a synthetic organization straight into a store (no AWS, no moto): N accounts of ~200
entities each (IAM roles trusting a role of the next account, policies, a VPC peered with the
next account's, security groups, buckets with a policy naming the next account). Then:

* ``full``: every account derived (a first run);
* ``one changed``: one account's entities change (a role added, one removed) and the run derives
  again: that account plus the accounts whose relationships cross into what changed;
* ``nothing changed``: the same accounts staged again unchanged.

    .venv/bin/python bench/derive_bench.py --accounts 10,50,200
    .venv/bin/python bench/derive_bench.py --accounts 10,50,200 --escalation

``--escalation`` makes each account's ``app-0`` an administrator and lets its ``app-1`` assume
``app-0`` in any account: each account then reaches the previous one's administrator (whose
trust names it), an edge found through the other account's trust and policies.

The claim measured: derivation after a run costs O(Σ over derived accounts of their size), not
O(graph): ``one changed`` stays flat as N grows; ``full`` grows linearly.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import awsgraph.catalog  # noqa: F401  (the catalog first: collect.convert and the catalog import each other)
from awsgraph.collect.run import derive_run
from awsgraph.model import Entity
from awsgraph.store.sqlite import SQLiteStore

ROLES, POLICIES, SGS, BUCKETS = 60, 30, 40, 30


def _account_id(i: int) -> str:
    return f"{100000000000 + i:012d}"


def _e(key: str, etype: str, cls: str, account: str, raw: dict[str, Any], **props: Any) -> Entity:
    base = {"name": props.pop("name", key.rsplit("/", 1)[-1]), "accountId": account, "region": "us-east-1"}
    return Entity(key=key, type=etype, classes=(cls,), props={**base, **props}, raw=raw)


ESCALATION = False


def account_entities(i: int, n: int, generation: int = 0) -> list[Entity]:
    acct, nxt = _account_id(i), _account_id((i + 1) % n)
    out = [Entity(key=f"aws:account:{acct}", type="aws_account", classes=("Account",),
                  props={"accountId": acct, "name": acct}, raw={}, fragment="self")]
    for r in range(ROLES + (generation if i == 0 else 0)):
        if i == 0 and generation and r == 1:
            continue  # the changed account lost a role and gained others
        arn = f"arn:aws:iam::{acct}:role/app-{r}"
        principal = {"AWS": f"arn:aws:iam::{nxt}:role/app-1"} if r == 0 else {"Service": "ec2.amazonaws.com"}
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": principal,
                                                          "Action": "sts:AssumeRole"}]}
        out.append(_e(arn, "aws_iam_role", "AccessRole", acct, {"Arn": arn, "RoleName": f"app-{r}",
                                                               "AssumeRolePolicyDocument": trust}, arn=arn))
    for p in range(POLICIES):
        owner = f"arn:aws:iam::{acct}:role/app-{p}"
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": f"arn:aws:s3:::data-{acct}-{p % BUCKETS}/*"},
            {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
        if ESCALATION and p == 0:
            doc["Statement"].append({"Effect": "Allow", "Action": "*", "Resource": "*"})
        if ESCALATION and p == 1:
            doc["Statement"].append({"Effect": "Allow", "Action": "sts:AssumeRole",
                                     "Resource": "arn:aws:iam::*:role/app-0"})
        out.append(_e(f"{owner}|inline-policy|p", "aws_iam_role_policy", "AccessPolicy", acct,
                      {"PolicyName": "p", "PolicyDocument": doc, "OwnerArn": owner}))
    vpc = f"arn:aws:ec2:us-east-1:{acct}:vpc/vpc-{i:08x}"
    out.append(_e(vpc, "aws_vpc", "Network", acct, {"VpcId": f"vpc-{i:08x}"}, vpcId=f"vpc-{i:08x}"))
    pcx = f"arn:aws:ec2:us-east-1:{acct}:vpc-peering-connection/pcx-{i:08x}"
    out.append(_e(pcx, "aws_vpc_peering_connection", "Network", acct, {
        "VpcPeeringConnectionId": f"pcx-{i:08x}", "Status": {"Code": "active"},
        "RequesterVpcInfo": {"VpcId": f"vpc-{i:08x}", "OwnerId": acct, "Region": "us-east-1"},
        "AccepterVpcInfo": {"VpcId": f"vpc-{(i + 1) % n:08x}", "OwnerId": nxt, "Region": "us-east-1"}}))
    for g in range(SGS):
        gid = f"sg-{i:06x}{g:04x}"
        out.append(_e(f"arn:aws:ec2:us-east-1:{acct}:security-group/{gid}", "aws_security_group", "Firewall",
                      acct, {"GroupId": gid, "VpcId": f"vpc-{i:08x}", "IpPermissions": [
                          {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                          "IpPermissionsEgress": []}))
    for b in range(BUCKETS):
        name = f"data-{acct}-{b}"
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "AWS": f"arn:aws:iam::{nxt}:root"}, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]}
        out.append(_e(f"arn:aws:s3:::{name}", "aws_s3_bucket", "DataStore", acct,
                      {"Name": name, "Policy": json.dumps(policy)}, arn=f"arn:aws:s3:::{name}", name=name))
    return out


def stage(store: SQLiteStore, run: int, i: int, n: int, generation: int) -> None:
    acct = _account_id(i)
    store.begin_unit(run, acct)
    entities = account_entities(i, n, generation)
    store.stage_entities(run, entities, unit=acct)
    scopes = {(acct, "us-east-1", e.type) for e in entities}
    store.commit_unit(run, acct, scopes, [])


def timed_run(store: SQLiteStore, n: int, generation: int, accounts: list[int]) -> dict[str, Any]:
    run = store.begin_run({"bench": "derive"})
    t0 = time.perf_counter()
    for i in accounts:
        stage(store, run, i, n, generation)
    t1 = time.perf_counter()
    counts = derive_run(store, run)
    t2 = time.perf_counter()
    store.end_run(run, {})
    return {"commit_s": round(t1 - t0, 2), "derive_s": round(t2 - t1, 2),
            "derived_accounts": counts.get("derived_accounts", 0),
            "rel_created": counts["rel_created"], "rel_deleted": counts["rel_deleted"]}


def point(n: int, work: Path) -> dict[str, Any]:
    store = SQLiteStore(str(work / f"derive-{n}.db"))
    try:
        full = timed_run(store, n, 0, list(range(n)))
        ents, rels = store.counts_by_type()
        same = timed_run(store, n, 0, list(range(n)))
        one = timed_run(store, n, 1, [0])
    finally:
        store.close()
    return {"accounts": n, "entities": sum(ents.values()), "relationships": sum(rels.values()),
            "full": full, "nothing_changed": same, "one_changed": one,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accounts", default="10,50,200")
    ap.add_argument("--out", help="write the figures as JSON here")
    ap.add_argument("--escalation", action="store_true", help="cross-account AssumeRole into administrators")
    args = ap.parse_args(argv)
    global ESCALATION
    ESCALATION = args.escalation
    work = Path(tempfile.mkdtemp(prefix="awsgraph-derive-"))
    rows = []
    for n in (int(x) for x in args.accounts.split(",")):
        row = point(n, work)
        rows.append(row)
        print(f"{n:>5} accounts {row['entities']:>7} entities {row['relationships']:>7} rels | "
              f"full: derive {row['full']['derive_s']:>6} s ({row['full']['derived_accounts']} accounts) | "
              f"nothing changed: {row['nothing_changed']['derive_s']} s "
              f"({row['nothing_changed']['derived_accounts']}) | one changed: {row['one_changed']['derive_s']} s "
              f"({row['one_changed']['derived_accounts']} accounts) | peak RSS {row['peak_rss_mb']} MB", flush=True)
    report = {"date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
              "loadavg": " ".join(Path("/proc/loadavg").read_text().split()[:3]), "escalation": args.escalation,
              "points": rows}
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
