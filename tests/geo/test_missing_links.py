"""Missing links on a network drawn by hand: a U-shaped road whose two ends face each other."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.admin import assign_units, unit_borders
from geo.dataset import RoadsPart
from geo.missing_links import find_missing_links, link_site_gains, locate_nodes
from geo.network import build_road_graph, prepare_network, snap_points, travel_matrix
from geo.sources.roads import load_roads
from tests.geo.test_friction import UNITS
from tests.geo.test_network import parallel_km
from tests.helpers import write_osm

# 60 km/h everywhere, so minutes = km. The only way from A's spur end (104.995, 27.95) to B's
# (105.005, 27.95) goes west, 0.13 deg north, across at 28.08 N and back down.
SPEED = {"highway": "unclassified", "maxspeed": "60"}
U_ROAD = [(104.995, 27.95), (104.97, 27.95), (104.97, 28.08), (105.03, 28.08),
          (105.03, 27.95), (105.005, 27.95)]  # fmt: skip
LAT_KM = 110.85  # km per degree of latitude near 28 N (as in test_network)


def _u_km(from_lon: float, to_lon: float) -> float:
    """Road km along the U between two points on 27.95 N (west of / east of the border)."""
    down = 0.13 * LAT_KM
    return (
        parallel_km(27.95, from_lon - 104.97)
        + 2 * down
        + parallel_km(28.08, 0.06)
        + parallel_km(27.95, to_lon - 105.03 if to_lon > 105.03 else 105.03 - to_lon)
    )


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    path = tmp_path_factory.mktemp("links") / "u.osm.pbf"
    write_osm(path, [{"type": "way", "coords": U_ROAD, "tags": SPEED}])
    roads = load_roads(RoadsPart(path=path), bounds=(104.9, 27.9, 105.1, 28.1)).data
    return prepare_network(build_road_graph(roads))


def test_the_facing_ends_are_a_missing_link(network):
    borders = unit_borders(UNITS)
    nodes = locate_nodes(network, UNITS, borders)
    links = find_missing_links(network, nodes, borders, max_km=2.0, near_border_km=2.0,
                               link_speed_kmh=30.0, min_saving_min=10.0)  # fmt: skip
    assert len(links) == 1
    link = links.iloc[0]
    assert {link["unit_a"], link["unit_b"]} == {"A", "B"}
    straight = parallel_km(27.95, 0.01)
    assert link["straight_km"] == pytest.approx(straight, rel=1e-3)
    assert link["link_min"] == pytest.approx(straight / 30.0 * 60.0, rel=1e-3)
    road = _u_km(104.995, 105.005)
    assert link["road_min"] == pytest.approx(road, rel=3e-3)
    assert link["saving_min"] == pytest.approx(road - straight * 2.0, rel=3e-3)
    assert not link["unreachable"]
    # with a bar no link clears, there is none
    none = find_missing_links(network, nodes, borders, min_saving_min=road + 1.0)
    assert none.empty


def test_site_pairs_that_use_the_link(network):
    borders = unit_borders(UNITS)
    links = find_missing_links(network, locate_nodes(network, UNITS, borders), borders)
    sites = gpd.GeoDataFrame(
        {"site_id": ["a", "b", "north"], "name": ["甲", "乙", "北"], "unit_declared": ""},
        geometry=[shapely.Point(104.99, 27.95), shapely.Point(105.01, 27.95),
                  shapely.Point(104.97, 28.08)],
        crs=4326,
    )  # fmt: skip
    sites, _ = assign_units(sites, UNITS)
    snapped = snap_points(network, sites.geometry)
    ids = snapped.first_node + np.arange(3)
    minutes = travel_matrix(snapped.minutes, ids, ids)
    gains = link_site_gains(links, network, snapped.minutes, ids, minutes, pd.DataFrame(sites))
    # a -> b: the U now; through the link: 0.005 deg to the end, the link, 0.005 deg on
    present = _u_km(104.99, 105.01)
    through = 2 * parallel_km(27.95, 0.005) + links["link_min"].iloc[0]
    assert gains["best_pair"].iloc[0] == "甲 – 乙"
    assert gains["best_saving_min"].iloc[0] == pytest.approx(present - through, rel=3e-3)
    # 'north' (A, on the top of the U) to b: the link saves nothing worth a minute? by hand:
    # now 0.06 deg east + 0.13 deg down + 0.02 deg; via the link: 0.13 down, 0.025 east, link
    now = parallel_km(28.08, 0.06) + 0.13 * LAT_KM + parallel_km(27.95, 0.02)
    via = (
        0.13 * LAT_KM
        + parallel_km(27.95, 0.025)
        + links["link_min"].iloc[0]
        + parallel_km(27.95, 0.005)
    )
    expected_pairs = 1 + int(now - via >= 1.0)
    assert gains["site_pairs"].iloc[0] == expected_pairs
