"""``tia fetch`` against a loopback Overpass API answering from the Andorra extract.

osmnx's own client code runs (status check, query building, JSON parsing); only the server
is ours (:mod:`tests.overpass`). Nothing leaves the machine.
"""

from __future__ import annotations

import shutil
import socket

import geopandas as gpd
import numpy as np
import osmium
import pytest
import shapely

from geo.dataset import RoadsPart, load_dataset
from geo.network import build_road_graph, prepare_network, snap_points, travel_matrix
from geo.sources.osm import read_osm_sites
from geo.sources.roads import load_roads
from tests.geo.test_andorra import ANDORRA_LA_VELLA, PAS_DE_LA_CASA, PBF
from tests.helpers import ROOT, tia
from tests.overpass import serve_overpass

MANIFEST = """name = "Andorra, fetched"
# the one site a planner listed
[sites]
path = "sites.csv"

[units]
path = "units.geojson"
id = "unit_id"
name = "name"
"""


@pytest.fixture(scope="module")
def overpass():
    server, store = serve_overpass(PBF)
    yield f"http://127.0.0.1:{server.server_address[1]}/api", store
    server.shutdown()


def _dataset(folder):
    folder.mkdir()
    shutil.copy(ROOT / "data" / "andorra" / "units.geojson", folder)
    (folder / "sites.csv").write_text(
        "site_id,name,lon,lat\nS1,Casa de la Vall,1.5208,42.5063\n", encoding="utf-8"
    )
    (folder / "dataset.toml").write_text(MANIFEST, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def fetched(overpass, tmp_path_factory):
    url, store = overpass
    folder = _dataset(tmp_path_factory.mktemp("fetch") / "andorra")
    run = tia("fetch", folder, "--overpass-url", url)
    assert run.code == 0, run.stderr
    return folder, run, store


def _minutes(roads_path):
    roads = load_roads(RoadsPart(path=roads_path), bounds=(1.40, 42.42, 1.79, 42.66)).data
    network = prepare_network(build_road_graph(roads))
    places = gpd.GeoSeries(
        [shapely.Point(ANDORRA_LA_VELLA), shapely.Point(PAS_DE_LA_CASA)], crs=4326
    )
    snapped = snap_points(network, places)
    ids = snapped.first_node + np.arange(2)
    return travel_matrix(snapped.minutes, ids, ids)


def test_fetch_asks_overpass_and_writes_the_manifest(fetched):
    folder, run, store = fetched
    assert (folder / "osm_roads.osm").is_file()
    assert (folder / "osm_sites.gpkg").is_file()
    assert len(store.queries) == 2  # the drive network, then the features
    assert 'way["highway"]' in store.queries[0]
    assert "(poly:" in store.queries[0]
    assert "node['tourism']" in store.queries[1]
    text = (folder / "dataset.toml").read_text(encoding="utf-8")
    assert "# the one site a planner listed" in text  # the user's comments are kept
    dataset = load_dataset(folder)  # the manifest still parses, now with both site files
    assert [p.path.name for p in dataset.site_parts] == ["sites.csv", "osm_sites.gpkg"]
    assert dataset.roads.path.name == "osm_roads.osm"
    assert "[roads]" in run.stdout


def test_fetched_roads_are_the_extract_roads(fetched):
    folder, _, _ = fetched
    ways = {}
    for way in osmium.FileProcessor(str(folder / "osm_roads.osm"), osmium.osm.WAY):
        ways[way.id] = way.tags.get("highway")
    raw = {w.id: w.tags.get("highway") for w in osmium.FileProcessor(str(PBF), osmium.osm.WAY)}
    assert ways
    assert all(raw.get(i) == h for i, h in ways.items())  # real ways, real classes
    # every primary road of Andorra is there (osmnx's drive filter keeps them all)
    primaries = {i for i, h in raw.items() if h == "primary"}
    assert primaries <= set(ways)
    # the same trip over the fetched roads and over the extract: the same minutes
    assert _minutes(folder / "osm_roads.osm") == pytest.approx(_minutes(PBF), rel=1e-3)


def test_fetched_features_are_the_readers_features(fetched):
    folder, _, _ = fetched
    sites = gpd.read_file(folder / "osm_sites.gpkg")
    reader = read_osm_sites(PBF).data
    assert set(sites["site_id"]) <= set(reader["site_id"])
    # every feature of the extract inside the units is fetched (the query adds a margin)
    units = gpd.read_file(folder / "units.geojson")
    inside = reader.representative_point().within(shapely.union_all(units.geometry.values))
    assert set(reader.loc[inside.to_numpy(), "site_id"]) <= set(sites["site_id"])
    assert inside.sum() >= 150
    by_id = reader.set_index("site_id")["category_raw"]
    assert all(by_id[i] == c for i, c in zip(sites["site_id"], sites["category"], strict=True))


def test_fetched_dataset_analyses(fetched, tmp_path):
    folder, _, _ = fetched
    run = tia("analyze", folder, "--out", tmp_path / "out", "-q")
    assert run.code == 0, run.stderr
    assert (tmp_path / "out" / "borders.csv").is_file()


def test_unreachable_server_is_one_sentence(tmp_path):
    folder = _dataset(tmp_path / "andorra")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    before = (folder / "dataset.toml").read_text(encoding="utf-8")
    run = tia("fetch", folder, "--overpass-url", f"http://127.0.0.1:{port}/api")
    assert run.code == 2
    assert "cannot fetch from the Overpass API" in run.stderr
    assert "Traceback" not in run.stderr
    assert (folder / "dataset.toml").read_text(encoding="utf-8") == before
    assert not (folder / "osm_roads.osm").exists()
