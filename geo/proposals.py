"""Cooperation proposals from the findings, each with its expected gain and fair shares.

Every proposal names who should do what together, on what evidence, with what gain, and how
the gain is shared. Types and where they come from (DESIGN.md §4):

=========================== ================================================================
type                        source
=========================== ================================================================
``joint_brand``             a declared zone, or a cooperation-candidate cluster, across units:
                            one brand, ticket and route for its principal attractions
``joint_product``           complementary pairs across a border sharing a theme: a joint
                            product or route on that theme (one proposal per unit pair and
                            theme)
``coordinated_positioning`` an overlap group (duplicated construction) across a border:
                            differentiate instead of competing for one market
``joint_management``        a resource two units share (one site, two administrations)
``road_link``               a missing link across a border that site pairs would use
=========================== ================================================================

**Gain models** (v is the characteristic function of a coalition S of the units, v(∅) = 0;
w_sk = P_k · 2^(−t_sk/h) is site s's decayed catchment of market point k, see
:mod:`geo.markets`; U(A) = Σ_k max_{s∈A} w_sk is the market a set of sites reaches together):

* joint brand and joint product: v(S) = U(sites of S) − max_{i∈S} U(sites of i), the market a
  joint offer reaches beyond its largest partner alone (people, decay-weighted);
* coordinated positioning: v(S) = Σ_k (Σ_{i∈S} m_ik − max_{i∈S} m_ik) with m_ik = max over
  unit i's sites of w_sk: the demand its members now serve twice, which positioning the
  products apart stops them fighting over;
* joint management: v(S) = U(resource) when S holds every unit listing it, else 0;
* road link: v(S) = the minutes the link saves the cross-border site pairs that would use it
  (:func:`geo.missing_links.link_site_gains`) when S holds both units, else 0.

**Shares**: the Shapley value of v among the units (:mod:`geo.shapley`: exact up to 12
units, sampled above with its standard error), beside a proportional share (to each unit's
own market in the proposal, U(sites of i)) and an equal one. **Priority**: high, medium or
low by the gain's tercile within its type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from geo.coords import WGS84
from geo.i18n import names_in
from geo.shapley import shapley_values

__all__ = [
    "PROPOSAL_TYPES",
    "Candidate",
    "build_proposals",
    "candidates_from_findings",
]

#: Proposal types, in the order proposals are listed.
PROPOSAL_TYPES = (
    "joint_brand",
    "joint_product",
    "coordinated_positioning",
    "joint_management",
    "road_link",
)
_MINUTES = "minutes"


@dataclass
class Candidate:
    """A proposal before its gain: type, units, sites and its evidence."""

    kind: str
    units: list[str]
    sites: list[str]
    evidence: dict[str, object] = field(default_factory=dict)
    source: str = ""
    geometry: shapely.Geometry | None = None
    minutes: float | None = None  # a road link's gain


def _split(text: object, sep: str = ";") -> list[str]:
    return [t for t in str(text or "").split(sep) if t]


def candidates_from_findings(
    *,
    sites: pd.DataFrame,
    pairs: pd.DataFrame | None,
    groups: pd.DataFrame | None,
    shared: pd.DataFrame | None,
    clusters: pd.DataFrame | None,
    zones: gpd.GeoDataFrame | None,
    links: gpd.GeoDataFrame | None,
) -> list[Candidate]:
    """Turn the run's cross-border findings into proposal candidates (see the module).

    Parameters
    ----------
    sites
        Sites with ``site_id``, ``unit_id``, ``role``, ``parent`` and their points.
    pairs
        The related pairs (``relation``, ``cross_border``, ``shared_themes``, ``score``).
    groups
        Overlap groups (``group_id``, ``site_ids``, ``units``, ``cross_border``, ``max_score``).
    shared
        Shared resources (``site_a``, ``unit_a``, ``unit_b`` ...).
    clusters
        Clusters with ``candidate``, ``site_ids`` and ``units`` (``unit:share`` items).
    zones
        Declared zones (``zone_id``, ``name``) with their polygons.
    links
        Missing links with ``site_pairs``, ``site_minutes_saved`` and ``roads_sparse``.

    Returns
    -------
    list of Candidate
        In :data:`PROPOSAL_TYPES` order.
    """
    principal = sites[(sites["role"] == "attraction") & sites["parent"].fillna("").eq("")]
    found = [
        *_zone_offers(principal, zones),
        *_cluster_offers(clusters),
        *_theme_products(pairs),
        *_positioning(groups),
        *_joint_management(shared),
        *_road_links(links),
    ]
    order = {k: i for i, k in enumerate(PROPOSAL_TYPES)}
    return sorted(found, key=lambda c: order[c.kind])


def _zone_offers(principal: pd.DataFrame, zones: gpd.GeoDataFrame | None) -> list[Candidate]:
    """Offer a joint brand for each zone whose principal attractions lie in two units+."""
    found: list[Candidate] = []
    if zones is None or zones.empty:
        return found
    points = gpd.GeoSeries(principal.geometry.values, crs=WGS84)
    english = names_in(zones, "en").to_numpy()
    for k, zone in enumerate(zones.itertuples()):
        inside = principal[points.within(zone.geometry).to_numpy()]
        units = sorted(set(inside["unit_id"]) - {""})
        if len(units) > 1:
            names = {"zone": zone.zone_id, "zone_name": str(zone.name), "zone_name_en": english[k]}
            found.append(
                Candidate(
                    "joint_brand", units, list(inside["site_id"]), names, f"zone {zone.zone_id}"
                )
            )
    return found


def _cluster_offers(clusters: pd.DataFrame | None) -> list[Candidate]:
    """Offer a joint brand for each cooperation-candidate cluster across units."""
    found: list[Candidate] = []
    if clusters is None or clusters.empty:
        return found
    for c in clusters[clusters["candidate"].astype(bool)].itertuples():
        units = sorted({u.split(":")[0] for u in _split(c.units)})
        if len(units) > 1:
            evidence = {"cluster": c.cluster_id, "cross_border_index": float(c.cross_border_index)}
            found.append(
                Candidate(
                    "joint_brand", units, _split(c.site_ids), evidence, f"cluster {c.cluster_id}"
                )
            )
    return found


def _theme_products(pairs: pd.DataFrame | None, keep: int = 1000) -> list[Candidate]:
    """Offer a joint product per unit pair and theme of its complementary pairs across borders.

    The same sites sharing several themes make one product (its themes listed together); the
    ``keep`` lines with the strongest pair are described.
    """
    if pairs is None or pairs.empty:
        return []
    across = pairs[(pairs["relation"] == "complementary") & pairs["cross_border"].astype(bool)]
    across = across.assign(
        theme=across["shared_themes"].fillna("").str.split(";"),
        low=np.minimum(across["unit_a"], across["unit_b"]),
        high=np.maximum(across["unit_a"], across["unit_b"]),
    ).explode("theme")
    across = across[across["theme"].fillna("") != ""]
    # only the strongest product lines are described (a national run has 10^5 of them)
    key = ["low", "high", "theme"]
    best = across.groupby(key, sort=False)["score"].max().nlargest(keep)
    across = across.merge(best.rename("best").reset_index(), on=key, how="inner")
    across = across.sort_values(["best", "score"], ascending=False, kind="stable")
    lines: dict[tuple[str, str, frozenset[str]], dict[str, Any]] = {}
    for (a, b, theme), group in across.groupby(["low", "high", "theme"], sort=False):
        members = list(dict.fromkeys([*group["site_a"], *group["site_b"]]))
        line = lines.setdefault(
            (a, b, frozenset(members)),
            {"themes": [], "sites": members, "pairs": len(group), "max_score": 0.0},
        )
        line["themes"].append(theme)
        line["max_score"] = max(line["max_score"], float(group["score"].max()))
    found = []
    for (a, b, _), line in lines.items():
        themes = ";".join(sorted(line["themes"]))
        evidence = {"themes": themes, "pairs": line["pairs"], "max_score": line["max_score"]}
        found.append(Candidate("joint_product", [a, b], line["sites"], evidence, f"theme {themes}"))
    return found


def _positioning(groups: pd.DataFrame | None) -> list[Candidate]:
    """Coordinated positioning for each overlap group (duplicated construction) across units."""
    if groups is None or groups.empty:
        return []
    return [
        Candidate(
            "coordinated_positioning",
            sorted(_split(g.units)),
            _split(g.site_ids),
            {"group": g.group_id, "kinds": g.kinds, "max_score": float(g.max_score)},
            f"group {g.group_id}",
        )
        for g in groups[groups["cross_border"].astype(bool)].itertuples()
    ]


def _joint_management(shared: pd.DataFrame | None) -> list[Candidate]:
    """Joint management of each resource two units or more share."""
    if shared is None or shared.empty:
        return []
    return [
        Candidate(
            "joint_management",
            sorted({r.unit_a, *_split(r.unit_b)}),
            [s for s in (r.site_a, r.site_b) if s],
            {"records": int(r.records)},
            f"shared {r.site_a}",
        )
        for r in shared.itertuples()
    ]


def _road_links(links: gpd.GeoDataFrame | None) -> list[Candidate]:
    """Propose a road for each missing link that site pairs would use (where roads are known)."""
    if links is None or links.empty:
        return []
    useful = links[(links["site_pairs"].fillna(0) > 0) & ~links["roads_sparse"].astype(bool)]
    return [
        Candidate(
            "road_link",
            sorted([link.unit_a, link.unit_b]),
            [],
            {
                "link": link.link_id,
                "straight_km": float(link.straight_km),
                "saving_min": float(link.saving_min),
                "site_pairs": int(link.site_pairs),
                "best_pair": link.best_pair,
            },
            f"link {link.link_id}",
            link.geometry,
            float(link.site_minutes_saved),
        )
        for link in useful.itertuples()
    ]


def _catchments(
    candidate: Candidate, weights: sp.csr_matrix, row_of: pd.Series, unit_of: pd.Series
) -> np.ndarray:
    """Each unit's catchment in the proposal: max over its sites of w_sk (units x markets)."""
    out = np.zeros((len(candidate.units), weights.shape[1]))
    for i, unit in enumerate(candidate.units):
        rows = [row_of[s] for s in candidate.sites if s in row_of.index and unit_of[s] == unit]
        if rows:
            out[i] = np.asarray(weights[rows].max(axis=0).todense()).ravel()
    return out


def _game(
    candidate: Candidate, weights: sp.csr_matrix, row_of: pd.Series, unit_of: pd.Series
) -> tuple[Callable[[int], float], np.ndarray]:
    """Return the candidate's characteristic function (bit i: its i-th unit) and own markets."""
    stack = _catchments(candidate, weights, row_of, unit_of)
    own = stack.sum(axis=1)
    n = len(candidate.units)
    full = (1 << n) - 1
    if candidate.kind == "road_link":
        gain = candidate.minutes or 0.0
        return (lambda mask: gain if mask == full else 0.0), own
    if candidate.kind == "joint_management":  # one resource: each unit lists all of it
        union = float(stack.max(axis=0).sum()) if n else 0.0
        return (lambda mask: union if mask == full else 0.0), np.full(n, union)

    def members(mask: int) -> np.ndarray:
        return np.array([i for i in range(n) if mask >> i & 1], dtype=int)

    def contested(mask: int) -> float:
        chosen = stack[members(mask)]
        return float((chosen.sum(axis=0) - chosen.max(axis=0)).sum()) if mask else 0.0

    def joint(mask: int) -> float:
        chosen = members(mask)
        return float(stack[chosen].max(axis=0).sum() - own[chosen].max()) if mask else 0.0

    return (contested if candidate.kind == "coordinated_positioning" else joint), own


def _strongest(candidates: list[Candidate], keep: int) -> list[Candidate]:
    """At most ``keep`` candidates per type, strongest evidence first, in the given order.

    The gains are measured for these only, so a national run with hundreds of thousands of
    complementary pairs measures a bounded number of proposals.
    """
    by_kind: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_kind.setdefault(candidate.kind, []).append(candidate)
    chosen = set()
    for group in by_kind.values():
        ranked = sorted(group, key=lambda c: -float(c.evidence.get("max_score", 0.0)))
        chosen.update(id(c) for c in ranked[:keep])
    return [c for c in candidates if id(c) in chosen]


def _priority(table: pd.DataFrame) -> pd.Series:
    """Rate each proposal high, medium or low by its gain's tercile within its type."""
    rank = table.groupby("type")["gain"].rank(pct=True, method="average")
    labels = np.select([rank > 2 / 3, rank > 1 / 3], ["high", "medium"], "low")
    return pd.Series(labels, index=table.index)


def build_proposals(
    candidates: list[Candidate],
    *,
    sites: gpd.GeoDataFrame,
    weights: sp.csr_matrix,
    explain: Callable[[pd.DataFrame, pd.DataFrame, str], pd.Series],
    max_per_type: int = 50,
    samples: int = 2000,
    market_unit: str = "people",
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Measure each candidate's gain, share it, rank the proposals and say them.

    Parameters
    ----------
    candidates
        From :func:`candidates_from_findings`.
    sites
        The sites in the order of the rows of ``weights`` (``site_id``, ``unit_id``, points).
    weights
        Decayed catchments, sites by market points (:func:`geo.markets.market_weights`).
    explain
        Sentences for the proposals (given the proposals, the shares and a language).
    max_per_type
        Proposals kept per type, largest gain first (of the ``4 × max_per_type`` candidates
        per type with the strongest evidence, whose gains are measured).
    samples
        Join orders sampled for the Shapley value above 12 units.
    market_unit
        What a market gain counts: ``people`` (decay-weighted population), or
        ``unit_markets`` when every unit counts as one equal market (no population given).

    Returns
    -------
    tuple of GeoDataFrame
        Proposals (``proposal_id, type, units, n_units, sites, gain, gain_unit, priority,
        evidence`` (JSON), ``source, shapley_exact, explanation`` (Chinese),
        ``explanation_en``; geometry: the sites, or the link) and their
        shares (``proposal_id, unit_id, shapley, shapley_stderr, proportional, equal``; the
        proposal's geometry).
    """
    row_of = pd.Series(np.arange(len(sites)), index=sites["site_id"].astype(str).to_numpy())
    unit_of = pd.Series(sites["unit_id"].astype(str).to_numpy(), index=row_of.index)
    point_of = pd.Series(sites.geometry.values, index=row_of.index)
    rows, shares = [], []
    for candidate in _strongest(candidates, 4 * max_per_type):
        v, own = _game(candidate, weights, row_of, unit_of)
        n = len(candidate.units)
        result = shapley_values(n, v, samples=samples)
        gain = float(v((1 << n) - 1))
        geometry = candidate.geometry or shapely.multipoints(
            [point_of[s] for s in candidate.sites if s in point_of.index]
        )
        rows.append(
            {
                "type": candidate.kind,
                "units": ";".join(candidate.units),
                "n_units": n,
                "sites": ";".join(candidate.sites),
                "gain": gain,
                "gain_unit": _MINUTES if candidate.kind == "road_link" else market_unit,
                "evidence": json.dumps(candidate.evidence, ensure_ascii=False),
                "source": candidate.source,
                "shapley_exact": result.exact,
                "geometry": geometry,
            }
        )
        total_own = own.sum()
        for i, unit in enumerate(candidate.units):
            proportional = gain * own[i] / total_own if total_own > 0 else gain / n
            shares.append(
                {
                    "candidate": len(rows) - 1,
                    "unit_id": unit,
                    "shapley": float(result.values[i]),
                    "shapley_stderr": float(result.stderr[i]),
                    "proportional": float(proportional),
                    "equal": gain / n,
                }
            )
    table = pd.DataFrame(
        rows,
        columns=[
            "type",
            "units",
            "n_units",
            "sites",
            "gain",
            "gain_unit",
            "evidence",
            "source",
            "shapley_exact",
            "geometry",
        ],
    )
    share_table = pd.DataFrame(
        shares,
        columns=["candidate", "unit_id", "shapley", "shapley_stderr", "proportional", "equal"],
    )
    table = table[table["gain"] > 0]
    order = {k: i for i, k in enumerate(PROPOSAL_TYPES)}
    table = table.assign(_order=table["type"].map(order)).sort_values(
        ["_order", "gain"], ascending=[True, False], kind="stable"
    )
    table = table.groupby("type", sort=False).head(max_per_type)
    table["priority"] = _priority(table)
    # listed high priority first, each priority in type order, largest gain first
    rank = table["priority"].map({"high": 0, "medium": 1, "low": 2})
    table = table.assign(_rank=rank).sort_values(
        ["_rank", "_order", "gain"], ascending=[True, True, False], kind="stable"
    )
    table = table.drop(columns=["_order", "_rank"])
    ids = {old: f"P{k + 1:03d}" for k, old in enumerate(table.index)}
    table.insert(0, "proposal_id", [ids[i] for i in table.index])
    share_table = share_table[share_table["candidate"].isin(ids)]
    share_table.insert(0, "proposal_id", share_table["candidate"].map(ids))
    share_table = share_table.drop(columns="candidate").sort_values("proposal_id", kind="stable")
    share_table = share_table.reset_index(drop=True)
    table = table.reset_index(drop=True)
    table["explanation"] = explain(table, share_table, "zh").to_numpy()
    table["explanation_en"] = explain(table, share_table, "en").to_numpy()
    proposals = gpd.GeoDataFrame(table, geometry="geometry", crs=WGS84)
    geometry_of = proposals.set_index("proposal_id").geometry
    share_layer = gpd.GeoDataFrame(
        share_table, geometry=geometry_of.reindex(share_table["proposal_id"]).to_numpy(), crs=WGS84
    )
    return proposals, share_layer
