"""The server's pages in real headless Chromium with only loopback reachable: the index, the
map (scripts from /static), the report and the API docs (Swagger UI from /static, no CDN)."""

from __future__ import annotations

from tests.browser.test_map import LAYERS_ZH, _overlay_labels


def test_index_links_to_a_map_that_draws_offline(api_server, watched):
    page = watched.page
    page.goto(api_server.base + "/")
    row = page.locator("#datasets tbody tr", has_text="yibin")
    assert "Yibin two-seas demonstration area" in row.text_content()
    watched.screenshot("server_index.png")
    row.get_by_role("link", name="map 地图").click()
    page.wait_for_function("window.tiaSitesDrawn === true", timeout=15_000)
    assert page.url == api_server.base + "/datasets/yibin/map"
    assert _overlay_labels(watched) == LAYERS_ZH
    assert page.evaluate("L.version").startswith("1.9")
    watched.screenshot("server_map_zh.png")
    assert watched.blocked == []
    assert watched.errors == []


def test_report_and_docs_open_offline(api_server, watched):
    page = watched.page
    page.goto(api_server.base + "/datasets/yibin/report?lang=en")
    assert page.locator("h2", has_text="Methods").count() == 1
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
    )
    assert broken == 0
    page.goto(api_server.base + "/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Tourism Integration Analyzer" in page.text_content(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-summary-path[data-path='/datasets/{dataset_id}/overlaps']")
    watched.screenshot("server_docs.png")
    assert watched.blocked == []
    assert watched.errors == []
