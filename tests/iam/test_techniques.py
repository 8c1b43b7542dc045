"""The technique table is well-formed data, and docs/privesc-techniques.md is generated from it."""

from __future__ import annotations

from pathlib import Path

from awsgraph.iam import actions as action_table
from awsgraph.iam.techniques import DOCS_NAME, KINDS, ON, TECHNIQUES, render_docs

ROOT = Path(__file__).resolve().parents[2]


def test_generated_docs_are_current() -> None:
    assert (ROOT / "docs" / DOCS_NAME).read_text() == render_docs(), "run `awsgraph docs`"


def test_every_technique_is_well_formed() -> None:
    ids = [t.id for t in TECHNIQUES]
    assert len(ids) == len(set(ids))
    for t in TECHNIQUES:
        assert t.kind in KINDS and t.target in ("self", "user", "role") and t.principal in ("any", "user", "role")
        assert t.needs and all(n.on in ON for n in t.needs), t.id
        for action in t.actions:
            assert action_table.lookup(action) is not None, f"{t.id}: {action} is not an IAM action"
        if t.kind == "passrole":
            assert t.needs[0].action == "iam:PassRole" and t.service.endswith(".amazonaws.com"), t.id
        assert t.source.startswith("https://"), t.id
        assert f"`{t.id}`" in render_docs()


def test_docs_command_reports_stale_technique_table(tmp_path: Path) -> None:
    from awsgraph.cli import main

    assert main(["docs", "--out", str(tmp_path)]) == 0
    assert (tmp_path / DOCS_NAME).read_text() == render_docs()
    assert main(["docs", "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / DOCS_NAME).write_text("old")
    assert main(["docs", "--out", str(tmp_path), "--check"]) == 1
