"""Part-of links: which site is a component of which (天泉洞 of 兴文石海, 忘忧谷 of 蜀南竹海).

A component is not a rival of the scenic area it belongs to, nor of that area's other
parts: it is sold with it. Each site's ``parent`` is, in this order:

1. the dataset's own ``parent`` column (an id of another site);
2. a site whose name (without "风景区"-like words) the site's name begins with
   ("蜀南竹海忘忧谷" -> 蜀南竹海, "五粮液老窖池遗址" -> 五粮液旅游景区), within
   ``component_name_km``;
3. a graded attraction within ``component_km`` (plus the radius of its area, when known)
   that has a higher A-grade and shares the kind or a theme.

Only attractions get inferred parents (a hotel beside a scenic area is not part of it).
Chains resolve to the top (a part of a part belongs to the whole); a declared id that names
no site is reported and ignored.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field
from scipy.spatial import cKDTree

from geo.analyses.base import ParamModel
from geo.coords import GEOD
from geo.dedupe import search_chord_m, unit_sphere_xyz
from geo.diagnostics import RunWarning
from geo.names import name_cores
from geo.taxonomy import ATTRACTION, OTHER, shared_themes

__all__ = ["ParentParams", "find_parents", "inherit_kinds"]

_MIN_PARENT_NAME = 2
_MIN_PART_NAME = 2  # "蜀南竹海忘忧谷": the part's own name has two characters at least
_DIGIT = "^[0-9０-９一二三四五六七八九十]"
_NUMBERED = "[0-9０-９]$"
_MAX_CHAIN = 8


class ParentParams(ParamModel):
    """Part-of links (keys of ``[params]``)."""

    component_km: float = Field(
        1.0,
        ge=0,
        description="a lower-graded site of the same kind or theme this close to a "
        "graded attraction (beyond its area) is part of it; 0 turns the rule off",
    )
    component_name_km: float = Field(
        10.0, ge=0, description="a site named after another site this close is part of it"
    )


def _by_name(sites: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, km: float) -> np.ndarray:
    """Row of the site each site's name begins with (the longest such name), else -1."""
    names = sites["name"].fillna("").astype(str).str.strip()
    _, cores = name_cores(names, frozenset())  # "五粮液旅游景区" is named 五粮液
    first_row = pd.Series(np.arange(len(names)), index=cores.to_numpy()).groupby(level=0).first()
    first_row = first_row[
        (first_row.index.str.len() >= _MIN_PARENT_NAME) & ~first_row.index.str.contains(_NUMBERED)
    ]  # "景点12" is not named after "景点1"
    parent = np.full(len(names), -1, np.int64)
    if first_row.empty or km <= 0:
        return parent
    column = pa.array(names, pa.large_string())
    size = pc.utf8_length(column).to_numpy()
    values = pa.array(first_row.index.tolist(), pa.large_string())
    for n in sorted(set(first_row.index.str.len()), reverse=True):
        todo = (parent < 0) & (size >= n + _MIN_PART_NAME)
        if not todo.any():
            continue
        head = pc.utf8_slice_codeunits(column, 0, n)
        rest = pc.utf8_slice_codeunits(column, n, n + 1)
        hit = (
            pc.and_(
                pc.is_in(head, value_set=values), pc.invert(pc.match_substring_regex(rest, _DIGIT))
            ).to_numpy(zero_copy_only=False)
            & todo
        )
        rows = np.flatnonzero(hit)
        if not len(rows):
            continue
        heads = head.take(pa.array(rows)).to_numpy(zero_copy_only=False)
        candidate = first_row.loc[heads].to_numpy()
        far = GEOD.inv(lon[rows], lat[rows], lon[candidate], lat[candidate])[2] / 1000
        near = far <= km
        parent[rows[near]] = candidate[near]
    return parent


def _related(sites: gpd.GeoDataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each pair of rows has the same kind or a theme in common."""
    kinds = pd.factorize(sites["kind"])[0]
    themes = sites["themes"].fillna("").astype(str).reset_index(drop=True)
    return (kinds[a] == kinds[b]) | (shared_themes(themes, a, b)[1] > 0)


def _by_place(
    sites: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray, km: float, attraction: np.ndarray
) -> np.ndarray:
    """Row of the graded attraction each attraction lies in or very near, else -1."""
    parent = np.full(len(sites), -1, np.int64)
    grade = sites["a_grade"].to_numpy(dtype=float)
    hosts = np.flatnonzero(attraction & (grade >= 1))
    if km <= 0 or not len(hosts):
        return parent
    area = sites["area_km2"].to_numpy(dtype=float) if "area_km2" in sites else np.zeros(len(sites))
    radius = np.sqrt(np.nan_to_num(area, nan=0.0) / np.pi) + km  # per site, km
    xyz = unit_sphere_xyz(lon, lat)
    guests = np.flatnonzero(attraction)
    tree = cKDTree(xyz[guests])
    # points within km of each other in one C call; the few hosts with an area on their own
    near = tree.query_pairs(search_chord_m(km), output_type="ndarray")
    a, b = guests[near[:, 0]], guests[near[:, 1]]
    host_rows, guest_rows = np.concatenate([a, b]), np.concatenate([b, a])
    wide = hosts[radius[hosts] > km]
    if len(wide):
        found = tree.query_ball_point(xyz[wide], search_chord_m(radius[wide]))
        host_rows = np.concatenate([host_rows, np.repeat(wide, [len(f) for f in found])])
        guest_rows = np.concatenate([guest_rows, guests[np.concatenate(found).astype(np.int64)]])
    keep = (grade[host_rows] >= 1) & (grade[guest_rows] < grade[host_rows])
    keep &= guest_rows != host_rows
    host_rows, guest_rows = host_rows[keep], guest_rows[keep]
    if not len(host_rows):
        return parent
    related = _related(sites, host_rows, guest_rows)
    host_rows, guest_rows = host_rows[related], guest_rows[related]
    metres = GEOD.inv(lon[guest_rows], lat[guest_rows], lon[host_rows], lat[host_rows])[2]
    inside = metres <= radius[host_rows] * 1000
    best = pd.DataFrame(
        {"guest": guest_rows, "host": host_rows, "grade": -grade[host_rows], "m": metres}
    )[inside].sort_values(["guest", "grade", "m"], kind="stable")
    best = best.drop_duplicates("guest")
    parent[best["guest"].to_numpy()] = best["host"].to_numpy()
    return parent


def _to_top(parent: np.ndarray) -> np.ndarray:
    """Follow parents of parents to the top (a cycle is cut where it closes)."""
    top = parent.copy()
    for _ in range(_MAX_CHAIN):
        has = top >= 0
        up = np.where(has, parent[np.maximum(top, 0)], -1)
        step = has & (up >= 0)
        if not step.any():
            break
        top[step] = up[step]
    top[top == np.arange(len(top))] = -1  # a site is never its own part
    return top


def find_parents(
    sites: gpd.GeoDataFrame, settings: ParentParams
) -> tuple[pd.Series, pd.Series, list[RunWarning]]:
    """Find the site each site is part of.

    Parameters
    ----------
    sites
        Classified sites (EPSG:4326) with ``site_id``, ``name``, ``kind``, ``themes``,
        ``a_grade``, ``role`` and ``parent_declared``.
    settings
        The distances of the inferred rules.

    Returns
    -------
    tuple
        ``parent`` (the top parent's site id, empty when none) and ``parent_source``
        (declared, name, place or empty), on the index of ``sites``, and the warnings.
    """
    n = len(sites)
    lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    ids = pd.Index(sites["site_id"].astype(str))
    declared_ids = sites.get("parent_declared", pd.Series("", index=sites.index)).fillna("")
    declared_ids = declared_ids.astype(str).str.strip()
    declared = ids.get_indexer(declared_ids)
    named = declared_ids.ne("").to_numpy()
    unknown = named & (declared < 0)
    attraction = (sites["role"] == ATTRACTION).to_numpy() if "role" in sites else np.ones(n, bool)
    by_name = _by_name(sites, lon, lat, settings.component_name_km)
    by_place = _by_place(sites, lon, lat, settings.component_km, attraction)
    rules = (  # in order: the first rule that gives a parent wins
        ("declared", np.where(named, declared, -1)),
        ("name", np.where(attraction & ~named, by_name, -1)),
        ("place", np.where(~named, by_place, -1)),
    )
    parent = np.full(n, -1, np.int64)
    source = np.full(n, "", dtype=object)
    for label, rows in rules:
        take = (parent < 0) & (rows >= 0)
        parent[take], source[take] = rows[take], label
    top = _to_top(parent)
    source = np.where(top >= 0, source, "")
    parent_id = np.where(top >= 0, ids.to_numpy(dtype=object)[np.maximum(top, 0)], "")
    warnings = []
    if unknown.any():
        items = [
            f"{sites['site_id'].iat[i]} {sites['name'].iat[i]} → {declared_ids.iat[i]}"
            for i in np.flatnonzero(unknown)
        ]
        warnings.append(RunWarning("parent_unknown", {"n": len(items)}, items))
    return (
        pd.Series(parent_id, index=sites.index, dtype=object),
        pd.Series(source, index=sites.index, dtype=object),
        warnings,
    )


def inherit_kinds(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give a component no rule classified its parent's kind (翡翠长廊 of 蜀南竹海: bamboo).

    Parameters
    ----------
    sites
        Sites with ``kind``, ``kind_source``, ``gb_class``, ``role`` and ``parent``.

    Returns
    -------
    geopandas.GeoDataFrame
        The sites; those changed have ``kind_source`` ``parent``.
    """
    position = pd.Index(sites["site_id"].astype(str))
    parent = position.get_indexer(sites["parent"].fillna("").astype(str))
    take = (
        (parent >= 0)
        & (sites["kind"] == OTHER).to_numpy()
        & (sites["role"] == ATTRACTION).to_numpy()
    )
    if not take.any():
        return sites
    out = sites.copy(deep=False)
    for column in ("kind", "gb_class"):
        values = out[column].to_numpy(dtype=object).copy()
        values[take] = values[parent[take]]
        out[column] = values
    source = out["kind_source"].to_numpy(dtype=object).copy()
    source[take] = "parent"
    out["kind_source"] = source
    return out
