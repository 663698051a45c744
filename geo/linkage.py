"""Gravity linkage between units: R_ij = sqrt(P_i E_i) · sqrt(P_j E_j) / t_ij².

P is the population from ``[stats]`` (1 when there is none, so only endowment counts), E the
grade-weighted endowment, t the road time between the units' hubs when every unit has a hub
and roads exist, else the geodesic distance between unit centroids (the mode is reported).
A unit's **linkage share** is its part of all link strength; the **cooperation network** is
each unit's strongest link plus every link in the top decile.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.coords import GEOD, local_projected_crs

__all__ = ["centroid_distances", "gravity_linkage"]


def centroid_distances(units: gpd.GeoDataFrame) -> np.ndarray:
    """Geodesic km between the centroids of every pair of units (``numpy.triu_indices`` order).

    Parameters
    ----------
    units
        Units (EPSG:4326).

    Returns
    -------
    numpy.ndarray
        One distance per pair ``i < j``.
    """
    centroid = units.to_crs(local_projected_crs(tuple(units.total_bounds))).centroid.to_crs(4326)
    x, y = centroid.x.to_numpy(), centroid.y.to_numpy()
    i, j = np.triu_indices(len(units), k=1)
    return GEOD.inv(x[i], y[i], x[j], y[j])[2] / 1000.0


def gravity_linkage(
    units: gpd.GeoDataFrame,
    endowment: pd.Series,
    *,
    population: pd.Series | None = None,
    hub_minutes: pd.DataFrame | None = None,
    centroid_km: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.Series, dict[str, Any]]:
    """Link strength of every pair of units.

    Parameters
    ----------
    units
        Units (EPSG:4326) with ``unit_id``.
    endowment
        Endowment by unit id.
    population
        Population by unit id (optional).
    hub_minutes
        Unit x unit hub travel times (minutes), indexed by unit id (optional).
    centroid_km
        :func:`centroid_distances` of ``units`` when already computed (optional).

    Returns
    -------
    tuple
        Pairs (``unit_a``, ``unit_b``, ``distance``, ``distance_unit``, ``strength``,
        ``share``, ``cooperation_link``) strongest first, each unit's linkage share, and a
        summary (mode, population used, totals).
    """
    ids = units["unit_id"].to_numpy()
    e = endowment.reindex(ids).fillna(0.0).to_numpy(float)
    p = population.reindex(ids).to_numpy(float) if population is not None else np.ones(len(ids))
    mass = np.sqrt(np.nan_to_num(p) * e)
    i, j = np.triu_indices(len(ids), k=1)
    road = hub_minutes is not None and set(ids) <= set(hub_minutes.index)
    if road:
        t = hub_minutes.reindex(index=ids, columns=ids).to_numpy(float)
        distance = np.minimum(t[i, j], t[j, i])
    else:
        distance = centroid_km if centroid_km is not None else centroid_distances(units)
    with np.errstate(divide="ignore", invalid="ignore"):
        strength = np.where(distance > 0, mass[i] * mass[j] / distance**2, 0.0)
    strength = np.nan_to_num(strength, posinf=0.0)
    total = strength.sum()
    pairs = pd.DataFrame(
        {
            "unit_a": ids[i],
            "unit_b": ids[j],
            "distance": distance,
            "distance_unit": "min" if road else "km",
            "strength": strength,
            "share": strength / total if total else 0.0,
        }
    )
    pairs = pairs[np.isfinite(pairs["distance"])].sort_values("strength", ascending=False)
    per_unit = (
        pd.concat(
            [pairs.groupby("unit_a")["strength"].sum(), pairs.groupby("unit_b")["strength"].sum()]
        )
        .groupby(level=0)
        .sum()
    )
    shares = (per_unit / (2 * total) if total else per_unit * 0).reindex(ids, fill_value=0.0)
    top_decile = pairs["strength"] >= pairs["strength"].quantile(0.9)
    ends = pd.concat([pairs["unit_a"], pairs["unit_b"]])  # index: the pair, value: a unit
    strength_of = pd.concat([pairs["strength"], pairs["strength"]])
    strongest = strength_of.groupby(ends.to_numpy()).idxmax()  # each unit's strongest link
    pairs["cooperation_link"] = top_decile | pairs.index.isin(strongest.to_numpy())
    pairs.loc[pairs["strength"] == 0, "cooperation_link"] = False
    summary = {
        "mode": "road time between hubs (min)"
        if road
        else "geodesic distance between centroids (km)",
        "population": "from [stats]" if population is not None else "not given: P = 1",
        "pairs": len(pairs),
        "cooperation_links": int(pairs["cooperation_link"].sum()),
    }
    return pairs.reset_index(drop=True), shares, summary
