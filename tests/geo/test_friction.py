"""Border crossings, border dead-ends and detour indices on a network drawn by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.admin import assign_units, shared_borders, unit_borders
from geo.coords import GEOD
from geo.dataset import RoadsPart
from geo.friction import border_crossings, border_deadends, border_table, detour_indices
from geo.network import build_road_graph, prepare_network, snap_points, travel_matrix
from geo.sources.roads import load_roads
from tests.geo.test_network import parallel_km
from tests.helpers import write_osm

# Unit A west of 105 E, unit B east of it.
UNITS = gpd.GeoDataFrame(
    {"unit_id": ["A", "B"], "name": ["甲", "乙"], "name_en": ["", ""]},
    geometry=[shapely.box(104.9, 27.9, 105.0, 28.1), shapely.box(105.0, 27.9, 105.1, 28.1)],
    crs=4326,
)
W, E = (104.95, 28.0), (105.05, 28.0)
ROADS = [
    ([W, E], {"highway": "primary"}),  # crosses once
    ([(104.98, 28.05), (105.02, 28.05), (104.99, 28.06)], {"highway": "tertiary"}),  # crosses twice
    ([(104.92, 28.08), (104.96, 28.08)], {"highway": "residential"}),  # stays in A
    # two spurs that stop 0.005 deg short of the border, facing each other
    ([W, (104.95, 27.95), (104.995, 27.95)], {"highway": "unclassified"}),
    ([E, (105.05, 27.95), (105.005, 27.95)], {"highway": "unclassified"}),
    # a county road in A stopping near the border with nothing across within 3 km
    ([(104.93, 28.02), (104.993, 28.02)], {"highway": "secondary"}),
]


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    path = tmp_path_factory.mktemp("f") / "roads.osm.pbf"
    write_osm(path, [{"type": "way", "coords": c, "tags": t} for c, t in ROADS])
    return build_road_graph(
        load_roads(RoadsPart(path=path), bounds=(104.9, 27.9, 105.1, 28.1)).data
    )


def test_crossings(graph):
    borders = shared_borders(unit_borders(UNITS))
    crossings = border_crossings(graph, borders)
    assert sorted(zip(crossings["highway"], crossings["times"], strict=True)) == [
        ("primary", 1),
        ("tertiary", 2),
    ]
    assert set(zip(crossings["unit_a"], crossings["unit_b"], strict=True)) == {("A", "B")}
    primary = crossings[crossings["highway"] == "primary"].geometry.iloc[0]
    assert (primary.x, primary.y) == pytest.approx((105.0, 28.0))


def test_deadends(graph):
    deadends = border_deadends(graph, UNITS, unit_borders(UNITS)).set_index("unit_id")
    # both spurs: ends 0.01 deg apart at 27.95 N, by road back to the primary and across
    assert sorted(deadends.index) == ["A", "B"]
    straight = parallel_km(27.95, 0.01)
    spur = parallel_km(27.95, 0.045) + 0.05 * 110.85  # along 27.95 N, then 0.05 deg north
    road = 2 * spur + parallel_km(28.0, 0.1)
    assert deadends.loc["A", "straight_km"] == pytest.approx(straight, rel=1e-3)
    assert deadends.loc["A", "road_km"] == pytest.approx(road, rel=2e-3)
    assert deadends.loc["A", "neighbour_id"] == "B"
    assert not deadends["unreachable"].any()
    # the secondary road's end (104.993, 28.02) has no node across within 3 km: not flagged


def test_unreachable_deadend(tmp_path):
    path = tmp_path / "cut.osm"
    spurs = [[(104.95, 27.95), (104.995, 27.95)], [(105.005, 27.95), (105.05, 27.95)]]
    write_osm(
        path, [{"type": "way", "coords": c, "tags": {"highway": "unclassified"}} for c in spurs]
    )
    graph = build_road_graph(
        load_roads(RoadsPart(path=path), bounds=(104.9, 27.9, 105.1, 28.1)).data
    )
    deadends = border_deadends(graph, UNITS, unit_borders(UNITS))
    assert len(deadends) == 2
    assert deadends["unreachable"].all()
    assert np.isinf(deadends["road_km"]).all()


def test_detour_indices(graph):
    network = prepare_network(graph)
    sites = gpd.GeoDataFrame(
        {"site_id": ["w", "e", "sw", "se"], "name": "", "unit_declared": ""},
        geometry=[
            shapely.Point(104.96, 28.0),
            shapely.Point(105.04, 28.0),
            shapely.Point(104.99, 27.95),
            shapely.Point(105.01, 27.95),
        ],
        crs=4326,
    )
    sites, _ = assign_units(sites, UNITS)
    snapped = snap_points(network, sites.geometry)
    ids = snapped.first_node + np.arange(4)
    detour = detour_indices(sites, travel_matrix(snapped.metres, ids, ids), min_km=1.0, max_km=60.0)
    pairs = detour.pairs.set_index(["site_a", "site_b"])
    assert pairs.loc[("w", "e"), "detour"] == pytest.approx(1.0, abs=1e-3)  # straight road
    # sw -> se: 0.04 deg west, north 0.05 deg, east 0.1 deg, south, west 0.04 deg
    road = 2 * (parallel_km(27.95, 0.04) + 0.05 * 110.85) + parallel_km(28.0, 0.1)
    assert pairs.loc[("sw", "se"), "road_km"] == pytest.approx(road, rel=2e-3)
    summary = detour.summary()
    assert summary["cross_border"]["pairs"] == 4  # w-e, w-se, sw-e, sw-se
    assert summary["same_unit"]["pairs"] == 2


def _line(*coords: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString(coords)


def test_border_table_orders_gaps_first():
    # three borders, worked out by hand: A–C has no crossing, B–C only a track, A–B a primary
    borders = gpd.GeoDataFrame(
        {"unit_a": ["A", "A", "B"], "unit_b": ["B", "C", "C"], "length_km": [10.0, 20.0, 5.0]},
        geometry=[_line((0, 0), (0, 1)), _line((1, 0), (1, 1)), _line((2, 0), (2, 1))],
        crs=4326,
    )
    crossings = gpd.GeoDataFrame(
        {"unit_a": ["A", "B", "A"], "unit_b": ["B", "C", "B"],
         "highway": ["primary", "track", "residential"]},
        geometry=[shapely.Point(0, 0.5), shapely.Point(2, 0.5), shapely.Point(0, 0.2)],
        crs=4326,
    )  # fmt: skip
    table = border_table(borders, crossings, np.array(["county", "province", "county"]))
    assert list(zip(table["unit_a"], table["unit_b"], strict=True)) == [
        ("A", "C"), ("B", "C"), ("A", "B")
    ]  # fmt: skip
    assert list(table["finding"]) == ["no_crossing", "minor_only", "crossed"]
    assert list(table["rank"]) == [1, 2, 3]
    assert list(table["crossings"]) == [0, 1, 2]
    assert list(table["major_crossings"]) == [0, 0, 1]
    assert list(table["cross_primary"]) == [0, 0, 1]
    assert list(table["cross_other"]) == [0, 1, 1]  # track and residential are "other"
    assert table["km_per_major_crossing"].iloc[2] == 10.0
    assert np.isnan(table["km_per_major_crossing"].iloc[0])
    assert list(table["level"]) == ["province", "county", "county"]
    # a unit the road data does not cover: its borders are not findings, and come last
    table = border_table(borders, crossings, np.array(["county"] * 3), sparse_units={"C"})
    assert list(table["finding"]) == ["crossed", "no_road_data", "no_road_data"]


def test_detour_bands_against_brute_force():
    # sites along 28 N on both sides of 105 E; road distance = straight x a factor chosen per
    # pair (1.2 within a unit; across: 1.8 below 5 km, 1.3 beyond)
    lons = [104.90, 104.93, 104.95, 104.97, 104.98, 104.99, 105.01, 105.02, 105.04, 105.06, 105.1]
    sites = gpd.GeoDataFrame(
        {"site_id": [f"s{i}" for i in range(len(lons))],
         "unit_id": ["A" if x < 105 else "B" for x in lons]},
        geometry=[shapely.Point(x, 28.0) for x in lons],
        crs=4326,
    )  # fmt: skip
    n = len(lons)
    straight = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            straight[i, j] = GEOD.inv(lons[i], 28.0, lons[j], 28.0)[2]
    units = sites["unit_id"].to_numpy()
    cross = units[:, None] != units[None, :]
    factor = np.where(cross, np.where(straight < 5000, 1.8, 1.3), 1.2)
    detour = detour_indices(sites, straight * factor, min_km=1.0, max_km=20.0,
                            band_edges_km=(5.0, 10.0))  # fmt: skip
    summary = detour.summary()
    # brute force: every pair, its band, its group
    edges = [1.0, 5.0, 10.0, 20.0]
    expected = {}
    for i in range(n):
        for j in range(i + 1, n):
            km = straight[i, j] / 1000.0
            if not 1.0 <= km <= 20.0:
                continue
            band = next(b for b in range(3) if edges[b] <= km < edges[b + 1] or km == 20.0)
            expected.setdefault((band, bool(cross[i, j])), []).append(factor[i, j])
    weighted, weight = 0.0, 0
    for b, row in enumerate(summary["bands"]):
        assert (row["from_km"], row["to_km"]) == (edges[b], edges[b + 1])
        same, across = expected.get((b, False), []), expected.get((b, True), [])
        assert row["same_unit"]["pairs"] == len(same)
        assert row["cross_border"]["pairs"] == len(across)
        if same and across:
            assert row["ratio"] == pytest.approx(np.median(across) / np.median(same), abs=1e-4)
            if min(len(same), len(across)) >= 5:
                weighted += np.median(across) / np.median(same) * len(across)
                weight += len(across)
    assert weight > 0
    assert summary["matched_ratio"] == pytest.approx(weighted / weight, abs=1e-4)
    assert summary["matched_cross_pairs"] == weight
    # by hand: below 5 km a crossing costs 1.8 / 1.2 = 1.5 times the detour
    assert summary["bands"][0]["ratio"] == pytest.approx(1.5, abs=1e-4)
