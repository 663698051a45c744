"""The road stages: roads -> network -> travel times -> isochrones -> border friction.

All need ``[roads]``; without it they are skipped together under the ``network`` section.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pydantic import Field, PositiveFloat

from geo.admin import assign_units
from geo.analyses.base import Context, Output, ParamModel, Stage, StageResult
from geo.analyses.inputs import table_limits
from geo.coords import WGS84
from geo.diagnostics import RunWarning
from geo.errors import DatasetError
from geo.friction import (
    border_crossings,
    border_deadends,
    border_table,
    data_edge_exits,
    detour_indices,
)
from geo.missing_links import (
    find_missing_links,
    link_site_gains,
    locate_graph_nodes,
    locate_nodes,
)
from geo.network import build_road_graph, isochrones, prepare_network, snap_points, travel_matrix
from geo.network_summary import network_indicators
from geo.overlaps import border_levels
from geo.parts import SitesPart
from geo.sources import load_sites
from geo.sources.roads import load_roads
from geo.taxonomy import ATTRACTION

__all__ = ["BorderFriction", "BuildNetwork", "Isochrones", "LoadRoads", "TravelTimes"]

#: Up to this many sites, travel times are a dense matrix; above, only pairs within
#: ``od_cutoff_min`` are searched, and detour indices use a seeded sample of this size.
DENSE_MAX = 3000


class NetworkParams(ParamModel):
    """Roads, speeds and travel times (keys of ``[params]``)."""

    road_speeds_kmh: dict[str, PositiveFloat] = Field(
        default_factory=dict, description="speeds by OSM road class, over the defaults"
    )
    road_classes_excluded: list[str] = Field(
        default_factory=list,
        max_length=32,
        description="OSM road classes left out of the network (e.g. track)",
    )
    network_margin_km: float = Field(10.0, ge=0, description="roads kept around the units")
    snap_max_m: float = Field(5000.0, gt=0, description="sites farther from a road are flagged")
    offroad_speed_kmh: float = Field(15.0, gt=0, description="speed between a site and its road")
    od_cutoff_min: float = Field(
        180.0, gt=0, description="travel times above this are not stored for large site sets"
    )


class IsochroneParams(ParamModel):
    """Isochrones (keys of ``[params]``)."""

    isochrone_minutes: list[PositiveFloat] = Field(
        default_factory=lambda: [15.0, 30.0, 60.0],
        min_length=1,
        max_length=12,
        description="isochrone bands (minutes)",
    )
    isochrone_min_grade: int = Field(
        4, ge=0, le=5, description="sites of this A-grade or more get isochrones, as hubs do"
    )


class FrictionParams(ParamModel):
    """Border dead-ends and detour indices (keys of ``[params]``)."""

    deadend_near_border_km: float = Field(
        2.0, gt=0, description="dead-end nodes this close to a shared border are examined"
    )
    deadend_across_km: float = Field(
        3.0, gt=0, description="... when a node across the border is this close in a line"
    )
    deadend_ratio: float = Field(
        5.0, gt=1, description="... and road distance over straight distance is at least this"
    )
    detour_min_km: float = Field(1.0, ge=0, description="shortest pair in the detour index")
    detour_max_km: float = Field(60.0, gt=0, description="longest pair in the detour index")
    detour_band_km: list[PositiveFloat] = Field(
        default_factory=lambda: [5.0, 10.0, 20.0, 40.0],
        max_length=20,
        description="inner edges of the distance bands detours are compared in (km)",
    )
    link_max_km: float = Field(
        2.0, gt=0, le=20, description="missing links: nodes across a border at most this apart"
    )
    link_near_border_km: float = Field(
        2.0, gt=0, description="missing links: nodes this close to the shared border"
    )
    link_speed_kmh: float = Field(30.0, gt=0, description="speed on a new link road")
    link_min_saving_min: float = Field(
        10.0, gt=0, description="missing links: the link saves at least this many minutes"
    )
    link_thin_km: float = Field(
        2.0, ge=0, description="of candidate links closer than this, the best one is kept"
    )
    link_max: int = Field(30, ge=0, le=1000, description="most missing links reported")
    roads_sparse_ratio: float = Field(
        0.05,
        ge=0,
        lt=1,
        description="units with road nodes per km² below this share of the median lack road data",
    )


class _RoadStage(Stage):
    section = "network"
    parts = ("roads",)
    params = (NetworkParams,)


class LoadRoads(_RoadStage):
    """Read the roads (OSM PBF/XML or a line layer) and the hubs."""

    name = "load roads"
    validates = True
    needs = ("units",)
    outputs = (Output("hubs", "layer", {"en": "Hubs", "zh": "交通节点"}, geometry="Point"),)

    def run(self, ctx: Context) -> StageResult:
        """Load ``[roads]`` around the units, and ``[hubs]`` when given."""
        units = ctx["units"]
        loaded = load_roads(
            ctx.dataset.roads,
            bounds=tuple(units.total_bounds),
            margin_km=ctx.params.network_margin_km,
        )
        result = StageResult(
            {"road_lines": loaded.data}, sources={"roads": loaded.info}, warnings=loaded.warnings
        )
        if ctx.dataset.hubs is not None:
            hub_part = SitesPart(**ctx.dataset.hubs.model_dump())
            hub_layer = load_sites(hub_part, limits=table_limits(ctx))
            hubs, _ = assign_units(hub_layer.data, units, attach_m=ctx.params.attach_km * 1000.0)
            outside = hubs[hubs["unit_id"] == ""]
            if len(outside):
                items = (outside["site_id"] + " " + outside["name"]).tolist()
                result.warnings.append(RunWarning("hubs_outside_units", {"n": len(items)}, items))
            result.outputs["hubs"] = hubs
            result.sources["hubs"] = hub_layer.info
        return result


class BuildNetwork(_RoadStage):
    """Build the routable road graph (osmnx), timed by class speeds."""

    name = "build network"
    needs = ("road_lines",)
    outputs = (
        Output(
            "roads",
            "layer",
            {"en": "Roads", "zh": "道路"},
            geometry="LineString",
            map="hidden",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Build the graph and keep its largest part for routing."""
        lines = ctx["road_lines"]
        lines = lines[~lines["highway"].isin(ctx.params.road_classes_excluded)]
        if lines.empty:
            msg = (
                "every road is of a class in road_classes_excluded "
                f"({', '.join(ctx.params.road_classes_excluded)}); exclude fewer classes"
            )
            raise DatasetError(msg)
        full_graph = build_road_graph(lines, speeds_kmh=ctx.params.road_speeds_kmh)
        network = prepare_network(full_graph)
        warnings = []
        if network.components > 1:
            warnings.append(
                RunWarning(
                    "network_components",
                    {
                        "components": int(network.components),
                        "nodes": len(network.nodes),
                        "dropped": int(network.dropped_nodes),
                    },
                )
            )
        roads = network.edges.to_crs(WGS84).reset_index()[
            ["u", "v", "key", "highway", "name", "length", "speed_kph", "travel_time", "geometry"]
        ]
        roads = roads.rename(columns={"length": "length_m", "travel_time": "travel_time_s"})
        return StageResult(
            {"road_graph": full_graph, "network": network, "roads": roads}, warnings=warnings
        )


class TravelTimes(_RoadStage):
    """Travel times site -> site and hub -> site, and hub -> hub between units."""

    name = "travel times"
    needs = ("network", "sites")
    outputs = (
        Output(
            "site_travel",
            "table",
            {"en": "Travel times between sites", "zh": "景点间出行时间"},
            csv="site_travel_times.csv",
            api=False,
        ),
        Output(
            "hub_travel",
            "table",
            {"en": "Travel times from hubs", "zh": "交通节点出行时间"},
            csv="hub_travel_times.csv",
            api=False,
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Snap the sites to the network and search travel times."""
        params, network, sites = ctx.params, ctx["network"], ctx["sites"]
        snapped = snap_points(network, sites.geometry, offroad_speed_kmh=params.offroad_speed_kmh)
        sites = sites.copy()
        sites["snap_m"] = snapped.snap_m
        sites["off_network"] = snapped.snap_m > params.snap_max_m
        warnings = []
        if sites["off_network"].any():
            far = sites.loc[sites["off_network"]]
            warnings.append(
                RunWarning(
                    "sites_off_network",
                    {
                        "n": len(far),
                        "snap_max_m": float(params.snap_max_m),
                        "speed_kmh": float(params.offroad_speed_kmh),
                    },
                    [f"{r.site_id} {r.name}: {r.snap_m:.0f} m" for r in far.itertuples()],
                )
            )
        ids = snapped.first_node + np.arange(len(sites))
        if len(sites) <= DENSE_MAX:
            site_minutes = travel_matrix(snapped.minutes, ids, ids)
            unreachable: int | None = int((~np.isfinite(site_minutes)).sum())
            detour_idx = np.arange(len(sites))
        else:  # only pairs within the cut-off are searched and stored
            site_minutes = travel_matrix(
                snapped.minutes, ids, ids, limit=params.od_cutoff_min, sparse=True
            )
            unreachable = None
            detour_idx = np.sort(np.random.default_rng(0).choice(len(sites), DENSE_MAX, False))
        if unreachable:
            warnings.append(
                RunWarning(
                    "site_pairs_unreachable",
                    {"n": int(unreachable)},
                )
            )
        outputs: dict[str, Any] = {
            "sites": sites,
            "site_minutes": site_minutes,
            "unreachable_site_pairs": unreachable,
            "detour_sites": detour_idx,
            "site_snap": snapped,
            "site_nodes": ids,
            "detour_metres": travel_matrix(snapped.metres, ids[detour_idx], ids[detour_idx]),
            "site_travel": travel_long(
                site_minutes, sites["site_id"], sites["site_id"], skip_self=True
            ),
        }
        hubs = ctx.get("hubs")
        if hubs is not None:
            outputs |= _hub_times(network, hubs, sites, params)
        return StageResult(outputs, warnings=warnings)


def _hub_times(
    network: Any, hubs: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, params: Any
) -> dict[str, Any]:
    """Hub -> site times (long) and hub -> hub minutes between units (first hub of each)."""
    hub_snap = snap_points(
        network,
        pd.concat([hubs.geometry, sites.geometry], ignore_index=True),
        offroad_speed_kmh=params.offroad_speed_kmh,
    )
    hub_ids = hub_snap.first_node + np.arange(len(hubs))
    site_ids = hub_snap.first_node + len(hubs) + np.arange(len(sites))
    hub_minutes = travel_matrix(hub_snap.minutes, hub_ids, site_ids, limit=params.od_cutoff_min)
    first = ~hubs["unit_id"].duplicated() & hubs["unit_id"].astype(bool)
    chosen = hub_ids[first.to_numpy()]
    between = travel_matrix(hub_snap.minutes, chosen, chosen)
    unit_of_hub = hubs.loc[first, "unit_id"].to_numpy()
    return {
        "hub_travel": travel_long(hub_minutes, hubs["site_id"], sites["site_id"], skip_self=False),
        "hub_minutes": pd.DataFrame(between, index=unit_of_hub, columns=unit_of_hub),
    }


class Isochrones(_RoadStage):
    """Isochrones around the hubs and the highest-graded sites."""

    name = "isochrones"
    needs = ("network", "sites")
    params = (NetworkParams, IsochroneParams)
    outputs = (
        Output(
            "isochrones",
            "layer",
            {"en": "Isochrones", "zh": "等时圈"},
            geometry="Polygon",
            map="hidden",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Draw the isochrone bands, or say why there are none."""
        params, sites, hubs = ctx.params, ctx["sites"], ctx.get("hubs")
        chosen = sites[sites["a_grade"] >= params.isochrone_min_grade]
        origins = chosen.geometry if hubs is None else pd.concat([hubs.geometry, chosen.geometry])
        origin_ids = (
            list(chosen["site_id"]) if hubs is None else [*hubs["site_id"], *chosen["site_id"]]
        )
        if not origin_ids:
            return StageResult(
                warnings=[
                    RunWarning(
                        "no_isochrone_origins",
                        {"min_grade": int(params.isochrone_min_grade)},
                    )
                ]
            )
        iso_snap = snap_points(
            ctx["network"],
            gpd.GeoSeries(origins.to_numpy(), crs=sites.crs),
            offroad_speed_kmh=params.offroad_speed_kmh,
        )
        iso = isochrones(
            ctx["network"], iso_snap, origin_ids, minutes=tuple(params.isochrone_minutes)
        )
        iso["origin_kind"] = np.where(iso["origin"].isin(chosen["site_id"]), "site", "hub")
        return StageResult({"isochrones": iso})


class BorderFriction(_RoadStage):
    """Roads crossing shared borders, border dead-ends and detour indices."""

    name = "border friction"
    needs = ("road_graph", "network", "sites", "units", "unit_borders", "directed_borders")
    params = (NetworkParams, FrictionParams)
    outputs = (
        Output(
            "border_crossings",
            "layer",
            {"en": "Roads crossing unit borders", "zh": "跨界道路"},
            geometry="Point",
            map="shown",
        ),
        Output(
            "border_deadends",
            "layer",
            {"en": "Roads ending at a unit border", "zh": "断头路"},
            geometry="Point",
            map="shown",
        ),
        Output(
            "borders",
            "layer",
            {"en": "Shared borders and their crossings", "zh": "共享边界及跨界道路"},
            geometry="MultiLineString",
            csv="borders.csv",
            map="shown",
            display="features",
        ),
        Output(
            "road_exits",
            "layer",
            {"en": "Main roads leaving the road data", "zh": "驶出道路数据范围的主要道路"},
            geometry="Point",
            map="shown",
        ),
        Output(
            "missing_links",
            "layer",
            {"en": "Missing links across borders", "zh": "跨界缺失连接"},
            geometry="LineString",
            csv="missing_links.csv",
            map="shown",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Measure the friction and summarise the network."""
        params, graph, sites = ctx.params, ctx["road_graph"], ctx["sites"]
        crossings = border_crossings(graph, ctx["unit_borders"])
        units, part, network = ctx["units"], ctx.dataset.units, ctx["network"]
        # every node placed once: dead-ends read all of them, links and exits the routable
        located = locate_graph_nodes(graph, units, ctx["directed_borders"], network.crs)
        deadends = border_deadends(
            graph,
            units,
            ctx["directed_borders"],
            near_border_km=params.deadend_near_border_km,
            across_km=params.deadend_across_km,
            ratio=params.deadend_ratio,
            located=located,
        )
        # principal attractions only: a park's own spots and its hotels would swamp the pairs
        sample = sites.iloc[ctx["detour_sites"]]
        principal = ((sample["role"] == ATTRACTION) & sample["parent"].fillna("").eq("")).to_numpy()
        detour = detour_indices(
            sample[principal],
            ctx["detour_metres"][np.ix_(principal, principal)],
            min_km=params.detour_min_km,
            max_km=params.detour_max_km,
            band_edges_km=tuple(params.detour_band_km),
        )
        nodes = locate_nodes(network, units, ctx["directed_borders"], located=located)
        sparse = sparse_road_units(nodes["unit"], units, ratio=params.roads_sparse_ratio)
        shared = ctx["unit_borders"]
        levels = border_levels(shared["unit_a"], shared["unit_b"], units, part.levels, part.level)
        borders = border_table(shared, crossings, levels, sparse_units=set(sparse))
        links = self._missing_links(ctx, nodes, set(sparse))
        exits = data_edge_exits(
            ctx["network"], nodes, set(sparse), near_border_km=params.deadend_near_border_km
        )
        deadends["roads_sparse"] = deadends["neighbour_id"].isin(sparse) | deadends["unit_id"].isin(
            sparse
        )
        hubs, iso = ctx.get("hubs"), ctx.get("isochrones")
        summary = network_indicators(
            network=ctx["network"],
            full_graph=graph,
            crossings=crossings,
            # a dead-end toward a unit without road data is where the data ends, not a finding
            deadends=deadends[~deadends["roads_sparse"]],
            detour=detour.summary(),
            sites=sites,
            params=params,
            unreachable_site_pairs=ctx["unreachable_site_pairs"],
            hubs=0 if hubs is None else len(hubs),
            isochrones=0 if iso is None else len(iso),
        )
        warnings = []
        if sparse:
            warnings.append(
                RunWarning(
                    "roads_sparse", {"n": len(sparse), "ratio": params.roads_sparse_ratio}, sparse
                )
            )
        summary["borders"] = _border_summary(borders)
        summary["units_without_road_data"] = sparse
        summary["deadends_at_data_edge"] = int(deadends["roads_sparse"].sum())
        summary["road_exits"] = [
            {"unit_id": r.unit_id, "toward": r.toward, "highway": r.highway, "name": r.name}
            for r in exits.itertuples()
        ]
        summary["missing_links_total"] = len(links)
        return StageResult(
            {
                "border_crossings": crossings,
                "border_deadends": deadends,
                "borders": borders,
                "missing_links": links,
                "road_exits": exits,
            },
            indicators=summary,
            warnings=warnings,
        )

    @staticmethod
    def _missing_links(ctx: Context, nodes: pd.DataFrame, sparse: set[str]) -> gpd.GeoDataFrame:
        """Find the missing links and the site pairs across borders that would use them.

        Off-network sites (farther than ``snap_max_m`` from a road) are left out of the
        gains: their times are mostly the walk to the road.
        """
        params, network = ctx.params, ctx["network"]
        units, part = ctx["units"], ctx.dataset.units
        links = find_missing_links(
            network,
            nodes,
            ctx["directed_borders"],
            max_km=params.link_max_km,
            near_border_km=params.link_near_border_km,
            link_speed_kmh=params.link_speed_kmh,
            min_saving_min=params.link_min_saving_min,
            thin_km=params.link_thin_km,
            max_links=params.link_max,
        )
        links.insert(
            3,
            "level",
            border_levels(links["unit_a"], links["unit_b"], units, part.levels, part.level),
        )
        links["roads_sparse"] = links["unit_a"].isin(sparse) | links["unit_b"].isin(sparse)
        sites, minutes = ctx["sites"], ctx["site_minutes"]
        chosen = np.arange(len(sites)) if not sp.issparse(minutes) else ctx["detour_sites"]
        usable = (sites["role"].to_numpy() == ATTRACTION) & ~sites["off_network"].to_numpy()
        chosen = chosen[usable[chosen]]
        nodes = ctx["site_nodes"][chosen]
        snapped = ctx["site_snap"]
        present = (
            np.asarray(minutes)[np.ix_(chosen, chosen)]
            if not sp.issparse(minutes)
            else travel_matrix(snapped.minutes, nodes, nodes, limit=params.od_cutoff_min)
        )
        gains = link_site_gains(links, network, snapped.minutes, nodes, present, sites.iloc[chosen])
        return gpd.GeoDataFrame(pd.concat([links, gains], axis=1), geometry="geometry", crs=WGS84)


def sparse_road_units(node_units: pd.Series, units: gpd.GeoDataFrame, *, ratio: float) -> list[str]:
    """Units whose road nodes per km² are below ``ratio`` times the median unit's.

    A road file cut at a national border or covering only part of the units leaves units
    almost without roads: their borders' crossings, dead-ends and links are not findings.

    Parameters
    ----------
    node_units
        The unit of each road node (:func:`geo.missing_links.locate_nodes`).
    units
        Units with ``unit_id`` and ``area_km2``.
    ratio
        Share of the median density below which a unit counts as lacking road data.

    Returns
    -------
    list of str
        The sparse units' ids, sorted.
    """
    counts = node_units[node_units != ""].value_counts()
    area = units.set_index("unit_id")["area_km2"].astype(float)
    density = counts.reindex(area.index, fill_value=0) / area.where(area > 0)
    median = float(density.median())
    if not np.isfinite(median) or median <= 0:
        return []
    return sorted(density.index[(density < ratio * median).to_numpy()].astype(str))


def _border_summary(borders: gpd.GeoDataFrame) -> dict[str, Any]:
    """Count the border table's findings, for indicators.json."""
    out: dict[str, Any] = {"total": len(borders)}
    for finding, group in borders.groupby("finding"):
        out[f"{finding}"] = len(group)
        out[f"{finding}_km"] = round(float(group["length_km"].sum()), 3)
    out["by_level"] = {
        str(level): {"borders": len(g), "no_crossing": int((g["finding"] == "no_crossing").sum())}
        for level, g in borders.groupby("level")
    }
    return out


def travel_long(
    matrix: np.ndarray | sp.spmatrix,
    origins: pd.Series,
    destinations: pd.Series,
    *,
    skip_self: bool,
) -> pd.DataFrame:
    """Finite travel times (dense or sparse matrix) as rows ``origin, destination, minutes``.

    Parameters
    ----------
    matrix
        Minutes, origins by destinations (missing entries of a sparse matrix: no route found).
    origins, destinations
        Ids of the rows and columns.
    skip_self
        Leave out the diagonal (site to itself).

    Returns
    -------
    pandas.DataFrame
        One row per finite travel time.
    """
    if sp.issparse(matrix):
        coo = matrix.tocoo()
        i, j, minutes = coo.row, coo.col, coo.data
    else:
        i, j = np.nonzero(np.isfinite(matrix))
        minutes = matrix[i, j]
    keep = i != j if skip_self else np.ones(len(i), bool)
    return pd.DataFrame(
        {
            "origin": origins.to_numpy()[i[keep]],
            "destination": destinations.to_numpy()[j[keep]],
            "minutes": minutes[keep],
        }
    )
