"""Terrain from a DEM: elevation and slope at sites, per-unit statistics, a hillshade.

Slope is computed on the DEM's own grid with metre-correct cell sizes: for a projected DEM
the cell size (metres), for a geographic DEM the east-west and north-south size of each row's
cells on the WGS-84 ellipsoid (so a 1 arc-second cell is ~31 m north-south and narrower east-
west away from the equator). Sites and units are transformed to the DEM's CRS; the hillshade
is warped to EPSG:4326 with :func:`rasterio.warp.reproject` for the map.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import rasterio.errors
import rasterio.features
import rasterio.warp
from rasterio.transform import array_bounds, rowcol

from geo.errors import DatasetError

__all__ = [
    "STEEP_DEG",
    "Hillshade",
    "TerrainResult",
    "analyse_terrain",
    "read_hillshade",
    "slope_degrees",
    "write_hillshade",
]

#: Land steeper than this (degrees) counts as steep.
STEEP_DEG = 25.0

_A, _E2 = 6378137.0, 0.00669437999014


@dataclass
class Hillshade:
    """A hillshade picture (uint8) in EPSG:4326 with its bounds (west, south, east, north)."""

    values: np.ndarray
    bounds: tuple[float, float, float, float]


@dataclass
class TerrainResult:
    """Terrain numbers and the hillshade (EPSG:4326) for the map."""

    elevation: np.ndarray
    slope: np.ndarray
    units: pd.DataFrame
    hillshade: Hillshade
    missing_sites: int


def _cell_metres(
    transform: rasterio.Affine, crs: rasterio.crs.CRS, rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """East-west and north-south cell size (metres) of every row."""
    if not crs.is_geographic:
        return np.full(rows, abs(transform.a)), np.full(rows, abs(transform.e))
    lat = np.radians(transform.f + transform.e * (np.arange(rows) + 0.5))
    w = np.sqrt(1 - _E2 * np.sin(lat) ** 2)
    dx = np.radians(abs(transform.a)) * _A * np.cos(lat) / w
    dy = np.radians(abs(transform.e)) * _A * (1 - _E2) / w**3
    return dx, dy


def slope_degrees(z: np.ndarray, transform: rasterio.Affine, crs: rasterio.crs.CRS) -> np.ndarray:
    """Slope (degrees) of an elevation grid by central differences, metre-correct.

    Parameters
    ----------
    z
        Elevation (metres), NaN for no data.
    transform, crs
        The grid's georeferencing.

    Returns
    -------
    numpy.ndarray
        Slope in degrees, same shape.
    """
    dx, dy = _cell_metres(transform, crs, z.shape[0])
    dz_dy, dz_dx = np.gradient(z)
    return np.degrees(np.arctan(np.hypot(dz_dx / dx[:, None], dz_dy / dy[:, None])))


def _hillshade(z: np.ndarray, transform: rasterio.Affine, crs: rasterio.crs.CRS) -> np.ndarray:
    dx, dy = _cell_metres(transform, crs, z.shape[0])
    dz_dy, dz_dx = np.gradient(z)
    slope = np.arctan(np.hypot(dz_dx / dx[:, None], dz_dy / dy[:, None]))
    aspect = np.arctan2(-dz_dx / dx[:, None], dz_dy / dy[:, None])
    zenith, azimuth = np.radians(45.0), np.radians(315.0)
    shade = np.cos(zenith) * np.cos(slope) + np.sin(zenith) * np.sin(slope) * np.cos(
        azimuth - aspect
    )
    return np.clip(np.nan_to_num(shade * 255), 0, 255).astype("uint8")


def analyse_terrain(
    dem: Path,
    band: int,
    sites: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    *,
    steep_deg: float = STEEP_DEG,
) -> TerrainResult:
    """Elevation and slope at sites, per-unit terrain statistics and a hillshade.

    Parameters
    ----------
    dem
        GeoTIFF with a CRS (checked by the DEM loader).
    band
        Band to read.
    sites, units
        In EPSG:4326; units with ``unit_id``.
    steep_deg
        Land steeper than this counts as steep.

    Returns
    -------
    TerrainResult
        Per-site arrays (NaN outside the DEM), per-unit ``mean_elevation_m``,
        ``mean_slope_deg``, ``steep_share`` and ``dem_cells``, the hillshade in EPSG:4326
        with its bounds, and the number of sites without a value.
    """
    try:
        with rasterio.open(dem) as src:
            z = src.read(band, masked=True).astype("float64").filled(np.nan)
            transform, crs = src.transform, src.crs
    except rasterio.errors.RasterioIOError as exc:
        msg = (
            f"{dem}: the elevation values cannot be read ({exc}); the file is truncated or "
            "damaged: copy or export it again"
        )
        raise DatasetError(msg) from None
    slope = slope_degrees(z, transform, crs)
    to_dem = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_dem.transform(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    rows, cols = rowcol(transform, x, y)
    rows, cols = np.asarray(rows), np.asarray(cols)
    inside = (rows >= 0) & (rows < z.shape[0]) & (cols >= 0) & (cols < z.shape[1])
    elevation = np.full(len(sites), np.nan)
    site_slope = np.full(len(sites), np.nan)
    elevation[inside] = z[rows[inside], cols[inside]]
    site_slope[inside] = slope[rows[inside], cols[inside]]
    zones = rasterio.features.rasterize(
        ((geom, i + 1) for i, geom in enumerate(units.to_crs(crs).geometry)),
        out_shape=z.shape,
        transform=transform,
        fill=0,
        dtype="int32",
    )
    valid = (zones > 0) & np.isfinite(z)
    frame = pd.DataFrame({"unit": zones[valid] - 1, "z": z[valid], "slope": slope[valid]})
    frame["steep"] = frame["slope"] > steep_deg
    stats = frame.groupby("unit").agg(
        mean_elevation_m=("z", "mean"),
        mean_slope_deg=("slope", "mean"),
        steep_share=("steep", "mean"),
        dem_cells=("z", "size"),
    )
    stats.index = units["unit_id"].to_numpy()[stats.index]
    shade = _hillshade(z, transform, crs)
    dst_transform, width, height = rasterio.warp.calculate_default_transform(
        crs, "EPSG:4326", z.shape[1], z.shape[0], *array_bounds(z.shape[0], z.shape[1], transform)
    )
    warped = np.zeros((height, width), dtype="uint8")
    rasterio.warp.reproject(
        shade,
        warped,
        src_transform=transform,
        src_crs=crs,
        dst_transform=dst_transform,
        dst_crs="EPSG:4326",
    )
    west, south, east, north = array_bounds(height, width, dst_transform)
    return TerrainResult(
        elevation=elevation,
        slope=site_slope,
        units=stats.reindex(units["unit_id"]).rename_axis("unit_id").reset_index(),
        hillshade=Hillshade(warped, (west, south, east, north)),
        missing_sites=int(np.isnan(elevation).sum()),
    )


def write_hillshade(hillshade: Hillshade, folder: Path) -> None:
    """Write the hillshade as ``hillshade.png`` (its bounds go to indicators.json).

    Parameters
    ----------
    hillshade
        The hillshade of :func:`analyse_terrain`.
    folder
        Results folder.
    """
    height, width = hillshade.values.shape
    with warnings.catch_warnings():  # a plain picture: its bounds are kept beside it
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(
            folder / "hillshade.png",
            "w",
            driver="PNG",
            width=width,
            height=height,
            count=1,
            dtype="uint8",
        ) as dst:
            dst.write(hillshade.values[None])


def read_hillshade(folder: Path) -> Hillshade:
    """Read the hillshade a run published (its bounds from the run's indicators.json).

    Parameters
    ----------
    folder
        Results folder written by :func:`geo.results.write_results`.
    """
    indicators = json.loads((folder / "indicators.json").read_text(encoding="utf-8"))
    bounds = tuple(indicators["terrain"]["hillshade_bounds_wgs84"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with rasterio.open(folder / "hillshade.png") as src:
            return Hillshade(src.read(1), bounds)  # type: ignore[arg-type]
