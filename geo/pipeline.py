"""The pipeline: load -> normalise -> analyse -> :class:`Results`.

This is the only place where stages are wired together. Each stage is timed; optional
analyses that the dataset cannot feed are skipped with the reason recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.admin import assign_units, border_distance, shared_borders, unit_borders
from geo.clusters import ClusterSettings, cluster_sites, describe_clusters
from geo.coords import WGS84
from geo.dataset import Dataset, SitesPart, StatsPart
from geo.dedupe import find_record_duplicates
from geo.density import kernel_density
from geo.diagnostics import RunWarning
from geo.efficiency import dea
from geo.errors import DatasetError
from geo.friction import border_crossings, border_deadends, detour_indices
from geo.indicators import unit_balance
from geo.linkage import centroid_distances, gravity_linkage
from geo.network import build_road_graph, isochrones, prepare_network, snap_points, travel_matrix
from geo.network_summary import network_indicators
from geo.overlap_summary import overlap_indicators
from geo.overlaps import (
    OverlapSettings,
    find_overlaps,
    overlap_groups,
    overlap_lines,
    unit_pair_summary,
)
from geo.results import Results
from geo.sources import check_dem, load_sites, load_units, load_zones
from geo.sources.roads import load_roads
from geo.sources.stats import UnitStats, load_stats
from geo.swot import swot_summary
from geo.taxonomy import Taxonomy, classify_sites, grade_weight, load_taxonomy
from geo.terrain import analyse_terrain

__all__ = ["STAGES", "StageCallback", "run_pipeline"]

STAGES = (
    "load sites",
    "load units",
    "load zones",
    "check DEM",
    "classify sites",
    "record duplicates",
    "assign units",
    "measure borders",
    "load roads",
    "build network",
    "travel times",
    "isochrones",
    "border friction",
    "overlaps",
    "clusters",
    "balance",
    "linkage",
    "efficiency",
    "terrain",
)

#: Up to this many sites, travel times are a dense matrix; above, only pairs within
#: ``od_cutoff_min`` are searched, and detour indices use a seeded sample of this size.
_DENSE_MAX = 3000

#: Called when a stage starts: ``(stage name, index from 0, number of stages)``.
StageCallback = Callable[[str, int, int], None]
T = TypeVar("T")


def _stats_warnings(stats: UnitStats, part: StatsPart) -> list[RunWarning]:
    """Warnings for units without statistics and for values that are not official."""
    found = []
    if stats.missing_units:
        found.append(
            RunWarning(
                "stats_missing_units",
                f"{Path(part.path).name}: {len(stats.missing_units)} units have no row "
                f"({', '.join(stats.missing_units[:10])}); their population counts as 0 in the "
                "linkage and they are left out of the efficiency analysis",
                stats.missing_units,
            )
        )
    for columns, use in (
        ([part.population] if part.population else [], "the gravity linkage"),
        (part.inputs + part.outputs, "the DEA efficiency"),
    ):
        shaky = stats.illustrative_units(columns)
        if shaky:
            found.append(
                RunWarning(
                    "illustrative_stats",
                    f"{Path(part.path).name}: {', '.join(columns)} of {len(shaky)} units are "
                    f"illustrative, not official figures; {use} uses them",
                    shaky,
                )
            )
    return found


def _in_background(func: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    """Run ``func`` on a second thread while the next stages work.

    Used for the clustering, the balance indicators and the distances between unit
    centroids: their neighbour searches, hulls and geodesics release the GIL, so they run on
    the other core. They only read positions, grades, classes, units and travel times,
    which no later stage changes.
    """
    background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
    future = background.submit(func, *args, **kwargs)
    background.shutdown(wait=False)
    return future


def _clusters(
    sites: gpd.GeoDataFrame,
    settings: ClusterSettings,
    zones: gpd.GeoDataFrame | None,
    travel_minutes: np.ndarray | sp.spmatrix | None = None,
) -> tuple[np.ndarray, gpd.GeoDataFrame]:
    """Label the sites with their clusters and describe the clusters."""
    labels = cluster_sites(sites, settings, travel_minutes=travel_minutes)
    return labels, describe_clusters(sites, labels, settings, zones=zones)


def run_pipeline(dataset: Dataset, *, on_stage: StageCallback | None = None) -> Results:
    """Run every stage the dataset can feed.

    Parameters
    ----------
    dataset
        A validated dataset (see :func:`geo.dataset.load_dataset`).
    on_stage
        Progress callback, called as each stage starts.

    Returns
    -------
    Results
        Layers, warnings, skipped analyses and stage timings.

    Raises
    ------
    DatasetError
        On bad input; nothing has been written at that point.
    """
    timings: dict[str, float] = {}
    warnings: list[RunWarning] = []
    sources: dict[str, dict[str, object]] = {}
    skipped: dict[str, str] = {}
    params = dataset.params

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        if on_stage is not None:
            on_stage(name, STAGES.index(name), len(STAGES))
        start = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - start

    with stage("load sites"):
        loaded = load_sites(dataset.sites)
        sites, sources["sites"] = loaded.data, loaded.info
        warnings.extend(loaded.warnings)
    with stage("load units"):
        loaded = load_units(dataset.units, overlap_min_km2=params.unit_overlap_min_km2)
        units, sources["units"] = loaded.data, loaded.info
        warnings.extend(loaded.warnings)
    # without roads the linkage measures between unit centroids: units are all it needs
    unit_distances = None if dataset.roads else _in_background(centroid_distances, units)
    zones = None
    with stage("load zones"):
        if dataset.zones is not None:
            loaded = load_zones(dataset.zones, overlap_min_km2=params.unit_overlap_min_km2)
            zones, sources["zones"] = loaded.data, loaded.info
            warnings.extend(loaded.warnings)
        else:
            skipped["zones"] = "no [zones] in the manifest"
    dem = None
    with stage("check DEM"):
        if dataset.dem is not None:
            dem = check_dem(dataset.dem, units, min_coverage=params.dem_min_coverage)
            sources["dem"] = {k: v for k, v in asdict(dem).items() if k != "warnings"}
            warnings.extend(dem.warnings)
        else:
            skipped["terrain"] = "no [dem] in the manifest"
    with stage("classify sites"):
        taxonomy = _taxonomy(dataset)
        sites, more = classify_sites(sites, taxonomy, category_kinds=dataset.taxonomy.kinds)
        warnings.extend(more)
    with stage("record duplicates"):
        sites, record_duplicates, more = find_record_duplicates(sites, max_m=params.record_dup_m)
        warnings.extend(more)
    cluster_settings = ClusterSettings(
        method=params.cluster_method,
        eps_km=params.cluster_eps_km,
        eps_min=params.cluster_eps_min,
        min_weight=params.cluster_min_weight,
        grade_weights=tuple(params.grade_weights),
        hull_buffer_km=params.hull_buffer_km,
        candidate_min_index=params.candidate_min_index,
        candidate_min_quality=params.candidate_min_quality,
    )
    with stage("assign units"):
        sites, more = assign_units(sites, units)
        warnings.extend(more)
    # the balance needs only each site's unit, grade and class, final from here on
    balancing = _in_background(unit_balance, sites, units, tuple(params.grade_weights))
    # so do the clusters when they are found without roads
    clustering = (
        None if dataset.roads else _in_background(_clusters, sites, cluster_settings, zones)
    )
    with stage("measure borders"):
        directed = unit_borders(units, tolerance_m=params.border_tolerance_m)
        sites = border_distance(sites, directed)
        borders = shared_borders(directed)
    network_parts = _network_stages(dataset, sites, units, directed, borders, stage, warnings)
    travel_minutes = None
    hub_minutes = None
    indicators: dict[str, Any] = {}
    if network_parts is None:
        skipped["network"] = "no [roads] in the manifest"
        network_parts = {}
    else:
        indicators.update(network_parts.pop("indicators"))
        sites = network_parts.pop("sites")
        sources.update(network_parts.pop("sources"))
        travel_minutes = network_parts.pop("site_minutes")
        hub_minutes = network_parts.pop("hub_minutes")
    if clustering is None:  # by road: the travel times were needed first
        clustering = _in_background(_clusters, sites, cluster_settings, zones, travel_minutes)
    with stage("overlaps"):
        settings = OverlapSettings(
            market_minutes=params.market_minutes,
            market_km=params.market_km,
            circuity=params.circuity,
            weights=tuple(params.overlap_weights),  # type: ignore[arg-type]
            group_min_score=params.group_min_score,
        )
        pairs = find_overlaps(sites, units, taxonomy, settings, travel_minutes=travel_minutes)
        groups, pairs["group_id"] = overlap_groups(pairs, sites, params.group_min_score)
        unit_pairs = unit_pair_summary(pairs)
        if len(sites) < 2:
            warnings.append(RunWarning("one_site", "only one site: there is nothing to compare"))
        elif sites["unit_id"].nunique() < 2:
            warnings.append(
                RunWarning(
                    "one_unit",
                    "every site lies in one unit: there can be no cross-border overlaps",
                )
            )
        indicators["overlaps"] = overlap_indicators(
            pairs,
            groups,
            unit_pairs,
            sites,
            record_duplicates,
            mode="road" if travel_minutes is not None else "geodesic",
            settings=settings,
        )
    with stage("clusters"):
        labels, clusters = clustering.result()
        sites = sites.assign(cluster_id=[f"C{x + 1:03d}" if x >= 0 else "" for x in labels])
        indicators["clusters"] = {
            "method": params.cluster_method,
            "distance": "road" if travel_minutes is not None else "geodesic",
            "eps": params.cluster_eps_min if travel_minutes is not None else params.cluster_eps_km,
            "eps_unit": "min" if travel_minutes is not None else "km",
            "clusters": len(clusters),
            "sites_in_clusters": int((labels >= 0).sum()),
            "cooperation_candidates": clusters[clusters["candidate"]]
            .drop(columns="geometry")
            .to_dict(orient="records"),
        }
    with stage("balance"):
        unit_table, region = balancing.result()
        if len(units) < 2:
            warnings.append(
                RunWarning("one_unit_only", "a single unit: no inequality measures across units")
            )
        indicators["balance"] = region
        weights = grade_weight(sites["a_grade"], params.grade_weights)
        density = kernel_density(
            sites,
            weights,
            tuple(units.total_bounds),
            bandwidth_km=params.density_bandwidth_km,
            cell_km=params.density_cell_km,
        )
    with stage("linkage"):
        stats = load_stats(dataset.stats, list(units["unit_id"])) if dataset.stats else None
        population_column = dataset.stats.population if dataset.stats else None
        if stats is not None:
            warnings.extend(_stats_warnings(stats, dataset.stats))
        links, link_share, link_summary = gravity_linkage(
            units,
            unit_table.set_index("unit_id")["endowment"],
            population=stats.table[population_column] if population_column else None,
            hub_minutes=hub_minutes,
            centroid_km=unit_distances.result() if unit_distances is not None else None,
        )
        if population_column:
            shaky = stats.illustrative_units([population_column])
            links["illustrative"] = links["unit_a"].isin(shaky) | links["unit_b"].isin(shaky)
            link_summary["population_illustrative_units"] = shaky
        unit_table["linkage_share"] = unit_table["unit_id"].map(link_share).fillna(0.0)
        indicators["linkage"] = link_summary | {
            "strongest": links.head(10).to_dict(orient="records")
        }
    efficiency = None
    with stage("efficiency"):
        if stats is None or not (dataset.stats.inputs and dataset.stats.outputs):
            skipped["efficiency"] = "no [stats] with inputs and outputs in the manifest"
        else:
            columns = dataset.stats.inputs + dataset.stats.outputs
            efficiency = dea(stats.table, dataset.stats.inputs, dataset.stats.outputs)
            efficiency.insert(0, "unit_id", efficiency.index)
            shaky = stats.illustrative_units(columns)
            efficiency["illustrative"] = efficiency["unit_id"].isin(shaky)
            indicators["efficiency"] = {
                "model": "input-oriented DEA, CCR and BCC (scipy HiGHS)",
                "inputs": dataset.stats.inputs,
                "outputs": dataset.stats.outputs,
                "illustrative_units": shaky,
                "units": efficiency.reset_index(drop=True).to_dict(orient="records"),
            }
    terrain = None
    with stage("terrain"):
        if dataset.dem is not None:
            terrain = analyse_terrain(dataset.dem.path, dataset.dem.band, sites, units)
            sites = sites.assign(elevation_m=terrain.elevation, slope_deg=terrain.slope)
            unit_table = unit_table.merge(terrain.units, on="unit_id", how="left")
            if terrain.missing_sites:
                warnings.append(
                    RunWarning(
                        "sites_outside_dem",
                        f"{terrain.missing_sites} sites are outside the DEM or on no-data cells; "
                        "they have no elevation or slope",
                    )
                )
            indicators["terrain"] = {
                "sites_with_values": int(len(sites) - terrain.missing_sites),
                "sites_missing": terrain.missing_sites,
                "site_elevation_m": {
                    "mean": float(np.nanmean(terrain.elevation))
                    if len(sites) > terrain.missing_sites
                    else None
                },
                "steep_threshold_deg": 25.0,
                "hillshade_png": "hillshade.png",
                "hillshade_bounds_wgs84": list(terrain.bounds),
                "units": terrain.units.to_dict(orient="records"),
            }
    indicators["swot"] = swot_summary(
        sites,
        units,
        zones,
        unit_table,
        pairs,
        clusters,
        links,
        deadends=network_parts.get("border_deadends"),
        efficiency=efficiency,
    )
    return Results(
        dataset=dataset,
        sites=sites,
        units=units,
        zones=zones,
        borders=borders,
        dem=dem,
        sources=sources,
        warnings=warnings,
        skipped=skipped,
        timings=timings,
        indicators=indicators,
        record_duplicates=record_duplicates,
        overlaps=pairs,
        overlap_groups=groups,
        overlap_unit_pairs=unit_pairs,
        overlap_pairs=overlap_lines(pairs, sites),
        clusters=clusters,
        unit_indicators=unit_table,
        linkage=links,
        efficiency=None if efficiency is None else efficiency.reset_index(drop=True),
        terrain=terrain,
        density=density,
        **network_parts,
    )


def _travel_long(
    matrix: np.ndarray | sp.spmatrix,
    origins: pd.Series,
    destinations: pd.Series,
    *,
    skip_self: bool,
) -> pd.DataFrame:
    """Finite travel times (dense or sparse matrix) as rows ``origin, destination, minutes``."""
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


def _network_stages(
    dataset: Dataset,
    sites: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    directed: gpd.GeoDataFrame,
    borders: gpd.GeoDataFrame,
    stage: Callable[[str], AbstractContextManager[None]],
    warnings: list[RunWarning],
) -> dict[str, Any] | None:
    """Roads -> network -> travel times -> isochrones -> border friction (None: no roads)."""
    params = dataset.params
    if dataset.roads is None:
        for name in (
            "load roads",
            "build network",
            "travel times",
            "isochrones",
            "border friction",
        ):
            with stage(name):
                pass
        return None
    sources: dict[str, dict[str, object]] = {}
    with stage("load roads"):
        loaded = load_roads(
            dataset.roads, bounds=tuple(units.total_bounds), margin_km=params.network_margin_km
        )
        sources["roads"] = loaded.info
        warnings.extend(loaded.warnings)
        hubs = None
        if dataset.hubs is not None:
            hub_layer = load_sites(SitesPart(**dataset.hubs.model_dump()))
            hubs, _ = assign_units(hub_layer.data, units)
            sources["hubs"] = hub_layer.info
    with stage("build network"):
        full_graph = build_road_graph(loaded.data, speeds_kmh=params.road_speeds_kmh)
        network = prepare_network(full_graph)
        if network.components > 1:
            warnings.append(
                RunWarning(
                    "network_components",
                    f"the road network has {network.components} separate parts; the largest "
                    f"({len(network.nodes)} nodes) is used for travel times, "
                    f"{network.dropped_nodes} nodes in the others are left out",
                )
            )
    with stage("travel times"):
        snapped = snap_points(network, sites.geometry, offroad_speed_kmh=params.offroad_speed_kmh)
        sites = sites.copy()
        sites["snap_m"] = snapped.snap_m
        sites["off_network"] = snapped.snap_m > params.snap_max_m
        if sites["off_network"].any():
            far = sites.loc[sites["off_network"]]
            warnings.append(
                RunWarning(
                    "sites_off_network",
                    f"{len(far)} sites are more than {params.snap_max_m:g} m from any road; their "
                    f"off-road leg is timed at {params.offroad_speed_kmh:g} km/h",
                    [f"{r.site_id} {r.name}: {r.snap_m:.0f} m" for r in far.itertuples()],
                )
            )
        ids = snapped.first_node + np.arange(len(sites))
        if len(sites) <= _DENSE_MAX:
            site_minutes = travel_matrix(snapped.minutes, ids, ids)
            unreachable: int | None = int((~np.isfinite(site_minutes)).sum())
            detour_idx = np.arange(len(sites))
        else:  # only pairs within the cut-off are searched and stored
            site_minutes = travel_matrix(
                snapped.minutes, ids, ids, limit=params.od_cutoff_min, sparse=True
            )
            unreachable = None
            detour_idx = np.sort(np.random.default_rng(0).choice(len(sites), _DENSE_MAX, False))
        if unreachable:
            warnings.append(
                RunWarning(
                    "site_pairs_unreachable",
                    f"{unreachable} ordered site pairs have no road route; they get no travel time",
                )
            )
        site_metres = travel_matrix(snapped.metres, ids[detour_idx], ids[detour_idx])
        site_travel = _travel_long(site_minutes, sites["site_id"], sites["site_id"], skip_self=True)
        hub_travel = None
        hub_unit_minutes = None
        if hubs is not None:
            hub_snap = snap_points(
                network,
                pd.concat([hubs.geometry, sites.geometry], ignore_index=True),
                offroad_speed_kmh=params.offroad_speed_kmh,
            )
            hub_ids = hub_snap.first_node + np.arange(len(hubs))
            site_ids = hub_snap.first_node + len(hubs) + np.arange(len(sites))
            hub_minutes = travel_matrix(
                hub_snap.minutes, hub_ids, site_ids, limit=params.od_cutoff_min
            )
            hub_travel = _travel_long(
                hub_minutes, hubs["site_id"], sites["site_id"], skip_self=False
            )
            # hub to hub, one hub per unit (the first listed), for gravity linkage
            first = ~hubs["unit_id"].duplicated() & hubs["unit_id"].astype(bool)
            chosen = hub_ids[first.to_numpy()]
            between = travel_matrix(hub_snap.minutes, chosen, chosen)
            unit_of_hub = hubs.loc[first, "unit_id"].to_numpy()
            hub_unit_minutes = pd.DataFrame(between, index=unit_of_hub, columns=unit_of_hub)
    with stage("isochrones"):
        chosen = sites[sites["a_grade"] >= params.isochrone_min_grade]
        origins = chosen.geometry if hubs is None else pd.concat([hubs.geometry, chosen.geometry])
        origin_ids = (
            list(chosen["site_id"]) if hubs is None else [*hubs["site_id"], *chosen["site_id"]]
        )
        iso = None
        if origin_ids:
            iso_snap = snap_points(
                network,
                gpd.GeoSeries(origins.to_numpy(), crs=sites.crs),
                offroad_speed_kmh=params.offroad_speed_kmh,
            )
            iso = isochrones(network, iso_snap, origin_ids, minutes=tuple(params.isochrone_minutes))
            iso["origin_kind"] = np.where(iso["origin"].isin(chosen["site_id"]), "site", "hub")
        else:
            warnings.append(
                RunWarning(
                    "no_isochrone_origins",
                    f"no isochrones: no [hubs] and no site of A-grade {params.isochrone_min_grade} "
                    "or more (lower isochrone_min_grade in [params] to draw them)",
                )
            )
    with stage("border friction"):
        crossings = border_crossings(full_graph, borders)
        deadends = border_deadends(
            full_graph,
            units,
            directed,
            near_border_km=params.deadend_near_border_km,
            across_km=params.deadend_across_km,
            ratio=params.deadend_ratio,
        )
        detour = detour_indices(
            sites.iloc[detour_idx],
            site_metres,
            min_km=params.detour_min_km,
            max_km=params.detour_max_km,
        )
    roads = network.edges.to_crs(WGS84).reset_index()[
        ["u", "v", "key", "highway", "name", "length", "speed_kph", "travel_time", "geometry"]
    ]
    roads = roads.rename(columns={"length": "length_m", "travel_time": "travel_time_s"})
    indicators = {
        "network": network_indicators(
            network=network,
            full_graph=full_graph,
            crossings=crossings,
            deadends=deadends,
            detour=detour.summary(),
            sites=sites,
            params=params,
            unreachable_site_pairs=unreachable,
            hubs=0 if hubs is None else len(hubs),
            isochrones=0 if iso is None else len(iso),
        )
    }
    return {
        "sites": sites,
        "site_minutes": site_minutes,
        "hub_minutes": hub_unit_minutes,
        "sources": sources,
        "hubs": hubs,
        "roads": roads,
        "border_crossings": crossings,
        "border_deadends": deadends,
        "isochrones": iso,
        "site_travel": site_travel,
        "hub_travel": hub_travel,
        "indicators": indicators,
    }


def _taxonomy(dataset: Dataset) -> Taxonomy:
    """Load the bundled taxonomy with the dataset's own rules; unknown kind ids are an error."""
    taxonomy = load_taxonomy(theme_keywords=dataset.taxonomy.theme_keywords)
    for category, kind in dataset.taxonomy.kinds.items():
        if kind not in taxonomy.kinds:
            msg = (
                f"{dataset.manifest}: [taxonomy] kinds maps '{category}' to unknown kind "
                f"'{kind}'; use one of {', '.join(taxonomy.kinds)}"
            )
            raise DatasetError(msg)
    return taxonomy
