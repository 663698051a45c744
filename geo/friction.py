"""Border friction: roads crossing shared borders, border dead-ends (断头路), detour indices.

Definitions (DESIGN.md §4): a **crossing** is a road edge that intersects the border shared by
two units; a **border dead-end** is a dead-end node (one street) within ``near_border_km`` of
a shared border whose nearest node across that border is closer than ``across_km`` in a
straight line but more than ``ratio`` times that by road, or unreachable; the **detour index**
of a pair of sites is road distance / geodesic distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from geo.admin import assign_units, border_distance
from geo.coords import GEOD, WGS84, local_projected_crs

__all__ = ["DetourSummary", "border_crossings", "border_deadends", "detour_indices"]


def _undirected_edges(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    import osmnx as ox  # imported where used: a second at every start otherwise

    undirected = ox.convert.to_undirected(graph)
    edges = ox.convert.graph_to_gdfs(undirected, nodes=False, fill_edge_geometry=True)
    edges["highway"] = edges["highway"].map(lambda h: h[0] if isinstance(h, list) else h)
    edges["name"] = edges["name"].map(lambda h: ";".join(h) if isinstance(h, list) else h)
    return edges.reset_index()


def border_crossings(graph: nx.MultiDiGraph, borders: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Road edges crossing each border shared by two units.

    Parameters
    ----------
    graph
        The road graph (any components).
    borders
        Undirected shared borders (``unit_a``, ``unit_b``, line), EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        One point per (road edge, border) at the first crossing: ``unit_a``, ``unit_b``,
        ``highway``, ``name``, ``u``, ``v``, ``times`` (how often the edge crosses).
    """
    columns = ["unit_a", "unit_b", "highway", "name", "u", "v", "times"]
    edges = _undirected_edges(graph)
    if borders.empty or edges.empty:
        return gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=WGS84)
    border_idx, edge_idx = shapely.STRtree(edges.geometry.values).query(
        borders.geometry.values, predicate="intersects"
    )
    hits = shapely.intersection(
        edges.geometry.values[edge_idx], borders.geometry.values[border_idx]
    )
    parts, owner = shapely.get_parts(hits, return_index=True)
    kind = shapely.get_type_id(parts)  # 0 point, 1 line (a road running along the border)
    keep = (kind == 0) | (kind == 1)
    parts, owner, kind = parts[keep], owner[keep], kind[keep]
    points = np.where(kind == 0, parts, shapely.get_point(parts, 0))
    first = pd.Series(np.arange(len(owner))).groupby(owner).first()
    times = pd.Series(owner).value_counts()
    rows = first.index.to_numpy()
    out = pd.DataFrame(
        {
            "unit_a": borders["unit_a"].to_numpy()[border_idx[rows]],
            "unit_b": borders["unit_b"].to_numpy()[border_idx[rows]],
            "highway": edges["highway"].to_numpy()[edge_idx[rows]],
            "name": edges["name"].fillna("").to_numpy()[edge_idx[rows]],
            "u": edges["u"].to_numpy()[edge_idx[rows]],
            "v": edges["v"].to_numpy()[edge_idx[rows]],
            "times": times.loc[rows].to_numpy(),
        }
    )
    return gpd.GeoDataFrame(out, geometry=points[first.to_numpy()], crs=WGS84)


def border_deadends(
    graph: nx.MultiDiGraph,
    units: gpd.GeoDataFrame,
    directed_borders: gpd.GeoDataFrame,
    *,
    near_border_km: float = 2.0,
    across_km: float = 3.0,
    ratio: float = 5.0,
) -> gpd.GeoDataFrame:
    """Dead-end roads near a border whose neighbour's network is close but far by road.

    Parameters
    ----------
    graph
        The road graph with every component (roads in other components are what
        "unreachable" means).
    units
        Units in EPSG:4326.
    directed_borders
        Output of :func:`geo.admin.unit_borders`.
    near_border_km, across_km, ratio
        Thresholds of the definition.

    Returns
    -------
    geopandas.GeoDataFrame
        Dead-end points: ``node``, ``unit_id``, ``neighbour_id``, ``border_km``,
        ``across_node``, ``straight_km``, ``road_km`` (``inf`` when unreachable),
        ``unreachable``.
    """
    import osmnx as ox  # imported where used: a second at every start otherwise

    columns = [
        "node",
        "unit_id",
        "neighbour_id",
        "border_km",
        "across_node",
        "straight_km",
        "road_km",
        "unreachable",
    ]
    empty = gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=WGS84)
    nodes = ox.convert.graph_to_gdfs(graph, edges=False)
    if nodes.empty:
        return empty
    node_sites = gpd.GeoDataFrame(
        {"site_id": nodes.index.astype(str), "name": "", "unit_declared": ""},
        geometry=nodes.geometry.values,
        crs=WGS84,
    )
    node_sites, _ = assign_units(node_sites, units)
    node_sites = border_distance(node_sites, directed_borders)
    dead = (nodes["street_count"].to_numpy() == 1) & (
        node_sites["border_km"].to_numpy() <= near_border_km
    )
    if not dead.any():
        return empty
    crs = local_projected_crs(tuple(nodes.total_bounds))
    xy = shapely.get_coordinates(nodes.to_crs(crs).geometry.values)
    unit_of = node_sites["unit_id"].to_numpy()
    candidates = np.flatnonzero(dead)
    across = np.full(len(candidates), -1)
    for i, c in enumerate(candidates):
        other = np.flatnonzero(unit_of == node_sites["border_unit"].iat[c])
        if len(other):
            across[i] = other[np.argmin(np.hypot(*(xy[other] - xy[c]).T))]
    found = across >= 0
    candidates, across = candidates[found], across[found]
    lon, lat = nodes["x"].to_numpy(), nodes["y"].to_numpy()
    straight = GEOD.inv(lon[candidates], lat[candidates], lon[across], lat[across])[2] / 1000.0
    close = straight < across_km
    candidates, across, straight = candidates[close], across[close], straight[close]
    if len(candidates) == 0:
        return empty
    undirected = nx.to_scipy_sparse_array(
        nx.Graph(ox.convert.to_undirected(graph)),
        nodelist=list(nodes.index),
        weight="length",
        format="csr",
    )
    # no search limit: a road distance is reported even when far beyond the ratio
    road = dijkstra(sp.csr_matrix(undirected), directed=False, indices=candidates)
    road_km = road[np.arange(len(candidates)), across] / 1000.0
    flagged = road_km > ratio * straight
    out = pd.DataFrame(
        {
            "node": nodes.index.to_numpy()[candidates],
            "unit_id": unit_of[candidates],
            "neighbour_id": node_sites["border_unit"].to_numpy()[candidates],
            "border_km": node_sites["border_km"].to_numpy()[candidates],
            "across_node": nodes.index.to_numpy()[across],
            "straight_km": straight,
            "road_km": road_km,
            "unreachable": ~np.isfinite(road_km),
        }
    )[flagged]
    return gpd.GeoDataFrame(
        out, geometry=nodes.geometry.to_numpy()[candidates][flagged], crs=WGS84
    ).reset_index(drop=True)


@dataclass
class DetourSummary:
    """Detour indices of site pairs, split into cross-border and same-unit pairs."""

    pairs: pd.DataFrame
    unreachable_pairs: int

    def summary(self) -> dict[str, object]:
        """Median/mean detour and counts for cross-border and same-unit pairs, and by unit pair.

        Both groups are always present; a group without pairs has ``pairs`` 0 and no median.
        """
        out: dict[str, object] = {"unreachable_pairs": self.unreachable_pairs}
        for key, cross in (("same_unit", False), ("cross_border", True)):
            group = self.pairs.loc[self.pairs["cross_border"] == cross, "detour"]
            out[key] = {
                "pairs": len(group),
                "median": round(float(group.median()), 4) if len(group) else None,
                "mean": round(float(group.mean()), 4) if len(group) else None,
            }
        cross = self.pairs[self.pairs["cross_border"]]
        by_pair = cross.groupby(["unit_a", "unit_b"])["detour"].agg(["count", "median"])
        out["by_unit_pair"] = [
            {
                "unit_a": a,
                "unit_b": b,
                "pairs": int(r["count"]),
                "median": round(float(r["median"]), 4),
            }
            for (a, b), r in by_pair.iterrows()
        ]
        return out


def detour_indices(
    sites: gpd.GeoDataFrame, road_m: np.ndarray, *, min_km: float = 1.0, max_km: float = 60.0
) -> DetourSummary:
    """Road distance / geodesic distance for site pairs within a distance band.

    Parameters
    ----------
    sites
        Sites with ``site_id`` and ``unit_id`` (EPSG:4326), in the order of ``road_m``.
    road_m
        Square matrix of shortest road distances (metres) between the sites.
    min_km, max_km
        Pairs closer than ``min_km`` (detour meaningless) or farther than ``max_km`` (not
        neighbours) in a straight line are left out.

    Returns
    -------
    DetourSummary
        One row per unordered pair: ``site_a``, ``site_b``, ``unit_a``, ``unit_b``,
        ``straight_km``, ``road_km``, ``detour``, ``cross_border``.
    """
    i, j = np.triu_indices(len(sites), k=1)
    lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    straight = GEOD.inv(lon[i], lat[i], lon[j], lat[j])[2] / 1000.0
    units = sites["unit_id"].to_numpy()
    band = (straight >= min_km) & (straight <= max_km) & (units[i] != "") & (units[j] != "")
    i, j, straight = i[band], j[band], straight[band]
    road = np.minimum(road_m[i, j], road_m[j, i]) / 1000.0
    reachable = np.isfinite(road)
    a, b = units[i], units[j]
    pairs = pd.DataFrame(
        {
            "site_a": sites["site_id"].to_numpy()[i],
            "site_b": sites["site_id"].to_numpy()[j],
            "unit_a": np.minimum(a, b),
            "unit_b": np.maximum(a, b),
            "straight_km": straight,
            "road_km": road,
            "detour": road / straight,
            "cross_border": a != b,
        }
    )
    return DetourSummary(
        pairs=pairs[reachable].reset_index(drop=True), unreachable_pairs=int((~reachable).sum())
    )
