"""SWOT summary per unit and per zone, as facts from the numbers of the run.

Strengths: endowment and its rank, the best sites. Weaknesses: competing pairs (duplicated
construction) inside the unit, border dead-ends, low DEA efficiency. Opportunities: resources
shared with a neighbour, cooperation-candidate clusters the unit belongs to, complementary
resources across the border, its strongest gravity links. Threats: neighbours' competing
sites (cross-border competing pairs). Complementary neighbours are never threats.

Every bullet is a fact, ``{"fact": <kind>, ...its numbers and ids}``; units are named by
id, so :func:`geo.i18n.swot_bullet` says it in the reader's language.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["swot_summary"]


def _best(frame: pd.DataFrame, k: int = 3) -> list[list[Any]]:
    best = frame.sort_values(["a_grade", "name"], ascending=[False, True]).head(k)
    return [[name, int(grade)] for name, grade in zip(best["name"], best["a_grade"], strict=True)]


def _both_ways(frame: pd.DataFrame, a: dict[str, str], b: dict[str, str]) -> pd.DataFrame:
    """Each row twice, once from each end: columns renamed by ``a`` and by ``b``."""
    return pd.concat([frame.rename(columns=a), frame.rename(columns=b)], ignore_index=False)


def _records_by_unit(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Rows as dicts, listed under their ``unit`` in the frame's order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for record in frame.to_dict("records"):
        out.setdefault(record["unit"], []).append(record)
    return out


class _UnitFacts:
    """Everything the unit bullets need, grouped by unit once (no scan per unit)."""

    def __init__(
        self,
        sites: gpd.GeoDataFrame,
        table: pd.DataFrame,
        overlaps: pd.DataFrame,
        clusters: gpd.GeoDataFrame,
        links: pd.DataFrame,
        deadends: gpd.GeoDataFrame | None,
        efficiency: pd.DataFrame | None,
        proposals: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    ) -> None:
        self.n_units = len(table)
        self.proposals = _proposal_facts(*proposals) if proposals is not None else {}
        self.rows = table[["endowment", "share"]].to_dict("index")
        self.rank = table["endowment"].rank(ascending=False, method="min").to_dict()
        ordered = sites.sort_values(["unit_id", "a_grade", "name"], ascending=[True, False, True])
        self.best = {
            unit: [[n, int(g)] for n, g in zip(best["name"], best["a_grade"], strict=True)]
            for unit, best in ordered.groupby("unit_id", sort=False).head(3).groupby("unit_id")
        }
        self.counts = table["sites"].to_dict()  # attractions that are no other site's part
        relation = overlaps["relation"] if "relation" in overlaps else pd.Series(dtype=str)
        by_score = overlaps[relation == "competing"].sort_values(
            "score", ascending=False, kind="stable"
        )
        inside = by_score[by_score["unit_a"] == by_score["unit_b"]]
        self.inside_n = inside["unit_a"].value_counts().to_dict()
        self.inside_top = (
            inside.drop_duplicates("unit_a")
            .set_index("unit_a")[["name_a", "name_b", "score"]]
            .to_dict("index")
        )
        across = by_score[by_score["cross_border"] & (by_score["score"] >= 10)]
        threats = _both_ways(
            across[["unit_a", "unit_b", "name_a", "name_b", "score"]],
            {"unit_a": "unit", "unit_b": "other", "name_a": "ours", "name_b": "theirs"},
            {"unit_b": "unit", "unit_a": "other", "name_b": "ours", "name_a": "theirs"},
        ).sort_index(kind="stable")
        self.threats = _records_by_unit(threats.groupby("unit", sort=False).head(3))
        together = overlaps[(relation == "complementary") & overlaps["cross_border"]]
        together = together.sort_values("score", ascending=False, kind="stable")
        columns = ["unit_a", "unit_b", "name_a", "name_b", "score", "shared_themes"]
        complements = _both_ways(
            together[columns],
            {"unit_a": "unit", "unit_b": "other", "name_a": "ours", "name_b": "theirs"},
            {"unit_b": "unit", "unit_a": "other", "name_b": "ours", "name_a": "theirs"},
        ).sort_index(kind="stable")
        self.complements = _records_by_unit(complements.groupby("unit", sort=False).head(3))
        one = overlaps[relation == "shared"]
        shared = _both_ways(
            one[["unit_a", "unit_b", "name_a"]],
            {"unit_a": "unit", "unit_b": "other", "name_a": "resource"},
            {"unit_b": "unit", "unit_a": "other", "name_a": "resource"},
        ).sort_index(kind="stable")
        self.shared = _records_by_unit(shared)
        strong = links[links["cooperation_link"]]
        ends = _both_ways(
            strong, {"unit_a": "unit", "unit_b": "other"}, {"unit_b": "unit", "unit_a": "other"}
        ).sort_index(kind="stable")
        self.links = _records_by_unit(ends.groupby("unit", sort=False).head(2))
        self.deadends = deadends["unit_id"].value_counts().to_dict() if deadends is not None else {}
        self.efficiency = (
            efficiency.set_index("unit_id").to_dict("index") if efficiency is not None else {}
        )
        self.candidates: dict[str, list[dict[str, Any]]] = {}
        for cluster in clusters[clusters["candidate"]].itertuples():
            members = [u.split(":")[0] for u in cluster.units.split(";")]
            for unit in members:
                self.candidates.setdefault(unit, []).append(
                    {
                        "fact": "candidate",
                        "cluster_id": cluster.cluster_id,
                        "kinds": [k for k in cluster.kinds.split(";") if k],
                        "partners": [m for m in members if m != unit],
                    }
                )

    def bullets(self, unit_id: str) -> dict[str, list[dict[str, Any]]]:
        """SWOT facts of one unit."""
        row = self.rows[unit_id]
        strengths: list[dict[str, Any]] = []
        if self.counts.get(unit_id, 0):
            strengths.append(
                {
                    "fact": "endowment",
                    "sites": int(self.counts[unit_id]),
                    "endowment": float(row["endowment"]),
                    "rank": int(self.rank[unit_id]),
                    "units": self.n_units,
                    "share": float(row["share"]),
                }
            )
            strengths.append({"fact": "best_sites", "sites": self.best[unit_id]})
        weaknesses: list[dict[str, Any]] = []
        if unit_id in self.inside_top:
            top = self.inside_top[unit_id]
            weaknesses.append(
                {
                    "fact": "overlaps_inside",
                    "pairs": int(self.inside_n[unit_id]),
                    "site_a": top["name_a"],
                    "site_b": top["name_b"],
                    "score": float(top["score"]),
                }
            )
        if self.deadends.get(unit_id, 0):
            weaknesses.append({"fact": "deadends", "roads": int(self.deadends[unit_id])})
        if unit_id in self.efficiency:
            scores = self.efficiency[unit_id]
            if scores["ccr"] < 0.8:
                weaknesses.append(
                    {
                        "fact": "low_efficiency",
                        "ccr": float(scores["ccr"]),
                        "illustrative": bool(scores.get("illustrative")),
                    }
                )
        if unit_id in self.proposals:  # the proposals say what to do, with whom, for what
            opportunities = self.proposals[unit_id]
        else:
            opportunities = self._finding_opportunities(unit_id)
        threats = [
            {
                "fact": "competitor",
                "theirs": pair["theirs"],
                "other": pair["other"],
                "ours": pair["ours"],
                "score": float(pair["score"]),
            }
            for pair in self.threats.get(unit_id, [])
        ]
        return {
            "strengths": strengths,
            "weaknesses": weaknesses,
            "opportunities": opportunities,
            "threats": threats,
        }

    def _finding_opportunities(self, unit_id: str) -> list[dict[str, Any]]:
        """Opportunities from the findings themselves, for a run without proposals."""
        opportunities = [
            {"fact": "shared_resource", "resource": pair["resource"], "other": pair["other"]}
            for pair in self.shared.get(unit_id, [])
        ]
        opportunities += list(self.candidates.get(unit_id, []))
        opportunities += [
            {
                "fact": "complement",
                "ours": pair["ours"],
                "theirs": pair["theirs"],
                "other": pair["other"],
                "themes": [t for t in str(pair["shared_themes"]).split(";") if t],
            }
            for pair in self.complements.get(unit_id, [])
        ]
        for link in self.links.get(unit_id, []):
            opportunities.append(
                {
                    "fact": "link",
                    "other": link["other"],
                    "distance": float(link["distance"]),
                    "distance_unit": link["distance_unit"],
                    "illustrative": bool(link.get("illustrative")),
                }
            )
        return opportunities


def _proposal_facts(
    proposals: pd.DataFrame, shares: pd.DataFrame, per_unit: int = 3
) -> dict[str, list[dict[str, Any]]]:
    """Each unit's first proposals with its partners and fair share, one type at a time.

    In the order the proposals are listed, the first of each type comes first, so a unit's
    three bullets are three kinds of cooperation when it has them.
    """
    table = proposals.set_index("proposal_id")
    order = pd.Index(proposals["proposal_id"]).get_indexer(shares["proposal_id"])
    listed = shares.iloc[np.argsort(order, kind="stable")]
    listed = listed.assign(type=table["type"].reindex(listed["proposal_id"]).to_numpy())
    first = ~listed.duplicated(["unit_id", "type"])
    picked = (
        pd.concat([listed[first], listed[~first]]).groupby("unit_id", sort=False).head(per_unit)
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for share in picked.itertuples():
        row = table.loc[share.proposal_id]
        out.setdefault(share.unit_id, []).append(
            {
                "fact": "proposal",
                "proposal_id": share.proposal_id,
                "type": row["type"],
                "partners": [u for u in str(row["units"]).split(";") if u and u != share.unit_id],
                "gain": float(row["gain"]),
                "gain_unit": row["gain_unit"],
                "share": float(share.shapley) / (float(row["gain"]) or 1.0),
            }
        )
    return out


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
    proposals: tuple[pd.DataFrame, pd.DataFrame] | None = None,
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
    proposals
        The cooperation proposals and their shares: a unit's opportunities are its proposals
        (without them, the findings they come from).

    Returns
    -------
    dict
        ``units``: list of ``{unit_id, name, strengths, weaknesses, opportunities,
        threats}``, each a list of facts; ``zones``: the same per zone (over the units it
        touches).
    """
    if "role" in sites and "parent" in sites:  # a scenic spot or a hotel is told by its scene
        sites = sites[(sites["role"] == "attraction") & sites["parent"].fillna("").eq("")]
    name = units.set_index("unit_id")["name"].to_dict()
    table = unit_table.set_index("unit_id")
    facts = _UnitFacts(sites, table, overlaps, clusters, links, deadends, efficiency, proposals)
    out_units = [
        {"unit_id": unit_id, "name": name.get(unit_id, unit_id), **facts.bullets(unit_id)}
        for unit_id in table.index[table["sites"] > 0]
    ]
    out_zones = []
    for zone in zones.itertuples() if zones is not None else []:
        inside = sites[sites.within(zone.geometry)]
        touched = sorted(set(inside["unit_id"]) - {""})
        ids = set(inside["site_id"])
        pairs = overlaps[
            overlaps["site_a"].isin(ids)
            & overlaps["site_b"].isin(ids)
            & (overlaps["relation"] == "competing")
        ]
        crossing = int(pairs["cross_border"].sum())
        out_zones.append(
            {
                "zone_id": zone.zone_id,
                "name": zone.name,
                "strengths": [
                    {
                        "fact": "zone_sites",
                        "sites": len(inside),
                        "units": len(touched),
                        "best": _best(inside),
                    }
                ]
                if len(inside)
                else [],
                "weaknesses": [{"fact": "zone_overlaps", "pairs": len(pairs), "across": crossing}]
                if len(pairs)
                else [],
                "opportunities": [{"fact": "zone_joint", "units": touched}]
                if len(touched) > 1
                else [],
                "threats": [],
            }
        )
    return {"units": out_units, "zones": out_zones}
