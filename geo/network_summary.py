"""The ``network`` section of indicators.json: every network number, with its unit."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np

from geo.network import RoadNetwork

__all__ = ["network_indicators"]


def _finite(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None


def network_indicators(
    *,
    network: RoadNetwork,
    full_graph: nx.MultiDiGraph,
    crossings: gpd.GeoDataFrame,
    deadends: gpd.GeoDataFrame,
    detour: dict[str, Any],
    sites: gpd.GeoDataFrame,
    params: Any,
    unreachable_site_pairs: int | None,
    hubs: int,
    isochrones: int,
) -> dict[str, Any]:
    """Summarise the network stage.

    Parameters
    ----------
    network, full_graph
        The routable network and the graph with every component.
    crossings, deadends
        Outputs of :mod:`geo.friction`.
    detour
        :meth:`geo.friction.DetourSummary.summary`.
    sites
        Sites with ``snap_m`` and ``off_network``.
    params
        Parameters of the run.
    unreachable_site_pairs, hubs, isochrones
        Counts (unreachable pairs are None when only pairs within the cut-off were searched).

    Returns
    -------
    dict
        JSON-ready; keys carry their unit (``_km``, ``_m``, ``_min``).
    """
    edges = network.edges
    highway = edges["highway"].map(lambda h: h[0] if isinstance(h, list) else h)
    # each two-way road is stored once per direction: halve to get road length
    one_way = edges["oneway"].astype(bool)
    km = edges["length"] / 1000.0 * np.where(one_way, 1.0, 0.5)
    crossing_rows = []
    if not crossings.empty:
        for (a, b), group in crossings.groupby(["unit_a", "unit_b"]):
            crossing_rows.append(
                {
                    "unit_a": a,
                    "unit_b": b,
                    "crossings": len(group),
                    "by_class": {k: int(v) for k, v in group["highway"].value_counts().items()},
                }
            )
    deadend_rows = []
    if not deadends.empty:
        pairs = deadends.assign(
            a=np.minimum(deadends["unit_id"], deadends["neighbour_id"]),
            b=np.maximum(deadends["unit_id"], deadends["neighbour_id"]),
        )
        for (a, b), group in pairs.groupby(["a", "b"]):
            deadend_rows.append(
                {
                    "unit_a": a,
                    "unit_b": b,
                    "deadends": len(group),
                    "unreachable": int(group["unreachable"].sum()),
                }
            )
    return {
        "nodes": int(network.graph.number_of_nodes()),
        "edges": int(network.graph.number_of_edges()),
        "components": int(network.components),
        "nodes_outside_largest_component": int(network.dropped_nodes),
        "nodes_all_components": int(full_graph.number_of_nodes()),
        "road_km_by_class": {k: round(float(v), 3) for k, v in km.groupby(highway).sum().items()},
        "road_km_total": round(float(km.sum()), 3),
        "crossings_total": len(crossings),
        "crossings_by_unit_pair": crossing_rows,
        "deadends_total": len(deadends),
        "deadends_by_unit_pair": deadend_rows,
        "detour_index": detour,
        "sites_off_network": int(sites["off_network"].sum()),
        "snap_distance_m": {
            "median": _finite(sites["snap_m"].median()),
            "max": _finite(sites["snap_m"].max()),
        },
        "unreachable_site_pairs": unreachable_site_pairs,  # None: not counted (large sets)
        "hubs": int(hubs),
        "isochrone_polygons": int(isochrones),
        "parameters": {
            "speeds_kmh_overrides": params.road_speeds_kmh,
            "snap_max_m": params.snap_max_m,
            "offroad_speed_kmh": params.offroad_speed_kmh,
            "isochrone_minutes": params.isochrone_minutes,
            "deadend_near_border_km": params.deadend_near_border_km,
            "deadend_across_km": params.deadend_across_km,
            "deadend_ratio": params.deadend_ratio,
        },
    }
