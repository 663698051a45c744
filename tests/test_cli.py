"""The real `tia` command: outputs, bad input (exit 2, one sentence, nothing written), init."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import tomllib
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from pandas.testing import assert_frame_equal
from rasterio.transform import from_origin

from tests.helpers import (
    ROOT,
    YIBIN,
    bundled_site_count,
    read_reference_sites,
    read_shunan_records,
    tia,
    write_manifest,
    write_osm,
    yibin_copy,
)

YIBIN_UNITS = """
[units]
path = "counties.geojson"
id = "adcode"
name = "name"
"""


def _sites_manifest(sites_section: str) -> str:
    return f'name = "test"\n{sites_section}\n{YIBIN_UNITS}'


def _with_units(folder):
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(YIBIN / "counties.geojson", folder / "counties.geojson")
    return folder


def _reference_frame():
    return pd.DataFrame(read_reference_sites())


def test_analyze_bundled_dataset(tmp_path):
    run = tia("analyze", YIBIN, "--out", tmp_path / "out" / "yibin")
    assert run.code == 0, run.stderr
    out = tmp_path / "out" / "yibin"
    layers = {name for name, _ in pyogrio.list_layers(out / "results.gpkg")}
    assert {"sites", "units", "zones", "unit_borders"} <= layers
    sites = gpd.read_file(out / "results.gpkg", layer="sites")
    units = gpd.read_file(out / "results.gpkg", layer="units")
    assert len(sites) >= 60
    assert units["is_yibin"].sum() == 10
    assert units.loc[units["is_yibin"], "area_km2"].sum() == pytest.approx(13283, rel=0.01)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    expected = hashlib.sha256((YIBIN / "sites.csv").read_bytes()).hexdigest()
    assert record["inputs"]["sites"][0]["sha256"] == expected
    assert record["counts"]["sites"] == len(sites)
    assert record["sources"]["sites"]["encoding"] == "utf-8"
    # every stage of the registry is timed, in the order it ran, then every writing step
    assert list(record["timings_s"]) == [
        "load sites", "load units", "load zones", "check DEM", "load stats", "load markets",
        "classify sites", "assign units", "record duplicates", "link components",
        "measure borders", "load roads", "build network", "travel times", "isochrones",
        "border friction", "markets", "overlaps", "clusters", "balance", "density",
        "unit distances", "linkage", "efficiency", "terrain", "proposals", "swot",
        "display geometry", "write tables and layers", "write map.html", "write report.html",
    ]  # fmt: skip
    assert all(seconds >= 0 for seconds in record["timings_s"].values())
    assert record["skipped"] == {
        "terrain": {
            "code": "skip:no_part",
            "message": "no [dem] in the manifest",
            "facts": {"part": "dem"},
        }
    }
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]
    assert {"roads", "border_crossings", "border_deadends", "isochrones", "hubs"} <= layers
    network = json.loads((out / "indicators.json").read_text(encoding="utf-8"))["network"]
    changning_xingwen = [
        c
        for c in network["crossings_by_unit_pair"]
        if (c["unit_a"], c["unit_b"]) == ("511524", "511528")
    ]
    assert changning_xingwen
    assert changning_xingwen[0]["crossings"] > 0
    assert network["detour_index"]["cross_border"]["pairs"] > 0
    assert network["hubs"] == 27


def test_gbk_copy_analyses_identically(tmp_path):
    utf8 = yibin_copy(tmp_path, "utf8")
    gbk = yibin_copy(tmp_path, "gbk")
    text = (utf8 / "sites.csv").read_text(encoding="utf-8")
    (gbk / "sites.csv").write_bytes(text.encode("gbk"))
    assert (gbk / "sites.csv").read_bytes() != (utf8 / "sites.csv").read_bytes()
    for name in ("utf8", "gbk"):
        assert tia("analyze", tmp_path / name, "--out", tmp_path / "out" / name, "-q").code == 0
    frames = [
        gpd.read_file(tmp_path / "out" / n / "results.gpkg", layer="sites") for n in ("utf8", "gbk")
    ]
    assert_frame_equal(frames[0], frames[1])
    record = json.loads((tmp_path / "out" / "gbk" / "run.json").read_text(encoding="utf-8"))
    assert record["sources"]["sites"]["encoding"] == "gb18030"


def test_validate_reports_what_was_found():
    run = tia("validate", YIBIN)
    assert run.code == 0, run.stderr
    assert "encoding=utf-8" in run.stdout
    # both site files, before records repeated within one file are merged
    assert f"sites={len(read_reference_sites()) + len(read_shunan_records())}" in run.stdout
    assert "no [dem] in the manifest" in run.stdout
    # it loads and checks every part and analyses nothing
    assert "load roads" in run.stdout
    assert "load stats" in run.stdout
    for analysis in ("overlaps", "clusters", "build network", "linkage", "efficiency"):
        assert analysis not in run.stdout


def test_validate_names_a_bad_part_without_analysing(tmp_path):
    folder = yibin_copy(tmp_path)
    (folder / "stats.csv").write_text("county,population\n", encoding="utf-8")
    run = tia("validate", folder)
    assert run.code == 2
    assert "stats.csv" in run.stderr
    assert "Traceback" not in run.stderr


def test_blank_coordinates_are_skipped_counted_and_reported(tmp_path):
    folder = _with_units(tmp_path / "ds")
    frame = _reference_frame()
    frame.loc[[0, 1, 2], ["lon", "lat"]] = ""
    frame.to_csv(folder / "sites.csv", index=False)
    write_manifest(folder, _sites_manifest('[sites]\npath = "sites.csv"'))
    run = tia("analyze", folder, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "3 rows without coordinates or geometry were skipped" in run.stderr
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert record["counts"]["sites"] == len(read_reference_sites()) - 3
    assert record["sources"]["sites"]["rows_skipped"] == 3


def _bad_csv(edit):
    def make(folder):
        frame = edit(_reference_frame())
        frame.to_csv(folder / "sites.csv", index=False)
        write_manifest(folder, _sites_manifest('[sites]\npath = "sites.csv"\nid = "site_id"'))

    return make


def _set(row, column, value):
    def edit(frame):
        frame.loc[row, column] = value
        return frame

    return edit


def _manifest_only(text):
    def make(folder):
        _reference_frame().to_csv(folder / "sites.csv", index=False)
        write_manifest(folder, text)

    return make


def _no_manifest(folder):
    _reference_frame().to_csv(folder / "sites.csv", index=False)


def _empty_file(folder):
    (folder / "sites.csv").write_bytes(b"")
    write_manifest(folder, _sites_manifest('[sites]\npath = "sites.csv"'))


def _swap(frame):
    return frame.rename(columns={"lon": "lat", "lat": "lon"})


def _no_lonlat(frame):
    return frame.rename(columns={"lon": "east", "lat": "north"})


def _units_of_points(folder):
    _reference_frame().to_csv(folder / "sites.csv", index=False)
    seats = gpd.GeoDataFrame(
        {"adcode": ["511502"], "name": ["翠屏区"]},
        geometry=[shapely.Point(104.63, 28.77)],
        crs=4326,
    )
    seats.to_file(folder / "seats.geojson")
    write_manifest(
        folder,
        'name = "t"\n[sites]\npath = "sites.csv"\n'
        '[units]\npath = "seats.geojson"\nid = "adcode"\nname = "name"\n',
    )


def _reference_points():
    frame = _reference_frame()
    return gpd.GeoDataFrame(
        frame[["site_id", "name"]],
        geometry=gpd.points_from_xy(frame.lon.astype(float), frame.lat.astype(float)),
        crs=4326,
    )


def _shapefile_without_prj(folder):
    gdf = _reference_points()
    gdf.to_file(folder / "sites.shp")
    (folder / "sites.prj").unlink()
    write_manifest(folder, _sites_manifest('[sites]\npath = "sites.shp"'))


def _zip_slip(folder):
    gdf = _reference_points()
    with zipfile.ZipFile(folder / "sites.zip", "w") as archive:
        archive.writestr("../../evil.geojson", gdf.to_json())
    write_manifest(folder, _sites_manifest('[sites]\npath = "sites.zip"'))


BAD_INPUT = {
    "missing manifest": (_no_manifest, r"dataset\.toml: no dataset manifest found"),
    "unknown manifest key": (
        _manifest_only(_sites_manifest('[sites]\npath = "sites.csv"\ncolour = "red"')),
        r"dataset\.toml: unknown key 'colour' in \[sites\]",
    ),
    "unknown parameter": (
        _manifest_only(_sites_manifest('[sites]\npath = "sites.csv"') + "[params]\nradius = 3\n"),
        r"dataset\.toml: unknown parameter 'radius' in \[params\]",
    ),
    "wrong type": (
        _manifest_only(
            _sites_manifest('[sites]\npath = "sites.csv"')
            + '[params]\nborder_tolerance_m = "far"\n'
        ),
        r"dataset\.toml: key 'border_tolerance_m' in \[params\] is invalid",
    ),
    "missing required part": (
        _manifest_only('name = "t"\n[sites]\npath = "sites.csv"\n'),
        r"dataset\.toml: required section \[units\] is missing",
    ),
    "missing file": (
        _manifest_only(_sites_manifest('[sites]\npath = "nope.csv"')),
        r"dataset\.toml: \[sites\] path 'nope\.csv' does not exist",
    ),
    "empty file": (_empty_file, r"sites\.csv: the file is empty"),
    "no lon/lat columns": (
        _bad_csv(_no_lonlat),
        r"sites\.csv: no longitude/latitude columns found",
    ),
    "non-numeric coordinate": (
        _bad_csv(_set(5, "lon", "104.6abc")),
        r"sites\.csv: line 7 has longitude '104\.6abc' in column 'lon'",
    ),
    "coordinates out of range": (
        _bad_csv(_set(4, "lat", "95.5")),
        r"sites\.csv: line 6 has coordinates \(\d+\.?\d*, 95\.5\) outside the valid range",
    ),
    "lat/lon swapped": (
        _bad_csv(_swap),
        r"sites\.csv: latitude and longitude look swapped \(line 2 has",
    ),
    "units of points": (
        _units_of_points,
        r"seats\.geojson: feature 1 \(adcode 511502\) is a Point",
    ),
    "shapefile without prj": (
        _shapefile_without_prj,
        r"sites\.shp: the layer has no coordinate system",
    ),
    "zip-slip": (_zip_slip, r"sites\.zip: archive member '\.\./\.\./evil\.geojson' points outside"),
    "roads of the wrong kind": (
        lambda folder: (
            (folder / "roads.tif").write_bytes(b"II*\x00"),
            _manifest_only(
                _sites_manifest('[sites]\npath = "sites.csv"') + '[roads]\npath = "roads.tif"\n'
            )(folder),
        ),
        r"roads\.tif: roads must be an OpenStreetMap file or a line layer",
    ),
    "roads that are points": (
        lambda folder: (
            _reference_points().to_file(folder / "roads.geojson"),
            _manifest_only(
                _sites_manifest('[sites]\npath = "sites.csv"') + '[roads]\npath = "roads.geojson"\n'
            )(folder),
        ),
        r"roads\.geojson: feature 1 is a Point, but roads must be lines",
    ),
    "empty road extract": (
        lambda folder: (
            write_osm(folder / "roads.osm.pbf", []),
            _manifest_only(
                _sites_manifest('[sites]\npath = "sites.csv"') + '[roads]\npath = "roads.osm.pbf"\n'
            )(folder),
        ),
        r"roads\.osm\.pbf: the file holds no motorable roads",
    ),
    "roads outside the units": (
        lambda folder: (
            write_osm(
                folder / "roads.osm",
                [
                    {
                        "type": "way",
                        "coords": [(116.3, 39.9), (116.4, 39.9)],
                        "tags": {"highway": "primary"},
                    }
                ],
            ),
            _manifest_only(
                _sites_manifest('[sites]\npath = "sites.csv"') + '[roads]\npath = "roads.osm"\n'
            )(folder),
        ),
        r"roads\.osm: none of its 1 roads reaches the units' extent",
    ),
    "parameter out of range": (
        _manifest_only(
            _sites_manifest('[sites]\npath = "sites.csv"') + "[params]\nreach_km = -5\n"
        ),
        r"dataset\.toml: key 'reach_km' in \[params\] is invalid: Input should be greater than 0",
    ),
    "unknown kind in the taxonomy mapping": (
        _manifest_only(
            _sites_manifest('[sites]\npath = "sites.csv"')
            + '[taxonomy]\nkinds = { "竹林" = "bambo" }\n'
        ),
        r"dataset\.toml: \[taxonomy\] kinds maps '竹林' to unknown kind 'bambo'",
    ),
    "stats with unknown units": (
        lambda folder: (
            pd.DataFrame({"adcode": ["511524", "999999"], "pop": [1, 2]}).to_csv(
                folder / "stats.csv", index=False
            ),
            _manifest_only(
                _sites_manifest('[sites]\npath = "sites.csv"')
                + '[stats]\npath = "stats.csv"\nunit = "adcode"\npopulation = "pop"\n'
            )(folder),
        ),
        r"stats\.csv: unit ids 999999 in column 'adcode' are not in the units layer",
    ),
    "zero DEA input": (
        lambda folder: (
            pd.DataFrame(
                {"adcode": ["511524", "511528"], "beds": [10, 0], "visits": [5, 6]}
            ).to_csv(folder / "stats.csv", index=False),
            _manifest_only(
                _sites_manifest('[sites]\npath = "sites.csv"')
                + '[stats]\npath = "stats.csv"\nunit = "adcode"\n'
                + 'inputs = ["beds"]\noutputs = ["visits"]\n'
            )(folder),
        ),
        r"stats\.csv: unit 511528 has input 'beds' = 0; DEA inputs must be positive",
    ),
    "stats with a unit twice": (
        lambda folder: (
            pd.DataFrame({"adcode": ["511524", "511524"], "pop": [1, 2]}).to_csv(
                folder / "stats.csv", index=False
            ),
            _manifest_only(
                _sites_manifest('[sites]\npath = "sites.csv"')
                + '[stats]\npath = "stats.csv"\nunit = "adcode"\npopulation = "pop"\n'
            )(folder),
        ),
        r"stats\.csv: unit ids 511524 have more than one row; keep one per unit",
    ),
    "duplicate site ids": (
        _bad_csv(_set(9, "site_id", "YB002")),
        r"sites\.csv: site id 'YB002' is used more than once \(lines 3, 11\)",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exit_2_one_sentence_nothing_written(tmp_path, case):
    make, pattern = BAD_INPUT[case]
    folder = _with_units(tmp_path / "ds")
    make(folder)
    out = tmp_path / "out"
    run = tia("analyze", folder, "--out", out / "ds", cwd=tmp_path)
    assert run.code == 2, (run.stdout, run.stderr)
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert lines[0].startswith("error: ")
    assert re.search(pattern, lines[0]), lines[0]
    assert not out.exists()
    assert not (tmp_path / "out").exists()


def test_failed_run_keeps_previous_results(tmp_path):
    out = tmp_path / "out" / "yibin"
    assert tia("analyze", YIBIN, "--out", out, "-q").code == 0
    before = (out / "run.json").read_bytes()
    broken = yibin_copy(tmp_path)
    (broken / "sites.csv").write_text("name,lon,lat\n景区,abc,28\n", encoding="utf-8")
    assert tia("analyze", broken, "--out", out, "-q").code == 2
    assert (out / "run.json").read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["yibin"]


def test_init_then_analyze_osm_pbf_and_boundaries(tmp_path):
    folder = _with_units(tmp_path / "mine")
    features = [
        {
            "type": "node",
            "lon": float(r["lon"]),
            "lat": float(r["lat"]),
            "tags": {"tourism": "attraction", "name": r["name"], "name:en": r["name_en"]},
        }
        for r in read_reference_sites()
    ]
    write_osm(folder / "sites.osm.pbf", features)
    run = tia("init", folder)
    assert run.code == 0, run.stderr
    assert "sites: sites.osm.pbf" in run.stdout
    assert "roads:" not in run.stdout  # the file holds no roads
    # an extract as people have it: tourism features and the roads between them
    lonlat = [(f["lon"], f["lat"]) for f in features]
    roads = [
        {"type": "way", "coords": lonlat[i : i + 2], "tags": {"highway": "primary"}}
        for i in range(len(lonlat) - 1)
    ]
    write_osm(folder / "sites.osm.pbf", features + roads)
    run = tia("init", folder, "--force")
    assert "roads: sites.osm.pbf (OpenStreetMap highways)" in run.stdout
    assert "units: counties.geojson (polygons; id 'adcode', name 'name')" in run.stdout
    manifest = (folder / "dataset.toml").read_text(encoding="utf-8")
    assert (
        '[units]\npath = "counties.geojson"\nid = "adcode"\nname = "name"\nname_en = "name_en"'
        in manifest
    )
    run = tia("analyze", folder, "--out", tmp_path / "out", "-q")
    assert run.code == 0, run.stderr
    sites = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="sites")
    assert len(sites) == len(features)
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert record["sources"]["roads"]["format"] == "osm"
    assert "network" not in record["skipped"]
    network = json.loads((tmp_path / "out" / "indicators.json").read_text(encoding="utf-8"))[
        "network"
    ]
    assert network["road_km_by_class"].keys() == {"primary"}
    assert (sites["unit_id"] != "").all()
    again = tia("init", folder)
    assert again.code == 2
    assert "a manifest already exists" in again.stderr


def test_init_tells_sites_from_county_seats(tmp_path):
    """The Yibin folder holds three point tables; seats.csv sorts before sites.csv."""
    folder = yibin_copy(tmp_path)
    (folder / "dataset.toml").unlink()
    run = tia("init", folder)
    assert run.code == 0, run.stderr
    assert "- sites: sites.csv (" in run.stdout
    assert "- hubs: seats.csv (" in run.stdout
    assert "skipped road_waypoints.csv: another point layer was taken" in run.stdout
    manifest = tomllib.loads((folder / "dataset.toml").read_text(encoding="utf-8"))
    assert manifest["sites"]["path"] == "sites.csv"
    assert manifest["hubs"] == {
        "path": "seats.csv", "coords": "wgs84", "lon": "lon", "lat": "lat", "unit": "county"
    }  # fmt: skip
    assert tia("validate", folder).code == 0


def test_sites_at_the_poles_and_hubs_outside_every_unit_run_and_are_listed(tmp_path):
    folder = yibin_copy(tmp_path)
    with (folder / "sites.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    poles = [
        {**rows[0], "site_id": "POLE_N", "name": "北极点", "lon": "0", "lat": "90"},
        {**rows[0], "site_id": "POLE_S", "name": "南极点", "lon": "180", "lat": "-90"},
    ]
    with (folder / "sites.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + poles)
    seats = pd.read_csv(folder / "seats.csv", dtype=str)
    seats["lon"] = (seats["lon"].astype(float) + 20).astype(str)  # 20° east: no unit, no road
    seats.to_csv(folder / "seats.csv", index=False)
    out = tmp_path / "out"
    run = tia("analyze", folder, "--out", out, "-q", "--lang", "en")
    assert run.code == 0, run.stderr
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    notes = {w["code"]: w for w in record["warnings"]}
    assert notes["site_outside_units"]["items"] == ["POLE_N 北极点", "POLE_S 南极点"]
    assert notes["hubs_outside_units"]["facts"] == {"n": len(seats)}
    sites = gpd.read_file(out / "results.gpkg", layer="sites")
    assert len(sites) == bundled_site_count() + 2
    assert set(sites.loc[sites["unit_id"] == "", "site_id"]) == {"POLE_N", "POLE_S"}
    assert (out / "report.html").stat().st_size > 0


def test_dem_is_checked_and_reported(tmp_path):
    folder = yibin_copy(tmp_path)
    # 0.01 deg cells over 103-106 E, 27-30 N: covers every unit's bounding box (103.17-105.72 E,
    # 27.27-29.64 N), so the coverage is exactly 1.
    with rasterio.open(
        folder / "dem.tif", "w", driver="GTiff", width=300, height=300, count=1, dtype="int16",
        crs="EPSG:4326", transform=from_origin(103.0, 30.0, 0.01, 0.01),
    ) as dst:  # fmt: skip
        dst.write(np.full((1, 300, 300), 500, dtype="int16"))
    with (folder / "dataset.toml").open("a", encoding="utf-8") as manifest:
        manifest.write('\n[dem]\npath = "dem.tif"\n')
    run = tia("analyze", folder, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "coverage=100.0%" in run.stdout
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert record["dem"]["coverage"] == pytest.approx(1.0)
    assert record["dem"]["crs"] == "EPSG:4326"
    assert "terrain" not in record["skipped"]
    assert "Warning" not in run.stderr
    terrain = json.loads((tmp_path / "out" / "indicators.json").read_text(encoding="utf-8"))[
        "terrain"
    ]
    assert terrain["sites_missing"] == 0
    assert terrain["units"][0]["mean_slope_deg"] == pytest.approx(0.0)  # a flat DEM
    assert (tmp_path / "out" / "hillshade.png").exists()
    sites = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="sites")
    assert (sites["elevation_m"] == 500).all()
    assert "Warning" not in run.stderr
    terrain = json.loads((tmp_path / "out" / "indicators.json").read_text(encoding="utf-8"))[
        "terrain"
    ]
    assert terrain["sites_missing"] == 0
    assert terrain["units"][0]["mean_slope_deg"] == pytest.approx(0.0)  # a flat DEM
    assert (tmp_path / "out" / "hillshade.png").exists()
    sites = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="sites")
    assert (sites["elevation_m"] == 500).all()


def test_network_components_and_unreachable_pairs_are_counted(tmp_path):
    folder = tmp_path / "net"
    folder.mkdir()
    units = gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["甲县", "乙县"]},
        geometry=[shapely.box(104.9, 27.9, 105.0, 28.1), shapely.box(105.0, 27.9, 105.1, 28.1)],
        crs=4326,
    )
    units.to_file(folder / "units.geojson")
    pd.DataFrame(
        {
            "name": ["west", "east", "trap"],
            "lon": [104.95, 105.05, 105.05],
            "lat": [28.0, 28.0, 28.06],
        }
    ).to_csv(folder / "sites.csv", index=False)
    ways = [
        ([(104.95, 28.0), (105.05, 28.0)], {"highway": "primary"}),
        # a one-way road into the trap: you can drive in, not out
        ([(105.05, 28.0), (105.05, 28.06)], {"highway": "tertiary", "oneway": "yes"}),
        # a separate little network far from everything else
        ([(104.91, 28.09), (104.92, 28.09)], {"highway": "residential"}),
    ]
    write_osm(folder / "roads.osm", [{"type": "way", "coords": c, "tags": t} for c, t in ways])
    write_manifest(
        folder,
        'name = "n"\n[sites]\npath = "sites.csv"\n[units]\npath = "units.geojson"\nid = "code"\n'
        'name = "name"\n[roads]\npath = "roads.osm"\n',
    )
    run = tia("analyze", folder, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "the road network has 2 separate parts" in run.stderr
    assert "2 ordered site pairs have no road route" in run.stderr
    network = json.loads((tmp_path / "out" / "indicators.json").read_text(encoding="utf-8"))[
        "network"
    ]
    assert network["components"] == 2
    assert network["nodes_outside_largest_component"] == 2
    assert network["unreachable_site_pairs"] == 2
    assert network["crossings_total"] == 1
    times = pd.read_csv(tmp_path / "out" / "site_travel_times.csv")
    ids = dict(zip(["west", "east", "trap"], ["S0001", "S0002", "S0003"], strict=True))
    pairs = set(zip(times["origin"], times["destination"], strict=True))
    assert (ids["trap"], ids["west"]) not in pairs
    assert (ids["trap"], ids["east"]) not in pairs
    assert (ids["west"], ids["trap"]) in pairs
    assert (times["minutes"] > 0).all()


def _small_dataset(folder, rows, units=None):
    folder.mkdir(parents=True, exist_ok=True)
    (units if units is not None else gpd.read_file(YIBIN / "counties.geojson")).to_file(
        folder / "counties.geojson"
    )
    pd.DataFrame(rows).to_csv(folder / "sites.csv", index=False)
    write_manifest(folder, _sites_manifest('[sites]\npath = "sites.csv"'))
    return folder


def test_overlap_outputs_of_the_bundled_dataset(tmp_path):
    out = tmp_path / "out"
    assert tia("analyze", YIBIN, "--out", out, "-q").code == 0
    pairs = pd.read_csv(out / "overlaps.csv")
    groups = pd.read_csv(out / "overlap_groups.csv")
    lines = gpd.read_file(out / "results.gpkg", layer="overlap_pairs")
    assert len(lines) == len(pairs) > 20
    assert (lines.geom_type == "LineString").all()
    assert set(groups["group_id"]) == set(pairs["group_id"].dropna())
    assert (out / "record_duplicates.csv").exists()
    clusters = gpd.read_file(out / "clusters.geojson")
    assert len(clusters) == len(gpd.read_file(out / "results.gpkg", layer="clusters")) > 0
    units_table = pd.read_csv(out / "unit_indicators.csv")
    assert len(units_table) == 27
    indicators = json.loads((out / "indicators.json").read_text(encoding="utf-8"))
    assert {"network", "overlaps", "clusters", "balance"} <= set(indicators)
    summary = json.loads((out / "indicators.json").read_text(encoding="utf-8"))["overlaps"]
    counted = pairs[(pairs["relation"] == "competing") & (pairs["score"] >= 30)]
    assert summary["pairs"] == len(counted)  # the headline: competing pairs scoring >= 30
    assert summary["cross_border_pairs"] == int(counted["cross_border"].sum())
    assert (
        summary["pairs_by_relation"]
        == pairs["relation"]
        .value_counts()
        .reindex(["competing", "complementary", "shared", "component"], fill_value=0)
        .to_dict()
    )
    assert set(pairs.loc[pairs["cross_border"], "level"]) <= {"county", "prefecture", "province"}
    assert (pairs.loc[~pairs["cross_border"], "level"].isna()).all()
    shared = pd.read_csv(out / "shared_resources.csv")
    assert set(shared["site_a"]) == {"YB001", "YB026"}  # two counties declared for each
    sites = gpd.read_file(out / "results.gpkg", layer="sites")
    assert {"kind", "gb_class", "themes", "kind_source"} <= set(sites.columns)
    attractions = sites[sites["role"] == "attraction"]
    assert (attractions["kind"] != "other").all()  # components take their scene's kind


def test_kinds_from_names_when_there_is_no_category(tmp_path):
    rows = [
        {"name": "蜀南竹海", "lon": 105.02, "lat": 28.48},
        {"name": "大旺竹海", "lon": 105.20, "lat": 28.55},
        {"name": "某某中心", "lon": 105.0, "lat": 28.5},
    ]
    folder = _small_dataset(tmp_path / "ds", rows)
    run = tia("analyze", folder, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "1 sites match no kind and count as 'other'" in run.stderr
    sites = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="sites")
    assert list(sites["kind"]) == ["bamboo_forest", "bamboo_forest", "other"]
    assert list(sites["kind_source"]) == ["name", "name", "none"]
    pairs = pd.read_csv(tmp_path / "out" / "overlaps.csv")
    assert len(pairs) == 1  # the two bamboo seas, about 19 km apart (geodesic mode, no roads)
    assert pairs["shared_kind"].iloc[0] == "bamboo_forest"


def test_a_dataset_of_one_site(tmp_path):
    folder = _small_dataset(tmp_path / "ds", [{"name": "蜀南竹海", "lon": 105.02, "lat": 28.48}])
    run = tia("analyze", folder, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "only one site: there is nothing to compare" in run.stderr
    assert pd.read_csv(tmp_path / "out" / "overlaps.csv").empty


def test_every_site_in_one_unit(tmp_path):
    rows = [
        {"name": "甲竹海", "lon": 104.95, "lat": 28.55},
        {"name": "乙竹海", "lon": 104.98, "lat": 28.50},
    ]
    folder = _small_dataset(tmp_path / "ds", rows)
    run = tia("analyze", folder, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "every site lies in one unit: there can be no cross-border overlaps" in run.stderr
    pairs = pd.read_csv(tmp_path / "out" / "overlaps.csv")
    assert len(pairs) == 1
    assert not pairs["cross_border"].any()


def test_efficiency_and_linkage_from_stats(tmp_path):
    folder = yibin_copy(tmp_path)
    pd.DataFrame(
        {
            "adcode": ["511524", "511528", "511526", "511523"],
            "population": [32.0, 40.0, 37.0, 38.0],
            "beds": [2, 3, 3, 4],
            "staff": [3, 1, 2, 2],
            "visitors": [1, 1, 1, 1],
        }
    ).to_csv(folder / "stats.csv", index=False)
    manifest = folder / "dataset.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text[: text.index("[stats]")]
        + '[stats]\npath = "stats.csv"\nunit = "adcode"\npopulation = "population"\n'
        + 'inputs = ["beds", "staff"]\noutputs = ["visitors"]\n',
        encoding="utf-8",
    )
    run = tia("analyze", folder, "--out", tmp_path / "out", "-q")
    assert run.code == 0, run.stderr
    messages = " ".join(
        w["message"] for w in json.loads((tmp_path / "out" / "run.json").read_text())["warnings"]
    )
    assert "stats.csv: 23 units have no row" in messages
    assert "illustrative" not in messages  # no source columns: the user's own figures
    scores = pd.read_csv(tmp_path / "out" / "efficiency.csv", dtype={"unit_id": str})
    ccr = scores.set_index("unit_id")["ccr"]
    # one output each: the frontier is the segment (2,3)-(3,1), x2 = 7 - 2 x1
    assert ccr["511524"] == pytest.approx(1.0)
    assert ccr["511528"] == pytest.approx(1.0)
    assert ccr["511526"] == pytest.approx(7 / 8, abs=1e-6)  # (3,2): 2t = 7 - 6t
    assert ccr["511523"] == pytest.approx(7 / 10, abs=1e-6)  # (4,2): 2t = 7 - 8t
    indicators = json.loads((tmp_path / "out" / "indicators.json").read_text(encoding="utf-8"))
    assert indicators["linkage"]["population"] == "from [stats]"
    assert len(indicators["efficiency"]["units"]) == 4


def test_bundled_stats_mark_illustrative_values(tmp_path):
    stats = pd.read_csv(YIBIN / "stats.csv", dtype={"adcode": str})
    assert stats["adcode"].is_unique
    assert len(stats) == 27
    # every population is the 7th census figure of the shared table (read here on its own)
    census = pd.read_csv(ROOT.parent / "shared" / "data" / "yibin" / "census2020_county.csv")
    figures = dict(zip(census["code"].astype(str), census["人口数_合计"], strict=True))
    assert stats.set_index("adcode")["population"].to_dict() == {
        code: figures[code] for code in stats["adcode"]
    }
    assert stats["population_source"].str.startswith("official").all()
    assert stats["source"].str.startswith("illustrative").all()
    run = tia("analyze", YIBIN, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "population of" not in run.stderr  # no illustrative population any more
    out = tmp_path / "out"
    links = pd.read_csv(out / "linkage.csv", dtype={"unit_a": str, "unit_b": str})
    assert not links["illustrative"].any()
    assert pd.read_csv(out / "efficiency.csv")["illustrative"].all()
    indicators = json.loads((out / "indicators.json").read_text(encoding="utf-8"))
    assert len(indicators["efficiency"]["illustrative_units"]) == 27
    codes = [w["code"] for w in json.loads((out / "run.json").read_text())["warnings"]]
    assert codes.count("illustrative_stats") == 1  # the tourism inputs and outputs


def test_a_single_unit(tmp_path):
    counties = gpd.read_file(YIBIN / "counties.geojson")
    one = counties[counties["adcode"] == "511524"]
    rows = [
        {"name": "蜀南竹海", "lon": 105.02, "lat": 28.48},
        {"name": "竹石林", "lon": 104.87, "lat": 28.38},
    ]
    folder = _small_dataset(tmp_path / "ds", rows, units=one)
    run = tia("analyze", folder, "--out", tmp_path / "out")
    assert run.code == 0, run.stderr
    assert "a single unit: no inequality measures across units" in run.stderr
    text = (tmp_path / "out" / "indicators.json").read_text(encoding="utf-8")
    assert "NaN" not in text  # strict JSON: missing numbers are null
    balance = json.loads(text)["balance"]
    assert balance["gini"] is None
    assert balance["theil"] is None


def test_names_that_start_a_formula_are_text_in_every_csv(tmp_path):
    folder = yibin_copy(tmp_path)
    sites = pd.read_csv(folder / "sites.csv", dtype=str)
    formulas = ["=1+2", "+SUM(A1)", "-2+3", "@SUM(1)", '=HYPERLINK("http://x")']
    # the two liquor sites form the strongest cross-border pair: their names reach overlaps.csv
    for formula, row in zip(
        formulas, sites.index[sites["name"].str.contains("酒|老窖")], strict=False
    ):
        sites.loc[row, "name"] = formula + sites.loc[row, "name"]
    sites.to_csv(folder / "sites.csv", index=False)
    out = tmp_path / "out"
    run = tia("analyze", folder, "--out", out, "-q")
    assert run.code == 0, run.stderr
    checked = 0
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    try:
                        float(cell)
                        continue  # a number, negative ones included
                    except ValueError:
                        assert not cell.startswith(("=", "+", "-", "@")), (path.name, cell)
                    checked += cell.startswith("'=") or cell.startswith("'+")
    assert checked >= 2
    kept = pyogrio.read_dataframe(out / "results.gpkg", layer="sites", read_geometry=False)
    assert kept["name"].str.startswith("=").sum() >= 1  # the GeoPackage keeps the names as given


@pytest.mark.parametrize(
    "keep",
    [
        pytest.param(["YB001"], id="one site"),
        pytest.param(["YB001", "YB005"], id="two sites in two units"),
        pytest.param(["YB001", "YB002", "YB003"], id="all sites at one point"),
    ],
)
def test_few_sites_with_roads_give_a_whole_report(tmp_path, keep):
    folder = yibin_copy(tmp_path)
    sites = pd.read_csv(folder / "sites.csv", dtype=str)
    sites = sites[sites["site_id"].isin(keep)].copy()
    if len(keep) == 3:
        sites[["lon", "lat"]] = sites[["lon", "lat"]].iloc[0].to_numpy()
    sites.to_csv(folder / "sites.csv", index=False)
    out = tmp_path / "out"
    run = tia("analyze", folder, "--out", out, "-q")
    assert run.code == 0, run.stderr
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert "network" not in record["skipped"]
    assert 'id="friction"' in (out / "report.html").read_text(encoding="utf-8")
    detour = json.loads((out / "indicators.json").read_text())["network"]["detour_index"]
    assert set(detour) >= {"same_unit", "cross_border"}
