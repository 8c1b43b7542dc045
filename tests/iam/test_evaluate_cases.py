"""Table-driven evaluator cases: each asserts a concrete decision and conditional flag."""

from __future__ import annotations

from typing import Any

import pytest
from iam_eval_cases import CASES

from awsgraph.iam import evaluate


@pytest.mark.parametrize(
    ("kwargs", "expected", "conditional"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_case(kwargs: dict[str, Any], expected: str, conditional: bool) -> None:
    kw = dict(kwargs)
    d = evaluate(kw.pop("action"), kw.pop("resource"), **kw)
    assert (d.decision, d.conditional) == (expected, conditional), d.explain()


def test_case_ids_unique() -> None:
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) >= 150
