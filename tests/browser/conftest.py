"""Real headless Chromium (Debian's package) driven by Playwright, with the network blocked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import ROOT, tia

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
_LOCAL = ("file:", "data:", "blob:", "about:", "http://127.0.0.1", "http://localhost")


@dataclass
class Watched:
    """A page plus what it tried to fetch from outside and the errors it logged."""

    page: object
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_function(
            "typeof L !== 'undefined' && document.querySelector('.leaflet-container')"
        )

    def map_expr(self) -> str:
        """JavaScript expression for the folium map object of the page."""
        return "window[document.querySelector('.folium-map').id]"

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it when root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser):
    """A fresh page in which every request that is not local is aborted and recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    seen = Watched(page)

    def route(request_route):
        url = request_route.request.url
        if url.startswith(_LOCAL):
            request_route.continue_()
        else:
            seen.blocked.append(url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    yield seen
    context.close()


@pytest.fixture(scope="session")
def yibin_out(tmp_path_factory):
    """The bundled dataset analysed once by the real CLI (Chinese map)."""
    out = tmp_path_factory.mktemp("browser") / "yibin"
    run = tia("analyze", ROOT / "data" / "yibin", "--out", out, "-q")
    assert run.code == 0, run.stderr
    return out
