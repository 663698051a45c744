"""Display geometry: the published polygons and lines of a large run, simplified to be drawn.

The analysis measures on the full geometry. Once every stage has run, a layer whose catalogue
entry asks for it (``Output.display``) and that has more than :data:`MAX_DISPLAY_VERTICES`
vertices is simplified for the map, the GeoPackage, the read model and OGC: China's 2,875
county polygons (4.2 M vertices, 97 MB of GeoJSON) would otherwise make a page no browser
opens. The tolerance is 1/5000 of the layer's extent (about 1.4 km for China, below a pixel
until the view is zoomed five times past the whole extent). Polygons that tile (a valid
coverage) are simplified together, so neighbours keep sharing their edges, with no gap or
overlap; other layers are simplified feature by feature with their topology preserved.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely

from geo.diagnostics import RunWarning
from geo.results import Results
from geo.sources.layer import is_valid_coverage

__all__ = ["MAX_DISPLAY_VERTICES", "display_geometry", "sites_to_draw", "use_display_geometry"]

#: Layers with more vertices than this are simplified for display.
MAX_DISPLAY_VERTICES = 250_000
#: The tolerance as a share of the extent's diagonal (degrees).
TOLERANCE_SHARE = 1 / 5000

Display = Literal["coverage", "features"]


def display_geometry(
    gdf: gpd.GeoDataFrame, how: Display
) -> tuple[gpd.GeoDataFrame, dict[str, Any] | None]:
    """Simplify a large layer for display; small layers come back unchanged.

    Parameters
    ----------
    gdf
        A layer in EPSG:4326.
    how
        ``"coverage"``: polygons that tile are simplified together (shared edges stay
        shared); ``"features"``: each feature on its own, topology preserved.

    Returns
    -------
    tuple
        The layer (a copy when simplified) and what was done (``None`` when nothing):
        ``{"tolerance_deg", "vertices", "display_vertices"}``.
    """
    geoms = gdf.geometry.values
    vertices = int(shapely.get_num_coordinates(np.asarray(geoms)).sum()) if len(gdf) else 0
    if vertices <= MAX_DISPLAY_VERTICES:
        return gdf, None
    west, south, east, north = gdf.total_bounds
    tolerance = float(np.hypot(east - west, north - south)) * TOLERANCE_SHARE
    raw = np.asarray(geoms)
    if how == "coverage" and is_valid_coverage(gdf):
        simplified = shapely.coverage_simplify(raw, tolerance)
    else:
        simplified = shapely.simplify(raw, tolerance, preserve_topology=True)
    out = gdf.copy()
    out[gdf.geometry.name] = simplified
    facts = {
        "tolerance_deg": round(tolerance, 6),
        "vertices": vertices,
        "display_vertices": int(shapely.get_num_coordinates(simplified).sum()),
    }
    return out, facts


def use_display_geometry(results: Results) -> None:
    """Give the large layers of a finished run their display geometry, before publishing.

    Each simplified layer adds a ``display_simplified`` warning (variant: the layer's name)
    with its vertex counts; the time taken is the run's ``display geometry`` timing.

    Parameters
    ----------
    results
        A finished run; its layers are replaced in place.
    """
    start = time.perf_counter()
    for name, output in results.catalogue.items():
        if output.display is None or name not in results.outputs:
            continue
        results.outputs[name], facts = display_geometry(results.outputs[name], output.display)
        if facts is not None:
            results.warnings.append(RunWarning("display_simplified", {"variant": name, **facts}))
    results.timings["display geometry"] = time.perf_counter() - start


def sites_to_draw(
    sites: gpd.GeoDataFrame, limit: int, first: np.ndarray | None = None
) -> gpd.GeoDataFrame:
    """Return the sites a map or figure draws: all up to ``limit``, else ``limit`` of them.

    The ``first`` ones (a mask, e.g. the ends of the pairs drawn), then by A-grade, the
    highest first; among equals a fixed pseudo-random order, so that what is left out is
    spread evenly over the map rather than cut off by the file's order. The sites keep
    their order.

    Parameters
    ----------
    sites
        The run's sites (``a_grade``).
    limit
        Most sites drawn.
    first
        Sites drawn before any other (boolean mask), or None.

    Returns
    -------
    geopandas.GeoDataFrame
        ``sites`` itself when there are no more than ``limit``, else a selection.
    """
    if len(sites) <= limit:
        return sites
    shuffle = np.random.default_rng(0).permutation(len(sites))
    keys = [shuffle, -sites["a_grade"].fillna(0).to_numpy(float)]
    if first is not None:
        keys.append(~np.asarray(first, dtype=bool))
    order = np.lexsort(keys)
    return sites.iloc[np.sort(order[:limit])]
