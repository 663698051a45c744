"""Balance and pattern of tourism resources across units.

* **Endowment** of a unit: the sum of its sites' grade weights (``grade_weights``, by A-grade
  0-5; an ungraded site counts 1 by default).
* **Gini** of endowment across units: Σ_i Σ_j |x_i - x_j| / (2 n² mean).
* **Theil** T: (1/n) Σ (x_i / mean) ln(x_i / mean), with 0 ln 0 = 0.
* **Geographic concentration** G = 100 · sqrt(Σ (x_i / X)²), X = Σ x_i (100 = all in one unit).
* **Clark–Evans** R = mean nearest-neighbour distance / (0.5 / sqrt(n / A)), with
  z = (observed - expected) / (0.26136 / sqrt(n² / A)); R < 1 clustered, ≈ 1 random, > 1
  regular. Distances are geodesic; A is the unit's (or region's) geodesic area.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geo.coords import GEOD
from geo.dedupe import unit_sphere_xyz
from geo.taxonomy import grade_weight

__all__ = ["clark_evans", "concentration_index", "gini", "theil", "unit_balance"]


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 equal, → 1 concentrated).

    Parameters
    ----------
    values
        One value per unit.

    Returns
    -------
    float
        Σ_i Σ_j |x_i - x_j| / (2 n² mean); NaN for fewer than two units or a zero total.
    """
    x = np.asarray(values, dtype=float)
    if len(x) < 2 or x.sum() == 0:
        return float("nan")
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


def theil(values: np.ndarray) -> float:
    """Theil T index of non-negative values (0 equal, ln n all in one).

    Parameters
    ----------
    values
        One value per unit.

    Returns
    -------
    float
        (1/n) Σ (x/mean) ln(x/mean); NaN for fewer than two units or a zero total.
    """
    x = np.asarray(values, dtype=float)
    if len(x) < 2 or x.sum() == 0:
        return float("nan")
    r = x / x.mean()
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float(terms.mean())


def concentration_index(values: np.ndarray) -> float:
    """Geographic concentration index 100 · sqrt(Σ (x_i / X)²).

    Parameters
    ----------
    values
        One value per unit.

    Returns
    -------
    float
        100 when everything is in one unit, 100 / sqrt(n) when evenly spread.
    """
    x = np.asarray(values, dtype=float)
    if x.sum() == 0:
        return float("nan")
    return float(100 * np.sqrt(((x / x.sum()) ** 2).sum()))


def clark_evans(lon: np.ndarray, lat: np.ndarray, area_km2: float) -> dict[str, float]:
    """Clark–Evans nearest-neighbour index of points in an area.

    Parameters
    ----------
    lon, lat
        Point coordinates (degrees).
    area_km2
        The area the points are in.

    Returns
    -------
    dict
        ``R``, ``z``, ``observed_km``, ``expected_km``, ``n``, ``area_km2`` (NaN below 2 points).
    """
    n = len(lon)
    if n < 2 or area_km2 <= 0:
        nan = float("nan")
        return {
            "R": nan,
            "z": nan,
            "observed_km": nan,
            "expected_km": nan,
            "n": n,
            "area_km2": area_km2,
        }
    # the sphere ranks neighbours almost like the ellipsoid (within 0.5 %): of the closest
    # four on the sphere, measure on the ellipsoid only those within 1 % of the closest
    k = min(n, 5)
    xyz = unit_sphere_xyz(lon, lat)
    chord, near = cKDTree(xyz).query(xyz, k=k)
    chord, near = chord[:, 1:], near[:, 1:]
    close = chord <= chord[:, :1] * 1.01
    here = np.broadcast_to(np.arange(n)[:, None], near.shape)[close]
    others = near[close]
    metres = np.full(near.shape, np.inf)
    metres[close] = GEOD.inv(lon[here], lat[here], lon[others], lat[others])[2]
    observed = float(metres.min(axis=1).mean() / 1000.0)
    density = n / area_km2
    expected = 0.5 / np.sqrt(density)
    se = 0.26136 / np.sqrt(n * density)
    return {
        "R": observed / expected,
        "z": (observed - expected) / se,
        "observed_km": observed,
        "expected_km": float(expected),
        "n": n,
        "area_km2": float(area_km2),
    }


def unit_balance(
    sites: gpd.GeoDataFrame, units: gpd.GeoDataFrame, grade_weights: tuple[float, ...]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-unit counts, endowment and pattern, and the inequality measures across units.

    Parameters
    ----------
    sites
        Sites with ``unit_id``, ``a_grade``, ``gb_class`` (and ``role``, ``parent``: only
        attractions that are no other site's part count as sites and endowment).
    units
        Units with ``unit_id``, ``name``, ``area_km2``.
    grade_weights
        Weight of a site by A-grade 0-5.

    Returns
    -------
    tuple
        The per-unit table (one row per unit: ``sites``, ``components``, ``facilities``,
        ``capacity`` (counts of the other sites), ``class_A``..``class_H``,
        ``grade_0``..``grade_5``, ``endowment``, ``density_per_1000km2``, ``share``,
        ``clark_evans_R``, ``clark_evans_z``) and the region's numbers.
    """
    placed = sites[sites["unit_id"] != ""]
    role = placed["role"] if "role" in placed else pd.Series("attraction", index=placed.index)
    parent = placed["parent"].fillna("") if "parent" in placed else pd.Series("", placed.index)
    principal = (role == "attraction") & (parent == "")
    inside = placed[principal]  # components count with their scene, capacity on its own
    weights = grade_weight(inside["a_grade"], grade_weights)
    table = units[["unit_id", "name", "area_km2"]].set_index("unit_id").copy()
    table["sites"] = inside.groupby("unit_id").size().reindex(table.index, fill_value=0)
    for column, rows in (
        ("components", (role == "attraction") & (parent != "")),
        ("facilities", role == "facility"),
        ("capacity", role == "capacity"),
    ):
        counted = placed[rows].groupby("unit_id").size()
        table[column] = counted.reindex(table.index, fill_value=0).astype(int)
    by_class = inside.groupby(["unit_id", "gb_class"]).size().unstack(fill_value=0)
    for gb in "ABCDEFGH":
        column = by_class[gb] if gb in by_class else pd.Series(dtype=int)
        table[f"class_{gb}"] = column.reindex(table.index, fill_value=0).astype(int)
    by_grade = inside.groupby(["unit_id", "a_grade"]).size().unstack(fill_value=0)
    for grade in range(6):
        column = by_grade[grade] if grade in by_grade else pd.Series(dtype=int)
        table[f"grade_{grade}"] = column.reindex(table.index, fill_value=0).astype(int)
    table["endowment"] = (
        pd.Series(weights, index=inside["unit_id"].to_numpy())
        .groupby(level=0)
        .sum()
        .reindex(table.index, fill_value=0.0)
    )
    table["density_per_1000km2"] = table["sites"] / table["area_km2"] * 1000
    total = table["endowment"].sum()
    table["share"] = table["endowment"] / total if total else 0.0
    r_values, z_values = [], []
    lon, lat = inside.geometry.x.to_numpy(), inside.geometry.y.to_numpy()
    members = inside.groupby("unit_id", sort=False).indices  # unit -> row positions, once
    empty = np.array([], dtype=int)
    for unit_id, area in table["area_km2"].items():
        rows = members.get(unit_id, empty)
        ce = clark_evans(lon[rows], lat[rows], area)
        r_values.append(ce["R"])
        z_values.append(ce["z"])
    table["clark_evans_R"], table["clark_evans_z"] = r_values, z_values
    endowment = table["endowment"].to_numpy()
    region = {
        "units": len(table),
        "endowment_total": float(total),
        "gini": gini(endowment),
        "theil": theil(endowment),
        "concentration_index": concentration_index(endowment),
        "clark_evans": clark_evans(lon, lat, float(table["area_km2"].sum())),
        "grade_weights": list(grade_weights),
    }
    return table.reset_index(), region
