"""Gravity linkage between units: R_ij = sqrt(P_i E_i) · sqrt(P_j E_j) / t_ij².

P is the population from ``[stats]`` (1 when there is none, so only endowment counts), E the
grade-weighted endowment, t the road time between the units' hubs when every unit has a hub
and roads exist, else the geodesic distance between unit centroids (the mode is reported).
Only pairs **within reach** (``linkage_reach_minutes`` by road, ``linkage_reach_km`` between
centroids) are measured and published: beyond it two units are not neighbours to cooperate
with. A unit's **linkage share** is its part of all link strength; the **cooperation
network** is every pair whose strength is among the ``top_k`` strongest (non-zero) of either
partner, so each unit keeps its few real partners and a run never links everything.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.coords import GEOD, local_projected_crs
from geo.dedupe import search_chord_m, unit_sphere_xyz

__all__ = ["centroid_pairs", "gravity_linkage"]


def centroid_pairs(units: gpd.GeoDataFrame, reach_km: float) -> pd.DataFrame:
    """Geodesic km between the centroids of every pair of units within ``reach_km``.

    Parameters
    ----------
    units
        Units (EPSG:4326).
    reach_km
        Pairs farther apart are not returned (``inf``: every pair).

    Returns
    -------
    pandas.DataFrame
        ``i, j`` (positions, ``i < j``) and ``km``.
    """
    centroid = units.to_crs(local_projected_crs(tuple(units.total_bounds))).centroid.to_crs(4326)
    x, y = centroid.x.to_numpy(), centroid.y.to_numpy()
    if np.isfinite(reach_km):
        tree = cKDTree(unit_sphere_xyz(x, y))
        found = tree.query_pairs(search_chord_m(reach_km), output_type="ndarray")
        i, j = (found[:, 0], found[:, 1]) if len(found) else (np.zeros(0, int), np.zeros(0, int))
    else:  # every pair
        i, j = np.triu_indices(len(x), k=1)
    km = GEOD.inv(x[i], y[i], x[j], y[j])[2] / 1000.0 if len(i) else np.zeros(0)
    keep = km <= reach_km
    out = pd.DataFrame({"i": i[keep], "j": j[keep], "km": km[keep]})
    return out.sort_values(["i", "j"], kind="stable").reset_index(drop=True)


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _top_k_links(pairs: pd.DataFrame, top_k: int) -> np.ndarray:
    """Whether each pair is among the ``top_k`` strongest non-zero pairs of either unit."""
    strong = pairs[pairs["strength"] > 0]
    ends = pd.DataFrame(
        {
            "pair": np.concatenate([strong.index, strong.index]),
            "unit": np.concatenate([strong["unit_a"], strong["unit_b"]]),
            "strength": np.concatenate([strong["strength"], strong["strength"]]),
        }
    ).sort_values(["unit", "strength"], ascending=[True, False], kind="stable")
    chosen = ends.groupby("unit", sort=False).head(top_k)["pair"]
    return pairs.index.isin(chosen.to_numpy())


def gravity_linkage(
    units: gpd.GeoDataFrame,
    endowment: pd.Series,
    *,
    population: pd.Series | None = None,
    hub_minutes: pd.DataFrame | None = None,
    within: pd.DataFrame | None = None,
    reach_minutes: float = np.inf,
    reach_km: float = np.inf,
    top_k: int = 3,
) -> tuple[pd.DataFrame, pd.Series, dict[str, Any]]:
    """Link strength of the pairs of units within reach, and the cooperation network.

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
    within
        :func:`centroid_pairs` of ``units`` when already found (optional).
    reach_minutes, reach_km
        Farthest pair measured: minutes by road, else km between centroids.
    top_k
        A pair is a cooperation link when it is among the ``top_k`` strongest of a partner.

    Returns
    -------
    tuple
        Pairs within reach (``unit_a``, ``unit_b``, ``distance``, ``distance_unit``,
        ``strength``, ``share``, ``cooperation_link``) strongest first, each unit's linkage
        share, and a summary (mode, population used, reach, totals).
    """
    ids = units["unit_id"].to_numpy()
    e = endowment.reindex(ids).fillna(0.0).to_numpy(float)
    p = population.reindex(ids).to_numpy(float) if population is not None else np.ones(len(ids))
    mass = np.sqrt(np.nan_to_num(p) * e)
    road = hub_minutes is not None and set(ids) <= set(hub_minutes.index)
    if road:
        t = hub_minutes.reindex(index=ids, columns=ids).to_numpy(float)
        i, j = np.triu_indices(len(ids), k=1)
        distance = np.minimum(t[i, j], t[j, i])
        keep = np.isfinite(distance) & (distance <= reach_minutes)
        i, j, distance = i[keep], j[keep], distance[keep]
    else:
        found = within if within is not None else centroid_pairs(units, reach_km)
        i, j, distance = found["i"].to_numpy(), found["j"].to_numpy(), found["km"].to_numpy()
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
    ).sort_values("strength", ascending=False, kind="stable")
    per_unit = (
        pd.concat(
            [pairs.groupby("unit_a")["strength"].sum(), pairs.groupby("unit_b")["strength"].sum()]
        )
        .groupby(level=0)
        .sum()
    )
    shares = (per_unit / (2 * total) if total else per_unit * 0).reindex(ids, fill_value=0.0)
    pairs["cooperation_link"] = _top_k_links(pairs, top_k)
    summary = {
        "mode": "road time between hubs (min)"
        if road
        else "geodesic distance between centroids (km)",
        "population": "from [stats]" if population is not None else "not given: P = 1",
        "reach": _finite_or_none(reach_minutes if road else reach_km),
        "top_k": int(top_k),
        "pairs": len(pairs),
        "cooperation_links": int(pairs["cooperation_link"].sum()),
    }
    return pairs.reset_index(drop=True), shares, summary
