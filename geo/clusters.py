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

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pydantic import Field
from scipy.spatial import cKDTree

from geo.coords import EARTH_RADIUS_M, WGS84, local_projected_crs
from geo.dedupe import unit_sphere_xyz
from geo.diagnostics import RunWarning
from geo.grouping import join_groups
from geo.network import faster_direction
from geo.taxonomy import GradeParams, grade_weight

__all__ = [
    "ClusterParams",
    "cluster_distance",
    "cluster_sites",
    "cross_border_index",
    "describe_clusters",
    "radius_check",
]

#: Fewer sites than this with a neighbour within the radius, and the radius is too small.
RADIUS_MIN_REACH = 0.25
#: The radius check needs at least this many sites to say anything about their spacing.
RADIUS_CHECK_MIN_SITES = 10
#: Sites whose neighbours the radius check measures (a fixed sample of larger sets).
RADIUS_SAMPLE = 20_000

_EARTH_KM = EARTH_RADIUS_M / 1000.0
#: Stands for 'no route' in HDBSCAN's distance matrix (it takes no infinities).
_UNREACHABLE_MIN = 1e6


class ClusterParams(GradeParams):
    """Parameters of the cluster analysis (keys of ``[params]``)."""

    cluster_method: Literal["dbscan", "hdbscan"] = Field(
        "dbscan",
        description="dbscan (grade-weighted cores) or hdbscan (unweighted: grade weights are "
        "ignored; road travel times are used when they are a full matrix)",
    )
    cluster_eps_km: float = Field(10.0, gt=0, description="DBSCAN radius without roads")
    cluster_eps_min: float = Field(20.0, gt=0, description="DBSCAN radius by road")
    cluster_min_weight: float = Field(6.0, gt=0, description="grade weight that makes a core")
    hull_buffer_km: float = Field(1.0, ge=0, description="buffer around a cluster's hull")
    candidate_min_index: float = Field(
        0.3, ge=0, le=1, description="cross-border index a cooperation candidate needs"
    )
    candidate_min_quality: float = Field(
        10.0, ge=0, description="grade-weighted quality a cooperation candidate needs"
    )


def cluster_distance(
    params: ClusterParams, travel_minutes: np.ndarray | sp.spmatrix | None
) -> Literal["road", "geodesic"]:
    """Say which distance the clustering uses: road travel time or geodesic distance.

    DBSCAN uses any travel times; HDBSCAN only a full (dense) matrix of them.
    """
    if travel_minutes is None:
        return "geodesic"
    if params.cluster_method == "hdbscan" and sp.issparse(travel_minutes):
        return "geodesic"
    return "road"


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
    settings: ClusterParams,
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
    from sklearn.cluster import DBSCAN, HDBSCAN  # imported where used (a second at start)

    if len(sites) == 0:
        return np.zeros(0, int)
    weights = grade_weight(sites["a_grade"], settings.grade_weights)
    # a core needs weight >= min_weight; the slack keeps sums that are exactly the threshold
    # on the same side whatever order the neighbour search adds them in
    core_weights = weights / settings.cluster_min_weight * (1 + 1e-9)
    by_road = cluster_distance(settings, travel_minutes) == "road"
    if by_road and settings.cluster_method == "dbscan":
        i, j, minutes = faster_direction(travel_minutes, settings.cluster_eps_min)
        n = len(sites)
        # both directions; a tiny offset keeps zero-minute neighbours as stored entries
        graph = sp.csr_matrix(
            (np.r_[minutes, minutes] + 1e-12, (np.r_[i, j], np.r_[j, i])), shape=(n, n)
        )
        model = DBSCAN(eps=settings.cluster_eps_min + 1e-9, min_samples=1, metric="precomputed")
        return model.fit_predict(graph, sample_weight=core_weights)
    if by_road:  # HDBSCAN over the full matrix, the faster direction of every pair
        minutes = np.minimum(travel_minutes, travel_minutes.T)
        minutes = np.where(np.isfinite(minutes), minutes, _UNREACHABLE_MIN)
        np.fill_diagonal(minutes, 0.0)
        model = HDBSCAN(
            min_cluster_size=max(2, int(settings.cluster_min_weight)),
            metric="precomputed",
            copy=True,
        )
        return model.fit_predict(minutes)
    if settings.cluster_method == "hdbscan":
        coords = np.radians(np.column_stack([sites.geometry.y, sites.geometry.x]))
        model = HDBSCAN(
            min_cluster_size=max(2, int(settings.cluster_min_weight)), metric="haversine", copy=True
        )
        return model.fit_predict(coords)
    # great-circle neighbourhoods, found as straight-line (chord) neighbourhoods in 3-D: the
    # chord grows with the arc, so the same pairs are within eps, and a k-d tree on three
    # coordinates is several times faster than a ball tree with haversine
    xyz = unit_sphere_xyz(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()) / 1000.0
    chord_km = 2 * _EARTH_KM * np.sin(settings.cluster_eps_km / (2 * _EARTH_KM))
    model = DBSCAN(eps=chord_km, min_samples=1, algorithm="kd_tree", n_jobs=-1)
    return model.fit_predict(xyz, sample_weight=core_weights)


def radius_check(
    sites: gpd.GeoDataFrame,
    settings: ClusterParams,
    *,
    travel_minutes: np.ndarray | sp.spmatrix | None = None,
) -> RunWarning | None:
    """Warn, with the numbers, when the cluster radius is far below the sites' spacing.

    The radius suits the data when most sites have another site within it. When fewer than
    :data:`RADIUS_MIN_REACH` of the sites do (sparse, e.g. national data under a county
    radius), clusters form only where sites are densest. Geodesic: the warning gives the
    median distance to the nearest site and a radius to try, the median distance to the
    k-th nearest site, k being the neighbours a site of median weight needs to be a core.
    Above :data:`RADIUS_SAMPLE` sites the numbers come from a fixed sample of them (each
    measured against all sites), which keeps the check to a second on a million sites.

    Parameters
    ----------
    sites
        Sites (EPSG:4326) with ``a_grade``.
    settings
        The cluster parameters.
    travel_minutes
        Site x site travel times, when the clustering is by road.

    Returns
    -------
    RunWarning or None
        ``cluster_radius_small`` (facts: variant road/geodesic, share, radius, and for
        geodesic distances the median nearest-site distance and a suggested radius), or None.
    """
    n = len(sites)
    if n < RADIUS_CHECK_MIN_SITES:
        return None
    if cluster_distance(settings, travel_minutes) == "road":
        i, j, _ = faster_direction(travel_minutes, settings.cluster_eps_min)
        reached = np.zeros(n, bool)
        reached[i[i != j]] = reached[j[i != j]] = True
        share = float(reached.mean())
        if share >= RADIUS_MIN_REACH:
            return None
        facts = {"variant": "road", "share": round(100 * share), "eps": settings.cluster_eps_min}
        return RunWarning("cluster_radius_small", facts)
    weights = grade_weight(sites["a_grade"], settings.grade_weights)
    k = int(min(max(np.ceil(settings.cluster_min_weight / np.median(weights)) - 1, 1), n - 1))
    xyz = unit_sphere_xyz(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()) / 1000.0
    # the spacing of a fixed sample of sites (all of them up to RADIUS_SAMPLE) to all sites
    sample = np.random.default_rng(0).choice(n, min(n, RADIUS_SAMPLE), replace=False)
    chord, _ = cKDTree(xyz).query(xyz[sample], k=[2, k + 1])  # k=1 is the site itself
    arc_km = 2 * _EARTH_KM * np.arcsin(np.minimum(chord / (2 * _EARTH_KM), 1.0))
    share = float((arc_km[:, 0] <= settings.cluster_eps_km).mean())
    if share >= RADIUS_MIN_REACH:
        return None
    facts = {
        "variant": "geodesic",
        "share": round(100 * share),
        "eps": settings.cluster_eps_km,
        "nearest_km": float(f"{np.median(arc_km[:, 0]):.2g}"),
        "k": k,
        "suggest_km": float(f"{np.median(arc_km[:, 1]):.2g}"),
    }
    return RunWarning("cluster_radius_small", facts)


def _top(frame: pd.DataFrame, column: str, k: int = 3) -> pd.Series:
    """Join the k most frequent values of ``column`` per cluster with ``;``."""
    counts = frame.groupby(["label", column]).size().reset_index(name="n")
    counts = counts[counts[column] != ""].sort_values(
        ["label", "n", column], ascending=[True, False, True]
    )
    top = counts.groupby("label").head(k)
    return join_groups(top["label"].to_numpy(), top[column].to_numpy())


def describe_clusters(
    sites: gpd.GeoDataFrame,
    labels: np.ndarray,
    settings: ClusterParams,
    *,
    zones: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Hulls and numbers of every cluster, cooperation candidates marked and ranked.

    Computed for all clusters at once (grouped and vectorised), not cluster by cluster.

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
    member = labels >= 0
    if not member.any():
        empty = gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=WGS84)
        return empty.assign(candidate=pd.Series(dtype=bool), rank=pd.Series(dtype="Int64"))
    weights = grade_weight(sites["a_grade"], settings.grade_weights)
    frame = pd.DataFrame(
        {
            "label": labels[member],
            "unit": sites["unit_id"].to_numpy()[member],
            "weight": weights[member],
            "kind": sites["kind"].to_numpy()[member],
            "site_id": sites["site_id"].to_numpy()[member],
        }
    )
    grouped = frame.groupby("label")
    out = pd.DataFrame({"sites": grouped.size(), "quality": grouped["weight"].sum()})
    by_unit = frame[frame["unit"] != ""].groupby(["label", "unit"])["weight"].sum()
    share = by_unit / by_unit.groupby(level=0).transform("sum")
    entropy = (-(share * np.log(share))).groupby(level=0).sum()
    n_units = share.groupby(level=0).size()
    out["n_units"] = n_units.reindex(out.index, fill_value=0)
    norm = np.log(out["n_units"].where(out["n_units"] > 1))
    out["cross_border_index"] = (
        (entropy.reindex(out.index, fill_value=0.0) / norm).fillna(0.0).round(4)
    )
    ordered = share.reset_index(name="share").sort_values(
        ["label", "share"], ascending=[True, False]
    )
    out["units"] = join_groups(
        ordered["label"].to_numpy(),
        (ordered["unit"] + ":" + ordered["share"].map("{:.3f}".format)).to_numpy(),
    )
    out["kinds"] = _top(frame, "kind")
    themes = sites["themes"].to_numpy()[member]
    exploded = (
        pd.DataFrame({"label": labels[member], "theme": themes})
        .assign(theme=lambda d: d["theme"].str.split(";"))
        .explode("theme")
    )
    out["themes"] = _top(exploded.fillna(""), "theme")
    zone_parts = []
    if zones is not None and len(zones):
        for zone in zones.itertuples():
            inside = pd.Series(sites.within(zone.geometry).to_numpy()[member], index=frame.index)
            zone_parts.append(
                zone.zone_id + ":" + inside.groupby(frame["label"]).mean().map("{:.3f}".format)
            )
    out["zone_shares"] = pd.concat(zone_parts, axis=1).agg(";".join, axis=1) if zone_parts else ""
    out["site_ids"] = join_groups(frame["label"].to_numpy(), frame["site_id"].to_numpy())
    crs = local_projected_crs(tuple(sites.total_bounds))
    projected = sites.to_crs(crs).geometry.values[member]
    order = np.argsort(frame["label"].to_numpy(), kind="stable")
    points = shapely.multipoints(
        projected[order],
        indices=np.searchsorted(out.index.to_numpy(), frame["label"].to_numpy()[order]),
    )
    hulls = shapely.buffer(
        shapely.concave_hull(points, ratio=0.5), settings.hull_buffer_km * 1000.0
    )
    out = out.fillna({"units": "", "kinds": "", "themes": ""})
    out.insert(0, "cluster_id", [f"C{label + 1:03d}" for label in out.index])
    result = gpd.GeoDataFrame(
        out.reset_index(drop=True)[columns[:-1]], geometry=hulls, crs=crs
    ).to_crs(WGS84)
    result["candidate"] = (
        (result["n_units"] >= 2)
        & (result["cross_border_index"] >= settings.candidate_min_index)
        & (result["quality"] >= settings.candidate_min_quality)
    )
    merit = (result["cross_border_index"] * result["quality"]).where(result["candidate"])
    result["rank"] = merit.rank(ascending=False, method="first").astype("Int64")
    return result.sort_values(["candidate", "quality"], ascending=False, kind="stable").reset_index(
        drop=True
    )
