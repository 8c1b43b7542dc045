"""The README runs as written: the demo once, then every ```bash block of README.md in order.

A block preceded by the line ``<!-- readme-test: skip (reason) -->`` is not run (it needs a real
AWS account, runs until Ctrl-C, or is the demo/test command itself). Everything else runs in a
scratch directory that looks like a checkout after ``bash scripts/demo.sh``: ``.venv`` points at
the interpreter running these tests, and ``awsgraph.db`` and ``awsgraph-out/`` come from the
demo. No AWS variable is set: the examples must need no account.

The same demo run is checked for the emulator's gaps: steps the emulator does not serve are
labelled so in the summary and in ``runs``, apart from real failures, and are never complete.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# One demo for the whole module: scripts/test.sh runs each module on one xdist worker (--dist loadscope).
pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SKIP = re.compile(r"^<!-- readme-test: skip \((?P<reason>[^)]+)\) -->$")
BLOCK_TIMEOUT = 300.0
# The APIs moto 5.2.5 lacks, each behind a step of the demo (issue 17: the emulator's gaps).
EMULATOR_GAPS = ("ListAnalyzers", "ListAssessmentRuns", "ListWebACLs", "DescribeWorkspaceBundles", "ListFindings",
                 "DescribeComplianceByConfigRule", "ListUsers")


@dataclass
class Block:
    line: int  # 1-based line of the opening fence
    text: str
    skip: str | None  # the reason, when the block is marked


def readme_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```bash":
            start = i
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            prev = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
            m = SKIP.match(prev)
            blocks.append(Block(start + 1, "\n".join(body), m.group("reason").strip() if m else None))
        i += 1
    return blocks


def clean_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    env["HOME"] = str(work / "home")  # no ~/.aws either
    (work / "home").mkdir(exist_ok=True)
    env["COLUMNS"] = "160"
    return env


@dataclass
class Demo:
    work: Path
    env: dict[str, str]
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    work = tmp_path_factory.mktemp("readme")
    venv = Path(sys.prefix)
    assert (venv / "bin" / "awsgraph").exists(), f"{venv}/bin/awsgraph is missing: run bash scripts/setup.sh"
    (work / ".venv").symlink_to(venv)
    env = clean_env(work)
    # What `bash scripts/demo.sh` runs once .venv/ is set up.
    run = subprocess.run([".venv/bin/awsgraph", "demo"], cwd=work, env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    yield Demo(work, env, run.stdout, run.stderr)


def test_readme_marks_every_skipped_block_with_a_reason() -> None:
    blocks = readme_blocks((ROOT / "README.md").read_text())
    assert len([b for b in blocks if b.skip is None]) >= 3  # the README keeps runnable examples
    for b in blocks:
        assert b.skip is None or len(b.skip) > 5, f"README line {b.line}: say why the block is skipped"
    text = (ROOT / "README.md").read_text()
    assert "awsgraph-demo.db" not in text  # one default database name everywhere


def test_readme_examples_run_as_written_after_the_demo(demo: Demo) -> None:
    failures: list[str] = []
    ran = 0
    for block in readme_blocks((ROOT / "README.md").read_text()):
        if block.skip is not None:
            continue
        ran += 1
        try:
            run = subprocess.run(["bash", "-euo", "pipefail", "-c", block.text], cwd=demo.work, env=demo.env,
                                 capture_output=True, text=True, timeout=BLOCK_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            failures.append(f"README line {block.line}: still running after {BLOCK_TIMEOUT:.0f} s "
                            "(mark it `<!-- readme-test: skip (reason) -->` if it is meant to run forever)")
            continue
        if run.returncode != 0 or "Traceback" in run.stderr + run.stdout:
            failures.append(f"README line {block.line}: exit {run.returncode}\n{block.text}\n--- stderr:\n"
                            f"{run.stderr[-1500:]}")
    assert ran >= 3
    assert not failures, "\n\n".join(failures)
    # The files the demo and the examples say they write.
    for name in ("awsgraph.db", "awsgraph-out/entities.jsonl", "report.html", "graph.html", "out/entities.jsonl"):
        assert (demo.work / name).exists(), name
    assert not (demo.work / "awsgraph-demo.db").exists()


def test_demo_summary_fits_one_screen_and_labels_emulator_gaps(demo: Demo) -> None:
    out = demo.stdout
    assert len(out.splitlines()) <= 30, out  # one screen; --verbose has the rest
    assert "0 failed" in out and "0 partial" in out, out
    assert "not served by the emulator" in out
    for op in EMULATOR_GAPS:
        assert op in out, op
    assert "Traceback" not in demo.stderr


def test_runs_lists_emulator_gaps_apart_from_failures(demo: Demo) -> None:
    runs = subprocess.run([".venv/bin/awsgraph", "runs", "--json"], cwd=demo.work, env=demo.env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert runs.returncode == 0, runs.stderr
    (row,) = json.loads(runs.stdout)
    assert row["steps"]["failed"] == 0 and row["partial"] == []
    assert row["steps"]["unserved"] == len(row["notServed"]) >= len(EMULATOR_GAPS)
    joined = "\n".join(row["notServed"])
    for op in EMULATOR_GAPS:
        assert op in joined, op
    table = subprocess.run([".venv/bin/awsgraph", "runs"], cwd=demo.work, env=demo.env, capture_output=True,
                           text=True, timeout=120, check=False)
    assert table.returncode == 0 and "not served by the emulator" in table.stdout, table.stderr
    # Never complete: the scopes of those types are recorded incomplete, so nothing of theirs is deleted.
    con = sqlite3.connect(f"file:{demo.work / 'awsgraph.db'}?mode=ro", uri=True)
    try:
        complete = dict(con.execute("SELECT type, max(complete) FROM scopes WHERE type IN "
                                    "('aws_accessanalyzer_analyzer', 'aws_waf_web_acl', 'aws_guardduty_finding', "
                                    "'aws_workspaces_bundle', 'aws_transfer_user') GROUP BY type").fetchall())
        statuses = {r[0] for r in con.execute("SELECT DISTINCT status FROM steps")}
    finally:
        con.close()
    assert complete and set(complete.values()) == {0}, complete
    assert "unserved" in statuses and "failed" not in statuses
