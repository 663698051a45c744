"""Linkage: gravity model between units, the cooperation network."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from geo.analyses.base import Context, Output, ParamModel, Stage, StageResult
from geo.analyses.inputs import table_limits
from geo.diagnostics import Note, RunWarning
from geo.linkage import centroid_pairs, gravity_linkage
from geo.sources.stats import UnitStats, load_stats

if TYPE_CHECKING:
    from geo.dataset import Dataset
    from geo.parts import StatsPart

__all__ = ["Linkage", "LinkageParams", "LoadStats", "UnitDistances", "stats_warnings"]


class LinkageParams(ParamModel):
    """Gravity linkage and the cooperation network (keys of ``[params]``)."""

    linkage_reach_minutes: float = Field(
        180.0, gt=0, description="units farther apart by road are not linked"
    )
    linkage_reach_km: float = Field(
        150.0, gt=0, description="units whose centroids are farther apart are not linked"
    )
    linkage_top_k: int = Field(
        3, ge=1, le=100, description="a link is among the k strongest of one of its units"
    )


class UnitDistances(Stage):
    """Geodesic distances between unit centroids (the linkage's distance without roads)."""

    name = "unit distances"
    needs = ("units",)
    params = (LinkageParams,)
    background = True

    def skip_reason(self, ctx: Context) -> Note | None:
        """With roads the linkage uses travel times between hubs instead."""
        if ctx.dataset.roads is not None:
            return Note("skip:roads_linkage")
        return super().skip_reason(ctx)

    def starts_after(self, dataset: Dataset) -> str:
        """Units are all it needs."""
        return "load units"

    def run(self, ctx: Context) -> StageResult:
        """Measure the distances."""
        within = centroid_pairs(ctx["units"], ctx.params.linkage_reach_km)
        return StageResult({"centroid_pairs": within})


class Linkage(Stage):
    """Gravity linkage R_ij between units and each unit's share of it."""

    name = "linkage"
    section = "linkage"
    needs = ("units", "unit_indicators")
    params = (LinkageParams,)
    outputs = (
        Output(
            "linkage",
            "table",
            {"en": "Gravity linkage", "zh": "引力联系"},
            csv="linkage.csv",
            precise=("strength", "share"),
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Load ``[stats]`` when given and measure the links."""
        part, units, table = ctx.dataset.stats, ctx["units"], ctx["unit_indicators"]
        params = ctx.params
        stats = ctx.get("stats")
        population = part.population if part else None
        links, link_share, summary = gravity_linkage(
            units,
            table.set_index("unit_id")["endowment"],
            population=stats.table[population] if population else None,
            hub_minutes=ctx.get("hub_minutes"),
            within=ctx.get("centroid_pairs"),
            reach_minutes=params.linkage_reach_minutes,
            reach_km=params.linkage_reach_km,
            top_k=params.linkage_top_k,
        )
        if population:
            shaky = stats.illustrative_units([population])
            links["illustrative"] = links["unit_a"].isin(shaky) | links["unit_b"].isin(shaky)
            summary["population_illustrative_units"] = shaky
        summary["strongest"] = links.head(10).to_dict(orient="records")
        share = table["unit_id"].map(link_share).fillna(0.0)
        return StageResult(
            {"linkage": links},
            columns={"unit_indicators": {"linkage_share": share.to_numpy()}},
            indicators=summary,
        )


class LoadStats(Stage):
    """Read the per-unit statistics (population, inputs and outputs of tourism)."""

    name = "load stats"
    parts = ("stats",)
    needs = ("units",)
    validates = True

    def run(self, ctx: Context) -> StageResult:
        """Load ``[stats]`` for the units and say what is missing or illustrative."""
        part = ctx.dataset.stats
        stats = load_stats(part, list(ctx["units"]["unit_id"]), limits=table_limits(ctx))
        return StageResult({"stats": stats}, warnings=stats_warnings(stats, part))


def stats_warnings(stats: UnitStats, part: StatsPart) -> list[RunWarning]:
    """Warnings for units without statistics and for values that are not official.

    Parameters
    ----------
    stats
        The loaded ``[stats]`` table.
    part
        Its manifest part (file and column names).

    Returns
    -------
    list of RunWarning
        Missing units, then illustrative values by use.
    """
    found = []
    if stats.missing_units:
        found.append(
            RunWarning(
                "stats_missing_units",
                {
                    "file": Path(part.path).name,
                    "n": len(stats.missing_units),
                    "first": ", ".join(stats.missing_units[:10]),
                },
                stats.missing_units,
            )
        )
    for columns, use in (
        ([part.population] if part.population else [], "linkage"),
        (part.inputs + part.outputs, "efficiency"),
    ):
        shaky = stats.illustrative_units(columns)
        if shaky:
            found.append(
                RunWarning(
                    "illustrative_stats",
                    {
                        "file": Path(part.path).name,
                        "columns": ", ".join(columns),
                        "n": len(shaky),
                        "variant": use,
                    },
                    shaky,
                )
            )
    return found
