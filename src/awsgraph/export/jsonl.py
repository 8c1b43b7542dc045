"""``entities.jsonl`` and ``relationships.jsonl``: live objects only, in JupiterOne's shape."""

from __future__ import annotations

import json
from pathlib import Path

from awsgraph.store.sqlite import open_store


def export_jsonl(db: str, out_dir: str) -> dict[str, int]:
    store = open_store(db, must_exist=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = {"entities": 0, "relationships": 0}
    try:
        with (out / "entities.jsonl").open("w") as fh:
            for e in store.iter_entities():
                fh.write(json.dumps(e.props, sort_keys=True) + "\n")
                counts["entities"] += 1
        with (out / "relationships.jsonl").open("w") as fh:
            for r in store.relationships():
                fh.write(json.dumps(r, sort_keys=True) + "\n")
                counts["relationships"] += 1
    finally:
        store.close()
    return counts
