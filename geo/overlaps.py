"""Duplicated construction (重复建设): scored overlap pairs, overlap groups, unit-pair summary.

Two sites overlap when they are of the same ``kind`` or share a theme and lie within the
market cut-off of each other: ``market_minutes`` of road travel when the dataset has roads,
otherwise ``market_km`` of geodesic distance (road distance is then estimated as geodesic x
``circuity`` for the explanation). Candidates come from one spatial index per kind and per
theme (a KD-tree on the sphere, or the travel-time matrix), never from all pairs.

Score (0-100) = 100 x similarity^w_s x proximity^w_p x grade_similarity^w_g, where

* similarity = 1 for the same kind, else the Jaccard index of the two theme sets;
* proximity = 1 - d / cut-off (d in minutes or km);
* grade_similarity = 1 - |grade_a - grade_b| / 5 (A-grades 0-5);
* w_s, w_p, w_g are ``overlap_weights`` in ``[params]`` (default 1, 1, 1).

Pairs with a score of at least ``group_min_score`` form overlap groups (connected
components).
"""

from __future__ import annotations

from typing import Annotated

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pydantic import Field
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.analyses.base import ParamModel
from geo.coords import EARTH_RADIUS_M, GEOD, WGS84
from geo.dedupe import unit_sphere_xyz
from geo.grouping import join_groups
from geo.i18n import explain_pairs
from geo.network import faster_direction
from geo.taxonomy import OTHER, Taxonomy, explode_themes

__all__ = [
    "OverlapParams",
    "find_overlaps",
    "overlap_groups",
    "overlap_lines",
    "unit_pair_summary",
]


class OverlapParams(ParamModel):
    """Parameters of the overlap analysis (keys of ``[params]``)."""

    market_minutes: float = Field(60.0, gt=0, description="overlap cut-off by road (minutes)")
    market_km: float = Field(30.0, gt=0, description="overlap cut-off without roads (km)")
    circuity: float = Field(1.3, ge=1, description="road km per straight-line km (estimate)")
    overlap_weights: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [1.0, 1.0, 1.0],
        min_length=3,
        max_length=3,
        description="exponents of similarity, proximity, grade similarity in the score",
    )
    group_min_score: float = Field(30.0, ge=0, le=100, description="weaker pairs join no group")


def _groups(kinds: np.ndarray, themes: pd.Series) -> dict[str, np.ndarray]:
    """Row indices of every kind (but ``other``) and every theme with at least two sites."""
    rows = pd.Series(np.arange(len(kinds)))
    groups = {f"kind:{k}": r for k, r in rows.groupby(kinds).indices.items() if k != OTHER}
    exploded = explode_themes(themes)  # themes: on a 0..n-1 index
    for theme, index in rows.iloc[exploded.index].groupby(exploded.to_numpy()).indices.items():
        groups[f"theme:{theme}"] = exploded.index.to_numpy()[index]
    return {g: np.asarray(r) for g, r in groups.items() if len(r) > 1}


def _pairs_geodesic(
    lon: np.ndarray, lat: np.ndarray, groups: dict[str, np.ndarray], cutoff_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xyz = unit_sphere_xyz(lon, lat)
    # the sphere is within 0.5 % of the ellipsoid: search a little wider, then measure exactly
    chord = 2 * EARTH_RADIUS_M * np.sin(cutoff_km * 1000 / (2 * EARTH_RADIUS_M)) * 1.005
    found = []
    for rows in groups.values():
        tree = cKDTree(xyz[rows], balanced_tree=False, compact_nodes=False)
        local = tree.query_pairs(chord, output_type="ndarray")
        if len(local):
            found.append(rows[local])
    if not found:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    both = np.sort(np.vstack(found), axis=1)
    codes = np.unique(both[:, 0].astype(np.int64) * len(lon) + both[:, 1])
    i, j = codes // len(lon), codes % len(lon)
    km = GEOD.inv(lon[i], lat[i], lon[j], lat[j])[2] / 1000.0
    keep = km <= cutoff_km
    return i[keep], j[keep], km[keep]


def _shared_themes(
    theme_text: pd.Series, i: np.ndarray, j: np.ndarray
) -> tuple[pd.Series, np.ndarray]:
    """Return the themes each pair shares (sorted, ``;``-joined) and their Jaccard index.

    Theme sets are bit masks (one bit per theme, in as many 64-bit words as needed), so the
    intersection of two million pairs is a vectorised ``and``.
    """
    exploded = explode_themes(theme_text)
    vocabulary = np.sort(exploded.unique()).astype(object)
    if not len(vocabulary) or not len(i):
        return pd.Series("", index=range(len(i)), dtype="str"), np.zeros(len(i))
    bit = np.searchsorted(vocabulary, exploded.to_numpy(dtype=object))
    masks = np.zeros((len(theme_text), (len(vocabulary) + 63) // 64), np.uint64)
    np.bitwise_or.at(
        masks,
        (exploded.index.to_numpy(), bit // 64),
        np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64)),
    )
    common = masks[i] & masks[j]
    inter = np.bitwise_count(common).sum(axis=1)
    union = np.bitwise_count(masks[i] | masks[j]).sum(axis=1)
    jaccard = np.divide(inter, union, out=np.zeros(len(i)), where=union > 0)
    some = np.flatnonzero(inter)  # most pairs share no theme: words only for the others
    patterns, which = np.unique(common[some], axis=0, return_inverse=True)
    bits = np.arange(len(vocabulary))
    words = [""]
    for row in patterns:  # one per distinct intersection: few
        present = (row[bits // 64] >> (bits % 64).astype(np.uint64)) & np.uint64(1)
        words.append(";".join(vocabulary[present.astype(bool)]))
    pattern = np.zeros(len(i), np.int64)
    pattern[some] = which.ravel() + 1
    return pd.Series(pd.array(words, dtype="str").take(pattern)), jaccard


def find_overlaps(
    sites: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    taxonomy: Taxonomy,
    settings: OverlapParams,
    *,
    travel_minutes: np.ndarray | sp.spmatrix | None = None,
) -> pd.DataFrame:
    """Find and score overlap pairs.

    Parameters
    ----------
    sites
        Classified, de-duplicated sites with ``unit_id`` (EPSG:4326).
    units
        Units (for names in the explanations).
    taxonomy
        For kind names.
    settings
        Cut-offs and weights.
    travel_minutes
        Site x site travel times (dense, or sparse within a cut-off) when roads exist; None
        for geodesic mode.

    Returns
    -------
    pandas.DataFrame
        One row per pair (``site_a`` before ``site_b`` in file order), best score first.
    """
    kinds = sites["kind"].to_numpy(dtype=object)
    theme_text = sites["themes"].fillna("").astype(str).reset_index(drop=True)
    groups = _groups(kinds, theme_text)
    by_road = travel_minutes is not None
    if by_road:  # every pair within the cut-off; unrelated kinds drop out below
        cutoff = settings.market_minutes
        i, j, d = faster_direction(travel_minutes, cutoff)
    else:
        cutoff = settings.market_km
        lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
        i, j, d = _pairs_geodesic(lon, lat, groups, cutoff)
    kind_code, kind_names = pd.factorize(sites["kind"])
    same_kind = (kind_code[i] == kind_code[j]) & (kind_names.take(kind_code[i]) != OTHER)
    shared, jaccard = _shared_themes(theme_text, i, j)
    similarity = np.where(same_kind, 1.0, jaccard)
    proximity = np.clip(1.0 - d / cutoff, 0.0, 1.0)
    grades = sites["a_grade"].to_numpy()
    grade_similarity = 1.0 - np.abs(grades[i] - grades[j]) / 5.0
    ws, wp, wg = settings.overlap_weights
    score = 100.0 * similarity**ws * proximity**wp * grade_similarity**wg
    unit_code = pd.factorize(sites["unit_id"])[0]
    keep = similarity > 0
    i, j, d = i[keep], j[keep], d[keep]

    def at(column: str, rows: np.ndarray) -> pd.Series:  # taken without leaving Arrow
        return pd.Series(sites[column].array.take(rows))

    kind_a = at("kind", i)

    pairs = pd.DataFrame(
        {
            "site_a": at("site_id", i),
            "name_a": at("name", i),
            "unit_a": at("unit_id", i),
            "site_b": at("site_id", j),
            "name_b": at("name", j),
            "unit_b": at("unit_id", j),
            "kind_a": kind_a,
            "kind_b": at("kind", j),
            "shared_kind": kind_a.where(same_kind[keep], ""),
            "shared_themes": shared[keep].reset_index(drop=True),
            "distance": np.round(d, 3),
            "distance_unit": "min" if by_road else "km",
            "similarity": np.round(similarity[keep], 4),
            "proximity": np.round(proximity[keep], 4),
            "grade_similarity": np.round(grade_similarity[keep], 4),
            "score": np.round(score[keep], 2),
            "cross_border": unit_code[i] != unit_code[j],
        }
    )
    pairs["explanation"] = explain_pairs(
        pairs, sites, units, "en", by_road=by_road, circuity=settings.circuity
    )
    return pairs.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def overlap_groups(
    pairs: pd.DataFrame, sites: gpd.GeoDataFrame, min_score: float
) -> tuple[pd.DataFrame, pd.Series]:
    """Group the pairs scoring at least ``min_score`` into connected components.

    Parameters
    ----------
    pairs
        Output of :func:`find_overlaps`.
    sites
        The sites the pairs refer to.
    min_score
        Weaker pairs do not join groups.

    Returns
    -------
    tuple
        Groups (``group_id``, ``sites``, ``site_ids``, ``names``, ``units``, ``cross_border``,
        ``kinds``, ``themes``, ``pairs``, ``max_score``, ``mean_score``) largest first, and
        each pair's ``group_id`` (empty below ``min_score``).
    """
    strong = pairs["score"] >= min_score
    position = pd.Index(sites["site_id"])
    a = position.get_indexer(pairs.loc[strong, "site_a"])
    b = position.get_indexer(pairs.loc[strong, "site_b"])
    n = len(sites)
    _, label = connected_components(
        sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False
    )
    member = np.zeros(n, bool)
    member[a] = member[b] = True
    pair_label = pd.Series(label[a], index=pairs.index[strong])
    idx = np.flatnonzero(member)  # ascending: sites keep their input order in a group
    comp = label[idx]
    unit_ids = sites["unit_id"].to_numpy()[idx]
    strong_pairs = pairs.loc[strong]
    pair_comp = pair_label.to_numpy()
    words = lambda values: ";".join(sorted(set(";".join(values).split(";")) - {""}))  # noqa: E731
    by_score = strong_pairs["score"].groupby(pair_comp)
    rows = pd.DataFrame(
        {
            "sites": pd.Series(comp).value_counts(),
            "site_ids": join_groups(comp, sites["site_id"].to_numpy()[idx]),
            "names": join_groups(comp, sites["name"].to_numpy()[idx]),
            "units": join_groups(comp, unit_ids, lambda u: ";".join(sorted(set(u)))),
            "cross_border": pd.Series(unit_ids).groupby(comp).nunique() > 1,
            "kinds": join_groups(pair_comp, strong_pairs["shared_kind"].to_numpy(), words),
            "themes": join_groups(pair_comp, strong_pairs["shared_themes"].to_numpy(), words),
            "pairs": by_score.size(),
            "max_score": by_score.max().astype(float),
            "mean_score": by_score.mean().round(2),
        }
    )
    rows = rows.loc[pd.Series(label[member]).value_counts().index].rename_axis("component")
    groups = rows.reset_index()
    if groups.empty:
        return pd.DataFrame(columns=["group_id"]), pd.Series("", index=pairs.index)
    groups = groups.sort_values(["sites", "max_score"], ascending=False, kind="stable").reset_index(
        drop=True
    )
    groups.insert(0, "group_id", [f"G{k + 1:03d}" for k in range(len(groups))])
    names = dict(zip(groups["component"], groups["group_id"], strict=True))
    pair_group = pd.Series("", index=pairs.index, dtype=object)
    pair_group[pair_label.index] = pair_label.map(names).to_numpy()
    return groups.drop(columns="component"), pair_group


def unit_pair_summary(pairs: pd.DataFrame) -> pd.DataFrame:
    """Overlaps per pair of units (a unit with itself for same-unit pairs).

    Parameters
    ----------
    pairs
        Output of :func:`find_overlaps`.

    Returns
    -------
    pandas.DataFrame
        ``unit_a <= unit_b``, ``pairs``, ``cross_border``, ``mean_score``, ``max_score``,
        ``top_kinds`` and ``top_themes`` (most frequent three), most pairs first.
    """
    if pairs.empty:
        return pd.DataFrame(
            columns=[
                "unit_a",
                "unit_b",
                "pairs",
                "cross_border",
                "mean_score",
                "max_score",
                "top_kinds",
                "top_themes",
            ]
        )
    ua = np.minimum(pairs["unit_a"], pairs["unit_b"])
    ub = np.maximum(pairs["unit_a"], pairs["unit_b"])
    frame = pd.DataFrame({"ua": ua, "ub": ub, "score": pairs["score"]})
    grouped = frame.groupby(["ua", "ub"])
    summary = grouped.agg(
        pairs=("score", "size"), mean_score=("score", "mean"), max_score=("score", "max")
    )
    group = grouped.ngroup().to_numpy()  # the row of summary each pair falls in
    summary["top_kinds"] = _most_frequent(group, pairs["shared_kind"], len(summary))
    summary["top_themes"] = _most_frequent(group, pairs["shared_themes"], len(summary))
    summary = summary.reset_index().rename(columns={"ua": "unit_a", "ub": "unit_b"})
    summary.insert(3, "cross_border", summary["unit_a"] != summary["unit_b"])
    summary["mean_score"] = summary["mean_score"].round(2)
    return summary.sort_values(["pairs", "max_score"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def _most_frequent(group: np.ndarray, texts: pd.Series, groups: int, top: int = 3) -> np.ndarray:
    """Return the ``top`` most frequent ``;``-separated values of each group (ties: first seen)."""
    values = explode_themes(texts.reset_index(drop=True), ";")
    exploded = pd.DataFrame(
        {"group": group[values.index], "value": values.to_numpy(), "order": np.arange(len(values))}
    )
    counted = exploded.groupby(["group", "value"], sort=False).agg(
        count=("order", "size"), first=("order", "min")
    )
    counted = counted.reset_index().sort_values(
        ["group", "count", "first"], ascending=[True, False, True], kind="stable"
    )
    best = counted.groupby("group", sort=False).head(top)
    joined = best.groupby("group", sort=True)["value"].agg(";".join)
    out = np.full(groups, "", dtype=object)
    out[joined.index.to_numpy()] = joined.to_numpy()
    return out


def overlap_lines(pairs: pd.DataFrame, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Draw the pairs as lines between their two sites (EPSG:4326), for the GeoPackage and maps.

    Parameters
    ----------
    pairs
        Output of :func:`find_overlaps` (with ``group_id``).
    sites
        The sites the pairs refer to.

    Returns
    -------
    geopandas.GeoDataFrame
        ``pairs`` with LineString geometry.
    """
    position = pd.Index(sites["site_id"])
    xy = shapely.get_coordinates(sites.geometry.values)
    a = xy[position.get_indexer(pairs["site_a"])]
    b = xy[position.get_indexer(pairs["site_b"])]
    lines = shapely.linestrings(np.stack([a, b], axis=1)) if len(pairs) else []
    return gpd.GeoDataFrame(pairs, geometry=lines, crs=WGS84)  # copy on write: pairs untouched
