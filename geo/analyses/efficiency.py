"""Efficiency: input-oriented DEA (CCR, BCC, scale efficiency, returns to scale) per unit."""

from __future__ import annotations

from geo.analyses.base import Context, Output, Stage, StageResult
from geo.diagnostics import Note, RunWarning
from geo.efficiency import dea

__all__ = ["Efficiency"]


class Efficiency(Stage):
    """DEA of the units' tourism inputs and outputs from ``[stats]``."""

    name = "efficiency"
    section = "efficiency"
    outputs = (
        Output(
            "efficiency",
            "table",
            {"en": "Efficiency (DEA)", "zh": "效率 (DEA)"},
            csv="efficiency.csv",
        ),
    )

    def skip_reason(self, ctx: Context) -> Note | None:
        """DEA needs inputs and outputs."""
        part = ctx.dataset.stats
        if ctx.get("stats") is None or not (part.inputs and part.outputs):
            return Note("skip:no_dea_data")
        return None

    def run(self, ctx: Context) -> StageResult:
        """Solve the DEA programmes; an infeasible unit is reported, not a crash."""
        part, stats = ctx.dataset.stats, ctx["stats"]
        efficiency = dea(stats.table, part.inputs, part.outputs)
        efficiency.insert(0, "unit_id", efficiency.index)
        shaky = stats.illustrative_units(part.inputs + part.outputs)
        efficiency["illustrative"] = efficiency["unit_id"].isin(shaky)
        efficiency = efficiency.reset_index(drop=True)
        infeasible = list(efficiency.loc[efficiency["returns_to_scale"] == "infeasible", "unit_id"])
        warnings = []
        if infeasible:
            warnings.append(
                RunWarning(
                    "dea_infeasible",
                    {"n": len(infeasible)},
                    [str(u) for u in infeasible],
                )
            )
        summary = {
            "model": "input-oriented DEA, CCR and BCC (scipy HiGHS)",
            "inputs": part.inputs,
            "outputs": part.outputs,
            "illustrative_units": shaky,
            "infeasible_units": infeasible,
            "units": efficiency.to_dict(orient="records"),
        }
        return StageResult({"efficiency": efficiency}, indicators=summary, warnings=warnings)
