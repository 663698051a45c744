"""SWOT summary per unit and zone, generated from the numbers of the other analyses."""

from __future__ import annotations

from geo.analyses.base import Context, Stage, StageResult
from geo.swot import swot_summary

__all__ = ["Swot"]


class Swot(Stage):
    """Strengths, weaknesses, opportunities and threats, as bullet points."""

    name = "swot"
    section = "swot"
    needs = ("sites", "units", "unit_indicators", "overlaps", "clusters", "linkage")

    def run(self, ctx: Context) -> StageResult:
        """Write the bullets."""
        summary = swot_summary(
            ctx["sites"],
            ctx["units"],
            ctx.get("zones"),
            ctx["unit_indicators"],
            ctx["overlaps"],
            ctx["clusters"],
            ctx["linkage"],
            deadends=ctx.get("border_deadends"),
            efficiency=ctx.get("efficiency"),
            proposals=None
            if ctx.get("proposals") is None
            else (ctx["proposals"], ctx["proposal_shares"]),
        )
        return StageResult(indicators=summary)
