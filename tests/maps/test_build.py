"""map.html without a browser: assets are local, layers and options are checked."""

from __future__ import annotations

import base64
import re

import folium
import geopandas as gpd
import pytest
import shapely

from geo.dataset import load_dataset
from geo.pipeline import run_pipeline
from maps import build_map, map_html
from maps.assets import MapAssetError, asset_root, inline_assets, static_assets, static_file
from maps.layers import features
from tests.helpers import YIBIN


@pytest.fixture(scope="module")
def results():
    return run_pipeline(load_dataset(YIBIN))


def test_standalone_page_needs_no_network(results):
    page = map_html(build_map(results))
    assert not re.search(r'<script[^>]+src="https?://', page)
    assert not re.search(r'<link[^>]+href="https?://', page)
    # leaflet's layer-control icon is inside the page, byte for byte
    icon = (asset_root() / "leaflet/dist/images/layers.png").read_bytes()
    assert base64.b64encode(icon).decode() in page
    assert "蜀南竹海" in page


def test_static_pages_point_at_the_static_route(results):
    page = map_html(build_map(results, lang="en"), assets="static", prefix="/static")
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/leaflet/dist/leaflet.js" in scripts
    assert all(s.startswith("/static/") for s in scripts)
    for src in scripts:
        assert static_file(src.removeprefix("/static/")) is not None


def test_static_files_are_an_allow_list():
    assert static_file("leaflet/dist/leaflet.css") == asset_root() / "leaflet/dist/leaflet.css"
    assert static_file("leaflet/dist/images/layers.png") is not None  # used by leaflet.css
    assert static_file("leaflet/package.json") is None
    assert static_file("../package.json") is None
    assert static_file("leaflet/dist/../../../../../etc/passwd") is None


def test_an_address_without_a_local_copy_is_an_error():
    page = '<script src="https://cdn.example.org/lib/unknown-plugin.js"></script>'
    with pytest.raises(MapAssetError, match=r"https://cdn\.example\.org/lib/unknown-plugin\.js"):
        inline_assets(page)
    with pytest.raises(MapAssetError, match="unknown-plugin"):
        static_assets(page)


def test_coordinates_are_rounded_to_about_a_metre():
    gdf = gpd.GeoDataFrame(
        {"name": ["a"]},
        geometry=[shapely.LineString([(104.123456789, 28.987654321), (105.1, 29.000004)])],
        crs=4326,
    )
    coords = features(gdf, ["name"])["features"][0]["geometry"]["coordinates"]
    assert [list(c) for c in coords] == [[104.12346, 28.98765], [105.1, 29.0]]


def _overlays(fmap: folium.Map) -> list[str]:
    return [
        child.layer_name
        for child in fmap._children.values()
        if isinstance(child, folium.map.Layer) and child.overlay
    ]


def test_layers_can_be_chosen(results):
    assert _overlays(build_map(results, layers=["sites", "roads"], lang="en")) == [
        "Roads",
        "Tourism sites",
    ]
    # every layer the run has (no hillshade; no missing links or roads out on schematic roads)
    assert len(_overlays(build_map(results))) == 15


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"layers": ["sites", "rivers"]}, "unknown map layers rivers"),
        ({"lang": "fr"}, "lang must be 'zh' or 'en'"),
        ({"basemap": "amap"}, "basemap must be one of osm, cartodb, tianditu"),
        ({"basemap": "tianditu"}, "set the TIANDITU_KEY environment variable"),
    ],
)
def test_bad_options_say_what_to_do(results, options, message, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    with pytest.raises(ValueError, match=message):
        build_map(results, **options)


def test_online_base_map_is_optional(results, monkeypatch):
    monkeypatch.setenv("TIANDITU_KEY", "k123")
    page = build_map(results, basemap="tianditu").get_root().render()
    assert "tianditu.gov.cn" in page
    assert "tk=k123" in page
    assert "tianditu" not in build_map(results).get_root().render()
