"""The graph page in a real headless Chromium: it loads without console errors and draws the graph.

Chromium is required (Debian package ``chromium``); without it these tests fail rather than skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from awsgraph.cli import main

_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=4000",
    "--dump-dom",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is required for the visualize tests: apt-get install -y chromium")


def load(page: Path, tmp_path: Path, fragment: str = "") -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and every console message it printed."""
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    proc = subprocess.run(
        [_chromium(), *_FLAGS, f"--user-data-dir={profile}", page.as_uri() + fragment],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console


def attr(dom: str, element_id: str, name: str) -> str | None:
    tag = re.search(rf'<[^>]*id="{element_id}"[^>]*>', dom)
    assert tag, f"no #{element_id} in the page"
    found = re.search(rf'{name}="([^"]*)"', tag.group(0))
    return found.group(1) if found else None


def test_whole_graph_renders_without_console_errors(graph_db: str, tmp_path: Path) -> None:
    out = tmp_path / "graph.html"
    assert main(["visualize", "--db", graph_db, "--out", str(out)]) == 0
    html = out.read_text()
    assert "http://" not in re.sub(r"<script>.*?</script>", "", html, flags=re.S)  # nothing fetched
    assert "<script src" not in html
    dom, console = load(out, tmp_path)
    assert console == []
    assert attr(dom, "status", "data-ready") == "true"
    assert attr(dom, "status", "data-nodes") == "21"
    assert attr(dom, "status", "data-edges") == "22"
    assert 'class="error"' not in dom
    # Legend: one entry per class, coloured swatches.
    assert "Firewall (2)" in dom and "Host (3)" in dom


def test_search_and_click_to_inspect(graph_db: str, tmp_path: Path) -> None:
    out = tmp_path / "graph.html"
    assert main(["visualize", "--db", graph_db, "--out", str(out)]) == 0
    dom, console = load(out, tmp_path, "#search=web&inspect=sg-web")
    assert console == []
    assert attr(dom, "matches", "data-count") == "2"  # the web instance and the web-sg group
    assert attr(dom, "inspector", "data-key") == "sg-web"
    assert "<td>groupId</td><td>sg-web</td>" in dom


def test_query_subgraph(graph_db: str, tmp_path: Path) -> None:
    out = tmp_path / "sub.html"
    query = "FIND aws_subnet WITH public=true THAT HAS aws_instance THAT USES aws_ebs_volume"
    assert main(["visualize", "--db", graph_db, "--query", query, "--out", str(out)]) == 0
    dom, console = load(out, tmp_path)
    assert console == []
    assert attr(dom, "status", "data-nodes") == "3"
    assert attr(dom, "status", "data-edges") == "2"


def test_the_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>missingFunction();</script></body></html>")
    _, console = load(page, tmp_path)
    assert any("missingFunction is not defined" in line for line in console)
