"""Cross-border resource clusters and cooperation candidates (runs in the background)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.analyses.base import Context, Output, Stage, StageResult
from geo.analyses.columns import CLUSTER_COLUMNS
from geo.clusters import (
    ClusterParams,
    cluster_distance,
    cluster_sites,
    describe_clusters,
    radius_check,
)
from geo.diagnostics import RunWarning
from geo.overlaps import group_levels
from geo.taxonomy import ATTRACTION

if TYPE_CHECKING:
    from geo.dataset import Dataset

__all__ = ["Clusters"]


class Clusters(Stage):
    """Density-based clusters of sites, their hulls, units and cross-border index."""

    name = "clusters"
    section = "clusters"
    needs = ("sites", "units")
    params = (ClusterParams,)
    background = True
    outputs = (
        Output(
            "clusters",
            "layer",
            {"en": "Resource clusters", "zh": "资源集群"},
            geometry="Polygon",
            files=("clusters.geojson",),
            map="shown",
            columns=CLUSTER_COLUMNS,
        ),
    )

    def starts_after(self, dataset: Dataset) -> str:
        """Positions, grades, units and parents are final; by road, travel times too."""
        return "travel times" if dataset.roads is not None else "link components"

    def run(self, ctx: Context) -> StageResult:
        """Cluster the principal attractions and describe the clusters.

        Components, facilities and capacity are not clustered: a component belongs to its
        parent's cluster, a hotel to none.
        """
        params, every = ctx.params, ctx["sites"]
        principal = np.flatnonzero(
            (every["role"] == ATTRACTION).to_numpy() & every["parent"].fillna("").eq("").to_numpy()
        )
        sites = every.iloc[principal].reset_index(drop=True)
        minutes = ctx.get("site_minutes")
        if minutes is not None:
            minutes = (
                minutes[principal][:, principal]
                if sp.issparse(minutes)
                else np.asarray(minutes)[np.ix_(principal, principal)]
            )
        labels = cluster_sites(sites, params, travel_minutes=minutes)
        clusters = describe_clusters(sites, labels, params, zones=ctx.get("zones"))
        part = ctx.dataset.units
        clusters["level"] = group_levels(clusters["units"], ctx["units"], part.levels, part.level)
        distance = cluster_distance(params, minutes)
        warnings = []
        if params.cluster_method == "dbscan" and (
            spacing := radius_check(sites, params, travel_minutes=minutes)
        ):
            warnings.append(spacing)
        if params.cluster_method == "hdbscan":
            warnings.append(RunWarning("hdbscan_unweighted", {"variant": distance}))
        summary = {
            "method": params.cluster_method,
            "distance": distance,
            "eps": params.cluster_eps_min if distance == "road" else params.cluster_eps_km,
            "eps_unit": "min" if distance == "road" else "km",
            "grade_weighted": params.cluster_method == "dbscan",
            "clusters": len(clusters),
            "sites_in_clusters": int((labels >= 0).sum()),
            "cooperation_candidates": clusters[clusters["candidate"]]
            .drop(columns="geometry")
            .to_dict(orient="records"),
        }
        own = pd.Series([f"C{x + 1:03d}" if x >= 0 else "" for x in labels], index=principal)
        ids = pd.Series("", index=np.arange(len(every)), dtype=object)
        ids[principal] = own.to_numpy()
        by_id = dict(zip(every["site_id"].to_numpy()[principal], own.to_numpy(), strict=True))
        parent = every["parent"].fillna("").to_numpy()
        part = (every["role"] == ATTRACTION).to_numpy() & (parent != "")
        ids[part] = [by_id.get(p, "") for p in parent[part]]  # a component: its parent's
        return StageResult(
            {"clusters": clusters},
            columns={"sites": {"cluster_id": ids.tolist()}},
            indicators=summary,
            warnings=warnings,
        )
