"""The parts of a dataset manifest: one pydantic model per ``dataset.toml`` section.

Every part names a file (relative to the manifest), an optional layer, the coordinate system
of its coordinates (``coords``) and the columns to read. The loaders in :mod:`geo.sources`
take these; :mod:`geo.dataset` composes them with the analyses' parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from geo.coords import normalise_coords_name

__all__ = [
    "DemPart",
    "HubsPart",
    "MarketsPart",
    "Part",
    "RoadsPart",
    "SitesPart",
    "StatsPart",
    "TaxonomyPart",
    "UnitsPart",
    "ZonesPart",
]

Coords = Annotated[str | int | None, Field(description="wgs84 | gcj02 | bd09 | EPSG code")]


class Part(BaseModel):
    """Common keys of every part."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path = Field(description="file or folder, relative to the manifest")
    layer: str | None = Field(None, description="layer name for multi-layer files")
    coords: Coords = None

    @field_validator("coords")
    @classmethod
    def _known_coords(cls, value: str | int | None) -> str | None:
        return None if value is None else normalise_coords_name(value)


class _PointsPart(Part):
    """Keys of every point layer: a table with lon/lat columns or a GIS layer."""

    id: str | None = None
    name: str | None = None
    unit: str | None = None
    lon: str | None = None
    lat: str | None = None
    sheet: str | int | None = Field(None, description="worksheet of an Excel file")


class SitesPart(_PointsPart):
    """``[sites]``: tourism resources (points or polygons, or a table with lon/lat)."""

    name_en: str | None = None
    category: str | None = None
    grade: str | None = None
    origin: str | None = Field(
        None, description="column saying developed or endowment (else the kind and the grade)"
    )
    parent: str | None = Field(
        None, description="column holding the id of the site each site is part of"
    )


class UnitsPart(Part):
    """``[units]``: administrative units (polygons)."""

    id: str
    name: str
    name_en: str | None = None
    level: str = Field("county", description="what the units are (county, district, parish...)")
    levels: list[str] = Field(
        default_factory=list,
        description="columns of the units' hierarchy, top first (e.g. province, prefecture)",
    )
    focus: str | None = Field(None, description="column marking the study area's own units")


class ZonesPart(Part):
    """``[zones]``: special zones that may straddle units (polygons)."""

    id: str | None = None
    name: str | None = None


class RoadsPart(Part):
    """``[roads]``: OSM PBF/XML or a line layer with a road-class column."""

    highway: str | None = Field(None, description="road-class column of a line layer")
    maxspeed: str | None = None
    oneway: str | None = None


class HubsPart(_PointsPart):
    """``[hubs]``: points travel times and isochrones start from (e.g. county seats)."""


class MarketsPart(_PointsPart):
    """``[markets]``: points with population (towns, cities) whose reach defines markets."""

    population: str | None = Field(None, description="population column (default: alias)")


class DemPart(Part):
    """``[dem]``: elevation GeoTIFF."""

    band: int = 1


class StatsPart(Part):
    """``[stats]``: per-unit table for linkage and efficiency."""

    unit: str = Field(description="column holding the unit id")
    population: str | None = None
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)


class TaxonomyPart(BaseModel):
    """``[taxonomy]``: the dataset's own rules, which win over the bundled ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[str, str] = Field(default_factory=dict, description="raw category text -> kind id")
    theme_keywords: dict[str, str] = Field(
        default_factory=dict, description="keyword in a name or category -> theme"
    )
