"""Kernel density of grade-weighted sites as a raster (``density.tif``).

A Gaussian kernel of bandwidth ``density_bandwidth_km`` is applied to the sites' grade
weights binned on a grid of ``density_cell_km`` cells in the local projected CRS (a Gaussian
filter over the binned weights, which equals the kernel sum up to the binning). Values are
weight per km²; the raster carries its CRS and transform.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import rasterio
from rasterio.transform import from_origin

from geo.coords import local_projected_crs
from geo.errors import DatasetError

__all__ = ["MAX_KERNEL_CELLS", "DensityRaster", "kernel_density", "read_density", "write_density"]

#: Largest kernel standard deviation in cells (the smoothing costs about cells × 8σ).
MAX_KERNEL_CELLS = 200


@dataclass
class DensityRaster:
    """A density grid (north-up) with its georeferencing."""

    values: np.ndarray
    crs: pyproj.CRS
    west: float
    north: float
    cell_m: float


def kernel_density(
    sites: gpd.GeoDataFrame,
    weights: np.ndarray,
    extent: tuple[float, float, float, float],
    *,
    bandwidth_km: float = 10.0,
    cell_km: float = 1.0,
    max_cells: int = 25_000_000,
) -> DensityRaster:
    """Grade-weighted Gaussian kernel density over the extent (lon/lat bounds).

    Parameters
    ----------
    sites
        Points in EPSG:4326.
    weights
        One weight per site.
    extent
        ``(min_lon, min_lat, max_lon, max_lat)`` to cover (e.g. the units' bounds).
    bandwidth_km, cell_km
        Kernel standard deviation and cell size.
    max_cells
        Largest grid computed (``density_max_cells``).

    Returns
    -------
    DensityRaster
        Weight per km²; integrates to the total weight (inside the grid).

    Raises
    ------
    DatasetError
        The grid would have more than ``max_cells`` cells, or the kernel would span more
        than :data:`MAX_KERNEL_CELLS` cells (both checked before any work).
    """
    crs = local_projected_crs(extent)
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = transformer.transform(
        [extent[0], extent[2], extent[0], extent[2]], [extent[1], extent[1], extent[3], extent[3]]
    )
    cell = cell_km * 1000.0
    pad = 3 * bandwidth_km * 1000.0
    west, east = min(xs) - pad, max(xs) + pad
    south, north = min(ys) - pad, max(ys) + pad
    cols, rows = int(np.ceil((east - west) / cell)), int(np.ceil((north - south) / cell))
    if cols * rows > max_cells:
        msg = (
            f"density_cell_km = {cell_km:g} makes a density grid of {cols:,} × {rows:,} = "
            f"{cols * rows:,} cells over the units, more than density_max_cells = {max_cells:,}; "
            "raise density_cell_km (or density_max_cells) in [params]"
        )
        raise DatasetError(msg)
    if bandwidth_km / cell_km > MAX_KERNEL_CELLS:
        msg = (
            f"density_bandwidth_km / density_cell_km = {bandwidth_km / cell_km:,.0f} cells, more "
            f"than {MAX_KERNEL_CELLS} (the smoothing would take hours); raise density_cell_km "
            "or lower density_bandwidth_km in [params]"
        )
        raise DatasetError(msg)
    x, y = transformer.transform(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    col = np.clip(((np.asarray(x) - west) // cell).astype(int), 0, cols - 1)
    row = np.clip(((north - np.asarray(y)) // cell).astype(int), 0, rows - 1)
    from scipy.ndimage import gaussian_filter  # imported where used: a quarter second

    grid = np.zeros((rows, cols))
    np.add.at(grid, (row, col), weights)
    smooth = gaussian_filter(grid, sigma=bandwidth_km / cell_km, mode="constant")
    return DensityRaster(values=smooth / cell_km**2, crs=crs, west=west, north=north, cell_m=cell)


def write_density(raster: DensityRaster, path: Path) -> None:
    """Write the density grid as a GeoTIFF (float32, deflate).

    Parameters
    ----------
    raster
        Output of :func:`kernel_density`.
    path
        Destination file.
    """
    profile = {
        "driver": "GTiff",
        "width": raster.values.shape[1],
        "height": raster.values.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": raster.crs.to_wkt(),
        "transform": from_origin(raster.west, raster.north, raster.cell_m, raster.cell_m),
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(raster.values.astype("float32")[None])
        dst.update_tags(units="grade weight per km2")


def read_density(path: Path) -> DensityRaster:
    """Read a density grid written by :func:`write_density`.

    Parameters
    ----------
    path
        The GeoTIFF.
    """
    with rasterio.open(path) as src:
        return DensityRaster(
            values=src.read(1).astype("float64"),
            crs=pyproj.CRS.from_wkt(src.crs.to_wkt()),
            west=src.transform.c,
            north=src.transform.f,
            cell_m=src.transform.a,
        )
