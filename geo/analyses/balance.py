"""Balance and pattern: per-unit endowment, inequality across units, kernel density."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from geo.analyses.base import Context, Output, ParamModel, Stage, StageResult
from geo.density import kernel_density, read_density, write_density
from geo.diagnostics import RunWarning
from geo.indicators import unit_balance
from geo.taxonomy import GradeParams, grade_weight

if TYPE_CHECKING:
    from geo.dataset import Dataset

__all__ = ["Balance", "Density"]


class DensityParams(ParamModel):
    """The kernel density raster (keys of ``[params]``)."""

    density_bandwidth_km: float = Field(10.0, gt=0, description="kernel of density.tif")
    density_cell_km: float = Field(1.0, gt=0, description="cell size of density.tif")
    density_max_cells: int = Field(
        25_000_000, gt=0, description="largest density grid (cells); a finer one is refused"
    )


class Balance(Stage):
    """Counts by class and grade, endowment, density and Clark-Evans R per unit; Gini, Theil."""

    name = "balance"
    section = "balance"
    needs = ("sites", "units")
    params = (GradeParams,)
    background = True
    outputs = (
        Output(
            "unit_indicators",
            "table",
            {"en": "Unit indicators", "zh": "单元指标"},
            csv="unit_indicators.csv",
        ),
    )

    def starts_after(self, dataset: Dataset) -> str:
        """Each site's unit, grade, class and parent are final once components are linked."""
        return "link components"

    def run(self, ctx: Context) -> StageResult:
        """Measure the balance across units."""
        table, region = unit_balance(ctx["sites"], ctx["units"], tuple(ctx.params.grade_weights))
        warnings = []
        if len(ctx["units"]) < 2:
            warnings.append(RunWarning("one_unit_only"))
        return StageResult({"unit_indicators": table}, indicators=region, warnings=warnings)


class Density(Stage):
    """Grade-weighted kernel density of the sites over the units' extent."""

    name = "density"
    needs = ("sites", "units")
    params = (GradeParams, DensityParams)
    outputs = (
        Output(
            "density",
            "raster",
            {"en": "Resource density", "zh": "资源密度"},
            files=("density.tif",),
            write=lambda raster, folder: write_density(raster, folder / "density.tif"),
            read=lambda folder: read_density(folder / "density.tif"),
            map="hidden",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Compute the density grid."""
        params, sites = ctx.params, ctx["sites"]
        density = kernel_density(
            sites,
            grade_weight(sites["a_grade"], params.grade_weights),
            tuple(ctx["units"].total_bounds),
            bandwidth_km=params.density_bandwidth_km,
            cell_km=params.density_cell_km,
            max_cells=params.density_max_cells,
        )
        return StageResult({"density": density})
