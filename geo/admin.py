"""Administrative geometry: which unit holds each site, shared borders, distance to the border.

Distances are geodesic (WGS-84 ellipsoid): the nearest point on the border is found in a local
conformal projection (:func:`geo.coords.local_projected_crs`) and the distance to it is then
measured on the ellipsoid with pyproj, so the result carries no projection scale error.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.coords import WGS84, local_projected_crs
from geo.diagnostics import RunWarning

__all__ = ["assign_units", "border_distance", "shared_borders", "unit_name_key"]

_GEOD = pyproj.Geod(ellps="WGS84")
_SUFFIXES = (
    "彝族自治县", "苗族自治县", "土家族自治县", "自治县", "特区", "林区", "新区",
    "县", "区", "市", "旗",
    " autonomous county", " county", " district", " city", " banner",
)  # fmt: skip
_SPLIT = re.compile(r"[/;；、,，|]")


def unit_name_key(text: str) -> str:
    """Return a comparison key for a unit name: lower case, no spaces, no admin suffix.

    Parameters
    ----------
    text
        A unit id, Chinese name or English name ("长宁县", "Changning County", "511524").

    Returns
    -------
    str
        E.g. ``"长宁"``, ``"changning"``, ``"511524"``.
    """
    key = text.strip().lower().replace("’", "'").replace("'", "").replace("-", " ")
    key = re.sub(r"\s+", " ", key)
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    return key.replace(" ", "")


def assign_units(
    sites: gpd.GeoDataFrame, units: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[RunWarning]]:
    """Give every site the ``unit_id`` of the unit containing it.

    Sites outside all units keep an empty ``unit_id`` and are reported; a site whose
    ``unit_declared`` (one or several names/ids separated by ``/``, ``;`` or ``、``) does not
    include the containing unit is reported as a disagreement.

    Parameters
    ----------
    sites
        Sites in EPSG:4326 with ``unit_declared``.
    units
        Units in EPSG:4326 with ``unit_id``, ``name`` and ``name_en``.

    Returns
    -------
    tuple
        A copy of ``sites`` with ``unit_id`` and ``unit_name``, and the warnings.
    """
    site_idx, unit_idx = units.sindex.query(sites.geometry, predicate="intersects")
    first = pd.Series(unit_idx, index=site_idx).groupby(level=0).min()
    chosen = np.full(len(sites), -1)
    chosen[first.index.to_numpy()] = first.to_numpy()
    inside = chosen >= 0
    out = sites.copy()
    unit_ids = units["unit_id"].to_numpy()
    out["unit_id"] = np.where(inside, unit_ids[np.maximum(chosen, 0)], "")
    out["unit_name"] = np.where(inside, units["name"].to_numpy()[np.maximum(chosen, 0)], "")
    warnings: list[RunWarning] = []
    if (~inside).any():
        names = [f"{r.site_id} {r.name}" for r in out.loc[~inside].itertuples()]
        warnings.append(
            RunWarning(
                "site_outside_units",
                f"{(~inside).sum()} sites lie outside every unit; they are kept with no unit",
                names,
            )
        )
    keys: dict[str, str] = {}
    for unit in units.itertuples():
        for value in (unit.unit_id, unit.name, unit.name_en):
            if isinstance(value, str) and value.strip():
                keys.setdefault(unit_name_key(value), unit.unit_id)
    mismatched, unknown = [], []
    for row, unit_id in zip(out.itertuples(), out["unit_id"], strict=True):
        declared = [p for p in _SPLIT.split(row.unit_declared or "") if p.strip()]
        if not declared or not unit_id:
            continue
        matches = [keys.get(unit_name_key(p)) for p in declared]
        if unit_id in matches:
            continue
        label = f"{row.site_id} {row.name}: declared {row.unit_declared}, lies in {row.unit_name}"
        (mismatched if any(matches) else unknown).append(label)
    if mismatched:
        warnings.append(
            RunWarning(
                "unit_disagrees",
                f"{len(mismatched)} sites lie in another unit than the one declared; "
                "check their coordinates or the declared unit",
                mismatched,
            )
        )
    if unknown:
        warnings.append(
            RunWarning(
                "unit_declared_unknown",
                f"{len(unknown)} sites declare a unit that is not in the units layer",
                unknown,
            )
        )
    return out, warnings


def _directed_borders(
    units: gpd.GeoDataFrame, tolerance_m: float
) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """Return, in a projected CRS, the part of unit i's boundary within tolerance of unit j."""
    crs = local_projected_crs(tuple(units.total_bounds))
    proj = units.to_crs(crs)
    geoms = proj.geometry.values
    left, right = proj.sindex.query(geoms, predicate="dwithin", distance=tolerance_m)
    keep = left != right
    left, right = left[keep], right[keep]
    lines = shapely.intersection(
        shapely.boundary(geoms[left]), shapely.buffer(geoms[right], tolerance_m)
    )
    lines = shapely.line_merge(lines)
    length = shapely.length(lines)
    real = length > tolerance_m  # corners that only touch are not shared borders
    ids = units["unit_id"].to_numpy()
    return (
        gpd.GeoDataFrame(
            {"unit_id": ids[left[real]], "neighbour_id": ids[right[real]]},
            geometry=lines[real],
            crs=crs,
        ),
        crs,
    )


def shared_borders(units: gpd.GeoDataFrame, *, tolerance_m: float = 100.0) -> gpd.GeoDataFrame:
    """Return the borders shared by neighbouring units.

    Parameters
    ----------
    units
        Units in EPSG:4326 with ``unit_id``.
    tolerance_m
        Boundaries closer than this count as shared (absorbs digitising gaps).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per neighbouring pair (``unit_a < unit_b``): ``unit_a``, ``unit_b``,
        ``length_km`` (geodesic) and the border line (EPSG:4326).
    """
    directed, _ = _directed_borders(units, tolerance_m)
    pairs = directed[directed["unit_id"] < directed["neighbour_id"]]
    lines = pairs.to_crs(WGS84)
    return gpd.GeoDataFrame(
        {
            "unit_a": pairs["unit_id"].to_numpy(),
            "unit_b": pairs["neighbour_id"].to_numpy(),
            "length_km": [_GEOD.geometry_length(g) / 1000 for g in lines.geometry],
        },
        geometry=lines.geometry.to_numpy(),
        crs=WGS84,
    )


def border_distance(
    sites: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, tolerance_m: float = 100.0
) -> gpd.GeoDataFrame:
    """Measure each site's geodesic distance to the nearest border its unit shares.

    Parameters
    ----------
    sites
        Sites in EPSG:4326 with ``unit_id`` (from :func:`assign_units`).
    units
        Units in EPSG:4326.
    tolerance_m
        As in :func:`shared_borders`.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``sites`` with ``border_km`` (NaN outside units or for a unit without
        neighbours) and ``border_unit`` (the neighbour across that border).
    """
    directed, crs = _directed_borders(units, tolerance_m)
    points = sites.to_crs(crs).geometry.values
    best = np.full(len(sites), np.inf)
    neighbour = np.full(len(sites), "", dtype=object)
    nearest = np.full(len(sites), None, dtype=object)
    unit_of_site = sites["unit_id"].to_numpy()
    for row in directed.itertuples():
        mask = unit_of_site == row.unit_id
        if not mask.any():
            continue
        d = shapely.distance(points[mask], row.geometry)
        better = d < best[mask]
        idx = np.flatnonzero(mask)[better]
        best[idx] = d[better]
        neighbour[idx] = row.neighbour_id
        nearest[idx] = shapely.shortest_line(points[idx], row.geometry)
    out = sites.copy()
    found = np.isfinite(best)
    km = np.full(len(sites), np.nan)
    if found.any():
        lines = gpd.GeoSeries(nearest[found], crs=crs).to_crs(WGS84).values
        start = shapely.get_point(lines, 0)
        end = shapely.get_point(lines, 1)
        _, _, metres = _GEOD.inv(
            shapely.get_x(start), shapely.get_y(start), shapely.get_x(end), shapely.get_y(end)
        )
        km[found] = metres / 1000.0
    out["border_km"] = km
    out["border_unit"] = neighbour
    return out
