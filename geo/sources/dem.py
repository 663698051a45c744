"""Elevation model (GeoTIFF): opened with rasterio, CRS required, coverage of the units checked.

Terrain analysis (slope, zonal statistics) reads the raster later; this loader only proves it
is usable and says how much of the study area it covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import rasterio
import rasterio.errors
import rasterio.warp
import shapely
from rasterio.windows import Window

from geo.coords import WGS84, local_projected_crs
from geo.diagnostics import RunWarning
from geo.errors import DatasetError
from geo.parts import DemPart

__all__ = ["DemInfo", "check_dem"]


@dataclass(frozen=True)
class DemInfo:
    """Facts about a usable DEM."""

    path: str
    crs: str
    width: int
    height: int
    resolution: tuple[float, float]
    nodata: float | None
    bounds_wgs84: tuple[float, float, float, float]
    coverage: float
    warnings: tuple[RunWarning, ...] = ()


def check_dem(
    part: DemPart,
    units: gpd.GeoDataFrame,
    *,
    min_coverage: float = 0.99,
    max_cells: int = 100_000_000,
) -> DemInfo:
    """Open the DEM and measure the share of the units' area it covers.

    Parameters
    ----------
    part
        The ``[dem]`` section (absolute path).
    units
        Units in EPSG:4326.
    min_coverage
        Below this share a warning is added.
    max_cells
        A raster of more cells is refused before any is read (``dem_max_cells``).

    Returns
    -------
    DemInfo
        Size, CRS, resolution, bounds and coverage (0–1) of the raster.

    Raises
    ------
    DatasetError
        Unreadable raster, missing band, or a raster without a CRS.
    """
    path = Path(part.path)
    try:
        with rasterio.open(path) as src:
            if src.crs is None:
                msg = (
                    f"{path}: the raster has no coordinate system; assign one "
                    "(e.g. gdal_edit.py -a_srs EPSG:4326) and run again"
                )
                raise DatasetError(msg)
            if not 1 <= part.band <= src.count:
                msg = f"{path}: band {part.band} does not exist (the raster has {src.count})"
                raise DatasetError(msg)
            if src.width * src.height > max_cells:
                msg = (
                    f"{path}: the DEM has {src.width:,} × {src.height:,} = "
                    f"{src.width * src.height:,} cells, more than dem_max_cells = {max_cells:,} "
                    "(about 8 bytes each in memory); resample it (gdalwarp -tr) or raise "
                    "dem_max_cells in [params]"
                )
                raise DatasetError(msg)
            # a file cut short fails here, not after the analyses: its last row is read
            src.read(part.band, window=Window(0, src.height - 1, src.width, 1))
            crs = src.crs
            bounds = rasterio.warp.transform_bounds(crs, WGS84, *src.bounds, densify_pts=21)
            width, height, res = src.width, src.height, src.res
            nodata = src.nodatavals[part.band - 1]
    except rasterio.errors.RasterioIOError as exc:
        msg = (
            f"{path}: cannot read the raster ({exc}); the file is not a raster, or it is "
            "truncated or damaged: check it, or copy or export it again"
        )
        raise DatasetError(msg) from None
    # the covered share of the units' area, unit by unit (no union of thousands of polygons)
    projected = local_projected_crs(tuple(units.total_bounds))
    areas = units.to_crs(projected).geometry.values
    box = gpd.GeoSeries([shapely.box(*bounds)], crs=WGS84).to_crs(projected).values[0]
    covered = shapely.area(shapely.intersection(areas, box)).sum()
    coverage = float(min(covered / shapely.area(areas).sum(), 1.0))
    warnings: tuple[RunWarning, ...] = ()
    if coverage < min_coverage:
        warnings = (
            RunWarning(
                "dem_partial_coverage",
                {"file": str(path), "coverage": float(coverage)},
            ),
        )
    auth = crs.to_authority()
    return DemInfo(
        path=str(path),
        crs=f"{auth[0]}:{auth[1]}" if auth else crs.to_wkt(),
        width=width,
        height=height,
        resolution=(float(res[0]), float(res[1])),
        nodata=nodata,
        bounds_wgs84=tuple(float(b) for b in bounds),  # type: ignore[arg-type]
        coverage=coverage,
        warnings=warnings,
    )
