"""The bundled Andorra dataset: real OSM roads and SRTM terrain, checked independently.

Every expected number here comes from the raw shared files (the PBF read with pyosmium and
shapely, the SRTM tile reprojected with rasterio and differentiated with numpy), not from the
analysis under test.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pytest
import rasterio
import shapely
from pyproj import Geod
from rasterio.features import geometry_mask
from rasterio.warp import Resampling, calculate_default_transform, reproject

from geo.dataset import RoadsPart, load_dataset
from geo.network import build_road_graph, prepare_network, snap_points, travel_matrix
from geo.pipeline import run_pipeline
from geo.sources.roads import MOTORABLE, load_roads
from tests.helpers import ROOT

ANDORRA = ROOT / "data" / "andorra"
PBF = ANDORRA / "andorra.osm.pbf"
SRTM = ROOT.parent / "shared" / "data" / "andorra" / "N42E001.hgt.zip"
SIDES = ("ES-side", "FR-side")
ANDORRA_LA_VELLA, PAS_DE_LA_CASA = (1.5213, 42.5069), (1.7330, 42.5426)


@pytest.fixture(scope="module")
def results():
    return run_pipeline(load_dataset(ANDORRA))


@pytest.fixture(scope="module")
def units():
    return gpd.read_file(ANDORRA / "units.geojson")


def test_units_are_the_seven_parishes_and_two_sides(units):
    parishes = units[units["level"] == "parish"]
    assert len(parishes) == 7
    assert set(units.loc[units["level"] == "country", "unit_id"]) == set(SIDES)
    # Andorra's area is 467.6 km² (official); the parishes are a coverage of it
    km2 = sum(abs(Geod(ellps="WGS84").geometry_area_perimeter(g)[0]) for g in parishes.geometry)
    assert km2 / 1e6 == pytest.approx(467.6, rel=0.01)
    assert shapely.union_all(parishes.geometry.values).geom_type == "Polygon"


def _national_border_hits(units: gpd.GeoDataFrame) -> list[tuple[str, int]]:
    """Road ways of the raw extract crossing Andorra's outline: (class, times), by shapely."""
    outline = shapely.union_all(units.loc[units["level"] == "parish"].geometry.values).exterior
    hits = []
    processor = osmium.FileProcessor(str(PBF), osmium.osm.NODE | osmium.osm.WAY)
    for way in processor.with_locations():
        tags = way.tags
        if not way.is_way() or tags.get("highway") not in MOTORABLE:
            continue
        if tags.get("area") == "yes" or tags.get("access") == "no":
            continue
        line = shapely.LineString([(n.lon, n.lat) for n in way.nodes])
        crossing = shapely.intersection(line, outline)
        if not crossing.is_empty:
            hits.append((tags["highway"], len(shapely.get_parts(crossing))))
    return sorted(hits)


def test_national_border_crossings_are_the_raw_ways_that_cross_it(results, units):
    crossings = results.border_crossings
    national = crossings[crossings["unit_a"].isin(SIDES) ^ crossings["unit_b"].isin(SIDES)]
    found = sorted(zip(national["highway"], national["times"].astype(int), strict=True))
    expected = _national_border_hits(units)
    assert found == expected
    assert sum(n for _, n in expected) >= 3


def test_the_roads_out_of_the_country(results):
    exits = results.outputs["road_exits"]
    out = {(u, t) for u, t, n in zip(exits["unit_id"], exits["toward"], exits["name"], strict=True)
           if "CG-1" in n or "CG-2" in n or "Consell General" in n}  # fmt: skip
    # CG-1 leaves Sant Julià de Lòria for Spain, CG-2 leaves Encamp (Pas de la Casa) for France
    assert ("Sant Julià de Lòria", "ES-side") in out
    assert ("Encamp", "FR-side") in out
    # the extract holds almost no road beyond Andorra: the two sides are flagged, not findings
    assert set(results.indicators["network"]["units_without_road_data"]) == set(SIDES)
    borders = results.outputs["borders"]
    national = borders["unit_a"].isin(SIDES) | borders["unit_b"].isin(SIDES)
    assert (borders.loc[national, "finding"] == "no_road_data").all()
    assert len(borders) == len(results.unit_borders)


def test_parish_terrain_agrees_with_rasterio_and_numpy(results, units):
    crs = "EPSG:32631"
    with rasterio.open(f"/vsizip/{SRTM}/N42E001.hgt") as src:
        transform, width, height = calculate_default_transform(
            src.crs, crs, src.width, src.height, *src.bounds, resolution=90
        )
        z = np.full((height, width), np.nan)
        reproject(
            rasterio.band(src, 1), z, src_transform=src.transform, src_crs=src.crs,
            src_nodata=-32768, dst_transform=transform, dst_crs=crs, dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )  # fmt: skip
    gy, gx = np.gradient(z, 90.0)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    table = pd.DataFrame(results.unit_indicators).set_index("unit_id")
    for unit in units.to_crs(crs).itertuples():
        inside = ~geometry_mask([unit.geometry], (height, width), transform) & np.isfinite(slope)
        mean, steep = slope[inside].mean(), (slope[inside] > 25).mean()
        assert table.loc[unit.unit_id, "mean_slope_deg"] == pytest.approx(mean, abs=1.0)
        assert table.loc[unit.unit_id, "steep_share"] == pytest.approx(steep, abs=0.05)


def test_andorra_la_vella_to_pas_de_la_casa_is_a_mountain_drive():
    roads = load_roads(RoadsPart(path=PBF), bounds=(1.40, 42.42, 1.79, 42.66)).data
    places = gpd.GeoSeries(
        [shapely.Point(ANDORRA_LA_VELLA), shapely.Point(PAS_DE_LA_CASA)], crs=4326
    )
    timed = {}
    for excluded in ((), ("track", "service")):
        network = prepare_network(build_road_graph(roads[~roads["highway"].isin(excluded)]))
        snapped = snap_points(network, places)
        ids = snapped.first_node + np.arange(2)
        minutes = travel_matrix(snapped.minutes, ids, ids)[0, 1]
        km = travel_matrix(snapped.metres, ids, ids)[0, 1] / 1000.0
        # about 30 km over the Envalira pass (2,408 m) or through its tunnel
        assert 28.0 <= km <= 40.0
        assert 25.0 <= minutes <= 50.0
        assert set(network.edges["highway"].map(str)).isdisjoint(excluded)
        timed[excluded] = minutes
    # leaving classes out can only make a trip longer
    assert timed[("track", "service")] >= timed[()] - 1e-9


def test_a_big_extract_keeps_node_locations_on_disk(monkeypatch):
    import geo.sources.roads as roads_module

    bounds = (1.40, 42.42, 1.79, 42.66)
    in_memory = load_roads(RoadsPart(path=PBF), bounds=bounds)
    monkeypatch.setattr(roads_module, "LOCATIONS_IN_MEMORY_MAX_BYTES", 0)
    on_disk = load_roads(RoadsPart(path=PBF), bounds=bounds)
    assert on_disk.data["way_id"].tolist() == in_memory.data["way_id"].tolist()
    assert on_disk.data.geometry.geom_equals(in_memory.data.geometry).all()
    # a small area out of the same file: the rest is counted, not kept
    small = load_roads(RoadsPart(path=PBF), bounds=(1.52, 42.50, 1.53, 42.51), margin_km=0.0)
    assert 0 < len(small.data) < len(in_memory.data)
    assert small.info["ways"] == in_memory.info["ways"]
    assert small.info["ways_outside_extent"] == small.info["ways"] - len(small.data)


def test_grandvalira_is_shared_by_encamp_and_canillo(results, units):
    sites = gpd.read_file(ANDORRA / "sites.geojson")
    crs = "EPSG:3035"  # equal-area: shares of the ski domain in each parish
    ski = sites[sites["category"].str.startswith("landuse=winter_sports")].to_crs(crs)
    parishes = units.to_crs(crs)
    expected = set()
    for area in ski.itertuples():
        shares = parishes.geometry.intersection(area.geometry).area / area.geometry.area
        listed = parishes.loc[(shares >= 0.1).to_numpy(), "unit_id"]
        if len(listed) > 1:
            expected.add((area.site_id, frozenset(listed)))
    shared = results.shared_resources
    found = {(r.site_a, frozenset([r.unit_a, *r.unit_b.split(";")])) for r in shared.itertuples()}
    assert found == expected
    # Grandvalira, named by the place nearest its middle, lies in two parishes
    grandvalira = sites.loc[sites["name"] == "Ski area Grau Roig", "site_id"].iloc[0]
    assert (grandvalira, frozenset({"Encamp", "Canillo"})) in found
