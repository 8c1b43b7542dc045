"""awsgraph privesc and PMapper side by side on the same moto estate (not a unit test).

    python3.9 -m venv /tmp/pmapper-venv39 && /tmp/pmapper-venv39/bin/pip install principalmapper   # once
    (PMapper 1.1.5 imports collections.Mapping, gone since Python 3.10: it needs 3.9 or older)
    .venv/bin/python bench/privesc_pmapper.py [--pmapper /tmp/pmapper-venv39/bin/pmapper]

Starts a moto server, creates the one-principal-per-technique estate of
``tests/iam/privesc_estate.py`` in it, then

* awsgraph: ``collect --endpoint-url`` (IAM, Lambda, EC2) and ``privesc --format json``;
* PMapper: ``graph create --localstack-endpoint`` (its own endpoint override, meant for
  LocalStack, works for moto) and, in PMapper's own Python, ``can_privesc`` for every
  non-admin node.

Prints who each tool says can become an administrator, against what the estate was built to
have, and writes ``bench/results/privesc-pmapper.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent / "src"), str(BENCH), str(BENCH.parent / "tests" / "iam")]

import privesc_estate as est  # noqa: E402

import harness  # noqa: E402

PMAPPER_QUERY = r"""
import json, sys
from principalmapper.graphing.graph_actions import get_existing_graph
from principalmapper.querying.presets.privesc import can_privesc
g = get_existing_graph(None, sys.argv[1])
out = {"admins": sorted(n.arn for n in g.nodes if n.is_admin), "privesc": {}, "nodes": len(g.nodes),
       "edges": len(g.edges)}
for n in g.nodes:
    if n.is_admin:
        continue
    ok, edges = can_privesc(g, n)
    if ok:
        out["privesc"][n.arn] = [{"from": e.source.arn, "to": e.destination.arn, "reason": e.short_reason}
                                 for e in edges]
print(json.dumps(out))
"""


# moto's GetAccountAuthorizationDetails leaves PolicyName out of local managed policies (real IAM
# always sends it); PMapper indexes it and stops with KeyError. This sitecustomize, put on
# PMapper's PYTHONPATH, fills the name in from the ARN as the answer is parsed: a fix of the
# emulator's answer in transit, not a change to PMapper (awsgraph's collector does the same).
MOTO_GAAD_SHIM = r"""
import botocore.session

_create_client = botocore.session.Session.create_client


def _fill_policy_names(parsed, **_kwargs):
    for policy in parsed.get("Policies", []) or []:
        policy.setdefault("PolicyName", policy.get("Arn", "").rsplit("/", 1)[-1])


def create_client(self, *args, **kwargs):
    client = _create_client(self, *args, **kwargs)
    client.meta.events.register("after-call.iam.GetAccountAuthorizationDetails", _fill_policy_names)
    return client


botocore.session.Session.create_client = create_client
"""


def name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pmapper", default="/tmp/pmapper-venv39/bin/pmapper")
    ap.add_argument("--out", default=str(BENCH / "results" / "privesc-pmapper.json"))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="privesc-pmapper-"))
    moto = harness.start_moto()
    try:
        os.environ.update(harness.FAKE_CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = moto.url  # boto3 clients in the seeder go to moto
        import boto3

        t0 = time.perf_counter()
        est.seed(boto3.Session(region_name="us-east-1"))
        seed_s = time.perf_counter() - t0
        os.environ.pop("AWS_ENDPOINT_URL")
        env = harness.clean_env()
        db = work / "graph.db"
        ours_collect = harness.run_measured(
            [str(harness.AWSGRAPH), "collect", "--endpoint-url", moto.url, "--regions", "us-east-1",
             "--services", "iam,lambda,ec2", "--db", str(db), "--json"], env=env, out_prefix=work / "collect")
        ours = harness.run_measured([str(harness.AWSGRAPH), "privesc", "--db", str(db), "--format", "json"],
                                    env=env, out_prefix=work / "privesc")
        ours_rows = json.loads(ours.stdout) if ours.rc == 0 else []
        shim = work / "shim"
        shim.mkdir()
        (shim / "sitecustomize.py").write_text(MOTO_GAAD_SHIM)
        pm_env = dict(env, PMAPPER_STORAGE=str(work / "pmapper"), PYTHONPATH=str(shim))
        pm_create = harness.run_measured(
            [args.pmapper, "graph", "create", "--localstack-endpoint", moto.url, "--include-regions", "us-east-1"],
            env=pm_env, out_prefix=work / "pmapper-create")
        pm_py = str(Path(args.pmapper).with_name("python"))
        pm_query = harness.run_measured([pm_py, "-c", PMAPPER_QUERY, est.ACCT], env=pm_env,
                                        out_prefix=work / "pmapper-query")
        pm = json.loads(pm_query.stdout) if pm_query.rc == 0 else {"privesc": {}, "admins": []}
    finally:
        moto.stop()

    from awsgraph.cli.privesc_cmds import load_escalation

    ours_admins = {name(a) for a in load_escalation(str(db)).admins}
    expected = set(est.EXPECTED)
    negatives = {n for n in (*est.USERS, *est.ROLES) if n.startswith("n-")}
    ours_set = {name(r["principal"]) for r in ours_rows}
    pm_set = {name(a) for a in pm["privesc"]}
    pm_admins = {name(a) for a in pm["admins"]}

    def pmapper_says(n: str) -> str:
        return "path" if n in pm_set else "admin" if n in pm_admins else "-"

    rows = [{"principal": n, "expected": "positive" if n in expected else "negative" if n in negatives else "admin",
             "technique": est.EXPECTED.get(n, ""), "awsgraph": "path" if n in ours_set else
             "admin" if n in ours_admins else "-", "pmapper": pmapper_says(n)}
            for n in sorted(expected | negatives | ours_set | pm_set | pm_admins | ours_admins)]
    result = {
        "estate": "tests/iam/privesc_estate.py", "seed_s": round(seed_s, 2), "load": harness.loadavg(),
        "note": "PMapper 1.1.5 on Python 3.9, with a shim filling in the PolicyName moto leaves out of "
                "GetAccountAuthorizationDetails; PMapper counts a principal that can grant itself "
                "everything as an administrator, awsgraph as a one-step path to itself",
        "awsgraph": {"collect": ours_collect.as_dict(), "privesc": ours.as_dict(), "found": sorted(ours_set),
                     "admins": sorted(ours_admins), "missed": sorted(expected - ours_set),
                     "extra": sorted(ours_set - expected)},
        "pmapper": {"graph_create": pm_create.as_dict(), "query": pm_query.as_dict(), "nodes": pm.get("nodes"),
                    "edges": pm.get("edges"), "admins": sorted(pm_admins), "found": sorted(pm_set),
                    "missed": sorted(expected - pm_set - pm_admins),
                    "negatives_flagged": sorted(negatives & (pm_set | pm_admins)),
                    "stderr_tail": pm_create.stderr[-2000:] if pm_create.rc else ""},
        "rows": rows,
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'principal':30} {'built as':9} {'technique':33} {'awsgraph':9} pmapper")
    for r in rows:
        print(f"{r['principal']:30} {r['expected']:9} {r['technique']:33} {r['awsgraph']:9} {r['pmapper']}")
    print(json.dumps({"awsgraph": {k: result["awsgraph"][k] for k in ("collect", "privesc", "missed", "extra")},
                      "pmapper": {k: result["pmapper"][k] for k in ("graph_create", "query", "nodes", "edges",
                                                                     "missed", "negatives_flagged")}}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
