from __future__ import annotations

import random
import re

import pytest

from awsgraph.iam.patterns import Unresolved, arn_like, compile_pattern, glob_match, matcher, substitute


def reference(pattern: str, value: str, ignore_case: bool = False) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def test_fast_star_matcher_agrees_with_regex_on_random_inputs():
    rng = random.Random(1)
    alphabet = "ab/:.*"
    for _ in range(5000):
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 7)))
        value = "".join(rng.choice("ab/:.") for _ in range(rng.randint(0, 9)))
        ic = rng.random() < 0.3
        assert matcher(pattern, ignore_case=ic)(value) == reference(pattern, value, ic), (pattern, value, ic)


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("a*a", "a", False),           # pieces may not overlap
    ("a*a", "aa", True),
    ("*ab*ab*", "abab", True),
    ("*ab*ab*", "aba", False),
    ("a?c", "abc", True),
    ("a?c", "ac", False),
    ("a.c", "abc", False),
    ("a+c", "a+c", True),
    ("", "", True),
    ("", "x", False),
    ("**", "", True),
])
def test_glob_edges(pattern, value, expected):
    assert glob_match(pattern, value) is expected


def test_variables_and_escapes():
    ctx = {"aws:username": "al.ice", "aws:PrincipalTag/team": ["red"]}
    assert substitute("home/${aws:username}/", ctx) == "home/al.ice/"
    assert substitute("${aws:principaltag/team}", ctx) == "red"
    assert substitute("x${*}${?}${$}", {}) == "x*?$"
    assert substitute("${aws:missing, 'dflt'}", {}) == "dflt"
    with pytest.raises(Unresolved):
        substitute("${aws:missing}", ctx)
    with pytest.raises(Unresolved):
        compile_pattern("arn:${aws:userid}", {"aws:userid": ["a", "b"]})  # multi-valued: no single value
    assert glob_match("home/${aws:username}/*", "home/al.ice/x", ctx)
    assert not glob_match("home/${aws:username}/*", "home/alXice/x", ctx)


def test_arn_like_is_per_component():
    assert arn_like("arn:aws:sns:*:111:*", "arn:aws:sns:us-east-1:111:topic")
    assert not arn_like("arn:aws:sns:*:111:*", "arn:aws:sns:us-east-1:222:topic")
    # a wildcard does not spill across the region/account colons
    assert not arn_like("arn:aws:sns:*:111:topic", "arn:aws:sns:us-east-1:222:111:topic")
    # ...which a whole-string glob would let it do
    assert glob_match("arn:aws:sns:*:111:topic", "arn:aws:sns:us-east-1:222:111:topic")
    assert arn_like("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b")
