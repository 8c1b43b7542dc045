"""awsgraph.safetext and awsgraph.cli.output: data is shown as text, never obeyed."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from rich.text import Text

from awsgraph.cli.output import InertConsole, error_line, print_rows, styled, table
from awsgraph.cli.summary import print_summary
from awsgraph.collect.run import RunSummary
from awsgraph.safetext import csv_cell, csv_text, escape_controls, inert, json_text
from awsgraph.store.base import StepResult

HOSTILE = "[/b] web-sg (prod) \x1b]0;pwned\x07 \x1b[2J\x00 \x9b31m \u202egnp.exe [red]x[/red]\nfake line"
# What may reach a stream: printable text, newlines, and (on a terminal) the SGR sequences of our own styles.
SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def leftover_controls(output: str) -> list[str]:
    return CONTROL.findall(SGR.sub("", output))


def test_inert_escapes_every_control_and_bidi_character() -> None:
    text = inert(HOSTILE)
    assert CONTROL.findall(text) == [] and "\n" not in text
    for shown in ("\\x1b]0;pwned\\x07", "\\x1b[2J", "\\x00", "\\x9b31m", "\\u202egnp.exe", "\\x0afake line"):
        assert shown in text, shown
    assert "[/b] web-sg (prod)" in text  # markup-looking text is kept as it is
    assert inert(None) == "" and inert(3) == "3" and inert(True) == "true"
    assert inert({"b": "\x1b", "a": [1]}) == '{"a": [1], "b": "\\u001b"}'  # JSON escapes it
    assert escape_controls("a\nb\x07", keep_newlines=True) == "a\nb\\x07"


@pytest.mark.parametrize("value", ["=1+2", "+SUM(A1)", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "=HYPERLINK(\"x\")"])
def test_csv_cells_that_start_a_formula_are_neutralised(value: str) -> None:
    assert csv_cell(value) == "'" + value
    assert csv_cell(-1) == "-1" and csv_cell(2.5) == "2.5" and csv_cell("web") == "web"
    rows = list(csv.reader(io.StringIO(csv_text(["=name", "n"], [{"=name": value, "n": -5}]))))
    assert rows == [["'=name", "n"], ["'" + value, "-5"]]


def test_json_escapes_controls_and_keeps_the_data_exact() -> None:
    text = json_text({"name": HOSTILE})
    assert leftover_controls(text.replace("\n", "")) == [] and not re.search("[^\x20-\x7e\n]", text)
    assert json.loads(text) == {"name": HOSTILE}


@pytest.mark.parametrize("terminal", [False, True])
def test_console_prints_markup_and_controls_as_text(terminal: bool) -> None:
    buf = io.StringIO()
    out = InertConsole(file=buf, width=200, force_terminal=terminal)  # piped or a terminal: the same inert text
    t = table("name", HOSTILE, title=HOSTILE)
    t.add_row(HOSTILE, inert(HOSTILE))
    out.print(t)
    out.print(f"message {HOSTILE}")
    out.print(styled("styled " + HOSTILE, "bold"))
    out.print(Text(HOSTILE))  # a Text built elsewhere is filtered too
    printed = buf.getvalue()
    assert leftover_controls(printed) == []
    assert "[/b] web-sg (prod)" in printed and "[red]x[/red]" in printed and "\\x1b[2J" in printed
    assert ("\x1b[" in printed) is terminal  # our own styles only on a terminal


def test_error_line_is_one_line_whatever_the_message() -> None:
    line = error_line(f"cannot read {HOSTILE}")
    assert line.startswith("awsgraph: error: ") and "\n" not in line and leftover_controls(line) == []


def test_print_rows_table_csv_json(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"sg.name": HOSTILE, "tag.Owner": "=HYPERLINK(\"http://evil\")", "port": -1}]
    print_rows(rows, "table")
    shown = capsys.readouterr().out
    assert leftover_controls(shown) == [] and "[/b] web-sg (prod)" in shown and "1 row" in shown
    print_rows(rows, "csv")
    got = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert got[1][1] == "'=HYPERLINK(\"http://evil\")" and got[1][2] == "-1"
    assert leftover_controls("".join(got[1])) == []
    print_rows(rows, "json")
    assert json.loads(capsys.readouterr().out) == rows


def _summary(steps: list[StepResult]) -> RunSummary:
    return RunSummary(run_id=3, account="111122223333", regions=["us-east-1"], steps=steps,
                      entities_by_type={"aws_vpc": 2, HOSTILE: 1}, relationships_by_type={"aws_vpc_has_x": 1},
                      calls=10, requests=11, duration=1.5, changes={"created": 3}, notes=[HOSTILE])


def test_summary_with_hostile_reasons_is_inert_and_groups_emulator_gaps() -> None:
    steps = [
        StepResult("aws_vpc", "111122223333", "us-east-1", "ec2", ("aws_vpc",)),
        StepResult("aws_security_group", "111122223333", "us-east-1", "ec2", ("aws_security_group",),
                   status="failed", reason=f"DescribeSecurityGroups: InternalError: {HOSTILE}"),
        StepResult("aws_iam_role", "111122223333", "global", "iam", ("aws_iam_role",), status="partial",
                   reason="ListRoles: AccessDenied: [/red] denied"),
        StepResult("aws_waf_web_acl", "111122223333", "us-east-1", "waf", ("aws_waf_web_acl",), status="unserved",
                   reason="ListWebACLs: not served by the endpoint (500)"),
        StepResult("aws_waf_rule", "111122223333", "us-east-1", "waf", ("aws_waf_rule",), status="unserved",
                   reason="parent aws_waf_web_acl not served by the endpoint"),
    ]
    for verbose in (False, True):
        buf = io.StringIO()
        print_summary(InertConsole(file=buf, width=160), _summary(steps), verbose=verbose, emulator=True)
        printed = buf.getvalue()
        assert leftover_controls(printed) == [], verbose
        assert "[/red] denied" in printed and "1 partial · 1 failed · 2 not served by the emulator" in printed
        assert "aws_waf_web_acl (ListWebACLs)" in printed and "aws_waf_rule (parent not served)" in printed
        assert ("Relationships" in printed and "aws_vpc_has_x" in printed) is verbose  # every type with --verbose
    compact = io.StringIO()
    print_summary(InertConsole(file=compact, width=160), _summary(steps), emulator=False)
    assert "not served by the endpoint" in compact.getvalue() and "aws_vpc 2" in compact.getvalue()
