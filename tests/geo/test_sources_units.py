"""Units, zones and DEM loaders on real files."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import prcoords
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geo.dataset import DemPart, UnitsPart, ZonesPart
from geo.errors import DatasetError
from geo.sources import check_dem, load_units, load_zones
from tests.helpers import YIBIN

YIBIN_OFFICIAL_KM2 = 13283.0


def _yibin_units():
    return load_units(
        UnitsPart(path=YIBIN / "counties.geojson", id="adcode", name="name", name_en="name_en")
    )


def test_bundled_counties():
    loaded = _yibin_units()
    units = loaded.data
    assert len(units) == 27
    yibin = units[units["is_yibin"]]
    assert sorted(yibin["name"]) == sorted(
        [
            "翠屏区",
            "南溪区",
            "叙州区",
            "江安县",
            "长宁县",
            "高县",
            "珙县",
            "筠连县",
            "兴文县",
            "屏山县",
        ]
    )
    assert yibin["area_km2"].sum() == pytest.approx(YIBIN_OFFICIAL_KM2, rel=0.01)
    assert set(units.loc[~units["is_yibin"], "prefecture"]) == {
        "自贡市",
        "泸州市",
        "乐山市",
        "凉山彝族自治州",
        "昭通市",
    }
    assert (units.geom_type == "MultiPolygon").all()
    assert not [w for w in loaded.warnings if w.code == "units_overlap"]


def test_invalid_geometry_repaired_and_overlaps_reported(tmp_path):
    # A bow-tie (invalid) and two squares overlapping by 0.01 deg x 0.02 deg near the equator.
    bowtie = shapely.Polygon([(0, 0), (0.02, 0.02), (0.02, 0), (0, 0.02), (0, 0)])
    left = shapely.box(1.00, 0, 1.02, 0.02)
    right = shapely.box(1.01, 0, 1.03, 0.02)
    gdf = gpd.GeoDataFrame(
        {"code": ["A", "B", "C"], "nm": ["甲", "乙", "丙"]},
        geometry=[bowtie, left, right],
        crs=4326,
    )
    path = tmp_path / "units.gpkg"
    gdf.to_file(path)
    loaded = load_units(UnitsPart(path=path, id="code", name="nm"), overlap_min_km2=0.01)
    assert loaded.info["repaired"] == 1
    assert loaded.data.geometry.is_valid.all()
    # the repaired bow-tie is two triangles (base 0.02 deg, height 0.01 deg) of 0.0001 deg2 each
    assert loaded.data.loc[0, "area_km2"] == pytest.approx(
        2 * 0.5 * 0.02 * 0.01 * 110.574 * 111.320, rel=0.01
    )
    overlap = [w for w in loaded.warnings if w.code == "units_overlap"]
    assert len(overlap) == 1
    assert overlap[0].items[0].startswith("B / C: ")
    # 0.01 deg lon x 0.02 deg lat at the equator = 1.1132 km x 2.2115 km
    area = float(overlap[0].items[0].split(": ")[1].split()[0])
    assert area == pytest.approx(1.1132 * 2.2115, rel=0.01)


def test_units_in_gcj02_are_converted(tmp_path):
    # a unit drawn in GCJ-02 (vertices shifted with the independent prcoords) comes back to WGS-84
    wgs = [(104.6, 28.7), (104.7, 28.7), (104.7, 28.8), (104.6, 28.8)]
    gcj = [prcoords.wgs_gcj(prcoords.Coords(lat, lon)) for lon, lat in wgs]
    ring = shapely.Polygon([(c.lon, c.lat) for c in gcj])
    path = tmp_path / "gcj.geojson"
    gpd.GeoDataFrame({"id": ["u"], "name": ["某县"]}, geometry=[ring], crs=4326).to_file(path)
    unit = load_units(UnitsPart(path=path, id="id", name="name", coords="gcj02")).data
    got = shapely.get_coordinates(unit.geometry.iloc[0])[:4]
    metres = pyproj.Geod(ellps="WGS84").inv(got[:, 0], got[:, 1], *np.array(wgs).T)[2]
    assert metres.max() < 0.5


def test_units_of_points_are_refused(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"id": ["1"], "name": ["x"]}, geometry=[shapely.Point(104, 28)], crs=4326
    )
    path = tmp_path / "seats.geojson"
    gdf.to_file(path)
    with pytest.raises(
        DatasetError, match=r"feature 1 \(id 1\) is a Point, but units must be polygons"
    ):
        load_units(UnitsPart(path=path, id="id", name="name"))


def test_missing_id_column_is_named(tmp_path):
    with pytest.raises(
        DatasetError, match="column 'code' named by 'id' in \\[units\\] is not in the file"
    ):
        load_units(UnitsPart(path=YIBIN / "counties.geojson", id="code", name="name"))


def test_zones():
    zones = load_zones(ZonesPart(path=YIBIN / "zones.geojson", id="zone_id", name="name")).data
    assert list(zones["zone_id"]) == ["two-seas"]
    assert bool(zones.loc[0, "approximate"]) is True


def _write_dem(path, *, crs, west, north, size=0.01, shape=(100, 100)):
    profile = {
        "driver": "GTiff",
        "width": shape[1],
        "height": shape[0],
        "count": 1,
        "dtype": "float32",
        "transform": from_origin(west, north, size, size),
        "nodata": -9999.0,
    }
    if crs is not None:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.ones(shape, dtype="float32")[None])


def test_dem_coverage(tmp_path):
    units = gpd.GeoDataFrame(
        {"unit_id": ["a", "b"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=4326,
    )
    path = tmp_path / "dem.tif"
    _write_dem(path, crs="EPSG:4326", west=0, north=1)  # covers exactly unit a
    info = check_dem(DemPart(path=path), units)
    assert info.coverage == pytest.approx(0.5, abs=1e-3)
    assert info.crs == "EPSG:4326"
    assert [w.code for w in info.warnings] == ["dem_partial_coverage"]
    full = tmp_path / "full.tif"
    _write_dem(full, crs="EPSG:4326", west=-0.5, north=1.5, size=0.05, shape=(40, 60))
    assert check_dem(DemPart(path=full), units).warnings == ()


def test_dem_without_crs_is_refused(tmp_path):
    path = tmp_path / "dem.tif"
    _write_dem(path, crs=None, west=0, north=1)
    units = gpd.GeoDataFrame({"unit_id": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(DatasetError, match="the raster has no coordinate system"):
        check_dem(DemPart(path=path), units)
