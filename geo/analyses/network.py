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
from geo.friction import border_crossings, border_deadends, detour_indices
from geo.network import build_road_graph, isochrones, prepare_network, snap_points, travel_matrix
from geo.network_summary import network_indicators
from geo.parts import SitesPart
from geo.sources import load_sites
from geo.sources.roads import load_roads

__all__ = ["BorderFriction", "BuildNetwork", "Isochrones", "LoadRoads", "TravelTimes"]

#: Up to this many sites, travel times are a dense matrix; above, only pairs within
#: ``od_cutoff_min`` are searched, and detour indices use a seeded sample of this size.
DENSE_MAX = 3000


class NetworkParams(ParamModel):
    """Roads, speeds and travel times (keys of ``[params]``)."""

    road_speeds_kmh: dict[str, PositiveFloat] = Field(
        default_factory=dict, description="speeds by OSM road class, over the defaults"
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
        full_graph = build_road_graph(ctx["road_lines"], speeds_kmh=ctx.params.road_speeds_kmh)
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
    )

    def run(self, ctx: Context) -> StageResult:
        """Measure the friction and summarise the network."""
        params, graph, sites = ctx.params, ctx["road_graph"], ctx["sites"]
        crossings = border_crossings(graph, ctx["unit_borders"])
        deadends = border_deadends(
            graph,
            ctx["units"],
            ctx["directed_borders"],
            near_border_km=params.deadend_near_border_km,
            across_km=params.deadend_across_km,
            ratio=params.deadend_ratio,
        )
        detour = detour_indices(
            sites.iloc[ctx["detour_sites"]],
            ctx["detour_metres"],
            min_km=params.detour_min_km,
            max_km=params.detour_max_km,
        )
        hubs, iso = ctx.get("hubs"), ctx.get("isochrones")
        summary = network_indicators(
            network=ctx["network"],
            full_graph=graph,
            crossings=crossings,
            deadends=deadends,
            detour=detour.summary(),
            sites=sites,
            params=params,
            unreachable_site_pairs=ctx["unreachable_site_pairs"],
            hubs=0 if hubs is None else len(hubs),
            isochrones=0 if iso is None else len(iso),
        )
        return StageResult(
            {"border_crossings": crossings, "border_deadends": deadends}, indicators=summary
        )


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
