"""The JupiterOne SDK's ``.j1-integration/graph`` layout, so its own tooling can sync the output.

Entities and relationships are grouped by the step that produced them (here: by ``_type``
for entities and relationship ``_type`` for relationships) into files of at most
``BATCH`` objects. Relationships to placeholder entities become mapped relationships
(``_mapping`` with ``targetFilterKeys``) as the SDK emits them. ``summary.json`` lists
each type with its count and whether the last run left it partial.

Files are private (0600, directories 0700) and replace only our own earlier output
(``awsgraph.output_files``), unless ``force``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from awsgraph.output_files import is_our_j1_json, private_dir, write_private
from awsgraph.store import open_store

BATCH = 250


def _dirs(base: Path, *parts: str, force: bool) -> Path:
    path = base
    for part in parts:
        path = private_dir(path / part, force=force)
    return path


def _write_batches(directory: Path, key: str, objects: list[dict[str, Any]], force: bool) -> int:
    files = 0
    for i in range(0, len(objects), BATCH):
        chunk = objects[i:i + BATCH]
        write_private(directory / f"{i // BATCH:05d}.json", json.dumps({key: chunk}, indent=2, sort_keys=True),
                      ours=is_our_j1_json, force=force)
        files += 1
    return files


def export_j1(db: str, out_dir: str, *, force: bool = False) -> dict[str, int]:
    store = open_store(db)
    try:
        base = private_dir(out_dir, force=force)
        root = _dirs(base, ".j1-integration", force=force)
        graph = _dirs(root, "graph", force=force)
        placeholders: dict[str, dict[str, Any]] = {}
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in store.iter_entities():
            if e.props.get("_source") == "system-mapper":
                placeholders[e.key] = e.props
            else:
                by_type[e.type].append(e.props)
        rels: dict[str, list[dict[str, Any]]] = defaultdict(list)
        mapped = 0
        for r in store.relationships():
            target = placeholders.get(r["_toEntityKey"]) or placeholders.get(r["_fromEntityKey"])
            if target is not None:
                source_key = r["_fromEntityKey"] if r["_toEntityKey"] == target["_key"] else r["_toEntityKey"]
                filter_keys = [["_type", "_key"]] if "_key" in target else [["_type"]]
                r = {"_key": r["_key"], "_type": r["_type"], "_class": r["_class"],
                     "displayName": r.get("displayName", r["_class"]),
                     "_mapping": {"relationshipDirection": "FORWARD" if r["_toEntityKey"] == target["_key"]
                                  else "REVERSE",
                                  "sourceEntityKey": source_key,
                                  "targetFilterKeys": filter_keys,
                                  "targetEntity": {k: v for k, v in target.items() if k != "_source"},
                                  "skipTargetCreation": False},
                     **{k: v for k, v in r.items() if not k.startswith("_") and k != "displayName"}}
                mapped += 1
            rels[r["_type"]].append(r)
        files = 0
        for etype, objs in sorted(by_type.items()):
            files += _write_batches(_dirs(graph, f"fetch-{etype}", "entities", force=force), "entities", objs,
                                    force)
        for rtype, objs in sorted(rels.items()):
            files += _write_batches(_dirs(graph, f"build-{rtype}", "relationships", force=force), "relationships",
                                    objs, force)
        runs = [r for r in store.runs() if r.status == "finished"]
        partial = store.partial_types(runs[-1].id) if runs else []
        summary: dict[str, Any] = {
            "integrationStepResults": [
                {"id": f"fetch-{t}", "name": t, "declaredTypes": [t], "encounteredTypes": [t],
                 "partialTypes": [t] if t in partial else [],
                 "status": "partial_success_due_to_dependency_failure" if t in partial else "success"}
                for t in sorted(set(by_type) | set(partial))
            ],
            "metadata": {"partialDatasets": {"types": sorted(partial)}},
            "counts": {"entities": sum(len(v) for v in by_type.values()),
                       "relationships": sum(len(v) for v in rels.values()), "mappedRelationships": mapped},
        }
        write_private(root / "summary.json", json.dumps(summary, indent=2, sort_keys=True), ours=is_our_j1_json,
                      force=force)
        return {"entities": summary["counts"]["entities"], "relationships": summary["counts"]["relationships"],
                "files": files, "partialTypes": len(partial)}
    finally:
        store.close()
