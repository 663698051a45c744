"""Hostile data and hostile pages: nothing from the data runs in the map or the report, and a
page on another site cannot write to the API."""

from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest

from tests.helpers import tia
from tests.hostile import script_in_every_name
from tests.serving import start_server

#: Hover and click every feature of every layer (GeoJSON layers: each of their features).
_OPEN_ALL = """() => {
  const map = window[document.querySelector('.folium-map').id];
  let opened = 0;
  const visit = (layer) => {
    if (layer.eachLayer) { layer.eachLayer(visit); }
    const at = layer.getLatLng ? layer.getLatLng()
      : layer.getBounds && layer.getBounds().isValid() ? layer.getBounds().getCenter() : null;
    if (!at || layer.eachLayer) { return; }
    // as a pointer would: the event reaches the tooltips and popups bound on the parents
    layer.fire("mouseover", {latlng: at, layerPoint: map.latLngToLayerPoint(at)}, true);
    layer.fire("click", {latlng: at, layerPoint: map.latLngToLayerPoint(at)}, true);
    opened += 1;
  };
  map.eachLayer(visit);
  return opened;
}"""


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    folder = script_in_every_name(tmp)
    run = tia("analyze", folder, "--out", tmp / "out", "-q")
    assert run.code == 0, run.stderr
    return tmp / "out"


def _assert_nothing_ran(watched, dialogs):
    assert watched.page.evaluate("window.__xss === undefined"), watched.page.evaluate(
        "String(window.__xss)"
    )
    assert dialogs == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_script_in_names_never_runs_in_the_map(hostile_out, tmp_path, watched, lang):
    out = hostile_out
    if lang == "en":
        out = tmp_path / "en"
        run = tia("analyze", hostile_out.parent / "hostile", "--out", out, "-q", "--lang", "en")
        assert run.code == 0, run.stderr
    dialogs: list[str] = []
    watched.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    watched.open((out / "map.html").as_uri())
    page = watched.page
    page.wait_for_function("window.tiaSitesDrawn === true")
    for name in ("等时圈", "Isochrones", "断头路（临界未连通）", "Border dead-ends"):
        box = page.get_by_label(name, exact=True)
        if box.count():
            box.check()  # hidden layers too
    _assert_nothing_ran(watched, dialogs)
    opened = page.evaluate(_OPEN_ALL)
    assert opened > 100  # units, zones, roads, pairs, groups, clusters, crossings, sites
    # every site's popup, then hover where the sites are drawn
    page.evaluate(
        """() => { const map = window[document.querySelector('.folium-map').id];
        map.eachLayer((l) => { if (l.tiaOpen) { Object.values(l.tiaTitles).forEach(
          (i) => l.tiaOpen(i)); } }); }"""
    )
    box = page.locator(".folium-map").bounding_box()
    for fx in range(5, 100, 10):
        for fy in range(5, 100, 10):
            page.mouse.move(box["x"] + box["width"] * fx / 100, box["y"] + box["height"] * fy / 100)
    # the search lists names as text
    page.click(".leaflet-control-search .search-button")
    page.locator("input.search-input").press_sequentially("<", delay=30)
    page.wait_for_selector(".search-tooltip .search-tip", timeout=10_000)
    tips = page.locator(".search-tip").all_text_contents()
    assert any("<img src=x" in tip for tip in tips)
    page.wait_for_timeout(300)
    _assert_nothing_ran(watched, dialogs)
    tooltip_text = " ".join(page.locator(".leaflet-tooltip").all_text_contents())
    assert "onerror=" in tooltip_text  # shown as text, not run
    assert watched.errors == []


def test_script_in_names_never_runs_in_the_report(hostile_out, watched):
    dialogs: list[str] = []
    watched.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    watched.page.goto((hostile_out / "report.html").as_uri())
    watched.page.wait_for_load_state("load")
    _assert_nothing_ran(watched, dialogs)
    assert "<img src=x" in watched.page.text_content("body")


def test_a_web_page_elsewhere_cannot_write_to_a_server_without_token(tmp_path, watched):
    server = start_server(tmp_path / "home", token=None)
    evil = tmp_path / "evil"
    evil.mkdir()
    (evil / "index.html").write_text(
        f"""<!doctype html><html><body>
<form id="f" method="post" enctype="text/plain" action="{server.base}/datasets/yibin/analyze">
<input name='{{"params": {{"x": ' value='1}}}}'></form>
<script>
fetch("{server.base}/datasets", {{method: "POST", mode: "no-cors", body: new FormData()}});
document.getElementById("f").submit();
</script></body></html>""",
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(evil))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        server.wait_dataset("yibin")
        watched.page.goto(f"http://127.0.0.1:{site.server_address[1]}/index.html")
        watched.page.wait_for_url(f"{server.base}/**")
        answer = json.loads(watched.page.text_content("body"))
        assert answer["status"] == 403
        assert "cross-site" in answer["message"]
        jobs = [line for line in server.log_text().splitlines() if "POST /datasets" in line]
        assert jobs
        assert all("403" in line for line in jobs), jobs
    finally:
        site.shutdown()
        server.stop()
