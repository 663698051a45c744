"""The fully real Andorra dataset, analysed by the CLI, read in headless Chromium offline."""

from __future__ import annotations

import csv

import pytest

from tests.helpers import ROOT, tia


@pytest.fixture(scope="module")
def andorra_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("andorra") / "out"
    run = tia("analyze", ROOT / "data" / "andorra", "--out", out, "-q", "--lang", "en")
    assert run.code == 0, run.stderr
    return out


def test_andorra_map_draws_offline_with_its_borders(andorra_out, watched):
    watched.open((andorra_out / "map.html").as_uri())
    watched.page.wait_for_function("window.tiaSitesDrawn === true", timeout=30_000)
    assert watched.blocked == []
    assert watched.errors == []
    labels = watched.page.eval_on_selector_all(
        ".leaflet-control-layers-overlays label", "els => els.map(e => e.textContent.trim())"
    )
    assert {"Shared borders (by road crossings)", "Missing links", "Tourism sites"} <= set(labels)
    legend = watched.page.locator(".tia-legend").text_content()
    assert "almost no road data" in legend  # the extract stops at the national border
    watched.screenshot("map_andorra_en.png")


def test_andorra_report_lists_every_border(andorra_out, watched):
    watched.page.goto((andorra_out / "report.html").as_uri())
    watched.page.wait_for_load_state("load")
    with (andorra_out / "borders.csv").open(encoding="utf-8") as f:
        borders = list(csv.DictReader(f))
    assert len(borders) == 20
    section = watched.page.locator("#friction")
    rows = section.locator("#border-list tr:has(td)")
    # every border is in the page: the first 15 shown, the rest in a collapsed table
    assert rows.count() == len(borders)
    first = rows.first.locator("td")
    assert first.nth(1).inner_text() == borders[0]["unit_a"]
    details = section.locator("details")
    assert not details.first.evaluate("d => d.open")
    details.first.locator("summary").click()
    assert details.first.evaluate("d => d.open")
    text = section.inner_text()
    assert "Canillo" in text
    assert "Missing links" in text
    assert "Main roads leaving the road data" in text
    assert "CG-1" in text
    watched.page.locator("#friction").scroll_into_view_if_needed()
    watched.screenshot("report_andorra_friction.png")
