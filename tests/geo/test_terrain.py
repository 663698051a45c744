"""Terrain on generated rasters whose slope is known exactly."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from geo.terrain import analyse_terrain

UTM = "EPSG:32648"
TO_WGS = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def _write(path, z, crs, transform):
    profile = {
        "driver": "GTiff",
        "width": z.shape[1],
        "height": z.shape[0],
        "count": 1,
        "dtype": "float64",
        "crs": crs,
        "transform": transform,
        "nodata": -9999.0,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z[None])


def _lonlat(x, y):
    lon, lat = TO_WGS.transform(x, y)
    return shapely.Point(lon, lat)


def test_projected_plane_and_unit_statistics(tmp_path):
    # 200 x 200 cells of 30 m; left half flat at 100 m, right half rising east at tan(30 deg)
    west, north, cell = 500000.0, 3150000.0, 30.0
    x = west + (np.arange(200) + 0.5) * cell
    z = np.where(x < west + 3000, 100.0, 100.0 + np.tan(np.radians(30)) * (x - (west + 3000)))
    grid = np.tile(z, (200, 1))
    path = tmp_path / "dem.tif"
    _write(path, grid, UTM, from_origin(west, north, cell, cell))
    units = gpd.GeoDataFrame(
        {"unit_id": ["flat", "steep"]},
        geometry=[
            shapely.box(
                *TO_WGS.transform(west, north - 6000), *TO_WGS.transform(west + 3000, north)
            ),
            shapely.box(
                *TO_WGS.transform(west + 3000, north - 6000), *TO_WGS.transform(west + 6000, north)
            ),
        ],
        crs=4326,
    )
    sites = gpd.GeoDataFrame(
        geometry=[
            _lonlat(west + 4515, north - 3015),
            _lonlat(west + 1515, north - 3015),
            _lonlat(400000, 3000000),
        ],
        crs=4326,
    )
    result = analyse_terrain(path, 1, sites, units)
    # cell centre at x = west + 4515: 100 + tan 30 * 1515 m
    assert result.elevation[0] == pytest.approx(100 + np.tan(np.radians(30)) * 1515, rel=1e-6)
    assert result.slope[0] == pytest.approx(30.0, abs=1e-6)
    assert result.slope[1] == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(result.elevation[2])  # outside the DEM
    assert result.missing_sites == 1
    stats = result.units.set_index("unit_id")
    assert stats.loc["flat", "steep_share"] < 0.02  # only the cells on the break
    assert stats.loc["steep", "steep_share"] > 0.98
    assert stats.loc["steep", "mean_slope_deg"] == pytest.approx(30.0, abs=0.5)
    assert result.hillshade.values.dtype == np.uint8
    expected_west = TO_WGS.transform(west, north - 6000)[0]
    assert result.hillshade.bounds[0] == pytest.approx(expected_west, abs=0.01)


def test_geographic_dem_slope_is_metre_correct(tmp_path):
    # 0.001 deg cells at 28 N; z rises s metres per metre of northward geodesic distance
    s, top, cell = 0.2, 28.2, 0.001
    lat = top - (np.arange(150) + 0.5) * cell
    geod = pyproj.Geod(ellps="WGS84")
    north_m = geod.inv(np.full(150, 105.0), np.full(150, 28.0), np.full(150, 105.0), lat)[2]
    grid = np.tile((s * north_m * np.sign(lat - 28.0))[:, None], (1, 150))
    path = tmp_path / "geo.tif"
    _write(path, grid, "EPSG:4326", from_origin(105.0, top, cell, cell))
    sites = gpd.GeoDataFrame(geometry=[shapely.Point(105.05, 28.1)], crs=4326)
    units = gpd.GeoDataFrame(
        {"unit_id": ["u"]}, geometry=[shapely.box(105.0, 28.05, 105.15, 28.2)], crs=4326
    )
    result = analyse_terrain(path, 1, sites, units)
    assert result.slope[0] == pytest.approx(np.degrees(np.arctan(s)), rel=1e-3)
    # in degrees of lat/lon unconverted the slope would be absurd; metre-correct it is 11.31
    assert result.units.set_index("unit_id").loc["u", "mean_slope_deg"] == pytest.approx(
        11.31, abs=0.05
    )
