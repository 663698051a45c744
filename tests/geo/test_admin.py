"""Unit assignment and border distance, checked against hand values and brute force."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.admin import (
    assign_units,
    border_distance,
    listing_units,
    shared_borders,
    spanned_units,
    unit_borders,
    unit_name_key,
)
from geo.dataset import load_dataset
from geo.pipeline import run_pipeline
from tests.helpers import YIBIN

GEOD = pyproj.Geod(ellps="WGS84")
A_KM, E2 = 6378.137, 0.00669437999014


def _parallel_arc_km(lat_deg: float, dlon_deg: float) -> float:
    """Length of an arc of parallel on the WGS-84 ellipsoid (hand formula)."""
    phi = np.radians(lat_deg)
    return A_KM * np.cos(phi) / np.sqrt(1 - E2 * np.sin(phi) ** 2) * np.radians(dlon_deg)


@pytest.fixture
def two_units():
    return gpd.GeoDataFrame(
        {"unit_id": ["A", "B"], "name": ["甲县", "乙区"], "name_en": ["Jia County", "Yi District"]},
        geometry=[shapely.box(104, 28, 105, 29), shapely.box(105, 28, 106, 29)],
        crs=4326,
    )


def _sites(points, declared):
    return gpd.GeoDataFrame(
        {
            "site_id": [f"s{i}" for i in range(len(points))],
            "name": [f"site {i}" for i in range(len(points))],
            "unit_declared": declared,
        },
        geometry=[shapely.Point(p) for p in points],
        crs=4326,
    )


def test_assign_units_and_warnings(two_units):
    sites = _sites(
        [(104.9, 28.5), (105.5, 28.9), (104.5, 28.2), (107.0, 28.5), (105.2, 28.3), (104.1, 28.1)],
        ["甲县", "Yi", "乙区", "", "甲县/乙", "火星县"],
    )
    out, warnings = assign_units(sites, two_units)
    assert list(out["unit_id"]) == ["A", "B", "A", "", "B", "A"]
    codes = {w.code: w for w in warnings}
    assert set(codes) == {"site_outside_units", "unit_disagrees", "unit_declared_unknown"}
    assert codes["site_outside_units"].items == ["s3 site 3"]
    assert codes["unit_disagrees"].items == ["s2 site 2: 乙区 → 甲县"]
    assert codes["unit_declared_unknown"].items == ["s5 site 5: 火星县 → 甲县"]


def test_unit_name_key():
    assert unit_name_key("长宁县") == unit_name_key("长宁") == "长宁"
    assert unit_name_key("Jiang'an County") == unit_name_key("jiangan") == "jiangan"
    assert unit_name_key("马边彝族自治县") == "马边"


def test_border_distance_by_hand(two_units):
    sites, _ = assign_units(
        _sites([(104.9, 28.5), (105.5, 28.9), (107.0, 28.5)], ["", "", ""]), two_units
    )
    out = border_distance(sites, unit_borders(two_units))
    # site 0: 0.1 deg west of the shared meridian 105 E
    assert out["border_km"].iloc[0] == pytest.approx(_parallel_arc_km(28.5, 0.1), rel=1e-3)
    # site 1 is 11 km from B's northern edge, but that edge is not shared: 0.5 deg to 105 E
    assert out["border_km"].iloc[1] == pytest.approx(_parallel_arc_km(28.9, 0.5), rel=2e-3)
    assert list(out["border_unit"].iloc[:2]) == ["B", "A"]
    assert np.isnan(out["border_km"].iloc[2])


def test_shared_borders_by_hand(two_units):
    borders = shared_borders(unit_borders(two_units))
    assert list(zip(borders["unit_a"], borders["unit_b"], strict=True)) == [("A", "B")]
    # one degree of meridian around 28.5 N: M = a(1-e2)/(1-e2 sin2 phi)^1.5 per radian
    phi = np.radians(28.5)
    meridian_km = A_KM * (1 - E2) / (1 - E2 * np.sin(phi) ** 2) ** 1.5 * np.radians(1.0)
    assert borders["length_km"].iloc[0] == pytest.approx(meridian_km, rel=1e-4)


def test_borders_of_a_coverage_with_a_narrow_gap_by_hand():
    """Shared edges (same vertices) and a 29 m gap both count; outer edges and corners do not."""
    xs, ys = [104.0, 104.1, 104.2, 104.3], [28.0, 28.1, 28.2]
    names = iter("ABCDEF")
    cells = {
        next(names): shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1])
        for j in range(2)
        for i in range(3)
    }
    cells["G"] = shapely.box(104.3003, 28.0, 104.4, 28.1)  # 0.0003 deg east of C: 29 m
    units = gpd.GeoDataFrame({"unit_id": list(cells)}, geometry=list(cells.values()), crs=4326)
    borders = unit_borders(units, tolerance_m=100.0)
    pairs = zip(borders["unit_id"], borders["neighbour_id"], strict=True)
    found = dict(zip(pairs, borders["length_km"], strict=True))
    meridian_km = GEOD.inv(104.0, 28.0, 104.0, 28.1)[2] / 1000.0
    parallel_km = _parallel_arc_km(28.1, 0.1)
    expected = {
        ("A", "B"): meridian_km, ("B", "C"): meridian_km, ("D", "E"): meridian_km,
        ("E", "F"): meridian_km, ("C", "G"): meridian_km,
        ("A", "D"): parallel_km, ("B", "E"): parallel_km, ("C", "F"): parallel_km,
    }  # fmt: skip
    expected |= {(b, a): km for (a, b), km in expected.items()}
    assert set(found) == set(expected)
    for pair, km in expected.items():
        # at the gap's two ends a piece (tolerance / 2) of C goes to the nearest owner: F, G
        # or the outside
        slack = 0.1 if {"C", "G"} & set(pair) else 0.0
        assert found[pair] == pytest.approx(km, rel=1e-4, abs=slack), pair


def _brute_force_border_km(site, unit_geom, others, crs):
    """Geodesic distance to densified boundary vertices that lie within 100 m of another unit."""
    to_proj = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    to_geo = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    boundary = shapely.transform(
        unit_geom.boundary, lambda xy: np.column_stack(to_proj.transform(xy[:, 0], xy[:, 1]))
    )
    vertices = shapely.get_coordinates(shapely.segmentize(boundary, 20.0))
    others_proj = [
        shapely.transform(g, lambda xy: np.column_stack(to_proj.transform(xy[:, 0], xy[:, 1])))
        for g in others
    ]
    near = np.zeros(len(vertices), bool)
    points = shapely.points(vertices)
    for other in others_proj:
        near |= shapely.distance(points, other) <= 100.0
    lon, lat = to_geo.transform(vertices[near, 0], vertices[near, 1])
    dist = GEOD.inv(np.full(len(lon), site.x), np.full(len(lon), site.y), lon, lat)[2]
    return dist.min() / 1000.0


def test_yibin_border_km_matches_brute_force():
    results = run_pipeline(load_dataset(YIBIN))
    units = results.units.set_index("unit_id")
    sample = results.sites[results.sites["unit_id"].isin(units.index[units["is_yibin"]])].iloc[::3]
    for site in sample.itertuples():
        others = units.geometry.drop(site.unit_id)
        others = others[others.intersects(units.geometry[site.unit_id].buffer(0.01))]
        expected = _brute_force_border_km(
            site.geometry, units.geometry[site.unit_id], list(others), 32648
        )
        assert site.border_km == pytest.approx(expected, rel=0.005, abs=0.02), site.name


def test_yibin_sites_match_their_declared_county():
    results = run_pipeline(load_dataset(YIBIN))
    assert len(results.sites) >= 60
    assert (results.sites["unit_id"] != "").all()
    assert not [
        w for w in results.warnings if w.code in ("unit_disagrees", "unit_declared_unknown")
    ]
    bamboo = results.sites.set_index("name_en").loc["Shunan Bamboo Sea"]
    assert bamboo["unit_name"] == "长宁县"
    assert bamboo["border_unit"] == "511523"  # Jiang'an, across the nearest border


def _meridian_arc_km(lat_deg: float, dlat_deg: float) -> float:
    """Length of a short arc of meridian on the WGS-84 ellipsoid (hand formula)."""
    phi = np.radians(lat_deg)
    return A_KM * (1 - E2) / (1 - E2 * np.sin(phi) ** 2) ** 1.5 * np.radians(dlat_deg)


def test_sites_just_outside_are_attached_to_the_nearest_unit(two_units):
    east = 1.5 / _parallel_arc_km(28.5, 1.0)  # degrees of longitude for 1.5 km at 28.5 N
    south = 0.5 / _meridian_arc_km(28.0, 1.0)  # degrees of latitude for 0.5 km at 28 N
    far = 2.5 / _parallel_arc_km(28.5, 1.0)
    sites = _sites(
        [(106 + east, 28.5), (104.5, 28 - south), (106 + far, 28.5), (0.0, 90.0), (105.5, 28.5)],
        [""] * 5,
    )
    out, warnings = assign_units(sites, two_units, attach_m=2000.0)
    assert list(out["unit_id"]) == ["B", "A", "", "", "B"]
    assert out["outside_m"].iloc[0] == pytest.approx(1500.0, abs=1.0)
    assert out["outside_m"].iloc[1] == pytest.approx(500.0, abs=1.0)
    assert np.isnan(out["outside_m"].iloc[2])
    assert np.isnan(out["outside_m"].iloc[3])
    assert out["outside_m"].iloc[4] == 0.0
    codes = {w.code: w for w in warnings}
    attached = codes["site_attached_to_nearest_unit"]
    assert attached.facts == {"n": 2, "km": 2.0}
    assert attached.items == [
        "s0 site 0 → 乙区 (1.50 km)",
        "s1 site 1 → 甲县 (0.50 km)",
    ]
    assert codes["site_outside_units"].items == ["s2 site 2", "s3 site 3"]
    off, _ = assign_units(sites, two_units)  # attaching is off by default
    assert list(off["unit_id"]) == ["", "", "", "", "B"]


def test_an_area_across_two_units_is_theirs_together():
    units = gpd.GeoDataFrame(
        {"unit_id": ["A", "B"], "name": ["甲", "乙"], "name_en": ["", ""]},
        geometry=[shapely.box(0.0, 0.0, 1.0, 1.0), shapely.box(1.0, 0.0, 2.0, 1.0)],
        crs=4326,
    )
    # 0.6 of the first area lies in A, 0.4 in B; the second has 0.05 of itself in B
    footprints = gpd.GeoSeries(
        [shapely.box(0.4, 0.4, 1.4, 0.6), shapely.box(0.05, 0.1, 1.05, 0.2)],
        index=["across", "edge"],
        crs=4326,
    )
    spans = spanned_units(footprints, units, min_share=0.1)
    assert spans.to_dict() == {"across": "A;B"}
    sites = pd.DataFrame(
        {"site_id": ["across", "edge", "point"], "unit_declared": "", "unit_id": ["B", "A", "A"]}
    )
    listing = listing_units(sites, units, footprints=footprints, min_share=0.1)
    # its own unit (where its point lies) first, then the others by share
    assert listing.tolist() == ["B;A", "A", "A"]
