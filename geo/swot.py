"""SWOT summary per unit and per zone, written from the numbers of the run.

Strengths: endowment and its rank, the best sites. Weaknesses: overlaps inside the unit,
border dead-ends, low DEA efficiency. Opportunities: cooperation-candidate clusters the unit
belongs to, its strongest gravity links. Threats: neighbours' competing sites within the
market cut-off (cross-border overlap pairs).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = ["swot_summary"]


def _names(frame: pd.DataFrame, k: int = 3) -> str:
    best = frame.sort_values(["a_grade", "name"], ascending=[False, True]).head(k)
    return ", ".join(f"{r.name} ({r.a_grade}A)" if r.a_grade else r.name for r in best.itertuples())


def _unit_swot(
    unit_id: str,
    label: dict[str, str],
    sites: gpd.GeoDataFrame,
    table: pd.DataFrame,
    overlaps: pd.DataFrame,
    clusters: gpd.GeoDataFrame,
    links: pd.DataFrame,
    deadends: gpd.GeoDataFrame | None,
    efficiency: pd.DataFrame | None,
) -> dict[str, list[str]]:
    mine = sites[sites["unit_id"] == unit_id]
    row = table.loc[unit_id]
    rank = int(table["endowment"].rank(ascending=False, method="min").loc[unit_id])
    strengths = []
    if len(mine):
        strengths.append(
            f"{len(mine)} tourism resources, endowment {row['endowment']:g} "
            f"(rank {rank} of {len(table)}, {row['share']:.0%} of the region)"
        )
        strengths.append(f"best sites: {_names(mine)}")
    weaknesses = []
    inside = overlaps[(overlaps["unit_a"] == unit_id) & (overlaps["unit_b"] == unit_id)]
    if len(inside):
        top = inside.iloc[0]
        weaknesses.append(
            f"{len(inside)} overlaps among its own sites, strongest {top['name_a']} / "
            f"{top['name_b']} (score {top['score']:.0f})"
        )
    if deadends is not None and len(deadends):
        ends = deadends[deadends["unit_id"] == unit_id]
        if len(ends):
            weaknesses.append(f"{len(ends)} roads end near the border without a link across")
    if efficiency is not None and unit_id in set(efficiency["unit_id"]):
        scores = efficiency.set_index("unit_id").loc[unit_id]
        if scores["ccr"] < 0.8:
            caveat = " from illustrative statistics" if scores.get("illustrative", False) else ""
            weaknesses.append(
                f"low DEA efficiency of tourism inputs (CCR {scores['ccr']:.2f}{caveat})"
            )
    opportunities = []
    for cluster in clusters[clusters["candidate"]].itertuples():
        if f"{unit_id}:" in cluster.units:
            partners = [label.get(u.split(":")[0], u) for u in cluster.units.split(";")]
            opportunities.append(
                f"cooperation candidate {cluster.cluster_id} ({cluster.kinds.replace(';', ', ')}) "
                f"shared with {', '.join(p for p in partners if p != label.get(unit_id))}"
            )
    strongest = links[
        ((links["unit_a"] == unit_id) | (links["unit_b"] == unit_id)) & links["cooperation_link"]
    ]
    for link in strongest.head(2).itertuples():
        other = link.unit_b if link.unit_a == unit_id else link.unit_a
        opportunities.append(
            f"strong gravity link with {label.get(other, other)} "
            f"({link.distance:.0f} {link.distance_unit} apart"
            f"{'; illustrative population' if getattr(link, 'illustrative', False) else ''})"
        )
    threats = []
    across = overlaps[
        overlaps["cross_border"]
        & ((overlaps["unit_a"] == unit_id) | (overlaps["unit_b"] == unit_id))
    ]
    for pair in across[across["score"] >= 10].head(3).itertuples():
        ours, theirs, unit = (
            (pair.name_a, pair.name_b, pair.unit_b)
            if pair.unit_a == unit_id
            else (pair.name_b, pair.name_a, pair.unit_a)
        )
        threats.append(
            f"{theirs} in {label.get(unit, unit)} competes with {ours} (score {pair.score:.0f})"
        )
    return {
        "strengths": strengths,
        "weaknesses": weaknesses,
        "opportunities": opportunities,
        "threats": threats,
    }


def swot_summary(
    sites: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None,
    unit_table: pd.DataFrame,
    overlaps: pd.DataFrame,
    clusters: gpd.GeoDataFrame,
    links: pd.DataFrame,
    *,
    deadends: gpd.GeoDataFrame | None = None,
    efficiency: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Bullet points per unit (with sites) and per zone.

    Parameters
    ----------
    sites, units, zones
        Layers of the run.
    unit_table
        Per-unit balance table (``endowment``, ``share``).
    overlaps, clusters, links
        Outputs of the overlap, cluster and linkage stages.
    deadends, efficiency
        Optional network and DEA outputs.

    Returns
    -------
    dict
        ``units``: list of ``{unit_id, name, strengths, weaknesses, opportunities,
        threats}``; ``zones``: the same per zone (over the units it touches).
    """
    names = units.set_index("unit_id")
    label = names["name_en"].where(names["name_en"].astype(bool), names["name"]).to_dict()
    table = unit_table.set_index("unit_id")
    out_units = []
    for unit_id in table.index[table["sites"] > 0]:
        points = _unit_swot(
            unit_id, label, sites, table, overlaps, clusters, links, deadends, efficiency
        )
        out_units.append({"unit_id": unit_id, "name": label.get(unit_id, unit_id), **points})
    out_zones = []
    for zone in zones.itertuples() if zones is not None else []:
        inside = sites[sites.within(zone.geometry)]
        touched = sorted(set(inside["unit_id"]) - {""})
        ids = set(inside["site_id"])
        pairs = overlaps[overlaps["site_a"].isin(ids) & overlaps["site_b"].isin(ids)]
        spans = ", ".join(label.get(u, u) for u in touched)
        crossing = int(pairs["cross_border"].sum())
        out_zones.append(
            {
                "zone_id": zone.zone_id,
                "name": zone.name,
                "strengths": [
                    f"{len(inside)} resources across {len(touched)} units: {_names(inside)}"
                ]
                if len(inside)
                else [],
                "weaknesses": [
                    f"{len(pairs)} overlap pairs inside the zone, {crossing} across borders"
                ]
                if len(pairs)
                else [],
                "opportunities": [f"plan the zone jointly: it spans {spans}"]
                if len(touched) > 1
                else [],
                "threats": [],
            }
        )
    return {"units": out_units, "zones": out_zones}
