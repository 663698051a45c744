"""Market points: towns and cities with their population (``[markets]``).

Output schema (EPSG:4326): ``market_id``, ``name``, ``population`` (float, ≥ 0) and the
point geometry. Read like sites (tables with lon/lat, point layers, any coordinate system);
the population is the column named by ``population`` or the first of its usual names.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import DatasetError
from geo.parts import MarketsPart, SitesPart
from geo.sources.files import TableLimits, find_column
from geo.sources.layer import LoadedLayer
from geo.sources.sites import load_sites

__all__ = ["load_markets"]

_POPULATION = ("population", "pop", "人口", "常住人口", "人口数")


def load_markets(part: MarketsPart, *, limits: TableLimits | None = None) -> LoadedLayer:
    """Load the market points.

    Parameters
    ----------
    part
        The ``[markets]`` section (absolute path).
    limits
        Bounds on a CSV/TXT table.

    Returns
    -------
    LoadedLayer
        Points with ``market_id``, ``name`` and ``population``.

    Raises
    ------
    DatasetError
        No population column, or a population that is not a number ≥ 0 (naming the row).
    """
    fields = part.model_dump(exclude={"population"})
    layer = load_sites(SitesPart(**fields), limits=limits)
    points = layer.data
    path = Path(part.path)
    columns = [c for c in points.columns if c != "geometry"]
    column = find_column(
        columns, part.population, _POPULATION, path=path, key="population", section="markets"
    )
    if column is None:
        msg = (
            f"{path}: [markets] needs a population column (population, 人口 ...); name it with "
            'population = "..."'
        )
        raise DatasetError(msg)
    values = pd.to_numeric(points[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(points.loc[bad, "source_row"].iloc[0])
        msg = (
            f"{path}: row {row} has population '{points.loc[bad, column].iloc[0]}' in column "
            f"'{column}', which is not a number of zero or more; fix or remove the row"
        )
        raise DatasetError(msg)
    out = gpd.GeoDataFrame(
        {
            "market_id": points["site_id"],
            "name": points["name"],
            "population": values.astype(float),
        },
        geometry=points.geometry,
        crs=points.crs,
    )
    info = {**layer.info, "markets": len(out), "population": float(values.sum())}
    info.pop("sites", None)
    return LoadedLayer(out, info, layer.warnings)
