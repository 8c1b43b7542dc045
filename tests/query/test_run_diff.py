"""Diffs between runs, written through the real store: created, updated, deleted and unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from query_estate import ACCOUNT, ent, rel

from awsgraph.cli import main
from awsgraph.diff import DiffError, diff_runs
from awsgraph.store import SQLiteStore

QUEUES = (ACCOUNT, "us-east-1", "aws_sqs_queue")
TOPICS = (ACCOUNT, "eu-west-1", "aws_sns_topic")


@pytest.fixture()
def two_runs(tmp_path: Path) -> str:
    path = str(tmp_path / "runs.db")
    store = SQLiteStore(path)
    a1 = ent("q-a", "aws_sqs_queue", ["Queue"], name="a", encrypted=False)
    b = ent("q-b", "aws_sqs_queue", ["Queue"], name="b")
    t = ent("t-1", "aws_sns_topic", ["Channel"], region="eu-west-1", name="topic")
    run = store.begin_run({})
    store.stage_entities(run, [a1, b, t])
    store.finish_run(run, [QUEUES, TOPICS], [], lambda _s: ([], [rel(a1, "HAS", b), rel(t, "HAS", a1)]), {})

    a2 = ent("q-a", "aws_sqs_queue", ["Queue"], name="a", encrypted=True)
    d = ent("q-d", "aws_sqs_queue", ["Queue"], name="d")
    run = store.begin_run({})
    store.stage_entities(run, [a2, d])  # b is gone; the topics scope failed this time
    store.finish_run(run, [QUEUES], [TOPICS], lambda _s: ([], [rel(a2, "HAS", d)]), {})
    store.close()
    return path


def test_created_updated_deleted_and_unknown(two_runs: str) -> None:
    store = SQLiteStore(two_runs)
    result = diff_runs(store).to_json()
    assert (result["from"], result["to"]) == (1, 2)
    ents = result["entities"]
    assert [c["key"] for c in ents["created"]] == ["q-d"]
    assert [c["key"] for c in ents["deleted"]] == ["q-b"]
    assert ents["updated"] == [{"key": "q-a", "type": "aws_sqs_queue", "displayName": "a",
                                "changed": {"encrypted": {"old": False, "new": True}}}]
    # The topic was not collected in run 2 because its scope was partial: unknown, not deleted.
    assert [c["key"] for c in ents["unknown"]] == ["t-1"]
    rels = result["relationships"]
    assert [c["key"] for c in rels["created"]] == ["q-a|has|q-d"]
    assert [c["key"] for c in rels["deleted"]] == ["q-a|has|q-b"]
    assert [c["key"] for c in rels["unknown"]] == ["t-1|has|q-a"]
    assert result["partialScopes"] == [{"account": ACCOUNT, "region": "eu-west-1", "type": "aws_sns_topic"}]
    store.close()


def test_first_run_against_the_empty_graph(two_runs: str) -> None:
    store = SQLiteStore(two_runs)
    result = diff_runs(store, 0, 1).to_json()
    assert sorted(c["key"] for c in result["entities"]["created"]) == ["q-a", "q-b", "t-1"]
    assert result["entities"]["deleted"] == [] and result["entities"]["updated"] == []
    assert len(result["relationships"]["created"]) == 2
    store.close()


def test_bad_run_ids(two_runs: str) -> None:
    store = SQLiteStore(two_runs)
    with pytest.raises(DiffError, match="not a finished run"):
        diff_runs(store, 1, 7)
    with pytest.raises(DiffError, match="earlier run"):
        diff_runs(store, 2, 1)
    store.close()


def test_cli_diff_json_and_table(two_runs: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--db", two_runs, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["entities"]["updated"][0]["changed"] == {"encrypted": {"old": False, "new": True}}
    assert main(["diff", "--db", two_runs, "--from", "1", "--to", "2"]) == 0
    text = capsys.readouterr().out
    assert "entities: 1 created, 1 updated, 1 deleted, 1 unknown" in text
    assert "encrypted: false → true" in text
    assert main(["diff", "--db", two_runs, "--from", "5"]) == 2
    assert "not a finished run" in capsys.readouterr().err
