"""Pair relations: duplicated construction (competing), complementary, component and shared.

Candidate pairs are sites within the outer reach of each other (``reach_minutes`` by road
when the dataset has roads, else ``reach_km`` geodesic) that could be related: the same
kind, the same product family, or a shared theme. One spatial index per kind, family and
theme (a KD-tree on the sphere, or the travel-time matrix) finds them, never all pairs.
Accommodation, catering, shops and amenities (role ``capacity``) are never paired;
components are paired only with their parent.

Each pair gets one **relation**:

* ``component`` — one is part of the other (:mod:`geo.parents`); not a rival.
* ``shared`` — one resource listed by two units (:mod:`geo.dedupe`); a cross-border
  finding for both units.
* ``competing`` — **duplicated construction (重复建设)**: substitutes whose markets overlap
  by at least ``min_market_overlap``, at least one of them developed. Substitutes are two
  sites of the same kind (for kinds with a subject, such as museums or temples, only when
  they also share a theme), or of the same product family (similarity 0.8). Two public
  visitor facilities of one kind compete only across a border, and not when both belong to
  one scenic area (its operator's own layout).
* ``complementary`` — different products that share a theme, two endowments of the same
  kind, or two sites of a kind with a subject but of other subjects that share at least 80 %
  of their market (a museum quarter): a joint product or route, never a threat.

Scores (0-100), for competing and complementary pairs:

    score = 100 · S^w1 · O^w2 · G^w3 · I^w4

* S — similarity: 1 for the same kind, 0.8 for the same family, else the Jaccard index of
  the two theme sets (complementary pairs);
* O — market overlap (:func:`geo.markets.market_overlap`);
* G — grade similarity 1 − |a − b| / 5 when both sites are A-graded, else 1: an unknown grade
  is not a grade of 0, so it neither helps nor hurts;
* I — importance √(i_a · i_b), i = the grade weight over the largest (``grade_weights``;
  ungraded sites weigh as little as 1A): two ungraded relics never outrank two graded
  products;
* w1..w4 — ``overlap_weights`` (default 1, 1, 1, 1).

Competing pairs scoring at least ``group_min_score`` form overlap groups (connected
components); the headline counts competing pairs at or above it. Competing and
complementary pairs scoring below ``min_pair_score`` are not listed, only counted: noise is
no finding. ``level`` is the border a cross-border pair crosses: the highest of the units'
declared ``levels`` on which the two units differ, else the units' own level (county).
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
from geo.coords import GEOD, WGS84
from geo.dedupe import search_chord_m, unit_sphere_xyz
from geo.grouping import join_groups
from geo.i18n import explain_pairs
from geo.markets import market_overlap
from geo.network import faster_direction
from geo.taxonomy import (
    ATTRACTION,
    CAPACITY,
    DEVELOPED,
    FACILITY,
    OTHER,
    Taxonomy,
    explode_themes,
    shared_themes,
)

__all__ = [
    "COMPETING",
    "COMPLEMENTARY",
    "COMPONENT",
    "RELATIONS",
    "SHARED",
    "UNLISTED",
    "OverlapParams",
    "border_levels",
    "find_overlaps",
    "group_levels",
    "overlap_groups",
    "overlap_lines",
    "unit_pair_summary",
]

COMPETING, COMPLEMENTARY, COMPONENT, SHARED = "competing", "complementary", "component", "shared"
#: Every relation, in the order the tables list them.
RELATIONS = (COMPETING, COMPLEMENTARY, SHARED, COMPONENT)
#: ``attrs`` key of the pairs table: pairs of each relation scoring below ``min_pair_score``.
UNLISTED = "unlisted_below_min_pair_score"
_FAMILY_SIMILARITY = 0.8
_QUARTER_OVERLAP = 0.8


class OverlapParams(ParamModel):
    """Parameters of the pair relations (keys of ``[params]``)."""

    min_market_overlap: float = Field(
        0.1, ge=0, le=1, description="substitutes sharing less of their market do not compete"
    )
    circuity: float = Field(1.3, ge=1, description="road km per straight-line km (estimate)")
    overlap_weights: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [1.0, 1.0, 1.0, 1.0],
        min_length=4,
        max_length=4,
        description="exponents of similarity, market overlap, grade similarity, importance",
    )
    group_min_score: float = Field(
        30.0, ge=0, le=100, description="competing pairs scoring this much are counted and grouped"
    )
    min_pair_score: float = Field(
        5.0,
        ge=0,
        le=100,
        description="competing and complementary pairs scoring less are not "
        "listed (they are counted)",
    )


def _groups(
    kinds: np.ndarray, families: np.ndarray, themes: pd.Series, role: np.ndarray
) -> dict[str, np.ndarray]:
    """Row indices of every kind, family and theme with at least two sites that may pair.

    Facilities pair only within their kind; capacity never; attractions by kind, family and
    theme.
    """
    rows = pd.Series(np.arange(len(kinds)))
    attraction = role == ATTRACTION
    pairable = role != CAPACITY
    groups = {
        f"kind:{k}": r
        for k, r in rows[pairable].groupby(kinds[pairable]).groups.items()
        if k != OTHER
    }
    groups |= {
        f"family:{f}": r
        for f, r in rows[attraction].groupby(families[attraction]).groups.items()
        if f
    }
    exploded = explode_themes(themes)  # themes: on a 0..n-1 index
    exploded = exploded[attraction[exploded.index.to_numpy()]]
    for theme, index in pd.Series(exploded.index).groupby(exploded.to_numpy()).groups.items():
        groups[f"theme:{theme}"] = exploded.index.to_numpy()[index]
    return {g: np.asarray(r, dtype=np.int64) for g, r in groups.items() if len(r) > 1}


def _pairs_geodesic(
    lon: np.ndarray, lat: np.ndarray, groups: dict[str, np.ndarray], cutoff_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xyz = unit_sphere_xyz(lon, lat)
    chord = search_chord_m(cutoff_km)  # a little wider than the ellipsoid: measured below
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


def border_levels(
    unit_a: pd.Series, unit_b: pd.Series, units: pd.DataFrame, levels: list[str], level: str
) -> np.ndarray:
    """Name the border each pair of units crosses: the highest level on which they differ.

    Parameters
    ----------
    unit_a, unit_b
        Unit ids of the pairs.
    units
        Units with ``unit_id`` and the ``levels`` columns.
    levels
        Hierarchy columns, top first (e.g. ``["province", "prefecture"]``).
    level
        What the units themselves are (e.g. ``county``).

    Returns
    -------
    numpy.ndarray
        The level's name per pair; empty within one unit or for a site outside every unit.
    """
    ids = pd.Index(units["unit_id"].astype(str))
    a, b = ids.get_indexer(unit_a.astype(str)), ids.get_indexer(unit_b.astype(str))
    out = np.where((a != b) & (a >= 0) & (b >= 0), level, "").astype(object)
    for column in reversed(levels):  # bottom up: a higher level that differs wins
        code = pd.factorize(units[column].fillna("").astype(str))[0]
        out = np.where((out != "") & (code[a] != code[b]), column, out)
    return out


def group_levels(
    members: pd.Series, units: pd.DataFrame, levels: list[str], level: str
) -> np.ndarray:
    """Name the border a group of units spans (a cluster): the highest level they differ on.

    Parameters
    ----------
    members
        Each group's unit ids, ``;``-joined (``unit:share`` items are read as ``unit``).
    units
        Units with ``unit_id`` and the ``levels`` columns.
    levels, level
        As for :func:`border_levels`.

    Returns
    -------
    numpy.ndarray
        The level's name per group; empty for a group within one unit.
    """
    ids = explode_themes(members.fillna("").astype(str).reset_index(drop=True), ";")
    ids = ids.str.split(":").str[0]
    frame = pd.DataFrame({"group": ids.index.to_numpy(), "unit": ids.to_numpy()})
    frame = frame.merge(units.assign(unit=units["unit_id"].astype(str)), on="unit", how="inner")
    out = np.full(len(members), "", dtype=object)
    spans = frame.groupby("group")["unit"].nunique()
    out[spans.index[spans > 1].to_numpy()] = level
    for column in reversed(levels):  # bottom up: a higher level that differs wins
        differ = frame.groupby("group")[column].nunique()
        out[differ.index[differ > 1].to_numpy()] = column
    return out


def _importance(grades: np.ndarray, weights: list[float] | tuple[float, ...]) -> np.ndarray:
    """Return the grade weight over the largest (ungraded sites weigh as 1A)."""
    table = np.asarray(weights, dtype=float)
    return table[np.clip(grades, 0, 5).astype(int)] / table.max()


def _candidates(
    sites: gpd.GeoDataFrame, taxonomy: Taxonomy, reach: float, travel_minutes: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs that may be related (same kind, family or theme), within the reach."""
    kinds = sites["kind"].to_numpy(dtype=object)
    families = sites["kind"].map({k: v.family for k, v in taxonomy.kinds.items()}).fillna("")
    role = sites["role"].to_numpy(dtype=object)
    unparented = sites["parent"].fillna("").eq("").to_numpy() | (role == FACILITY)
    theme_text = sites["themes"].fillna("").astype(str).reset_index(drop=True)
    groups = _groups(kinds, families.to_numpy(dtype=object), theme_text, role)
    groups = {g: r[unparented[r]] for g, r in groups.items()}  # components pair with no one
    groups = {g: r for g, r in groups.items() if len(r) > 1}
    if travel_minutes is not None:  # every pair within the reach; unrelated ones drop below
        i, j, d = faster_direction(travel_minutes, reach)
        member = np.zeros(len(sites), bool)
        for rows in groups.values():
            member[rows] = True
        keep = member[i] & member[j]
        return i[keep], j[keep], d[keep]
    lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    return _pairs_geodesic(lon, lat, groups, reach)


def _fixed_pairs(
    sites: gpd.GeoDataFrame, shared: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Component (child, parent) and shared (two records) pairs, as positions and relations."""
    position = pd.Index(sites["site_id"].astype(str))
    # a hotel or a car park of the park is counted with it, not listed as a pair
    attraction = (sites["role"] == ATTRACTION).to_numpy()
    child = np.flatnonzero(sites["parent"].fillna("").ne("").to_numpy() & attraction)
    parent = position.get_indexer(sites["parent"].to_numpy()[child])
    a, b, rel = [child[parent >= 0]], [parent[parent >= 0]], [COMPONENT] * int((parent >= 0).sum())
    if shared is not None and len(shared):
        two = shared[shared["records"] == 2]
        sa, sb = position.get_indexer(two["site_a"]), position.get_indexer(two["site_b"])
        ok = (sa >= 0) & (sb >= 0)
        a.append(sa[ok])
        b.append(sb[ok])
        rel += [SHARED] * int(ok.sum())
    i, j = np.concatenate(a).astype(np.int64), np.concatenate(b).astype(np.int64)
    return np.minimum(i, j), np.maximum(i, j), np.array(rel, dtype=object)


def find_overlaps(
    sites: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    taxonomy: Taxonomy,
    settings: OverlapParams,
    *,
    weights: sp.csr_matrix,
    reach: float,
    grade_weights: list[float] | tuple[float, ...],
    travel_minutes: np.ndarray | sp.spmatrix | None = None,
    shared: pd.DataFrame | None = None,
    levels: list[str] | None = None,
    level: str = "county",
) -> pd.DataFrame:
    """Find the related pairs, give each its relation and score the competing ones.

    Parameters
    ----------
    sites
        Classified, de-duplicated sites with ``unit_id``, ``origin``, ``role`` and
        ``parent`` (EPSG:4326).
    units
        Units (names for the explanations; the ``levels`` columns).
    taxonomy
        For kind names, families and subjects.
    settings
        Thresholds and weights.
    weights
        Each site's decayed catchment over the market points (:mod:`geo.markets`).
    reach
        Outer reach: road minutes with ``travel_minutes``, else km.
    grade_weights
        Weight of a site by A-grade 0..5 (its importance).
    travel_minutes
        Site x site travel times (dense, or sparse within a cut-off) when roads exist; None
        for geodesic mode.
    shared
        Shared resources (:func:`geo.dedupe.shared_resources`).
    levels, level
        The units' hierarchy columns (top first) and their own level.

    Returns
    -------
    pandas.DataFrame
        One row per pair (``site_a`` before ``site_b`` in file order): competing first, best
        score first, then complementary, shared and component pairs; competing and
        complementary pairs scoring below ``min_pair_score`` are left out and counted in
        ``attrs[UNLISTED]``.
    """
    by_road = travel_minutes is not None
    i, j, d = _candidates(sites, taxonomy, reach, travel_minutes)
    fi, fj, fixed = _fixed_pairs(sites, shared)
    if len(fi):  # their distance, measured as the others are
        if by_road:
            fd = _pair_minutes(travel_minutes, fi, fj)
        else:
            lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
            fd = GEOD.inv(lon[fi], lat[fi], lon[fj], lat[fj])[2] / 1000.0
        drop = np.isin(i * len(sites) + j, fi * len(sites) + fj)
        i, j, d = i[~drop], j[~drop], d[~drop]
    else:
        fd = np.zeros(0)
    given = np.concatenate([np.full(len(i), "", dtype=object), fixed])
    i, j, d = np.concatenate([i, fi]), np.concatenate([j, fj]), np.concatenate([d, fd])
    facts = _pair_facts(sites, taxonomy, weights, i, j)
    relation = np.where(given != "", given, _relations(sites, settings, facts, i, j))
    score = _scores(sites, settings, facts, relation, i, j, grade_weights)
    scored = (relation == COMPETING) | (relation == COMPLEMENTARY)
    keep = (relation != "") & (~scored | (score >= settings.min_pair_score))
    rows = np.flatnonzero(keep)
    unlisted = {
        r: int(((relation == r) & scored & ~keep).sum()) for r in (COMPETING, COMPLEMENTARY)
    }
    facts = {k: (v.iloc[rows].reset_index(drop=True) if isinstance(v, pd.Series) else v[rows])
             for k, v in facts.items()}  # fmt: skip
    pairs = _pair_table(
        sites, units, settings, facts, i[rows], j[rows], d[rows], relation[rows], score[rows],
        by_road=by_road, levels=levels or [], level=level,
    )  # fmt: skip
    pairs.attrs[UNLISTED] = unlisted
    return pairs


def _pair_minutes(matrix: np.ndarray | sp.spmatrix, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Return the faster direction's minutes for given pairs (inf where not searched)."""
    if sp.issparse(matrix):
        csr = sp.csr_matrix(matrix)
        there = np.asarray(csr[i, j]).ravel()
        back = np.asarray(csr[j, i]).ravel()
        there[there == 0] = np.inf
        back[back == 0] = np.inf
    else:
        there, back = np.asarray(matrix)[i, j], np.asarray(matrix)[j, i]
    return np.minimum(there, back)


def _pair_facts(
    sites: gpd.GeoDataFrame,
    taxonomy: Taxonomy,
    weights: sp.csr_matrix,
    i: np.ndarray,
    j: np.ndarray,
) -> dict[str, np.ndarray | pd.Series]:
    """Compare each pair once: kinds, family, subject, shared themes, Jaccard, market overlap."""
    kind_code, kind_names = pd.factorize(sites["kind"])
    same_kind = (kind_code[i] == kind_code[j]) & (kind_names.take(kind_code[i]) != OTHER)
    family = sites["kind"].map({k: v.family for k, v in taxonomy.kinds.items()}).fillna("")
    fam = family.to_numpy(dtype=object)
    by_theme = {k for k, v in taxonomy.kinds.items() if v.substitute == "theme"}
    theme_text = sites["themes"].fillna("").astype(str).reset_index(drop=True)
    shared, jaccard = shared_themes(theme_text, i, j)
    return {
        "same_kind": same_kind,
        "same_family": ~same_kind & (fam[i] == fam[j]) & (fam[i] != ""),
        "needs_theme": sites["kind"].isin(by_theme).to_numpy()[i],
        "shared": shared,
        "jaccard": jaccard,
        "overlap": market_overlap(weights, i, j),
    }


def _relations(
    sites: gpd.GeoDataFrame,
    settings: OverlapParams,
    facts: dict[str, np.ndarray | pd.Series],
    i: np.ndarray,
    j: np.ndarray,
) -> np.ndarray:
    """Give each candidate pair its relation (empty: not related enough to report)."""
    same_kind, jaccard, overlap = facts["same_kind"], facts["jaccard"], facts["overlap"]
    role = sites["role"].to_numpy(dtype=object)
    developed = (sites["origin"] == DEVELOPED).to_numpy()
    unit = sites["unit_id"].astype(str).to_numpy()
    facility = (role[i] == FACILITY) | (role[j] == FACILITY)
    substitutes = (same_kind & (~facts["needs_theme"] | (jaccard > 0))) | facts["same_family"]
    markets_meet = overlap >= settings.min_market_overlap
    parent = sites["parent"].fillna("").astype(str).to_numpy()
    one_scene = (parent[i] == parent[j]) & (parent[i] != "")  # one operator's own layout
    competing = np.where(
        facility,
        same_kind & (role[i] == role[j]) & (unit[i] != unit[j]) & markets_meet & ~one_scene,
        substitutes & markets_meet & (developed[i] | developed[j]),
    )
    # two museums of other subjects that share most of their market: a museum quarter
    quarter = same_kind & facts["needs_theme"] & (jaccard == 0) & (overlap >= _QUARTER_OVERLAP)
    endowments = substitutes & ~developed[i] & ~developed[j]
    # substitutes with separate markets are neither rivals nor a joint product
    complementary = ~facility & ~competing & (((jaccard > 0) & ~substitutes) | quarter | endowments)
    return np.where(competing, COMPETING, np.where(complementary, COMPLEMENTARY, "")).astype(object)


def _scores(
    sites: gpd.GeoDataFrame,
    settings: OverlapParams,
    facts: dict[str, np.ndarray | pd.Series],
    relation: np.ndarray,
    i: np.ndarray,
    j: np.ndarray,
    grade_weights: list[float] | tuple[float, ...],
) -> np.ndarray:
    """Score competing and complementary pairs 0-100 (NaN for the others); keep the terms."""
    grades = sites["a_grade"].to_numpy(dtype=float)
    graded = (grades[i] >= 1) & (grades[j] >= 1)
    facts["grade_similarity"] = np.where(graded, 1.0 - np.abs(grades[i] - grades[j]) / 5.0, 1.0)
    facts["importance"] = np.sqrt(
        _importance(grades[i], grade_weights) * _importance(grades[j], grade_weights)
    )
    jaccard = facts["jaccard"]
    similarity = np.where(
        facts["same_kind"], 1.0, np.where(facts["same_family"], _FAMILY_SIMILARITY, jaccard)
    )
    facts["similarity"] = similarity
    w1, w2, w3, w4 = settings.overlap_weights
    scored = (relation == COMPETING) | (relation == COMPLEMENTARY)
    return np.where(
        scored,
        100.0
        * similarity**w1
        * facts["overlap"] ** w2
        * facts["grade_similarity"] ** w3
        * facts["importance"] ** w4,
        np.nan,
    )


def _pair_table(
    sites: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    settings: OverlapParams,
    facts: dict[str, np.ndarray | pd.Series],
    i: np.ndarray,
    j: np.ndarray,
    d: np.ndarray,
    relation: np.ndarray,
    score: np.ndarray,
    *,
    by_road: bool,
    levels: list[str],
    level: str,
) -> pd.DataFrame:
    """Build the pairs' table: facts, scores, level and explanation."""

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
            "relation": relation,
            "kind_a": kind_a,
            "kind_b": at("kind", j),
            "origin_a": at("origin", i),
            "origin_b": at("origin", j),
            "shared_kind": kind_a.where(facts["same_kind"], ""),
            "shared_themes": facts["shared"],
            "distance": np.round(d, 3),
            "distance_unit": "min" if by_road else "km",
            "similarity": np.round(facts["similarity"], 4),
            "market_overlap": np.round(facts["overlap"], 4),
            "grade_similarity": np.round(facts["grade_similarity"], 4),
            "importance": np.round(facts["importance"], 4),
            "score": np.round(score, 2),
        }
    )
    pairs["cross_border"] = (pairs["unit_a"] != pairs["unit_b"]).to_numpy()
    pairs["level"] = border_levels(pairs["unit_a"], pairs["unit_b"], units, levels, level)
    pairs["explanation"] = explain_pairs(
        pairs, sites, units, "en", by_road=by_road, circuity=settings.circuity
    )
    order = pd.Categorical(pairs["relation"], categories=RELATIONS, ordered=True)
    return (
        pairs.assign(_order=order.codes, _score=pairs["score"].fillna(-1.0))
        .sort_values(["_order", "_score"], ascending=[True, False], kind="stable")
        .drop(columns=["_order", "_score"])
        .reset_index(drop=True)
    )


def overlap_groups(
    pairs: pd.DataFrame, sites: gpd.GeoDataFrame, min_score: float
) -> tuple[pd.DataFrame, pd.Series]:
    """Group the competing pairs scoring at least ``min_score`` into connected components.

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
    strong = (pairs["relation"] == COMPETING) & (pairs["score"] >= min_score)
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
    """Relations per pair of units (a unit with itself for same-unit pairs).

    Parameters
    ----------
    pairs
        Output of :func:`find_overlaps`.

    Returns
    -------
    pandas.DataFrame
        ``unit_a <= unit_b``, ``level``, ``cross_border``, the number of pairs of each
        relation (``competing``, ``complementary``, ``shared``), the competing pairs'
        ``mean_score``, ``max_score`` and ``top_kinds``, and the ``top_themes`` of all
        their pairs (most frequent three); most competing pairs first.
    """
    columns = [
        "unit_a", "unit_b", "level", "cross_border", "competing", "complementary", "shared",
        "mean_score", "max_score", "top_kinds", "top_themes",
    ]  # fmt: skip
    pairs = pairs[pairs["relation"] != COMPONENT]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    ua = np.minimum(pairs["unit_a"], pairs["unit_b"])
    ub = np.maximum(pairs["unit_a"], pairs["unit_b"])
    frame = pd.DataFrame(
        {
            "ua": ua,
            "ub": ub,
            "level": pairs["level"],
            "score": pairs["score"].where(pairs["relation"] == COMPETING),
        }
    )
    for relation in (COMPETING, COMPLEMENTARY, SHARED):
        frame[relation] = (pairs["relation"] == relation).to_numpy()
    grouped = frame.groupby(["ua", "ub"])
    summary = grouped.agg(
        level=("level", "first"),
        competing=(COMPETING, "sum"),
        complementary=(COMPLEMENTARY, "sum"),
        shared=(SHARED, "sum"),
        mean_score=("score", "mean"),
        max_score=("score", "max"),
    )
    group = grouped.ngroup().to_numpy()  # the row of summary each pair falls in
    rival = (pairs["relation"] == COMPETING).to_numpy()
    summary["top_kinds"] = _most_frequent(group[rival], pairs["shared_kind"][rival], len(summary))
    summary["top_themes"] = _most_frequent(group, pairs["shared_themes"], len(summary))
    summary = summary.reset_index().rename(columns={"ua": "unit_a", "ub": "unit_b"})
    summary.insert(3, "cross_border", summary["unit_a"] != summary["unit_b"])
    summary["mean_score"] = summary["mean_score"].round(2)
    return (
        summary[columns]
        .sort_values(["competing", "max_score", "complementary"], ascending=False, kind="stable")
        .reset_index(drop=True)
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
