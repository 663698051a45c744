"""Markets: the market points and each site's decayed catchment over them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo.analyses.base import Context, Output, Stage, StageResult
from geo.analyses.inputs import table_limits
from geo.diagnostics import RunWarning
from geo.markets import MARKET_HALVES, MarketParams, market_points, market_weights
from geo.network import snap_points, travel_matrix
from geo.sources.markets import load_markets

__all__ = ["LoadMarkets", "Markets"]

#: Up to this many sites, market-to-site times are a dense matrix.
_DENSE_MAX = 20_000


class LoadMarkets(Stage):
    """Read the market points (towns and cities with their population)."""

    name = "load markets"
    parts = ("markets",)
    validates = True

    def run(self, ctx: Context) -> StageResult:
        """Load ``[markets]``."""
        loaded = load_markets(ctx.dataset.markets, limits=table_limits(ctx))
        return StageResult(
            {"markets": loaded.data}, sources={"markets": loaded.info}, warnings=loaded.warnings
        )


class Markets(Stage):
    """Each site's market: the population it reaches, decayed with road time or distance."""

    name = "markets"
    section = "markets"
    needs = ("sites", "units")
    params = (MarketParams,)
    outputs = (
        Output(
            "market_points",
            "layer",
            {"en": "Market points", "zh": "客源市场点"},
            geometry="Point",
            map="hidden",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Choose the market points and weigh every site's reach of them."""
        params, sites, units = ctx.params, ctx["sites"], ctx["units"]
        stats, part = ctx.get("stats"), ctx.dataset.stats
        population = stats.table[part.population] if stats is not None and part.population else None
        points, source = market_points(units, markets=ctx.get("markets"), population=population)
        network = ctx.get("network")
        if network is not None:
            reach, half, unit = params.reach_minutes, params.market_half_minutes, "min"
        else:
            reach, half, unit = params.reach_km, params.market_half_km, "km"
        reach = max(reach, MARKET_HALVES * half)  # a short pair search keeps whole markets
        minutes = (
            None if network is None else _market_minutes(network, points, sites, reach, params)
        )
        weights = market_weights(sites, points, reach=reach, half=half, minutes=minutes)
        size = np.asarray(weights.sum(axis=1)).ravel()
        sites = sites.copy(deep=False)
        sites["market"] = np.round(size, 1)
        warnings = []
        if source == "equal":
            warnings.append(RunWarning("markets_equal_units", {"n": len(points)}))
        unreached = int((size == 0).sum())
        if unreached:
            items = (sites["site_id"] + " " + sites["name"])[size == 0].tolist()
            facts = {"n": unreached, "reach": reach, "unit": unit}
            warnings.append(RunWarning("sites_without_market", facts, items))
        summary: dict[str, Any] = {
            "source": source,
            "points": len(points),
            "population": round(float(points["population"].sum()), 1),
            "reach": reach,
            "half": half,
            "unit": unit,
            "median_market": round(float(np.median(size)), 1) if len(size) else None,
            "sites_without_market": unreached,
        }
        return StageResult(
            {"sites": sites, "site_market_weights": weights, "market_points": points},
            indicators=summary,
            warnings=warnings,
        )


def _market_minutes(
    network: Any, points: pd.DataFrame, sites: pd.DataFrame, reach: float, params: Any
) -> Any:
    """Road minutes from every market point to every site, within the reach."""
    snapped = snap_points(
        network,
        pd.concat([points.geometry, sites.geometry], ignore_index=True),
        offroad_speed_kmh=params.offroad_speed_kmh,
    )
    point_ids = snapped.first_node + np.arange(len(points))
    site_ids = snapped.first_node + len(points) + np.arange(len(sites))
    return travel_matrix(
        snapped.minutes, point_ids, site_ids, limit=reach, sparse=len(sites) > _DENSE_MAX
    )
