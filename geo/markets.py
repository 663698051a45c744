"""Markets: the population each site can reach, with a distance decay, and how much two share.

Market points are the ``[markets]`` layer (towns and cities with their population); without
it, each unit's representative point carries the unit's population from ``[stats]``; with
neither, every unit counts as one equal market (and the run says so).

The **decayed catchment** of site *i* over market points *k* is

    w_ik = P_k · 2^(−t_ik / h)     for t_ik ≤ R (else 0)

with *t* the road minutes from the market point to the site (geodesic km without roads),
*h* the half-distance (``market_half_minutes`` / ``market_half_km``: the population at that
distance counts half) and *R* the outer reach (``reach_minutes`` / ``reach_km``), which only
bounds the search — never shorter than :data:`MARKET_HALVES` half-distances, so a short pair
search still sees whole markets. The site's market is M_i = Σ_k w_ik.

The **market overlap** of two sites is the weighted Jaccard (Ruzicka) index of their
catchments, the population both reach over the population either reaches:

    O_ij = Σ_k min(w_ik, w_jk) / Σ_k max(w_ik, w_jk)      (0 when both markets are empty)

1 when the two sell to the same people (neighbours in one town), 0 when their catchments do
not meet; a remote site beside a city's is not "inside" the city's market, it reaches a
small part of it. Duplicated construction is competition for one market: this is what scores it
(see :mod:`geo.overlaps`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pydantic import Field
from scipy.spatial import cKDTree

from geo.analyses.base import ParamModel
from geo.coords import GEOD, WGS84
from geo.dedupe import search_chord_m, unit_sphere_xyz

__all__ = ["MARKET_HALVES", "MarketParams", "market_overlap", "market_points", "market_weights"]

#: Markets are sought at least this many half-distances away (2^-3: an eighth of the weight).
MARKET_HALVES = 3.0


class MarketParams(ParamModel):
    """Markets and the reach of a site (keys of ``[params]``)."""

    reach_minutes: float = Field(
        120.0, gt=0, description="outer reach by road (minutes): bounds the pair search"
    )
    reach_km: float = Field(
        60.0, gt=0, description="outer reach without roads (km): bounds the pair search"
    )
    market_half_minutes: float = Field(
        30.0, gt=0, description="road minutes at which a market counts half"
    )
    market_half_km: float = Field(20.0, gt=0, description="km at which a market counts half")


def market_points(
    units: gpd.GeoDataFrame,
    *,
    markets: gpd.GeoDataFrame | None = None,
    population: pd.Series | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Return the points markets are made of, with their population.

    Parameters
    ----------
    units
        Units (``unit_id``, polygons).
    markets
        The ``[markets]`` points (``market_id``, ``name``, ``population``), or None.
    population
        Population by unit id (``[stats]``), or None.

    Returns
    -------
    tuple
        Points (``market_id``, ``name``, ``population``, EPSG:4326) and their source:
        ``markets``, ``units`` (units' population) or ``equal`` (one per unit).
    """
    if markets is not None and len(markets):
        return markets[["market_id", "name", "population", "geometry"]], "markets"
    points = units.geometry.representative_point()
    if population is not None and population.notna().any():
        weight = units["unit_id"].map(population).fillna(0.0).astype(float)
        source = "units"
    else:
        weight = pd.Series(1.0, index=units.index)
        source = "equal"
    frame = pd.DataFrame(
        {"market_id": units["unit_id"], "name": units["name"], "population": weight}
    )
    return gpd.GeoDataFrame(frame, geometry=points.values, crs=WGS84), source


def market_weights(
    sites: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    reach: float,
    half: float,
    minutes: sp.spmatrix | np.ndarray | None = None,
) -> sp.csr_matrix:
    """Weigh every site's decayed catchment w_ik of every market point (sites x points).

    Parameters
    ----------
    sites
        Sites (EPSG:4326).
    points
        From :func:`market_points`.
    reach, half
        Outer reach and half-distance, in minutes with ``minutes``, else in km.
    minutes
        Road minutes, market points x sites (dense, or sparse within the reach), or None for
        geodesic km.

    Returns
    -------
    scipy.sparse.csr_matrix
        w_ik, zero beyond the reach.
    """
    n, k = len(sites), len(points)
    population = points["population"].to_numpy(dtype=float)
    if minutes is not None and sp.issparse(minutes):
        coo = sp.coo_matrix(minutes)
        market, site, cost = coo.row, coo.col, coo.data
    elif minutes is not None:
        market, site = np.nonzero(np.isfinite(minutes))
        cost = np.asarray(minutes)[market, site]
    else:
        lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
        plon, plat = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
        chord = search_chord_m(reach)
        # few market points, many sites: one ball per market point over a tree of the sites
        found = cKDTree(unit_sphere_xyz(lon, lat)).query_ball_point(
            unit_sphere_xyz(plon, plat), chord, workers=-1
        )
        market = np.repeat(np.arange(k), [len(f) for f in found])
        site = (
            np.concatenate([np.asarray(f, dtype=np.int64) for f in found])
            if k
            else np.zeros(0, np.int64)
        )
        cost = GEOD.inv(lon[site], lat[site], plon[market], plat[market])[2] / 1000
    keep = cost <= reach
    site, market, cost = site[keep], market[keep], cost[keep]
    weight = population[market] * np.exp2(-cost / half)
    return sp.csr_matrix((weight, (site, market)), shape=(n, k))


def market_overlap(weights: sp.csr_matrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """O_ij = Σ_k min(w_ik, w_jk) / Σ_k max(w_ik, w_jk) for the pairs (i[p], j[p]).

    Parameters
    ----------
    weights
        From :func:`market_weights`.
    i, j
        Site positions of the pairs.

    Returns
    -------
    numpy.ndarray
        One overlap in [0, 1] per pair (0 when both markets are empty).
    """
    if not len(i):
        return np.zeros(0)
    size = np.asarray(weights.sum(axis=1)).ravel()
    out = np.zeros(len(i))
    for start in range(0, len(i), 1_000_000):  # bounded temporaries on big pair sets
        a, b = i[start : start + 1_000_000], j[start : start + 1_000_000]
        shared = np.asarray(weights[a].minimum(weights[b]).sum(axis=1)).ravel()
        either = size[a] + size[b] - shared  # Σ max = Σ w_i + Σ w_j − Σ min
        out[start : start + len(a)] = np.divide(
            shared, either, out=np.zeros(len(a)), where=either > 0
        )
    return np.clip(out, 0.0, 1.0)
