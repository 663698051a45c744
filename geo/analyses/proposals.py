"""Cooperation proposals: who should do what together, with what gain, shared how."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from geo.analyses.base import Context, Output, ParamModel, Stage, StageResult
from geo.analyses.columns import PROPOSAL_COLUMNS, SHARE_COLUMNS
from geo.i18n import names_in, unit_names
from geo.i18n.proposals import explain_proposals
from geo.proposals import PROPOSAL_TYPES, build_proposals, candidates_from_findings

__all__ = ["ProposalParams", "Proposals"]


class ProposalParams(ParamModel):
    """Cooperation proposals (keys of ``[params]``)."""

    proposal_max_per_type: int = Field(
        50, ge=1, le=10_000, description="proposals kept per type, largest gain first"
    )
    shapley_samples: int = Field(
        2000, ge=100, le=100_000, description="join orders sampled for Shapley above 12 units"
    )


class Proposals(Stage):
    """Turn the cross-border findings into proposals with gains and fair shares."""

    name = "proposals"
    section = "proposals"
    needs = ("sites", "units", "site_market_weights")
    params = (ProposalParams,)
    outputs = (
        Output(
            "proposals",
            "layer",
            {"en": "Cooperation proposals", "zh": "合作建议"},
            geometry="Unknown",
            csv="proposals.csv",
            map="shown",
            columns=PROPOSAL_COLUMNS,
        ),
        Output(
            "proposal_shares",
            "layer",
            {"en": "Benefit shares of the proposals", "zh": "合作收益分配"},
            geometry="Unknown",
            csv="proposal_shares.csv",
            columns=SHARE_COLUMNS,
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Gather the candidates, measure and share their gains, say them."""
        sites, units = ctx["sites"], ctx["units"]
        equal = (ctx.indicators.get("markets") or {}).get("source") == "equal"
        candidates = candidates_from_findings(
            sites=sites,
            pairs=ctx.get("overlaps"),
            groups=ctx.get("overlap_groups"),
            shared=ctx.get("shared_resources"),
            clusters=ctx.get("clusters"),
            zones=ctx.get("zones"),
            links=ctx.get("missing_links"),
        )
        names = {lang: dict(zip(sites["site_id"], names_in(sites, lang), strict=True))
                 for lang in ("zh", "en")}  # fmt: skip
        unit_label = {lang: unit_names(units, lang) for lang in ("zh", "en")}

        def explain(table: pd.DataFrame, shares: pd.DataFrame, lang: str) -> pd.Series:
            return explain_proposals(
                table, shares, site_names=names[lang], unit_names=unit_label[lang], lang=lang
            )

        proposals, shares = build_proposals(
            candidates,
            sites=sites,
            weights=ctx["site_market_weights"],
            explain=explain,
            max_per_type=ctx.params.proposal_max_per_type,
            samples=ctx.params.shapley_samples,
            market_unit="unit_markets" if equal else "people",
        )
        counts = proposals["type"].value_counts()
        summary = {
            "proposals": len(proposals),
            "by_type": {t: int(counts.get(t, 0)) for t in PROPOSAL_TYPES},
            "candidates": len(candidates),
            "top": proposals.drop(columns="geometry").head(10).to_dict(orient="records"),
        }
        return StageResult({"proposals": proposals, "proposal_shares": shares}, indicators=summary)
