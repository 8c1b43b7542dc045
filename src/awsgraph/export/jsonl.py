"""``entities.jsonl`` and ``relationships.jsonl``: live objects only, in JupiterOne's shape.

Written as private files (0600) under ``awsgraph.output_files``' rules: an existing file is
replaced only if it is one of our exports (JSON objects with ``_key``, one a line) or ``force``."""

from __future__ import annotations

import json

from awsgraph.output_files import is_our_jsonl, private_dir, private_file
from awsgraph.store import open_store


def export_jsonl(db: str, out_dir: str, *, force: bool = False) -> dict[str, int]:
    store = open_store(db)
    counts = {"entities": 0, "relationships": 0}
    try:
        out = private_dir(out_dir, force=force)
        with private_file(out / "entities.jsonl", ours=is_our_jsonl, force=force) as fh:
            for e in store.iter_entities():
                fh.write(json.dumps(e.props, sort_keys=True) + "\n")
                counts["entities"] += 1
        with private_file(out / "relationships.jsonl", ours=is_our_jsonl, force=force) as fh:
            for r in store.relationships():
                fh.write(json.dumps(r, sort_keys=True) + "\n")
                counts["relationships"] += 1
    finally:
        store.close()
    return counts
