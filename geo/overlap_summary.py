"""The ``overlaps`` section of indicators.json."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from geo.markets import MarketParams
from geo.overlaps import COMPETING, COMPLEMENTARY, RELATIONS, OverlapParams

__all__ = ["overlap_indicators"]


def overlap_indicators(
    pairs: pd.DataFrame,
    groups: pd.DataFrame,
    unit_pairs: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    record_duplicates: pd.DataFrame,
    *,
    mode: str,
    settings: OverlapParams | MarketParams,
    shared: pd.DataFrame | None = None,
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
    shared
        Shared resources (:func:`geo.dedupe.shared_resources`).
    mode
        ``"road"`` or ``"geodesic"``.
    settings
        The parameters used.

    Returns
    -------
    dict
        JSON-ready counts: ``pairs`` are the competing pairs scoring at least
        ``group_min_score`` (the headline's duplicated construction), with every relation's
        count, the reach with its unit, per unit pair and the top pairs.
    """
    by_relation = pairs["relation"].value_counts() if len(pairs) else pd.Series(dtype=int)
    competing = pairs[pairs["relation"] == COMPETING] if len(pairs) else pairs
    counted = competing[competing["score"] >= settings.group_min_score] if len(pairs) else pairs
    cross = counted[counted["cross_border"]] if len(counted) else counted
    complementary = pairs[pairs["relation"] == COMPLEMENTARY] if len(pairs) else pairs
    shown = ["site_a", "site_b", "relation", "score", "level", "explanation"]
    return {
        "mode": mode,
        "reach": settings.reach_minutes if mode == "road" else settings.reach_km,
        "reach_unit": "min" if mode == "road" else "km",
        "min_market_overlap": settings.min_market_overlap,
        "min_score": settings.group_min_score,
        "score_weights": list(settings.overlap_weights),
        "sites": len(sites),
        "sites_by_kind": {k: int(v) for k, v in sites["kind"].value_counts().items()},
        "sites_by_gb_class": {k: int(v) for k, v in sites["gb_class"].value_counts().items()},
        "sites_by_origin": {k: int(v) for k, v in sites["origin"].value_counts().items()},
        "sites_by_role": {k: int(v) for k, v in sites["role"].value_counts().items()},
        "components": int(sites["parent"].fillna("").ne("").sum()),
        "record_duplicates_merged": len(record_duplicates),
        "shared_resources": 0 if shared is None else len(shared),
        "pairs": len(counted),
        "cross_border_pairs": len(cross),
        "cross_border_by_level": {k: int(v) for k, v in cross["level"].value_counts().items()},
        "pairs_by_relation": {r: int(by_relation.get(r, 0)) for r in RELATIONS},
        "competing_below_min_score": int(len(competing) - len(counted)),
        "mean_score": round(float(counted["score"].mean()), 2) if len(counted) else None,
        "groups": len(groups),
        "cross_border_groups": int(groups["cross_border"].sum()) if len(groups) else 0,
        "unit_pairs": unit_pairs.head(200).to_dict(orient="records"),
        "top_pairs": competing.head(10)[shown].to_dict(orient="records"),
        "top_complementary": complementary.head(10)[shown].to_dict(orient="records"),
    }
