"""The sentence that says each cooperation proposal, in Chinese or English.

One sentence per proposal: who does what together, on which sites, the expected gain under
its model (:mod:`geo.proposals`) and the fair (Shapley) share of each unit.
"""

from __future__ import annotations

import json

import pandas as pd

from geo.i18n import kind_label, theme_label

__all__ = ["explain_proposals"]

_TEMPLATES: dict[str, tuple[str, str]] = {
    "joint_brand": (
        "{units}联合打造统一品牌、联票与线路（{what}：{sites}）：联合后比单独最大的一方多触达约 "
        "{gain} {who}的客源；按 Shapley 值分配：{shares}。",
        "{units} build one brand, ticket and route together ({what}: {sites}): the joint offer "
        "reaches about {gain} more {who} than the largest partner alone; fair (Shapley) "
        "shares: {shares}.",
    ),
    "joint_product": (
        "{units}以“{what}”为主题共同开发产品或线路（{sites}）：联合后多触达约 {gain} {who}的客源；"
        "按 Shapley 值分配：{shares}。",
        "{units} develop a joint product or route on {what} ({sites}): it reaches about {gain} "
        "more {who} than the largest partner alone; fair (Shapley) shares: {shares}.",
    ),
    "coordinated_positioning": (
        "{units}重复建设同类产品（{what}：{sites}），约 {gain} {who}的客源被重复争夺：宜错位发展、"
        "协调定位；协调收益按 Shapley 值分配：{shares}。",
        "{units} have built the same product ({what}: {sites}) and compete for about {gain} "
        "{who} served twice: position the products apart; fair (Shapley) shares of that "
        "gain: {shares}.",
    ),
    "joint_management": (
        "{units}共有同一资源（{sites}），宜设联合管理机构统一规划经营：其客源约 {gain} {who}；"
        "按 Shapley 值分配：{shares}。",
        "{units} share one resource ({sites}): set up a joint management body; its market is "
        "about {gain} {who}; fair (Shapley) shares: {shares}.",
    ),
    "road_link": (
        "在{units}之间修建约 {what} km 的连接道路，可为 {pairs} 对跨界景点共节省 {gain} 分钟"
        "（最多的是{best}）；收益按 Shapley 值分配：{shares}。",
        "Build a link road of about {what} km between {units}: it saves {gain} minutes in all "
        "to {pairs} cross-border site pairs (most to {best}); fair (Shapley) shares: {shares}.",
    ),
}
_MORE = ("等 {n} 处", " and {n} more")
#: What a market gain counts (``gain_unit``).
_WHO = {"people": ("人", "people"), "unit_markets": ("个等权单元市场", "equal unit markets")}
_CLUSTER = ("资源集聚区 {}", "cluster {}")
_AND = ("、", ", ")
_WITH = ("与", " and ")


def _list(names: list[str], zh: bool, limit: int = 4) -> str:
    shown = _AND[0 if zh else 1].join(names[:limit])
    if len(names) > limit:
        shown += _MORE[0 if zh else 1].format(n=len(names) - limit)
    return shown


def _gain(value: float) -> str:
    return f"{value:,.0f}"


def explain_proposals(
    proposals: pd.DataFrame,
    shares: pd.DataFrame,
    *,
    site_names: dict[str, str],
    unit_names: dict[str, str],
    lang: str,
) -> pd.Series:
    """One sentence per proposal in ``lang`` (``"zh"`` or ``"en"``).

    Parameters
    ----------
    proposals
        ``proposal_id, type, units, sites, gain, evidence`` (JSON).
    shares
        ``proposal_id, unit_id, shapley`` of the proposals.
    site_names, unit_names
        Names in ``lang`` by id.
    lang
        The language.

    Returns
    -------
    pandas.Series
        The sentences, on the index of ``proposals``.
    """
    zh = lang == "zh"
    by_proposal = {key: group for key, group in shares.groupby("proposal_id", sort=False)}
    sentences = []
    for row in proposals.itertuples():
        evidence = json.loads(row.evidence) if row.evidence else {}
        units = [unit_names.get(u, u) for u in row.units.split(";") if u]
        joiner = _WITH[0 if zh else 1]
        unit_text = joiner.join(units) if len(units) == 2 else _AND[0 if zh else 1].join(units)
        sites = [site_names.get(s, s) for s in row.sites.split(";") if s]
        mine = by_proposal.get(row.proposal_id)
        total = row.gain if row.gain else 1.0
        share_text = (
            _AND[0 if zh else 1].join(
                f"{unit_names.get(u, u)} {value / total:.0%}"
                for u, value in zip(mine["unit_id"], mine["shapley"], strict=True)
            )
            if mine is not None
            else ""
        )
        zone = evidence.get("zone_name" if zh else "zone_name_en")
        what = {
            "joint_brand": zone or _CLUSTER[0 if zh else 1].format(evidence.get("cluster", "")),
            "joint_product": "/".join(
                theme_label(t, lang) for t in str(evidence.get("themes", "")).split(";") if t
            ),
            "coordinated_positioning": "/".join(
                kind_label(k, lang) for k in str(evidence.get("kinds", "")).split(";") if k
            ),
            "road_link": f"{float(evidence.get('straight_km', 0.0)):.1f}",
        }.get(row.type, "")
        template = _TEMPLATES[row.type][0 if zh else 1]
        sentences.append(
            template.format(
                units=unit_text,
                what=what,
                sites=_list(sites, zh),
                gain=_gain(row.gain),
                shares=share_text,
                pairs=evidence.get("site_pairs", 0),
                best=evidence.get("best_pair", ""),
                who=_WHO.get(row.gain_unit, ("", ""))[0 if zh else 1],
            )
        )
    return pd.Series(sentences, index=proposals.index, dtype=object)
