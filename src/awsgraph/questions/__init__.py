"""Ready-made security questions written as J1QL, and the HTML report that runs them all."""

from __future__ import annotations

import re
from collections.abc import Mapping

from awsgraph.questions.catalog import QUESTIONS, Question

_PARAM = re.compile(r"\{([a-zA-Z_]+)\}")


class UnknownQuestion(KeyError):
    pass


def get(question_id: str) -> Question:
    for q in QUESTIONS:
        if q.id == question_id:
            return q
    raise UnknownQuestion(question_id)


def render(question: Question, params: Mapping[str, str] | None = None) -> str:
    """The question's J1QL with its ``{parameters}`` filled in (lists become ``('a' OR 'b')``)."""
    given = dict(params or {})
    unknown = set(given) - set(question.params)
    if unknown:
        raise ValueError(f"{question.id} has no parameter {', '.join(sorted(unknown))}"
                         + (f" (it takes: {', '.join(question.params)})" if question.params else ""))

    def fill(match: re.Match[str]) -> str:
        raw = given.get(match.group(1), question.params.get(match.group(1), ""))
        values = [v.strip() for v in raw.split(",") if v.strip()]
        if not values:
            raise ValueError(f"parameter {match.group(1)} needs at least one value")
        quoted = ["'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values]
        return " OR ".join(quoted)

    return _PARAM.sub(fill, question.query)


__all__ = ["QUESTIONS", "Question", "UnknownQuestion", "get", "render"]
