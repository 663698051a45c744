"""Cross-border resource clusters: density-based clusters of sites and cooperation candidates.

Sites are clustered with DBSCAN (scikit-learn) over geodesic distance (haversine ball tree,
``cluster_eps_km``) or, when the dataset has roads, over road travel time (a sparse
precomputed matrix, ``cluster_eps_min``); each site weighs by its grade (``grade_weights``),
so a 5A site counts for more towards a core. HDBSCAN is available with
``cluster_method = "hdbscan"`` (geodesic).

Per cluster: a hull (concave hull of the members, buffered), site count, grade-weighted
quality, member units with their shares of that quality, the **cross-border index** =
normalised Shannon entropy of the unit shares, -Σ p ln p / ln m over the m member units
(0 = one unit, 1 = evenly split), dominant kinds and themes, and the share inside each zone.
**Cooperation candidates**: clusters spanning at least two units with an index and a quality
at or above the thresholds, ranked by index x quality.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from sklearn.cluster import DBSCAN, HDBSCAN

from geo.coords import WGS84, local_projected_crs
from geo.taxonomy import split_themes

__all__ = ["ClusterSettings", "cluster_sites", "cross_border_index", "describe_clusters"]

_EARTH_KM = 6371.0088


@dataclass(frozen=True)
class ClusterSettings:
    """Parameters of the cluster analysis (from ``[params]``)."""

    method: str = "dbscan"
    eps_km: float = 10.0
    eps_min: float = 20.0
    min_weight: float = 6.0
    grade_weights: tuple[float, ...] = (1.0, 1.0, 2.0, 3.0, 4.0, 5.0)
    hull_buffer_km: float = 1.0
    candidate_min_index: float = 0.3
    candidate_min_quality: float = 10.0


def cross_border_index(shares: np.ndarray) -> float:
    """Normalised Shannon entropy of shares: 0 for one unit, 1 for an even split.

    Parameters
    ----------
    shares
        Positive shares of the member units (need not sum to 1).

    Returns
    -------
    float
        ``-Σ p ln p / ln m``; 0 when ``m < 2``.
    """
    p = np.asarray(shares, dtype=float)
    p = p[p > 0] / p[p > 0].sum()
    if len(p) < 2:
        return 0.0
    return float(-(p * np.log(p)).sum() / np.log(len(p)))


def cluster_sites(
    sites: gpd.GeoDataFrame,
    settings: ClusterSettings,
    *,
    travel_minutes: np.ndarray | sp.spmatrix | None = None,
) -> np.ndarray:
    """Label each site with its cluster (``-1`` = noise).

    Parameters
    ----------
    sites
        Sites (EPSG:4326) with ``a_grade``.
    settings
        Method, radius and minimum weight of a core.
    travel_minutes
        Site x site travel times: cluster by road when given (DBSCAN only).

    Returns
    -------
    numpy.ndarray
        Integer labels, clusters numbered from 0.
    """
    if len(sites) == 0:
        return np.zeros(0, int)
    weights = np.asarray(settings.grade_weights)[sites["a_grade"].clip(0, 5).to_numpy()]
    if travel_minutes is not None and settings.method == "dbscan":
        dense = (
            travel_minutes.toarray() if sp.issparse(travel_minutes) else np.asarray(travel_minutes)
        )
        if sp.issparse(travel_minutes):
            dense[dense == 0] = np.inf
            np.fill_diagonal(dense, 0.0)
        both = np.minimum(dense, dense.T)
        i, j = np.nonzero(both <= settings.eps_min)
        graph = sp.csr_matrix((both[i, j] + 1e-12, (i, j)), shape=both.shape)  # keep zeros
        model = DBSCAN(eps=settings.eps_min + 1e-9, min_samples=1, metric="precomputed")
        labels = model.fit_predict(graph, sample_weight=weights / settings.min_weight)
        return labels
    coords = np.radians(np.column_stack([sites.geometry.y, sites.geometry.x]))
    if settings.method == "hdbscan":
        model = HDBSCAN(min_cluster_size=max(2, int(settings.min_weight)), metric="haversine")
        return model.fit_predict(coords)
    model = DBSCAN(
        eps=settings.eps_km / _EARTH_KM, min_samples=1, metric="haversine", algorithm="ball_tree"
    )
    return model.fit_predict(coords, sample_weight=weights / settings.min_weight)


def describe_clusters(
    sites: gpd.GeoDataFrame,
    labels: np.ndarray,
    settings: ClusterSettings,
    *,
    zones: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Hulls and numbers of every cluster, cooperation candidates marked and ranked.

    Parameters
    ----------
    sites
        Sites with ``site_id``, ``unit_id``, ``a_grade``, ``kind``, ``themes``.
    labels
        Output of :func:`cluster_sites`.
    settings
        Weights, hull buffer and candidate thresholds.
    zones
        Zones, for the share of each cluster inside each.

    Returns
    -------
    geopandas.GeoDataFrame
        ``cluster_id``, ``sites``, ``quality``, ``units`` (``id:share;...``), ``n_units``,
        ``cross_border_index``, ``kinds``, ``themes``, ``zone_shares``, ``candidate``,
        ``rank`` (candidates only), ``site_ids`` and the hull polygon (EPSG:4326).
    """
    weights = np.asarray(settings.grade_weights)[sites["a_grade"].clip(0, 5).to_numpy()]
    crs = local_projected_crs(tuple(sites.total_bounds))
    projected = sites.to_crs(crs).geometry.values
    in_zone = {}
    if zones is not None and len(zones):
        for zone in zones.itertuples():
            in_zone[zone.zone_id] = sites.within(zone.geometry).to_numpy()
    rows = []
    for label in sorted(set(labels) - {-1}):
        members = np.flatnonzero(labels == label)
        w = weights[members]
        by_unit = pd.Series(w, index=sites["unit_id"].to_numpy()[members]).groupby(level=0).sum()
        by_unit = by_unit[by_unit.index != ""].sort_values(ascending=False)
        shares = by_unit / by_unit.sum() if by_unit.sum() else by_unit
        points = shapely.multipoints(projected[members])
        hull = shapely.concave_hull(points, ratio=0.5) if len(members) > 2 else points
        hull = shapely.buffer(hull, settings.hull_buffer_km * 1000.0)
        themes = pd.Series(
            [t for text in sites["themes"].iloc[members] for t in split_themes(text)], dtype=object
        )
        rows.append(
            {
                "cluster_id": f"C{label + 1:03d}",
                "sites": len(members),
                "quality": float(w.sum()),
                "units": ";".join(f"{u}:{s:.3f}" for u, s in shares.items()),
                "n_units": len(shares),
                "cross_border_index": round(cross_border_index(shares.to_numpy()), 4),
                "kinds": ";".join(sites["kind"].iloc[members].value_counts().index[:3]),
                "themes": ";".join(themes.value_counts().index[:3]),
                "zone_shares": ";".join(
                    f"{z}:{mask[members].mean():.3f}" for z, mask in in_zone.items()
                ),
                "site_ids": ";".join(sites["site_id"].iloc[members]),
                "geometry": hull,
            }
        )
    columns = [
        "cluster_id",
        "sites",
        "quality",
        "units",
        "n_units",
        "cross_border_index",
        "kinds",
        "themes",
        "zone_shares",
        "site_ids",
        "geometry",
    ]
    out = gpd.GeoDataFrame(rows or None, columns=columns, geometry="geometry", crs=crs).to_crs(
        WGS84
    )
    out["candidate"] = (
        (out["n_units"] >= 2)
        & (out["cross_border_index"] >= settings.candidate_min_index)
        & (out["quality"] >= settings.candidate_min_quality)
    )
    merit = (out["cross_border_index"] * out["quality"]).where(out["candidate"])
    out["rank"] = merit.rank(ascending=False, method="first").astype("Int64")
    return out.sort_values(["candidate", "quality"], ascending=False, kind="stable").reset_index(
        drop=True
    )
