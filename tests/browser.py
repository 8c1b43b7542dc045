"""Debian's Chromium driven by Playwright: one browser per test session (per xdist worker).

Playwright's own browser download is not used; Chromium comes from ``scripts/system-deps.sh``.
Without it the browser tests fail (they are not skipped).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

# As root Chromium needs --no-sandbox; the rest keep it off the (closed) network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    for candidate in (os.environ.get("AWSGRAPH_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    pytest.fail("Debian's chromium is required for the browser tests: bash scripts/system-deps.sh")


@dataclass
class Tab:
    """A page, and every console error, failed request and uncaught exception it produced."""

    page: Any
    problems: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    found = Tab(page)
    page.on("console", lambda m: found.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: found.problems.append(f"uncaught: {exc}"))
    page.on("dialog", lambda d: (found.problems.append(f"dialog: {d.message}"), d.dismiss()))
    yield found
    context.close()


def status(page: Any, name: str) -> str | None:
    """An attribute of the graph view's status element (data-ready, data-nodes, ...)."""
    return page.get_attribute(".ag-status", f"data-{name}")


def wait_ready(page: Any) -> None:
    page.wait_for_selector(".ag-status[data-ready=true][data-drawn=true]", state="attached")


def click_node(page: Any, node_id: str, *, double: bool = False) -> None:
    """Click a cytoscape node where it is drawn, as a person would."""
    box = page.locator(".ag-canvas").bounding_box()
    pos = page.evaluate("id => window.awsgraphView.cy.getElementById(id).renderedPosition()", node_id)
    x, y = box["x"] + pos["x"], box["y"] + pos["y"]
    if double:
        page.mouse.dblclick(x, y)
    else:
        page.mouse.click(x, y)
