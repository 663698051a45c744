"""The ``overlaps`` section of indicators.json."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from geo.overlaps import OverlapParams

__all__ = ["overlap_indicators"]


def overlap_indicators(
    pairs: pd.DataFrame,
    groups: pd.DataFrame,
    unit_pairs: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    record_duplicates: pd.DataFrame,
    *,
    mode: str,
    settings: OverlapParams,
) -> dict[str, Any]:
    """Summarise the duplicated-construction analysis.

    Parameters
    ----------
    pairs, groups, unit_pairs
        Outputs of :mod:`geo.overlaps`.
    sites
        Classified sites.
    record_duplicates
        Records merged before the analysis.
    mode
        ``"road"`` or ``"geodesic"``.
    settings
        The parameters used.

    Returns
    -------
    dict
        JSON-ready counts, the cut-off with its unit, per unit pair and the top pairs.
    """
    cross = pairs[pairs["cross_border"]] if len(pairs) else pairs
    return {
        "mode": mode,
        "cutoff": settings.market_minutes if mode == "road" else settings.market_km,
        "cutoff_unit": "min" if mode == "road" else "km",
        "score_weights": list(settings.overlap_weights),
        "sites": len(sites),
        "sites_by_kind": {k: int(v) for k, v in sites["kind"].value_counts().items()},
        "sites_by_gb_class": {k: int(v) for k, v in sites["gb_class"].value_counts().items()},
        "record_duplicates_merged": len(record_duplicates),
        "pairs": len(pairs),
        "cross_border_pairs": len(cross),
        "mean_score": round(float(pairs["score"].mean()), 2) if len(pairs) else None,
        "groups": len(groups),
        "cross_border_groups": int(groups["cross_border"].sum()) if len(groups) else 0,
        "unit_pairs": unit_pairs.to_dict(orient="records"),
        "top_pairs": pairs.head(10)[["site_a", "site_b", "score", "explanation"]].to_dict(
            orient="records"
        ),
    }
