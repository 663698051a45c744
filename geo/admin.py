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
from geo.sources.layer import is_valid_coverage
from geo.taxonomy import explode_themes

__all__ = [
    "assign_units",
    "border_distance",
    "listing_units",
    "shared_borders",
    "spanned_units",
    "unit_borders",
    "unit_name_key",
    "unit_names",
]

_SUFFIXES = (
    "彝族自治县", "苗族自治县", "土家族自治县", "自治县", "特区", "林区", "新区",
    "县", "区", "市", "旗",
    " autonomous county", " county", " district", " city", " banner",
)  # fmt: skip
_SPLIT = re.compile(r"[/;；、,，|]")


def unit_names(units: pd.DataFrame, levels: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Every administrative name of the units: their names and their levels' names.

    Parameters
    ----------
    units
        Units (``name``; the ``levels`` columns).
    levels
        Hierarchy columns (e.g. province, prefecture).

    Returns
    -------
    list of str
        Distinct names, without the qualifier of repeated names (朝阳区（北京市） -> 朝阳区).
    """
    names = set(units["name"].astype(str).str.replace(r"（.*）$", "", regex=True))
    for column in levels:
        names |= set(units[column].astype(str))
    return sorted(n for n in names if n)


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


def _declared_units(declared: pd.Series, units: pd.DataFrame) -> pd.Series:
    """Each declared name or id matched to a unit id (None: no such unit), one row per name.

    The rows are on the positions of ``declared`` (a site declaring two units has two rows).
    """
    keys: dict[str, str] = {}
    for column in ("unit_id", "name", "name_en"):
        if column in units:
            for value, unit_id in zip(units[column], units["unit_id"], strict=True):
                if isinstance(value, str) and value.strip():
                    keys.setdefault(unit_name_key(value), unit_id)
    parts = explode_themes(declared.reset_index(drop=True), separator=_SPLIT.pattern).str.strip()
    parts = parts[parts.ne("")]
    lookup = {p: keys.get(unit_name_key(p)) for p in parts.unique()}
    return parts.map(lookup)


def listing_units(
    sites: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    footprints: gpd.GeoSeries | None = None,
    min_share: float = 0.1,
) -> pd.Series:
    """Return the units that list each site: its declared units that exist, else its own.

    A site given as an area (a ski domain, a nature reserve) with at least ``min_share`` of
    its area in each of several units is theirs together, its own unit first, unless it
    declares its units.

    Parameters
    ----------
    sites
        Sites with ``site_id``, ``unit_declared`` and ``unit_id``.
    units
        Units with ``unit_id``, ``name``, ``name_en`` and their polygons.
    footprints
        The polygons of the sites given as areas, by ``site_id``.
    min_share
        Share of a site's area a unit must hold to list it.

    Returns
    -------
    pandas.Series
        ``;``-joined unit ids in declaration order (empty when none), on the index of
        ``sites``.
    """
    matched = _declared_units(sites["unit_declared"].fillna("").astype(str), units).dropna()
    matched = matched[~pd.MultiIndex.from_arrays([matched.index, matched]).duplicated()]
    joined = matched.groupby(level=0, sort=True).agg(";".join)
    out = pd.Series(sites["unit_id"].fillna("").astype(str).to_numpy(), dtype=object)
    if footprints is not None and len(footprints):
        spans = spanned_units(footprints, units, min_share=min_share)
        row = pd.Index(sites["site_id"].astype(str)).get_indexer(spans.index.astype(str))
        own = out.to_numpy()[row[row >= 0]]
        found = spans.to_numpy()[row >= 0]
        out.iloc[row[row >= 0]] = [
            ";".join([u, *(x for x in span.split(";") if x != u)]) if u else span
            for u, span in zip(own, found, strict=True)
        ]
    out.iloc[joined.index.to_numpy()] = joined.to_numpy()
    return pd.Series(out.to_numpy(), index=sites.index, dtype=object)


def spanned_units(
    footprints: gpd.GeoSeries, units: gpd.GeoDataFrame, *, min_share: float = 0.1
) -> pd.Series:
    """Find the areas that lie across units: each holding ``min_share`` of it, largest first.

    Parameters
    ----------
    footprints
        Polygons (EPSG:4326) by site id.
    units
        Units with ``unit_id`` and their polygons (EPSG:4326).
    min_share
        Share of the area a unit must hold.

    Returns
    -------
    pandas.Series
        ``;``-joined unit ids by site id, only for areas shared by two units or more.
    """
    if footprints.empty or units.empty:
        return pd.Series(dtype=object)
    crs = local_projected_crs(tuple(footprints.total_bounds))
    shapes = footprints.to_crs(crs).make_valid()
    cells = units.to_crs(crs).geometry.values
    area_idx, unit_idx = shapely.STRtree(cells).query(shapes.values, predicate="intersects")
    if len(area_idx) == 0:
        return pd.Series(dtype=object)
    inter = shapely.area(shapely.intersection(shapes.values[area_idx], cells[unit_idx]))
    share = inter / np.maximum(shapely.area(shapes.values[area_idx]), 1e-9)
    table = pd.DataFrame(
        {"site": shapes.index.to_numpy()[area_idx], "unit": units["unit_id"].to_numpy()[unit_idx],
         "share": share}
    )  # fmt: skip
    table = table[table["share"] >= min_share].sort_values(
        ["site", "share"], ascending=[True, False]
    )
    several = table.groupby("site")["unit"].transform("size") > 1
    return table[several].groupby("site", sort=False)["unit"].agg(";".join)


def _declared_check(
    declared: pd.Series, unit_ids: np.ndarray, units: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Return masks of sites whose declared unit(s) miss the containing unit.

    The first mask holds sites whose declaration names another unit of the layer, the second
    sites whose declaration names no unit of the layer. Names are compared through
    :func:`unit_name_key`, computed once per distinct declared name.
    """
    matched = _declared_units(declared, units)
    n = len(declared)
    if matched.empty:
        return np.zeros(n, bool), np.zeros(n, bool)
    rows = matched.index.to_numpy()
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
            # declared -> containing unit, in no language (the note's sentence says which)
            items = (
                flagged["site_id"] + " " + flagged["name"] + ": "
                + flagged["unit_declared"] + " → " + flagged["unit_name"]
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


def _segments(
    xy: np.ndarray, part: np.ndarray, part_owner: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-point segments of lines given as vertices: starts, ends and owners."""
    same = part[1:] == part[:-1]  # consecutive vertices of one line form a segment
    return xy[:-1][same], xy[1:][same], part_owner[part[:-1][same]]


def _boundary_segments(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polygon boundaries as two-point segments: starts, ends and owner polygons."""
    rings, owner = shapely.get_parts(shapely.boundary(geoms), return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    return _segments(xy, ring, owner)


def _twins(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of segments with the same two ends (either direction), by sorting."""
    swap = (start[:, 0] > end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] > end[:, 1]))
    low, high = np.where(swap[:, None], end, start), np.where(swap[:, None], start, end)
    order = np.lexsort((high[:, 1], high[:, 0], low[:, 1], low[:, 0]))
    key = np.hstack([low, high])[order]
    twin = np.flatnonzero((key[1:] == key[:-1]).all(axis=1))
    return order[twin], order[twin + 1]


def unit_borders(units: gpd.GeoDataFrame, *, tolerance_m: float = 100.0) -> gpd.GeoDataFrame:
    """Find the stretches of each unit's boundary that it shares with each neighbour.

    A boundary segment that a neighbour has too (the same two vertices) is shared with that
    neighbour: found for all segments at once by sorting them, exact and linear in the
    vertices; official boundary sets share their edges this way almost everywhere. Only the
    rest, cut into pieces of at most ``tolerance_m / 2`` (longer when that would make more
    than :data:`MAX_PIECES`), is matched by distance: a piece belongs to the nearest other
    unit within ``tolerance_m``, unless the outside of the study area (all units, with gaps
    narrower than the tolerance closed) is nearer. Digitising gaps and mismatched vertices
    are absorbed and the outer edge of the study area is never a shared border. Distances
    are found with one spatial index over the boundary segments (no loop over unit pairs).

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
    start, end, seg_owner = _boundary_segments(geoms)
    a, b = _twins(start, end)
    keep = seg_owner[a] != seg_owner[b]
    a, b = a[keep], b[keep]
    unmatched = np.ones(len(start), dtype=bool)
    unmatched[a] = unmatched[b] = False
    # in a coverage (edges matched where units meet, no overlap) the unmatched segments are
    # the outer edge and the sides of gaps: distances to them alone decide
    clean = is_valid_coverage(units)
    union = shapely.coverage_union_all(geoms) if clean else shapely.union_all(geoms)
    study = shapely.buffer(shapely.buffer(union, tolerance_m), -tolerance_m)
    near = unmatched if clean else np.ones(len(start), dtype=bool)
    out_start, out_end, _ = _boundary_segments(np.array([study]))
    edge_owner = np.concatenate([seg_owner[near], np.full(len(out_start), len(geoms))])
    edges = shapely.linestrings(
        np.stack([np.vstack([start[near], out_start]), np.vstack([end[near], out_end])], axis=1)
    )
    loose = shapely.linestrings(np.stack([start[unmatched], end[unmatched]], axis=1))
    piece_m = max(tolerance_m / 2, float(shapely.length(loose).sum()) / MAX_PIECES)
    xy, segment = shapely.get_coordinates(shapely.segmentize(loose, piece_m), return_index=True)
    p_start, p_end, p_owner = _segments(xy, segment, seg_owner[unmatched])
    p_other = _nearest_other(edges, edge_owner, p_start, p_end, p_owner, tolerance_m)
    inside = (p_other >= 0) & (p_other < len(geoms))
    lines, owner, other = _merged_runs(
        np.vstack([start[a], start[b], p_start[inside]]),
        np.vstack([end[a], end[b], p_end[inside]]),
        np.concatenate([seg_owner[a], seg_owner[b], p_owner[inside]]),
        np.concatenate([seg_owner[b], seg_owner[a], p_other[inside]]),
        len(geoms),
    )
    ids = units["unit_id"].to_numpy()
    borders = gpd.GeoDataFrame(
        # drop the vertices the cutting added on straight stretches (the shape moves < 1 m)
        {
            "unit_id": ids[owner],
            "neighbour_id": ids[other],
            "geometry": shapely.simplify(lines, 1.0),
        },
        crs=crs,
    ).to_crs(WGS84)
    metres = geodesic_lengths(borders.geometry.values)
    borders.insert(2, "length_km", metres / 1000.0)
    return borders[metres > tolerance_m].reset_index(drop=True)


def _nearest_other(
    edges: np.ndarray,
    edge_owner: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    owner: np.ndarray,
    tolerance_m: float,
) -> np.ndarray:
    """Return, per piece, the owner of the nearest other owner's edge near its middle.

    Edges within ``tolerance_m`` count; on a tie the lower owner wins (a unit before the
    outside); -1 where there is none.
    """
    middles = shapely.points(start + (end - start) / 2)
    tree = shapely.STRtree(edges)
    piece, edge = tree.query(middles, predicate="dwithin", distance=tolerance_m)
    other = edge_owner[edge]
    keep = other != owner[piece]
    piece, edge, other = piece[keep], edge[keep], other[keep]
    dist = shapely.distance(middles[piece], edges[edge])
    order = np.lexsort((other, dist, piece))
    piece, other = piece[order], other[order]
    first = np.ones(len(piece), dtype=bool)
    first[1:] = piece[1:] != piece[:-1]
    found = np.full(len(start), -1)
    found[piece[first]] = other[first]
    return found


def _merged_runs(
    start: np.ndarray, end: np.ndarray, owner: np.ndarray, other: np.ndarray, n_units: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One merged (multi)line per (owner, other) pair from its segments."""
    order = np.lexsort((other, owner))
    pair = owner[order] * n_units + other[order]
    starts = np.ones(len(pair), dtype=bool)
    starts[1:] = pair[1:] != pair[:-1]
    first = np.flatnonzero(starts)
    segments = shapely.linestrings(np.stack([start[order], end[order]], axis=1))
    lines = shapely.multilinestrings(segments, indices=np.cumsum(starts) - 1)
    return shapely.line_merge(lines), owner[order][first], other[order][first]


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
    # every border as two-point segments: the nearest point of a border is that of its
    # nearest segment, found with a small spatial index per unit over its own borders
    parts, part_line = shapely.get_parts(lines, return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    start, end, segment_line = _segments(xy, part, part_line)
    segments = shapely.linestrings(np.stack([start, end], axis=1))
    unit_of_segment = borders["unit_id"].to_numpy()[segment_line]
    segments_of = pd.Series(np.arange(len(segments))).groupby(unit_of_segment).indices
    best = np.full(len(sites), -1)
    for unit_id, rows in sites.groupby("unit_id", sort=False).indices.items():
        own = segments_of.get(unit_id)
        if own is None:
            continue
        site, nearest = shapely.STRtree(segments[own]).query_nearest(points[rows])
        best[rows[site]] = own[nearest]
    found = best >= 0
    neighbour = np.full(len(sites), "", dtype=object)
    neighbour[found] = borders["neighbour_id"].to_numpy()[segment_line[best[found]]]
    if found.any():
        # the nearest point of the border, back in lon/lat; the leg starts at the site itself
        nearest_leg = shapely.shortest_line(points[found], segments[best[found]])
        end_point = gpd.GeoSeries(shapely.get_point(nearest_leg, 1), crs=crs).to_crs(WGS84)
        start_point = sites.geometry.values[found]
        _, _, metres = GEOD.inv(
            shapely.get_x(start_point),
            shapely.get_y(start_point),
            shapely.get_x(end_point.values),
            shapely.get_y(end_point.values),
        )
        out.loc[found, "border_km"] = metres / 1000.0
    out["border_unit"] = neighbour
    return out
