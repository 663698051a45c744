"""Pair relations: competing (duplicated construction), complementary, shared, component.

Also the overlap groups and the unit-pair summary.
"""

from __future__ import annotations

from geo.analyses.base import Context, Output, Stage, StageResult
from geo.analyses.columns import GROUP_COLUMNS, PAIR_COLUMNS
from geo.diagnostics import RunWarning
from geo.markets import MarketParams
from geo.overlap_summary import overlap_indicators
from geo.overlaps import (
    UNLISTED,
    OverlapParams,
    find_overlaps,
    overlap_groups,
    overlap_lines,
    unit_pair_summary,
)
from geo.taxonomy import GradeParams

__all__ = ["Overlaps"]


class Overlaps(Stage):
    """Related pairs within reach: competing (scored 0-100), complementary, shared, component."""

    name = "overlaps"
    section = "overlaps"
    needs = ("sites", "units", "taxonomy", "record_duplicates", "site_market_weights")
    params = (OverlapParams, MarketParams, GradeParams)
    outputs = (
        Output(
            "overlaps",
            "table",
            {"en": "Overlap pairs", "zh": "重复建设点对"},
            csv="overlaps.csv",
            api=False,  # served with their lines as overlap_pairs
        ),
        Output(
            "overlap_groups",
            "table",
            {"en": "Overlap groups", "zh": "重复建设组"},
            csv="overlap_groups.csv",
            map="shown",
            columns=GROUP_COLUMNS,
        ),
        Output(
            "overlap_unit_pairs",
            "table",
            {"en": "Overlaps by unit pair", "zh": "单元对重复建设"},
            csv="overlap_unit_pairs.csv",
        ),
        Output(
            "overlap_pairs",
            "layer",
            {"en": "Duplicated-construction pairs", "zh": "重复建设连线"},
            geometry="LineString",
            map="shown",
            columns=PAIR_COLUMNS,
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Find, relate, score and group the pairs."""
        params, sites = ctx.params, ctx["sites"]
        minutes = ctx.get("site_minutes")
        part = ctx.dataset.units
        pairs = find_overlaps(
            sites,
            ctx["units"],
            ctx["taxonomy"],
            params,
            weights=ctx["site_market_weights"],
            reach=params.reach_minutes if minutes is not None else params.reach_km,
            grade_weights=params.grade_weights,
            travel_minutes=minutes,
            shared=ctx.get("shared_resources"),
            levels=part.levels,
            level=part.level,
        )
        unlisted = pairs.attrs.get(UNLISTED, {})
        groups, pairs["group_id"] = overlap_groups(pairs, sites, params.group_min_score)
        unit_pairs = unit_pair_summary(pairs)
        warnings = []
        if len(sites) < 2:
            warnings.append(RunWarning("one_site"))
        elif sites["unit_id"].nunique() < 2:
            warnings.append(RunWarning("one_unit"))
        summary = overlap_indicators(
            pairs,
            groups,
            unit_pairs,
            sites,
            ctx["record_duplicates"],
            mode="road" if minutes is not None else "geodesic",
            settings=params,
            shared=ctx.get("shared_resources"),
        )
        summary["unlisted_below_min_pair_score"] = unlisted
        outputs = {
            "overlaps": pairs,
            "overlap_groups": groups,
            "overlap_unit_pairs": unit_pairs,
            "overlap_pairs": overlap_lines(pairs, sites),
        }
        return StageResult(outputs, indicators=summary, warnings=warnings)
