"""map.html of the bundled dataset in real headless Chromium, with no network."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile

from tests.helpers import ROOT, tia

# every layer the bundled run has data for (no DEM, so no hillshade), as a planner reads them
LAYERS_ZH = {
    "行政单元（资源禀赋）",
    "资源密度（等级加权）",
    "等时圈",
    "规划区",
    "资源集聚区（跨界指数）",
    "重复建设组",
    "道路",
    "重复建设（竞争资源对）",
    "互补资源对（宜联合开发）",
    "客源市场点",
    "跨界道路连接点",
    "断头路（临界未连通）",
    "共享边界（按跨界道路）",
    "合作建议",
    "旅游资源点",
}


def _overlay_labels(watched) -> set[str]:
    return set(
        watched.page.eval_on_selector_all(
            ".leaflet-control-layers-overlays label", "els => els.map(e => e.textContent.trim())"
        )
    )


def _search(watched, text: str) -> str:
    page = watched.page
    page.click(".leaflet-control-search .search-button")
    page.locator("input.search-input").press_sequentially(text, delay=40)
    page.wait_for_selector(".search-tooltip .search-tip", timeout=10_000)
    page.click(".search-tip >> nth=0")
    page.wait_for_selector(".tia-popup", timeout=10_000)
    return page.text_content(".tia-popup")


def _pixels(watched) -> np.ndarray:
    png = watched.page.locator(".folium-map").screenshot()
    with warnings.catch_warnings():  # a screenshot has no georeferencing
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with MemoryFile(png) as memory, memory.open() as image:
            return image.read().astype(int)


def test_map_draws_offline_with_every_layer(yibin_out, watched):
    watched.open((yibin_out / "map.html").as_uri())
    watched.page.wait_for_timeout(500)
    assert watched.page.evaluate("L.version").startswith("1.9")
    assert watched.page.evaluate("window.tiaSitesDrawn") is True
    assert watched.blocked == []
    assert watched.errors == []
    assert _overlay_labels(watched) == LAYERS_ZH
    legend = watched.page.locator(".tia-legend")
    assert legend.is_visible()
    assert "旅游资源点" in legend.text_content()
    for control in (
        ".leaflet-control-zoom-fullscreen",
        ".leaflet-control-measure",
        ".leaflet-control-minimap",
        ".leaflet-control-scale",
    ):
        assert watched.page.locator(control).count() == 1, control
    # the initial view fits the units
    west, south, east, north = gpd.read_file(yibin_out / "results.gpkg", layer="units").total_bounds
    view = watched.page.evaluate(f"{watched.map_expr()}.getBounds().toBBoxString()")
    vw, vs, ve, vn = map(float, view.split(","))
    assert vw <= west
    assert vs <= south
    assert ve >= east
    assert vn >= north
    assert (ve - vw) < 3 * (east - west)  # fitted, not the whole world
    watched.screenshot("map_yibin_zh.png")


def test_search_finds_the_bamboo_sea_and_its_popup_shows_unit_and_overlaps(yibin_out, watched):
    watched.open((yibin_out / "map.html").as_uri())
    text = _search(watched, "蜀南竹海")
    assert "蜀南竹海" in text
    assert "Shunan Bamboo Sea" in text
    assert "长宁县" in text  # its unit (511524 in counties.geojson)
    pairs = pd.read_csv(yibin_out / "overlaps.csv")
    mine = pairs[(pairs["site_a"] == "YB001") | (pairs["site_b"] == "YB001")]
    mine = mine[mine["score"] >= 0.5].sort_values("score", ascending=False).head(5)
    partners = np.where(mine["site_a"] == "YB001", mine["name_b"], mine["name_a"])
    assert len(partners) > 0
    for name in partners:
        assert name in text
    assert watched.errors == []
    watched.page.wait_for_timeout(800)
    watched.screenshot("map_search_bamboo_sea.png")


def test_toggling_a_layer_changes_the_drawing_and_the_legend(yibin_out, watched):
    watched.open((yibin_out / "map.html").as_uri())
    watched.page.wait_for_timeout(300)
    roads_legend = watched.page.locator('.tia-section[data-layer="道路"]')
    assert roads_legend.is_visible()
    before = _pixels(watched)
    watched.page.get_by_label("道路", exact=True).uncheck()
    watched.page.wait_for_timeout(300)
    after = _pixels(watched)
    changed = np.any(before != after, axis=0).mean()
    assert changed > 0.001, changed  # the roads disappeared from the canvas
    assert not roads_legend.is_visible()
    watched.page.get_by_label("等时圈", exact=True).check()
    watched.page.wait_for_timeout(300)
    assert watched.page.locator('.tia-section[data-layer="等时圈"]').is_visible()
    assert np.any(_pixels(watched) != after, axis=0).mean() > 0.01
    assert watched.errors == []


def test_english_map_and_search_by_english_name(tmp_path, watched):
    out = tmp_path / "en"
    run = tia("analyze", ROOT / "data" / "yibin", "--out", out, "-q", "--lang", "en")
    assert run.code == 0, run.stderr
    watched.open((out / "map.html").as_uri())
    assert "Tourism sites" in _overlay_labels(watched)
    text = _search(watched, "stone sea")
    assert "Xingwen Stone Sea" in text
    assert "Xingwen County" in text
    assert watched.blocked == []
    assert watched.errors == []
    watched.page.wait_for_timeout(800)  # let the zoom animation end
    watched.screenshot("map_yibin_en.png")


@pytest.fixture
def many_sites(tmp_path):
    """3,000 generated sites over the Yibin counties: enough to be clustered."""
    counties = gpd.read_file(ROOT / "data" / "yibin" / "counties.geojson")
    rng = np.random.default_rng(7)
    points = counties.sample_points(120, rng=rng).explode()
    categories = ["竹林", "溶洞", "古镇", "温泉", "寺庙", "湖泊"]
    rows = pd.DataFrame(
        {
            "name": [f"景点{i}" for i in range(len(points))],
            "category": [categories[i % len(categories)] for i in range(len(points))],
            "a_grade": [i % 6 for i in range(len(points))],
            "lon": points.x.to_numpy(),
            "lat": points.y.to_numpy(),
        }
    )
    folder = tmp_path / "many"
    folder.mkdir()
    counties.to_file(folder / "counties.geojson")
    rows.to_csv(folder / "sites.csv", index=False)
    (folder / "dataset.toml").write_text(
        'name = "Generated"\n[sites]\npath = "sites.csv"\nname = "name"\n'
        'category = "category"\ngrade = "a_grade"\n'
        'lon = "lon"\nlat = "lat"\n[units]\npath = "counties.geojson"\nid = "adcode"\n'
        'name = "name"\n',
        encoding="utf-8",
    )
    return folder, len(rows)


def test_thousands_of_sites_are_clustered(many_sites, tmp_path, watched):
    folder, count = many_sites
    run = tia("analyze", folder, "--out", tmp_path / "out", "-q")
    assert run.code == 0, run.stderr
    watched.open((tmp_path / "out" / "map.html").as_uri())
    watched.page.wait_for_function("window.tiaSitesDrawn === true", timeout=15_000)
    watched.page.wait_for_selector(".marker-cluster", timeout=15_000)
    summed = (
        "Array.from(document.querySelectorAll('.marker-cluster span'))"
        ".reduce((n, e) => n + Number(e.textContent), 0)"
    )
    # while the clusters animate in, the old and the new icons are both in the page: wait
    # for the drawing to settle (a state, not a time), then count
    watched.page.wait_for_function(f"{summed} > 0 && {summed} <= {count}", timeout=30_000)
    clustered = watched.page.evaluate(summed)
    assert 0 < clustered <= count
    text = _search(watched, "景点1234")
    assert "景点1234" in text
    assert watched.errors == []
