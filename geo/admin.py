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
import shapely

from geo.coords import GEOD, WGS84, local_projected_crs
from geo.diagnostics import RunWarning

__all__ = [
    "assign_units",
    "border_distance",
    "shared_borders",
    "unit_borders",
    "unit_name_key",
]

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


def _declared_check(
    declared: pd.Series, unit_ids: np.ndarray, units: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Return masks of sites whose declared unit(s) miss the containing unit.

    The first mask holds sites whose declaration names another unit of the layer, the second
    sites whose declaration names no unit of the layer. Names are compared through
    :func:`unit_name_key`, computed once per distinct declared name.
    """
    keys: dict[str, str] = {}
    for column in ("unit_id", "name", "name_en"):
        if column in units:
            for value, unit_id in zip(units[column], units["unit_id"], strict=True):
                if isinstance(value, str) and value.strip():
                    keys.setdefault(unit_name_key(value), unit_id)
    parts = declared.str.split(_SPLIT).explode().str.strip()
    parts = parts[parts.ne("") & parts.notna()]
    n = len(declared)
    if parts.empty:
        return np.zeros(n, bool), np.zeros(n, bool)
    lookup = {p: keys.get(unit_name_key(p)) for p in parts.unique()}
    matched = parts.map(lookup)
    rows = parts.index.to_numpy()
    ok = np.zeros(n, bool)
    known = np.zeros(n, bool)
    np.logical_or.at(ok, rows, matched.to_numpy() == unit_ids[rows])
    np.logical_or.at(known, rows, matched.notna().to_numpy())
    checked = np.zeros(n, bool)
    checked[rows] = True
    checked &= unit_ids != ""
    return checked & ~ok & known, checked & ~ok & ~known


def assign_units(
    sites: gpd.GeoDataFrame, units: gpd.GeoDataFrame, *, attach_m: float = 0.0
) -> tuple[gpd.GeoDataFrame, list[RunWarning]]:
    """Give every site the ``unit_id`` of the unit containing it.

    A site outside every unit but within ``attach_m`` (geodesic) of one — an island, a
    waterfall on the national border, a point digitised just off a coarse coastline — is
    attached to the nearest unit and counted; ``outside_m`` holds how far outside it lies (0
    inside, NaN when not attached). Sites farther out keep an empty ``unit_id`` and are
    reported; a site whose
    ``unit_declared`` (one or several names/ids separated by ``/``, ``;`` or ``、``) does not
    include the containing unit is reported as a disagreement. A site on a shared boundary
    goes to the first unit in layer order. The spatial index is built over the sites and
    queried with each (prepared) unit polygon, which is much faster than the reverse.

    Parameters
    ----------
    sites
        Sites in EPSG:4326 with ``unit_declared``.
    units
        Units in EPSG:4326 with ``unit_id``, ``name`` and ``name_en``.
    attach_m
        Largest distance outside every unit at which a site is attached to the nearest unit.

    Returns
    -------
    tuple
        A copy of ``sites`` with ``unit_id``, ``unit_name`` and ``outside_m``, and the warnings.
    """
    n = len(sites)
    tree = shapely.STRtree(sites.geometry.values)
    unit_idx, site_idx = tree.query(units.geometry.values, predicate="intersects")
    none = len(units)
    chosen = np.full(n, none)
    np.minimum.at(chosen, site_idx, unit_idx)
    outside_m = np.where(chosen < none, 0.0, np.nan)
    attached = _attach_outside(sites, units, chosen == none, attach_m)
    for site, (unit, metres) in attached.items():
        chosen[site], outside_m[site] = unit, metres
    inside = chosen < none
    safe = np.where(inside, chosen, 0)
    unit_ids = np.where(inside, units["unit_id"].to_numpy()[safe], "").astype(object)
    out = sites.copy(deep=False)  # only whole columns are set below
    out["unit_id"] = unit_ids
    out["unit_name"] = np.where(inside, units["name"].to_numpy()[safe], "")
    out["outside_m"] = outside_m
    warnings: list[RunWarning] = []
    if attached:
        rows = sorted(attached, key=lambda i: -attached[i][1])
        items = [  # no words: the items are shown as they are in either language
            f"{out['site_id'].iat[i]} {out['name'].iat[i]} → {out['unit_name'].iat[i]} "
            f"({attached[i][1] / 1000:.2f} km)"
            for i in rows
        ]
        facts = {"n": len(attached), "km": round(attach_m / 1000, 3)}
        warnings.append(RunWarning("site_attached_to_nearest_unit", facts, items))
    if (~inside).any():
        names = (out["site_id"] + " " + out["name"])[~inside].tolist()
        warnings.append(
            RunWarning(
                "site_outside_units",
                {"n": int((~inside).sum())},
                names,
            )
        )
    declared = pd.Series(sites["unit_declared"].fillna("").astype(str).to_numpy(), index=range(n))
    mismatched, unknown = _declared_check(declared, unit_ids, units)
    for mask, code in ((mismatched, "unit_disagrees"), (unknown, "unit_declared_unknown")):
        if mask.any():
            flagged = out.loc[mask]
            items = (
                flagged["site_id"] + " " + flagged["name"] + ": declared "
                + flagged["unit_declared"] + ", lies in " + flagged["unit_name"]
            ).tolist()  # fmt: skip
            warnings.append(RunWarning(code, {"n": int(mask.sum())}, items))
    return out, warnings


def _attach_outside(
    sites: gpd.GeoDataFrame, units: gpd.GeoDataFrame, outside: np.ndarray, attach_m: float
) -> dict[int, tuple[int, float]]:
    """Nearest unit (row) and geodesic distance of each outside site within ``attach_m``.

    Candidates come from the index in degrees with a radius that covers ``attach_m`` at the
    site's latitude; the nearest point of each candidate is found in a local conformal
    projection (edges densified first) and its distance measured on the ellipsoid.
    """
    rows = np.flatnonzero(outside)
    if attach_m <= 0 or not len(rows):
        return {}
    points = sites.geometry.values[rows]
    lat = np.abs(shapely.get_y(points))
    cos = np.cos(np.radians(np.minimum(lat + attach_m / 111_000.0, 89.9)))
    radius = attach_m / (111_000.0 * np.maximum(cos, 1e-3))  # degrees, never short
    point_idx, unit_idx = shapely.STRtree(units.geometry.values).query(
        points, predicate="dwithin", distance=radius
    )
    if not len(point_idx):
        return {}
    near_units = np.unique(unit_idx)
    crs = local_projected_crs(tuple(units.geometry.values[near_units].total_bounds))
    # edges are straight in degrees; densified, they stay so once projected (~1 km pieces)
    dense = gpd.GeoSeries(
        shapely.segmentize(units.geometry.values[near_units], 0.01), crs=units.crs
    )
    projected_units = dict(zip(near_units, dense.to_crs(crs).values, strict=True))
    projected_points = gpd.GeoSeries(points, crs=WGS84).to_crs(crs).values
    lines = shapely.shortest_line(
        projected_points[point_idx], np.array([projected_units[u] for u in unit_idx])
    )
    ends = gpd.GeoSeries(shapely.get_point(lines, 1), crs=crs).to_crs(WGS84).values
    start = points[point_idx]
    metres = GEOD.inv(
        shapely.get_x(start), shapely.get_y(start), shapely.get_x(ends), shapely.get_y(ends)
    )[2]
    best: dict[int, tuple[int, float]] = {}
    for p, u, m in zip(point_idx.tolist(), unit_idx.tolist(), metres.tolist(), strict=True):
        site = int(rows[p])
        if m <= attach_m and (site not in best or (m, u) < best[site][::-1]):
            best[site] = (u, float(m))
    return best


#: Upper bound on the boundary pieces :func:`unit_borders` classifies (memory and time).
MAX_PIECES = 1_000_000


def _boundary_segments(
    geoms: np.ndarray, max_length: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split polygon boundaries into two-point segments no longer than ``max_length``.

    Returns
    -------
    tuple of numpy.ndarray
        The segments (LineStrings, boundary order), the index of the polygon each comes from,
        and their midpoints (x, y).
    """
    parts, owner = shapely.get_parts(
        shapely.segmentize(shapely.boundary(geoms), max_length), return_index=True
    )
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]  # consecutive vertices of one ring form a segment
    start, end = xy[:-1][same], xy[1:][same]
    segments = shapely.linestrings(np.stack([start, end], axis=1))
    return segments, owner[part[:-1][same]], start + (end - start) / 2


def unit_borders(units: gpd.GeoDataFrame, *, tolerance_m: float = 100.0) -> gpd.GeoDataFrame:
    """Find the stretches of each unit's boundary that it shares with each neighbour.

    Each unit's boundary is cut into pieces of at most ``tolerance_m / 2`` (longer when that
    would make more than :data:`MAX_PIECES`, e.g. for thousands of units). A piece belongs
    to the nearest other unit within ``tolerance_m``, unless the outside of the study area
    (all units, with gaps narrower than the tolerance closed) is nearer: digitising gaps are
    absorbed and the outer edge of the study area is never a shared border. Distances are
    found with one spatial index over every boundary segment (no loop over unit pairs).

    Parameters
    ----------
    units
        Units in EPSG:4326 with ``unit_id``.
    tolerance_m
        Boundaries closer than this count as shared.

    Returns
    -------
    geopandas.GeoDataFrame
        Directed rows (both A->B and B->A): ``unit_id``, ``neighbour_id``, ``length_km``
        (geodesic) and the stretch of ``unit_id``'s boundary (EPSG:4326).
    """
    crs = local_projected_crs(tuple(units.total_bounds))
    geoms = units.to_crs(crs).geometry.values
    study = shapely.buffer(shapely.buffer(shapely.union_all(geoms), tolerance_m), -tolerance_m)
    # the last owner, len(geoms), is the outside of the study area
    edges, edge_owner, _ = _boundary_segments(np.append(geoms, study), np.inf)
    tree = shapely.STRtree(edges)
    # pieces of tolerance/2, but no more than MAX_PIECES in all (national extents): the
    # ownership of a stretch is then resolved to the piece length, never worse than tolerance
    perimeter = float(shapely.length(geoms).sum())
    piece_m = max(tolerance_m / 2, perimeter / MAX_PIECES)
    pieces, piece_owner, middle_xy = _boundary_segments(geoms, piece_m)
    middles = shapely.points(middle_xy)
    piece_idx, edge_idx = tree.query(middles, predicate="dwithin", distance=tolerance_m)
    other = edge_owner[edge_idx]
    keep = other != piece_owner[piece_idx]
    near = pd.DataFrame(
        {
            "piece": piece_idx[keep],
            "other": other[keep],
            "dist": shapely.distance(middles[piece_idx[keep]], tree.geometries[edge_idx[keep]]),
        }
    )
    # nearest owner per piece; on a tie a unit wins over the outside (sorted before it)
    nearest = near.sort_values(["piece", "dist", "other"]).drop_duplicates("piece")
    nearest = nearest[nearest["other"] < len(geoms)]
    # one line per (unit, neighbour): its pieces in boundary order, merged in one vectorised pass
    piece = nearest["piece"].to_numpy()
    owner, other_unit = piece_owner[piece], nearest["other"].to_numpy()
    order = np.lexsort((piece, other_unit, owner))
    pair = owner[order] * len(geoms) + other_unit[order]
    starts = np.ones(len(pair), dtype=bool)
    starts[1:] = pair[1:] != pair[:-1]
    first = np.flatnonzero(starts)
    lines = shapely.multilinestrings(pieces[piece[order]], indices=np.cumsum(starts) - 1)
    ids = units["unit_id"].to_numpy()
    borders = gpd.GeoDataFrame(
        {
            "unit_id": ids[owner[order][first]],
            "neighbour_id": ids[other_unit[order][first]],
            # drop the vertices the cutting added on straight stretches (the shape moves < 1 m)
            "geometry": shapely.simplify(shapely.line_merge(lines), 1.0),
        },
        geometry="geometry",
        crs=crs,
    )
    borders = borders[borders.length > tolerance_m].to_crs(WGS84).reset_index(drop=True)
    borders.insert(2, "length_km", geodesic_lengths(borders.geometry.values) / 1000.0)
    return borders


def geodesic_lengths(lines: np.ndarray) -> np.ndarray:
    """Ellipsoidal length (metres) of each (multi)line in EPSG:4326, in one vectorised pass.

    Parameters
    ----------
    lines
        LineStrings or MultiLineStrings (lon/lat).

    Returns
    -------
    numpy.ndarray
        Metres per geometry (the sum over its parts).
    """
    parts, owner = shapely.get_parts(lines, return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    same = part[1:] == part[:-1]  # consecutive vertices of one part form a segment
    metres = GEOD.inv(xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same])[2]
    per_part = np.bincount(part[:-1][same], weights=metres, minlength=len(parts))
    return np.bincount(owner, weights=per_part, minlength=len(lines))


def shared_borders(borders: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return one row per neighbouring pair from the directed :func:`unit_borders`.

    Parameters
    ----------
    borders
        Output of :func:`unit_borders`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``unit_a < unit_b``, ``length_km`` and the border line (taken from ``unit_a``'s side).
    """
    pairs = borders[borders["unit_id"] < borders["neighbour_id"]]
    return pairs.rename(columns={"unit_id": "unit_a", "neighbour_id": "unit_b"}).reset_index(
        drop=True
    )


def border_distance(sites: gpd.GeoDataFrame, borders: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Measure each site's geodesic distance to the nearest border its unit shares.

    Parameters
    ----------
    sites
        Sites in EPSG:4326 with ``unit_id`` (from :func:`assign_units`).
    borders
        Directed borders from :func:`unit_borders`.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``sites`` with ``border_km`` (NaN outside units or for a unit without
        neighbours) and ``border_unit`` (the neighbour across that border).
    """
    out = sites.copy(deep=False)  # only whole columns are set below
    out["border_km"] = np.nan
    out["border_unit"] = ""
    if borders.empty or sites.empty:
        return out
    crs = local_projected_crs(tuple(borders.total_bounds))
    lines = np.asarray(borders.to_crs(crs).geometry.values)
    points = np.asarray(sites.to_crs(crs).geometry.values)
    best_line = np.full(len(sites), -1)
    lines_of = pd.Series(np.arange(len(borders))).groupby(borders["unit_id"].to_numpy()).indices
    for unit_id, rows in sites.groupby("unit_id", sort=False).indices.items():
        own = lines_of.get(unit_id)
        if own is None:
            continue
        d = shapely.distance(points[rows][:, None], lines[own][None, :])  # sites x its borders
        best_line[rows] = own[d.argmin(axis=1)]  # the first of equals, in the borders' order
    found = best_line >= 0
    neighbour = np.full(len(sites), "", dtype=object)
    neighbour[found] = borders["neighbour_id"].to_numpy()[best_line[found]]
    if found.any():
        # the nearest point of the border, back in lon/lat; the leg starts at the site itself
        nearest = shapely.shortest_line(points[found], lines[best_line[found]])
        end = gpd.GeoSeries(shapely.get_point(nearest, 1), crs=crs).to_crs(WGS84).values
        start = sites.geometry.values[found]
        _, _, metres = GEOD.inv(
            shapely.get_x(start), shapely.get_y(start), shapely.get_x(end), shapely.get_y(end)
        )
        out.loc[found, "border_km"] = metres / 1000.0
    out["border_unit"] = neighbour
    return out
