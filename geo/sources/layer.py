"""The value every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from geo.diagnostics import RunWarning

__all__ = ["LoadedLayer"]


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
    """

    data: gpd.GeoDataFrame
    info: dict[str, Any] = field(default_factory=dict)
    warnings: list[RunWarning] = field(default_factory=list)
