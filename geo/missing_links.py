"""Missing links: places where a short road across a border would save long detours.

Definition (DESIGN.md §4): a **missing link** is a pair of road nodes on the two sides of a
border shared by two units, both within ``near_border_km`` of it and at most ``max_km``
apart in a straight line, whose shortest road time is at least ``min_saving_min`` longer than
a new road between them would take (the straight line at ``link_speed_kmh``). Candidates are
each border node's nearest node across the border; of candidates within ``thin_km`` of each
other only the one saving most is kept, and at most ``max_links`` are reported, largest
saving first. For each link the site pairs that would use it are counted: those whose best
time through the link (site → one end, the link, the other end → site) beats their present
time, with the minutes saved.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geo.admin import assign_units, border_distance
from geo.coords import GEOD, WGS84
from geo.network import RoadNetwork, travel_matrix

__all__ = [
    "LINK_COLUMNS",
    "find_missing_links",
    "link_site_gains",
    "locate_graph_nodes",
    "locate_nodes",
]

#: Candidates searched around each border node (its nearest nodes, then the nearest across).
_NEIGHBOURS = 16
#: Road times beyond this are not searched; a link saving more is reported as at least this.
_SEARCH_MIN = 240.0
LINK_COLUMNS = [
    "link_id", "unit_a", "unit_b", "node_a", "node_b", "straight_km", "road_min",
    "link_min", "saving_min", "unreachable",
]  # fmt: skip


def locate_graph_nodes(
    graph: nx.MultiDiGraph,
    units: gpd.GeoDataFrame,
    directed_borders: gpd.GeoDataFrame,
    crs: pyproj.CRS,
) -> pd.DataFrame:
    """Position, unit and border distance of every node of a road graph, by node id.

    Found once per run for the graph with every component: the border dead-ends
    (:func:`geo.friction.border_deadends`), the missing links and the roads leaving the data
    all read it.

    Parameters
    ----------
    graph
        A road graph (nodes with ``x``, ``y`` in EPSG:4326).
    units
        Units in EPSG:4326 with ``unit_id``.
    directed_borders
        Output of :func:`geo.admin.unit_borders`.
    crs
        Projected CRS of the ``x, y`` columns (the network's).

    Returns
    -------
    pandas.DataFrame
        Indexed by node id: ``lon, lat`` (EPSG:4326), ``x, y`` (``crs``), ``unit`` (empty
        outside every unit), ``border_km`` and ``border_unit`` (the neighbour across the
        nearest shared border).
    """
    ids = np.fromiter(graph.nodes, dtype=np.int64, count=graph.number_of_nodes())
    lon = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), dtype=float, count=len(ids))
    lat = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), dtype=float, count=len(ids))
    points = gpd.GeoDataFrame(
        {"site_id": ids.astype(str), "name": "", "unit_declared": ""},
        geometry=shapely.points(lon, lat),
        crs=WGS84,
    )
    points, _ = assign_units(points, units)
    points = border_distance(points, directed_borders)
    xy = shapely.get_coordinates(points.to_crs(crs).geometry.values)
    return pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "x": xy[:, 0],
            "y": xy[:, 1],
            "unit": points["unit_id"].to_numpy(),
            "border_km": points["border_km"].to_numpy(),
            "border_unit": points["border_unit"].to_numpy(),
        },
        index=pd.Index(ids, name="node"),
    )


def locate_nodes(
    network: RoadNetwork,
    units: gpd.GeoDataFrame,
    directed_borders: gpd.GeoDataFrame,
    *,
    located: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Position, unit and border distance of every routable node, in the network's order.

    Parameters
    ----------
    network
        The routable network.
    units
        Units in EPSG:4326 with ``unit_id``.
    directed_borders
        Output of :func:`geo.admin.unit_borders`.
    located
        :func:`locate_graph_nodes` of a graph holding the network (found once, read here).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`locate_graph_nodes`, one row per ``network.nodes``.
    """
    if located is None:
        located = locate_graph_nodes(network.graph, units, directed_borders, network.crs)
    return located.loc[np.asarray(network.nodes)].reset_index(drop=True)


def _candidates(
    nodes: pd.DataFrame, neighbours: set[tuple[str, str]], max_km: float
) -> pd.DataFrame:
    """Each border node's nearest node in a neighbouring unit within ``max_km``."""
    xy = nodes[["x", "y"]].to_numpy()
    k = min(_NEIGHBOURS, len(nodes))
    dist, idx = cKDTree(xy).query(xy, k=k, distance_upper_bound=max_km * 1000.0)
    dist, idx = np.atleast_2d(dist), np.atleast_2d(idx)
    units = nodes["unit"].to_numpy()
    rows, cols = np.nonzero(np.isfinite(dist))
    a, b = rows, idx[rows, cols]
    pairs = pd.DataFrame({"a": a, "b": b, "m": dist[rows, cols]})
    pairs = pairs[units[pairs["a"]] != units[pairs["b"]]]
    keyed = [(x, y) for x, y in zip(units[pairs["a"]], units[pairs["b"]], strict=True)]
    pairs = pairs[np.array([key in neighbours for key in keyed], dtype=bool)]
    pairs = pairs.sort_values("m", kind="stable").drop_duplicates("a")
    # one row per unordered node pair
    low, high = np.minimum(pairs["a"], pairs["b"]), np.maximum(pairs["a"], pairs["b"])
    pairs = pairs.assign(a=low, b=high).drop_duplicates(["a", "b"])
    return pairs.reset_index(drop=True)


def find_missing_links(
    network: RoadNetwork,
    nodes: pd.DataFrame,
    directed_borders: gpd.GeoDataFrame,
    *,
    max_km: float = 2.0,
    near_border_km: float = 2.0,
    link_speed_kmh: float = 30.0,
    min_saving_min: float = 10.0,
    thin_km: float = 2.0,
    max_links: int = 30,
) -> gpd.GeoDataFrame:
    """Find the missing links of a road network (see the module docstring).

    Parameters
    ----------
    network
        The routable network.
    nodes
        Its nodes located (:func:`locate_nodes`).
    directed_borders
        Output of :func:`geo.admin.unit_borders`.
    max_km, near_border_km, link_speed_kmh, min_saving_min, thin_km, max_links
        Thresholds of the definition.

    Returns
    -------
    geopandas.GeoDataFrame
        Lines (EPSG:4326) with :data:`LINK_COLUMNS`: the two units (``unit_a`` holds
        ``node_a``), the OSM node ids, straight km, present road minutes (the faster
        direction; ``inf`` when none within the search), the new link's minutes, the saving
        and ``unreachable`` (no road at all within the search).
    """
    empty = gpd.GeoDataFrame(columns=[*LINK_COLUMNS, "geometry"], geometry="geometry", crs=WGS84)
    if directed_borders.empty or len(network.nodes) < 2:
        return empty
    near = np.flatnonzero((nodes["border_km"] <= near_border_km).to_numpy() & (nodes["unit"] != ""))
    if len(near) < 2:
        return empty
    neighbours = set(
        zip(directed_borders["unit_id"], directed_borders["neighbour_id"], strict=True)
    )
    pairs = _candidates(nodes.iloc[near].reset_index(drop=True), neighbours, max_km)
    if pairs.empty:
        return empty
    a, b = near[pairs["a"].to_numpy()], near[pairs["b"].to_numpy()]
    ends = np.unique(np.concatenate([a, b]))
    times = dijkstra(network.minutes, directed=True, indices=ends, limit=_SEARCH_MIN)
    row = pd.Series(np.arange(len(ends)), index=ends)
    road = np.minimum(times[row[a].to_numpy(), b], times[row[b].to_numpy(), a])
    straight_km = GEOD.inv(
        nodes["lon"].to_numpy()[a], nodes["lat"].to_numpy()[a],
        nodes["lon"].to_numpy()[b], nodes["lat"].to_numpy()[b],
    )[2] / 1000.0  # fmt: skip
    link_min = straight_km / link_speed_kmh * 60.0
    saving = np.minimum(road, _SEARCH_MIN) - link_min
    keep = np.flatnonzero(saving >= min_saving_min)
    keep = keep[np.lexsort((straight_km[keep], -saving[keep]))]
    chosen = _thinned(nodes, a, b, keep, thin_km, max_links)
    if not chosen:
        return empty
    a, b = a[chosen], b[chosen]
    node_id = np.asarray(network.nodes)
    unit = nodes["unit"].to_numpy()
    out = pd.DataFrame(
        {
            "link_id": [f"L{i + 1:03d}" for i in range(len(chosen))],
            "unit_a": unit[a],
            "unit_b": unit[b],
            "node_a": node_id[a],
            "node_b": node_id[b],
            "straight_km": straight_km[chosen],
            "road_min": road[chosen],
            "link_min": link_min[chosen],
            "saving_min": saving[chosen],
            "unreachable": ~np.isfinite(road[chosen]),
        }
    )
    lines = shapely.linestrings(
        np.stack(
            [
                np.column_stack([nodes["lon"].to_numpy()[a], nodes["lat"].to_numpy()[a]]),
                np.column_stack([nodes["lon"].to_numpy()[b], nodes["lat"].to_numpy()[b]]),
            ],
            axis=1,
        )
    )
    return gpd.GeoDataFrame(out, geometry=lines, crs=WGS84)


def _thinned(
    nodes: pd.DataFrame,
    a: np.ndarray,
    b: np.ndarray,
    order: np.ndarray,
    thin_km: float,
    max_links: int,
) -> list[int]:
    """Candidates in ``order``, skipping any whose midpoint is within ``thin_km`` of a kept one."""
    mid = (nodes[["x", "y"]].to_numpy()[a] + nodes[["x", "y"]].to_numpy()[b]) / 2.0
    kept: list[int] = []
    for c in order:
        if len(kept) >= max_links:
            break
        if kept and np.min(np.hypot(*(mid[kept] - mid[c]).T)) < thin_km * 1000.0:
            continue
        kept.append(int(c))
    return kept


def link_site_gains(
    links: gpd.GeoDataFrame,
    network: RoadNetwork,
    site_graph: sp.csr_matrix,
    site_nodes: np.ndarray,
    site_minutes: np.ndarray,
    sites: pd.DataFrame,
    *,
    min_gain_min: float = 1.0,
) -> pd.DataFrame:
    """Count the site pairs across borders each link would speed up, and by how much.

    Parameters
    ----------
    links
        Output of :func:`find_missing_links`.
    network
        The routable network (its node ids map the links' ends to graph positions).
    site_graph
        The network with the sites snapped on (``Snapped.minutes``).
    site_nodes
        Each site's node in ``site_graph``.
    site_minutes
        Present travel minutes between the sites (dense, site order).
    sites
        ``site_id``, ``name`` and ``unit_id`` of the sites, in the same order.
    min_gain_min
        A pair counts as using the link when it saves at least this.

    Returns
    -------
    pandas.DataFrame
        Per link: ``site_pairs`` (cross-border pairs that gain), ``site_minutes_saved`` (their
        total), ``best_pair`` (the names of the pair gaining most) and ``best_saving_min``.
    """
    columns = ["site_pairs", "site_minutes_saved", "best_pair", "best_saving_min"]
    if links.empty or len(sites) < 2:
        return pd.DataFrame(columns=columns, index=links.index)
    position = pd.Series(np.arange(len(network.nodes)), index=network.nodes)
    ends = np.concatenate(
        [position[links["node_a"]].to_numpy(), position[links["node_b"]].to_numpy()]
    )
    to_ends = travel_matrix(site_graph, site_nodes, ends, workers=1)
    from_ends = travel_matrix(site_graph, ends, site_nodes, workers=1)
    present = np.minimum(site_minutes, site_minutes.T)
    units = sites["unit_id"].to_numpy()
    i, j = np.triu_indices(len(sites), k=1)
    cross = (units[i] != units[j]) & (units[i] != "") & (units[j] != "")
    i, j = i[cross], j[cross]
    names = sites["name"].to_numpy()
    n = len(links)
    rows = []
    for k, link in enumerate(links["link_min"].to_numpy()):
        ea, eb = k, k + n
        # the faster way through the link, in either direction of travel, for each pair
        through = np.minimum.reduce(
            [
                to_ends[i, ea] + link + from_ends[eb, j],
                to_ends[i, eb] + link + from_ends[ea, j],
                to_ends[j, ea] + link + from_ends[eb, i],
                to_ends[j, eb] + link + from_ends[ea, i],
            ]
        )
        gain = np.where(np.isfinite(present[i, j]), present[i, j] - through, np.inf)
        gain = np.where(np.isfinite(through), gain, 0.0)
        used = gain >= min_gain_min
        if not used.any():
            rows.append({"site_pairs": 0, "site_minutes_saved": 0.0, "best_pair": "",
                         "best_saving_min": 0.0})  # fmt: skip
            continue
        best = int(np.argmax(np.where(used, gain, -np.inf)))
        finite = np.isfinite(gain[used])
        rows.append(
            {
                "site_pairs": int(used.sum()),
                "site_minutes_saved": float(gain[used][finite].sum()),
                "best_pair": f"{names[i[best]]} – {names[j[best]]}",
                "best_saving_min": float(gain[best]),
            }
        )
    return pd.DataFrame(rows, index=links.index, columns=columns)
