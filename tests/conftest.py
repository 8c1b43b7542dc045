"""Shared test setup: moto in-process with the recommended configuration, and a collect helper."""

from __future__ import annotations

import os

# Before moto is imported anywhere: no pre-loaded Amazon AMIs/snapshots, fake credentials.
os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
for _k, _v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
    os.environ[_k] = _v
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from tests.helpers import Collected, collect  # noqa: E402

pytest_plugins = ["tests.browser", "tests.servers"]  # headless Chromium (Playwright); private PostgreSQL, Redis

MOTO_CONFIG = {"batch": {"use_docker": False}, "lambda": {"use_docker": False},
               "iam": {"load_aws_managed_policies": True}}


@pytest.fixture
def aws() -> Iterator[None]:
    """In-process moto for one test."""
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        yield


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "graph.db")


__all__ = ["Collected", "collect"]
