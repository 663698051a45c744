"""The input stages: load and check every part, classify the sites, place them in units.

They turn the manifest's files into the normalised layers every analysis reads: ``sites``,
``units``, ``zones``, ``dem`` facts, ``taxonomy``, ``record_duplicates``, ``unit_borders``
(the shared borders) and ``directed_borders`` (each unit's border towards each neighbour).
"""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
from pydantic import Field

from geo.admin import (
    assign_units,
    border_distance,
    listing_units,
    shared_borders,
    unit_borders,
    unit_names,
)
from geo.analyses.base import Context, Output, ParamModel, Stage, StageResult
from geo.analyses.columns import SHARED_RESOURCE_COLUMNS, SITE_COLUMNS
from geo.dedupe import find_record_duplicates, shared_resources
from geo.errors import DatasetError
from geo.names import admin_prefixes
from geo.parents import ParentParams, find_parents, inherit_kinds
from geo.sources import check_dem, combine_site_files, load_sites, load_units, load_zones
from geo.sources.files import TableLimits
from geo.sources.layer import LoadedLayer
from geo.taxonomy import Taxonomy, classify_sites, load_taxonomy, unclassified_warning

__all__ = [
    "AssignUnits",
    "CheckDem",
    "ClassifySites",
    "LinkComponents",
    "LoadSites",
    "LoadUnits",
    "LoadZones",
    "MeasureBorders",
    "RecordDuplicates",
]


class TableParams(ParamModel):
    """Bounds on the delimited tables read (keys of ``[params]``)."""

    table_max_mb: float = Field(
        1024.0, gt=0, description="largest CSV/TXT table read (MB); a larger one is refused"
    )
    table_max_columns: int = Field(
        1000, gt=0, description="most columns of a CSV/TXT table; a wider one is refused"
    )


def table_limits(ctx: Context) -> TableLimits:
    """Return the table limits of the run's parameters."""
    return TableLimits(ctx.params.table_max_mb, ctx.params.table_max_columns)


class UnitParams(ParamModel):
    """How unit and zone polygons are checked (keys of ``[params]``)."""

    unit_overlap_min_km2: float = Field(
        0.01, ge=0, description="overlaps of units smaller than this are ignored as slivers"
    )


class DemParams(ParamModel):
    """How the DEM is checked (keys of ``[params]``)."""

    dem_min_coverage: float = Field(
        0.99, ge=0, le=1, description="share of the units' area the DEM should cover"
    )
    dem_max_cells: int = Field(
        100_000_000, gt=0, description="largest DEM read (cells); a larger one is refused"
    )


class DuplicateParams(ParamModel):
    """Record duplicates (keys of ``[params]``)."""

    record_dup_m: float = Field(
        200.0, gt=0, description="records this close with similar names are one site"
    )
    shared_km: float = Field(
        2.0,
        ge=0,
        description="records of two units this close under one name are one shared resource",
    )
    shared_area_share: float = Field(
        0.1,
        gt=0,
        le=0.5,
        description="a site area with this share of it in each of two units is shared by them",
    )


class BorderParams(ParamModel):
    """Shared borders (keys of ``[params]``)."""

    border_tolerance_m: float = Field(
        100.0, gt=0, description="boundaries of two units closer than this are shared"
    )


class AttachParams(ParamModel):
    """Placing sites in units (keys of ``[params]``)."""

    attach_km: float = Field(
        2.0,
        ge=0,
        description="a site (or hub) outside every unit but this close to one is attached to "
        "the nearest unit (islands, border waterfalls, coarse coastlines); 0 turns it off",
    )


class LoadSites(Stage):
    """Read the sites file, whatever its format, encoding and coordinate system."""

    name = "load sites"
    validates = True
    params = (TableParams,)
    outputs = (
        Output(
            "sites",
            "layer",
            {"en": "Tourism sites", "zh": "旅游资源点"},
            geometry="Point",
            map="shown",
            columns=SITE_COLUMNS,
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Load ``[sites]`` (every file of ``[[sites]]``, in order)."""
        parts = ctx.dataset.site_parts
        if len(parts) == 1:
            layer = load_sites(parts[0], limits=table_limits(ctx))
        else:
            layer = combine_site_files(
                [
                    load_sites(
                        part, limits=table_limits(ctx), id_prefix=f"{part.path.stem}-" if i else ""
                    )
                    for i, part in enumerate(parts)
                ]
            )
        result = _loaded("sites", layer)
        result.outputs["site_footprints"] = layer.footprints
        return result


class LoadUnits(Stage):
    """Read the administrative units and check their polygons."""

    name = "load units"
    validates = True
    params = (UnitParams,)
    outputs = (
        Output(
            "units",
            "layer",
            {"en": "Administrative units", "zh": "行政单元"},
            geometry="MultiPolygon",
            map="shown",
            display="coverage",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Load ``[units]``."""
        min_km2 = ctx.params.unit_overlap_min_km2
        return _loaded("units", load_units(ctx.dataset.units, overlap_min_km2=min_km2))


class LoadZones(Stage):
    """Read the special zones that straddle units."""

    name = "load zones"
    validates = True
    section = "zones"
    parts = ("zones",)
    params = (UnitParams,)
    outputs = (
        Output(
            "zones",
            "layer",
            {"en": "Special zones", "zh": "特殊区域"},
            geometry="MultiPolygon",
            map="shown",
            display="features",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Load ``[zones]``."""
        min_km2 = ctx.params.unit_overlap_min_km2
        return _loaded("zones", load_zones(ctx.dataset.zones, overlap_min_km2=min_km2))


class CheckDem(Stage):
    """Check that the DEM opens, has a CRS and covers the units."""

    name = "check DEM"
    validates = True
    section = "terrain"
    parts = ("dem",)
    needs = ("units",)
    params = (DemParams,)

    def run(self, ctx: Context) -> StageResult:
        """Check ``[dem]``."""
        params = ctx.params
        dem = check_dem(
            ctx.dataset.dem,
            ctx["units"],
            min_coverage=params.dem_min_coverage,
            max_cells=params.dem_max_cells,
        )
        info = {k: v for k, v in asdict(dem).items() if k != "warnings"}
        return StageResult({"dem": dem}, sources={"dem": info}, warnings=dem.warnings)


class ClassifySites(Stage):
    """Kinds, GB/T 18972 classes, themes, origin and A-grades of the sites."""

    name = "classify sites"
    validates = True
    needs = ("sites", "units")

    def run(self, ctx: Context) -> StageResult:
        """Classify with the bundled taxonomy and the dataset's own rules."""
        taxonomy = _taxonomy(ctx)
        sites, warnings = classify_sites(
            ctx["sites"],
            taxonomy,
            category_kinds=ctx.dataset.taxonomy.kinds,
            prefixes=admin_prefixes(unit_names(ctx["units"], ctx.dataset.units.levels)),
        )
        return StageResult({"sites": sites, "taxonomy": taxonomy}, warnings=warnings)


class AssignUnits(Stage):
    """Place every site in the unit that contains it."""

    name = "assign units"
    validates = True
    needs = ("sites", "units")
    params = (AttachParams,)

    def run(self, ctx: Context) -> StageResult:
        """Assign units spatially; disagreements with declared units are warnings."""
        attach_m = ctx.params.attach_km * 1000.0
        sites, warnings = assign_units(ctx["sites"], ctx["units"], attach_m=attach_m)
        return StageResult({"sites": sites}, warnings=warnings)


class RecordDuplicates(Stage):
    """Merge the same site listed twice by one unit; keep one listed by two units as shared."""

    name = "record duplicates"
    needs = ("sites", "units")
    params = (DuplicateParams,)
    outputs = (
        Output(
            "record_duplicates",
            "table",
            {"en": "Record duplicates", "zh": "重复记录"},
            csv="record_duplicates.csv",
        ),
        Output(
            "shared_resources",
            "table",
            {"en": "Shared resources", "zh": "跨界共有资源"},
            csv="shared_resources.csv",
            columns=SHARED_RESOURCE_COLUMNS,
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Find and merge the duplicates, and list the shared resources."""
        sites = ctx["sites"]
        listing = listing_units(
            sites,
            ctx["units"],
            footprints=ctx.get("site_footprints"),
            min_share=ctx.params.shared_area_share,
        )
        sites, duplicates, shared, warnings = find_record_duplicates(
            sites,
            max_m=ctx.params.record_dup_m,
            listing=listing,
            shared_m=ctx.params.shared_km * 1000.0,
        )
        kept = pd.Index(ctx["sites"]["site_id"]).get_indexer(sites["site_id"])
        resources = shared_resources(sites, listing.iloc[kept].reset_index(drop=True), shared)
        return StageResult(
            {"sites": sites, "record_duplicates": duplicates, "shared_resources": resources},
            warnings=warnings,
        )


class LinkComponents(Stage):
    """Which site is part of which (components of a scenic area are not its rivals)."""

    name = "link components"
    validates = True
    needs = ("sites",)
    params = (ParentParams,)

    def run(self, ctx: Context) -> StageResult:
        """Find each site's parent; a component without a kind takes its parent's."""
        sites = ctx["sites"].copy(deep=False)
        sites["parent"], sites["parent_source"], warnings = find_parents(sites, ctx.params)
        sites = inherit_kinds(sites)
        if (unclassified := unclassified_warning(sites)) is not None:
            warnings.append(unclassified)
        return StageResult({"sites": sites}, warnings=warnings)


class MeasureBorders(Stage):
    """The borders units share, and each site's distance to the nearest of them."""

    name = "measure borders"
    needs = ("sites", "units")
    params = (BorderParams,)
    outputs = (
        Output(
            "unit_borders",
            "layer",
            {"en": "Shared unit borders", "zh": "共享边界"},
            geometry="MultiLineString",
            display="features",
        ),
    )

    def run(self, ctx: Context) -> StageResult:
        """Measure the borders and the sites' border distances."""
        directed = unit_borders(ctx["units"], tolerance_m=ctx.params.border_tolerance_m)
        sites = border_distance(ctx["sites"], directed)
        borders = shared_borders(directed)
        return StageResult({"sites": sites, "directed_borders": directed, "unit_borders": borders})


def _loaded(part: str, loaded: LoadedLayer) -> StageResult:
    """Return a loaded part as a stage's result: the layer, its facts, its warnings."""
    return StageResult({part: loaded.data}, sources={part: loaded.info}, warnings=loaded.warnings)


def _taxonomy(ctx: Context) -> Taxonomy:
    """Load the bundled taxonomy with the dataset's own rules; unknown kind ids are an error."""
    dataset = ctx.dataset
    taxonomy = load_taxonomy(theme_keywords=dataset.taxonomy.theme_keywords)
    for category, kind in dataset.taxonomy.kinds.items():
        if kind not in taxonomy.kinds:
            msg = (
                f"{dataset.manifest}: [taxonomy] kinds maps '{category}' to unknown kind "
                f"'{kind}'; use one of {', '.join(taxonomy.kinds)}"
            )
            raise DatasetError(msg)
    return taxonomy
