"""Border friction: roads crossing shared borders, border dead-ends (断头路), detour indices.

Definitions (DESIGN.md §4): a **crossing** is a road edge that intersects the border shared by
two units; the **border table** lists every shared border with its length, level and
crossings by road class, flagged when it has none or only minor ones; a **border dead-end** is
a dead-end node (one street) within ``near_border_km`` of a shared border whose nearest node
across that border is closer than ``across_km`` in a straight line but more than ``ratio``
times that by road, or unreachable; the **detour index** of a pair of sites is road distance
/ geodesic distance, compared between cross-border and same-unit pairs within matched bands
of straight-line distance (a far pair detours less than a near one, so unmatched medians
mislead).
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
from geo.network import RoadNetwork
from geo.road_classes import MAIN_CLASSES, main_class

__all__ = [
    "MAJOR_CLASSES",
    "DetourSummary",
    "border_crossings",
    "border_deadends",
    "border_table",
    "data_edge_exits",
    "detour_indices",
]

#: Main road classes a border crossing counts as major by (the rest are minor roads).
MAJOR_CLASSES = frozenset({"motorway", "trunk", "primary", "secondary"})
#: A distance band counts in the matched detour ratio with this many pairs in each group.
BAND_MIN_PAIRS = 5
#: The border table's findings, most serious first.
NO_CROSSING, MINOR_ONLY, CROSSED = "no_crossing", "minor_only", "crossed"
#: A border of a unit the road data hardly covers (see ``sparse_units``): nothing to find.
NO_ROAD_DATA = "no_road_data"


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


def border_table(
    borders: gpd.GeoDataFrame,
    crossings: gpd.GeoDataFrame,
    levels: np.ndarray,
    *,
    sparse_units: set[str] | frozenset[str] = frozenset(),
) -> gpd.GeoDataFrame:
    """Every shared border with its length, level and crossings, most serious gap first.

    Parameters
    ----------
    borders
        Undirected shared borders (``unit_a``, ``unit_b``, ``length_km``, line).
    crossings
        Output of :func:`border_crossings` on the same borders.
    levels
        The level of each border (:func:`geo.overlaps.border_levels`), in ``borders`` order.
    sparse_units
        Units the road data hardly covers: their borders' finding is ``no_road_data``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``unit_a, unit_b, level, length_km, crossings, major_crossings``, one ``cross_<class>``
        count per main class, ``km_per_major_crossing`` (NaN without one), ``finding``
        (``no_crossing``, ``minor_only``, ``crossed`` or ``no_road_data``) and ``rank``:
        borders without any crossing first, then those crossed by minor roads only, each
        longest first, then the rest by kilometres of border per major crossing, most first;
        borders without road data last.
    """
    table = borders[["unit_a", "unit_b", "length_km", "geometry"]].copy()
    table["level"] = levels
    key = ["unit_a", "unit_b"]
    cls = crossings.assign(cls=crossings["highway"].astype(str).map(lambda h: main_class([h])))
    counts = cls.groupby([*key, "cls"]).size().unstack("cls", fill_value=0)
    counts = counts.reindex(columns=list(MAIN_CLASSES), fill_value=0).add_prefix("cross_")
    table = table.merge(counts, left_on=key, right_index=True, how="left")
    class_columns = [f"cross_{c}" for c in MAIN_CLASSES]
    table[class_columns] = table[class_columns].fillna(0).astype(int)
    table["crossings"] = table[class_columns].sum(axis=1)
    table["major_crossings"] = table[
        [f"cross_{c}" for c in MAIN_CLASSES if c in MAJOR_CLASSES]
    ].sum(axis=1)
    table["km_per_major_crossing"] = table["length_km"] / table["major_crossings"].where(
        table["major_crossings"] > 0
    )
    no_data = table["unit_a"].isin(sparse_units) | table["unit_b"].isin(sparse_units)
    table["finding"] = np.select(
        [no_data, table["crossings"] == 0, table["major_crossings"] == 0],
        [NO_ROAD_DATA, NO_CROSSING, MINOR_ONLY],
        CROSSED,
    )
    severity = table["finding"].map({NO_CROSSING: 0, MINOR_ONLY: 1, CROSSED: 2, NO_ROAD_DATA: 3})
    order = np.lexsort(
        (
            -table["km_per_major_crossing"].fillna(0).to_numpy(),
            -table["length_km"].where(severity < 2, 0).to_numpy(),
            severity.to_numpy(),
        )
    )
    table = table.iloc[order].reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    columns = [
        "rank", "unit_a", "unit_b", "level", "length_km", "finding", "crossings",
        "major_crossings", *class_columns, "km_per_major_crossing", "geometry",
    ]  # fmt: skip
    return gpd.GeoDataFrame(table[columns], geometry="geometry", crs=WGS84)


def data_edge_exits(
    network: RoadNetwork,
    nodes: pd.DataFrame,
    sparse_units: set[str] | frozenset[str],
    *,
    near_border_km: float = 2.0,
) -> gpd.GeoDataFrame:
    """Find the main roads that end at the border of a unit without road data: the ways out.

    A road file cut at a national border (a country extract) ends its roads there. Such an
    end is not a dead-end: it is where a main road leaves the data, and a planner counts
    these as the roads out.

    Parameters
    ----------
    network
        The routable network.
    nodes
        Its nodes located (:func:`geo.missing_links.locate_nodes`).
    sparse_units
        Units the road data hardly covers.
    near_border_km
        Ends within this distance of the border count.

    Returns
    -------
    geopandas.GeoDataFrame
        Points: ``node``, ``unit_id``, ``toward`` (the unit without data), ``border_km``,
        ``highway`` and ``name`` of the road that ends there.
    """
    columns = ["node", "unit_id", "toward", "border_km", "highway", "name"]
    empty = gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=WGS84)
    if not sparse_units or nodes.empty:
        return empty
    degree = np.array([network.graph.nodes[n].get("street_count", 0) for n in network.nodes])
    ends = np.flatnonzero(
        (degree == 1)
        & nodes["border_unit"].isin(sparse_units).to_numpy()
        & (nodes["border_km"].to_numpy() <= near_border_km)
        & ~nodes["unit"].isin(sparse_units).to_numpy()
        & (nodes["unit"] != "").to_numpy()
    )
    if len(ends) == 0:
        return empty
    edges = network.edges.reset_index()
    cls = edges["highway"].map(lambda h: main_class(h if isinstance(h, list) else [h]))
    name = edges["name"].map(lambda h: ";".join(h) if isinstance(h, list) else h).fillna("")
    touching = pd.DataFrame(
        {"node": np.concatenate([edges["u"], edges["v"]]), "cls": np.tile(cls, 2),
         "name": np.tile(name, 2)}
    )  # fmt: skip
    ids = np.asarray(network.nodes)[ends]
    touching = touching[touching["node"].isin(ids) & touching["cls"].isin(MAJOR_CLASSES)]
    touching = touching.drop_duplicates("node").set_index("node")
    keep = np.isin(ids, touching.index)
    ends, ids = ends[keep], ids[keep]
    out = pd.DataFrame(
        {
            "node": ids,
            "unit_id": nodes["unit"].to_numpy()[ends],
            "toward": nodes["border_unit"].to_numpy()[ends],
            "border_km": nodes["border_km"].to_numpy()[ends],
            "highway": touching.loc[ids, "cls"].to_numpy(),
            "name": touching.loc[ids, "name"].to_numpy(),
        }
    )
    points = shapely.points(nodes["lon"].to_numpy()[ends], nodes["lat"].to_numpy()[ends])
    return gpd.GeoDataFrame(out, geometry=points, crs=WGS84)


def border_deadends(
    graph: nx.MultiDiGraph,
    units: gpd.GeoDataFrame,
    directed_borders: gpd.GeoDataFrame,
    *,
    near_border_km: float = 2.0,
    across_km: float = 3.0,
    ratio: float = 5.0,
    located: pd.DataFrame | None = None,
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
    located
        The graph's nodes with ``unit``, ``border_km`` and ``border_unit`` by node id
        (:func:`geo.missing_links.locate_graph_nodes`), when already found.

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
    if located is None:
        node_sites = gpd.GeoDataFrame(
            {"site_id": nodes.index.astype(str), "name": "", "unit_declared": ""},
            geometry=nodes.geometry.values,
            crs=WGS84,
        )
        node_sites, _ = assign_units(node_sites, units)
        node_sites = border_distance(node_sites, directed_borders)
    else:
        found = located.loc[nodes.index]
        node_sites = pd.DataFrame(
            {
                "unit_id": found["unit"].to_numpy(),
                "border_km": found["border_km"].to_numpy(),
                "border_unit": found["border_unit"].to_numpy(),
            }
        )
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
    """Detour indices of site pairs, split into cross-border and same-unit pairs.

    ``bands_km`` are the edges of the straight-line distance bands the two groups are
    compared in (``[1, 5, 10, 20, 40, 60]``: 1–5 km, 5–10 km ...).
    """

    pairs: pd.DataFrame
    unreachable_pairs: int
    bands_km: tuple[float, ...] = ()

    def summary(self) -> dict[str, object]:
        """Median/mean detour and counts for cross-border and same-unit pairs, and by unit pair.

        Both groups are always present; a group without pairs has ``pairs`` 0 and no median.
        ``bands`` compares the groups within each distance band; ``matched_ratio`` is the
        cross-border median over the same-unit median in each band where both groups have at
        least :data:`BAND_MIN_PAIRS` pairs, averaged with the cross-border pair counts as
        weights (1.0: borders cost no detour; ``None`` when no band qualifies), and
        ``matched_cross_pairs`` those counts.
        """
        out: dict[str, object] = {"unreachable_pairs": self.unreachable_pairs}
        for key, cross in (("same_unit", False), ("cross_border", True)):
            group = self.pairs.loc[self.pairs["cross_border"] == cross, "detour"]
            out[key] = _median_of(group)
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
        out |= self._bands()
        return out

    def _bands(self) -> dict[str, object]:
        edges = np.asarray(self.bands_km, dtype=float)
        rows, weighted, weights = [], 0.0, 0
        if len(edges) < 2:
            return {"bands": rows, "matched_ratio": None, "matched_cross_pairs": 0}
        band = np.searchsorted(edges, self.pairs["straight_km"].to_numpy(), side="right") - 1
        band = np.where(self.pairs["straight_km"].to_numpy() == edges[-1], len(edges) - 2, band)
        for k in range(len(edges) - 1):
            inside = self.pairs[band == k]
            same = _median_of(inside.loc[~inside["cross_border"], "detour"])
            cross = _median_of(inside.loc[inside["cross_border"], "detour"])
            ratio = None
            if same["pairs"] and cross["pairs"]:
                ratio = round(cross["median"] / same["median"], 4)
            if ratio is not None and min(same["pairs"], cross["pairs"]) >= BAND_MIN_PAIRS:
                weighted += ratio * cross["pairs"]
                weights += cross["pairs"]
            rows.append(
                {
                    "from_km": float(edges[k]),
                    "to_km": float(edges[k + 1]),
                    "same_unit": same,
                    "cross_border": cross,
                    "ratio": ratio,
                }
            )
        matched = round(weighted / weights, 4) if weights else None
        return {"bands": rows, "matched_ratio": matched, "matched_cross_pairs": int(weights)}


def _median_of(values: pd.Series) -> dict[str, object]:
    return {
        "pairs": len(values),
        "median": round(float(values.median()), 4) if len(values) else None,
        "mean": round(float(values.mean()), 4) if len(values) else None,
    }


def detour_indices(
    sites: gpd.GeoDataFrame,
    road_m: np.ndarray,
    *,
    min_km: float = 1.0,
    max_km: float = 60.0,
    band_edges_km: tuple[float, ...] = (5.0, 10.0, 20.0, 40.0),
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
    band_edges_km
        Inner edges of the distance bands (those between ``min_km`` and ``max_km``).

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
    inner = [e for e in sorted(band_edges_km) if min_km < e < max_km]
    return DetourSummary(
        pairs=pairs[reachable].reset_index(drop=True),
        unreachable_pairs=int((~reachable).sum()),
        bands_km=(min_km, *inner, max_km),
    )
