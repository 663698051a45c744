"""OGC API – Features, read by GDAL's own OAPIF client and compared with the GeoPackage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from tests.helpers import bundled_site_count

LAYERS = ["sites", "units", "overlap_pairs", "clusters", "border_crossings", "border_deadends"]


def test_landing_conformance_and_collections(api_server):
    landing = api_server.get("/ogc").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conforms = api_server.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conforms
    ids = {c["id"] for c in api_server.get("/ogc/collections").json()["collections"]}
    assert {f"yibin-{layer}" for layer in LAYERS} <= ids
    one = api_server.get("/ogc/collections/yibin-sites").json()
    west, south, east, north = one["extent"]["spatial"]["bbox"][0]
    assert 103 < west < east < 107
    assert 27 < south < north < 30
    assert api_server.get("/ogc/collections/yibin-nothing").status_code == 404


def test_items_pages_follow_next_links(api_server):
    url, seen, pages = "/ogc/collections/yibin-sites/items?limit=25", [], 0
    while url:
        page = api_server.get(url.replace(api_server.base, "")).json()
        seen.extend(f["id"] for f in page["features"])
        assert page["numberMatched"] == bundled_site_count()
        assert page["numberReturned"] == len(page["features"])
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        pages += 1
    n = bundled_site_count()
    assert (pages, seen) == (-(-n // 25), list(range(1, n + 1)))
    feature = api_server.get("/ogc/collections/yibin-sites/items/1")
    assert feature.headers["content-type"] == "application/geo+json"
    assert feature.json()["properties"]["name"] == "蜀南竹海"
    beyond = f"/ogc/collections/yibin-sites/items/{bundled_site_count() + 1}"
    assert api_server.get(beyond).status_code == 404
    assert api_server.get("/ogc/collections/yibin-sites/items?bbox=1,2,3").status_code == 400


@pytest.mark.parametrize("layer", LAYERS)
def test_gdal_reads_every_collection_like_the_geopackage(api_server, published, layer):
    expected = pyogrio.read_dataframe(published / "results.gpkg", layer=layer, fid_as_index=True)
    got = pyogrio.read_dataframe(
        f"OAPIF:{api_server.base}/ogc", layer=f"yibin-{layer}", fid_as_index=True
    )
    assert len(got) == len(expected)
    if expected.empty:
        return
    assert list(got.index) == list(expected.index)
    assert shapely.equals_exact(got.geometry.values, expected.geometry.values, tolerance=1e-9).all()
    for column in expected.columns.drop("geometry"):
        left, right = got[column], expected[column]
        if pd.api.types.is_numeric_dtype(right) and not pd.api.types.is_bool_dtype(right):
            np.testing.assert_allclose(left.astype(float), right.astype(float), rtol=1e-9)
        else:
            assert left.astype(str).tolist() == right.astype(str).tolist(), column


def test_gdal_bbox_filter_matches_brute_force(api_server, published):
    box = (104.6, 28.2, 105.2, 28.8)
    sites = pyogrio.read_dataframe(published / "results.gpkg", layer="sites")
    inside = sites[sites.geometry.intersects(shapely.box(*box))]
    got = pyogrio.read_dataframe(f"OAPIF:{api_server.base}/ogc", layer="yibin-sites", bbox=box)
    assert sorted(got["site_id"]) == sorted(inside["site_id"])
    assert len(got) > 0
