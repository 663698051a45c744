"""The value every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.diagnostics import RunWarning

__all__ = ["COVERAGE_VALID", "LoadedLayer", "is_valid_coverage"]

#: ``attrs`` key of a polygon layer: whether its polygons form a valid coverage (edges matched
#: where they meet, no overlaps), as found when it was loaded.
COVERAGE_VALID = "coverage_valid"


@dataclass
class LoadedLayer:
    """A loaded, normalised layer plus what was learned while reading it.

    Attributes
    ----------
    data
        The layer in EPSG:4326 with the loader's documented columns.
    info
        Facts for ``tia validate`` and run.json: format, encoding, source CRS, counts.
    warnings
        Findings that did not stop loading.
    footprints
        Sites only: the polygons of the sites given as areas, by ``site_id`` (the sites
        themselves are points); a site spanning units is a resource they share.
    """

    data: gpd.GeoDataFrame
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[RunWarning] = field(default_factory=list)
    footprints: gpd.GeoSeries | None = None


def is_valid_coverage(layer: gpd.GeoDataFrame) -> bool:
    """Whether the layer's polygons form a valid coverage (GEOS' coverage validation).

    The loaders record the answer in ``layer.attrs``; a layer without it is checked now.

    Parameters
    ----------
    layer
        Polygons.

    Returns
    -------
    bool
        True when every edge is matched or on the outside and no polygons overlap.
    """
    known = layer.attrs.get(COVERAGE_VALID)
    if known is not None:
        return bool(known)
    return bool(shapely.coverage_is_valid(np.asarray(layer.geometry.values)))
