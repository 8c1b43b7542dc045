"""`awsgraph --version`, an unreachable endpoint, one default database name."""

from __future__ import annotations

import subprocess
import sys

import pytest

import awsgraph
from awsgraph.cli import build_parser, main
from awsgraph.cli.common import DEFAULT_DB
from awsgraph.collect.session import AwsSession, CredentialError


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"awsgraph {awsgraph.__version__}"
    run = subprocess.run([sys.executable, "-m", "awsgraph.cli", "--version"], capture_output=True, text=True,
                         check=False, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == f"awsgraph {awsgraph.__version__}"


def test_session_says_cannot_reach_rather_than_no_credentials() -> None:
    with pytest.raises(CredentialError, match=r"^cannot reach http://127\.0\.0\.1:9: "):
        AwsSession(endpoint_url="http://127.0.0.1:9", max_attempts=1)


def test_every_database_option_defaults_to_the_one_name() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    seen = {}
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        commands = [(name, command)]
        nested = [a for a in command._actions if a.dest == "iam_command"]
        commands += [(f"{name} {n}", c) for a in nested for n, c in a.choices.items()]  # type: ignore[union-attr]
        for label, cmd in commands:
            for action in cmd._actions:
                if action.dest == "db":
                    seen[label] = action.default
    assert {"query", "ask", "report", "runs", "export", "who-can", "visualize", "diff"} <= set(seen)
    for label, default in seen.items():
        # collect/demo leave it to the configuration, whose default is the same name
        assert default in (DEFAULT_DB, None), label
    from awsgraph.collect.config import InstanceConfig

    assert InstanceConfig().db == DEFAULT_DB
