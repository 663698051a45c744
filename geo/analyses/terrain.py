"""Terrain: elevation and slope at the sites, per-unit terrain, a hillshade for the map."""

from __future__ import annotations

import numpy as np

from geo.analyses.base import Context, Output, Stage, StageResult
from geo.diagnostics import RunWarning
from geo.terrain import STEEP_DEG, analyse_terrain, read_hillshade, write_hillshade

__all__ = ["Terrain"]


class Terrain(Stage):
    """Sample the DEM at the sites and summarise it per unit."""

    name = "terrain"
    section = "terrain"
    parts = ("dem",)
    needs = ("sites", "units", "unit_indicators")
    outputs = (
        Output(
            "hillshade",
            "raster",
            {"en": "Hillshade", "zh": "山体阴影"},
            files=("hillshade.png",),
            write=write_hillshade,
            read=read_hillshade,
            map="shown",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Analyse the terrain."""
        sites, dem = ctx["sites"], ctx.dataset.dem
        terrain = analyse_terrain(dem.path, dem.band, sites, ctx["units"])
        warnings = []
        if terrain.missing_sites:
            warnings.append(
                RunWarning(
                    "sites_outside_dem",
                    {"n": int(terrain.missing_sites)},
                )
            )
        summary = {
            "sites_with_values": int(len(sites) - terrain.missing_sites),
            "sites_missing": terrain.missing_sites,
            "site_elevation_m": {
                "mean": float(np.nanmean(terrain.elevation))
                if len(sites) > terrain.missing_sites
                else None
            },
            "steep_threshold_deg": STEEP_DEG,
            "hillshade_png": "hillshade.png",
            "hillshade_bounds_wgs84": list(terrain.hillshade.bounds),
            "units": terrain.units.to_dict(orient="records"),
        }
        outputs = {
            "sites": sites.assign(elevation_m=terrain.elevation, slope_deg=terrain.slope),
            "unit_indicators": ctx["unit_indicators"].merge(
                terrain.units, on="unit_id", how="left"
            ),
            "hillshade": terrain.hillshade,
        }
        return StageResult(outputs, indicators=summary, warnings=warnings)
