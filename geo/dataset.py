"""Dataset manifest: ``dataset.toml`` -> a validated :class:`Dataset`.

A dataset is a folder with a ``dataset.toml``. Every part names a file (relative to the
manifest), optional layer, the coordinate system of its coordinates (``coords``) and the
columns to read; ``[params]`` overrides analysis parameters. Unknown keys, missing required
parts and values of the wrong type are errors that name the key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from geo.coords import normalise_coords_name
from geo.errors import DatasetError

__all__ = [
    "MANIFEST_NAME",
    "Dataset",
    "DemPart",
    "HubsPart",
    "Params",
    "RoadsPart",
    "SitesPart",
    "StatsPart",
    "TaxonomyPart",
    "UnitsPart",
    "ZonesPart",
    "load_dataset",
    "with_params",
]

MANIFEST_NAME = "dataset.toml"

Coords = Annotated[str | int | None, Field(description="wgs84 | gcj02 | bd09 | EPSG code")]


class _Part(BaseModel):
    """Common keys of every part."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path = Field(description="file or folder, relative to the manifest")
    layer: str | None = Field(None, description="layer name for multi-layer files")
    coords: Coords = None

    @field_validator("coords")
    @classmethod
    def _known_coords(cls, value: str | int | None) -> str | None:
        return None if value is None else normalise_coords_name(value)


class _PointsPart(_Part):
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


class UnitsPart(_Part):
    """``[units]``: administrative units (polygons)."""

    id: str
    name: str
    name_en: str | None = None


class ZonesPart(_Part):
    """``[zones]``: special zones that may straddle units (polygons)."""

    id: str | None = None
    name: str | None = None


class RoadsPart(_Part):
    """``[roads]``: OSM PBF/XML or a line layer with a road-class column."""

    highway: str | None = Field(None, description="road-class column of a line layer")
    maxspeed: str | None = None
    oneway: str | None = None


class HubsPart(_PointsPart):
    """``[hubs]``: points travel times and isochrones start from (e.g. county seats)."""


class DemPart(_Part):
    """``[dem]``: elevation GeoTIFF."""

    band: int = 1


class StatsPart(_Part):
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


class Params(BaseModel):
    """Analysis parameters; every one may be overridden in ``[params]``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    border_tolerance_m: float = Field(
        100.0, gt=0, description="boundaries of two units closer than this are shared"
    )
    unit_overlap_min_km2: float = Field(
        0.01, ge=0, description="overlaps of units smaller than this are ignored as slivers"
    )
    dem_min_coverage: float = Field(
        0.99, ge=0, le=1, description="share of the units' area the DEM should cover"
    )
    road_speeds_kmh: dict[str, float] = Field(
        default_factory=dict, description="speeds by OSM road class, over the defaults"
    )
    network_margin_km: float = Field(10.0, ge=0, description="roads kept around the units")
    snap_max_m: float = Field(5000.0, gt=0, description="sites farther from a road are flagged")
    offroad_speed_kmh: float = Field(15.0, gt=0, description="speed between a site and its road")
    od_cutoff_min: float = Field(
        180.0, gt=0, description="travel times above this are not stored for large site sets"
    )
    isochrone_minutes: list[float] = Field(default_factory=lambda: [15.0, 30.0, 60.0])
    isochrone_min_grade: int = Field(
        4, ge=0, le=5, description="sites of this A-grade or more get isochrones, as hubs do"
    )
    deadend_near_border_km: float = Field(2.0, gt=0)
    deadend_across_km: float = Field(3.0, gt=0)
    deadend_ratio: float = Field(5.0, gt=1)
    detour_min_km: float = Field(1.0, ge=0)
    detour_max_km: float = Field(60.0, gt=0)
    record_dup_m: float = Field(
        200.0, gt=0, description="records this close with similar names are one site"
    )
    market_minutes: float = Field(60.0, gt=0, description="overlap cut-off by road (minutes)")
    market_km: float = Field(30.0, gt=0, description="overlap cut-off without roads (km)")
    circuity: float = Field(1.3, ge=1, description="road km per straight-line km (estimate)")
    overlap_weights: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [1.0, 1.0, 1.0],
        min_length=3,
        max_length=3,
        description="exponents of similarity, proximity, grade similarity in the score",
    )
    group_min_score: float = Field(30.0, ge=0, le=100, description="weaker pairs join no group")
    grade_weights: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [1.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        min_length=6,
        max_length=6,
        description="weight of a site by A-grade 0..5 (endowment, cluster quality)",
    )
    cluster_method: Literal["dbscan", "hdbscan"] = "dbscan"
    cluster_eps_km: float = Field(10.0, gt=0, description="DBSCAN radius without roads")
    cluster_eps_min: float = Field(20.0, gt=0, description="DBSCAN radius by road")
    cluster_min_weight: float = Field(6.0, gt=0, description="grade weight that makes a core")
    hull_buffer_km: float = Field(1.0, ge=0)
    density_bandwidth_km: float = Field(10.0, gt=0, description="kernel of density.tif")
    density_cell_km: float = Field(1.0, gt=0, description="cell size of density.tif")
    candidate_min_index: float = Field(0.3, ge=0, le=1)
    candidate_min_quality: float = Field(10.0, ge=0)


class Dataset(BaseModel):
    """A validated dataset manifest with absolute paths."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str | None = None
    sites: SitesPart
    units: UnitsPart
    zones: ZonesPart | None = None
    roads: RoadsPart | None = None
    hubs: HubsPart | None = None
    dem: DemPart | None = None
    stats: StatsPart | None = None
    taxonomy: TaxonomyPart = Field(default_factory=TaxonomyPart)
    params: Params = Field(default_factory=Params)
    root: Path = Field(Path("."), description="folder of the manifest (set by the loader)")

    @property
    def manifest(self) -> Path:
        """Path of the ``dataset.toml``."""
        return self.root / MANIFEST_NAME

    @property
    def slug(self) -> str:
        """Folder-safe short name: the dataset folder's name."""
        return _slugify(self.root.name) or "dataset"

    def parts(self) -> dict[str, _Part]:
        """Return the parts present, by manifest section name."""
        names = ("sites", "units", "zones", "roads", "hubs", "dem", "stats")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


def _slugify(text: str) -> str:
    out = "".join(c if c.isalnum() or c in "-_" else "-" for c in text.strip().lower())
    return "-".join(filter(None, out.split("-")))


def _describe_error(err: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    section = f"[{loc[0]}]" if len(loc) > 1 else "the top level"
    key = loc[-1]
    kind = err["type"]
    if kind == "extra_forbidden":
        if loc[0] == "params" and len(loc) == 2:
            known = ", ".join(Params.model_fields)
            return f"unknown parameter '{key}' in [params]; known parameters are {known}"
        return f"unknown key '{key}' in {section}; remove it or check its spelling"
    if kind == "missing":
        if len(loc) == 1 and key in ("name", "description"):
            return f"required key '{key}' is missing at the top of the manifest ({key} = \"...\")"
        if len(loc) == 1:
            return f"required section [{key}] is missing; add it (see README 'Bring your own data')"
        return f"required key '{key}' is missing in {section}"
    where = f"key '{key}' in {section}" if len(loc) > 1 else f"key '{key}'"
    return f"{where} is invalid: {err['msg']}"


def load_dataset(path: str | Path, *, confined: bool = False) -> Dataset:
    """Read and validate a dataset manifest.

    Parameters
    ----------
    path
        A dataset folder (containing ``dataset.toml``) or the manifest file itself.
    confined
        Every part's file must lie inside the manifest's folder (for datasets received from
        others, e.g. uploads to the API, whose manifest must not point at other files).

    Returns
    -------
    Dataset
        The validated manifest; part paths are absolute and exist.

    Raises
    ------
    DatasetError
        Missing manifest, TOML syntax error, unknown or missing keys, wrong types, a part
        whose file does not exist, or (``confined``) lies outside the dataset folder.
    """
    path = Path(path)
    manifest = path / MANIFEST_NAME if path.is_dir() or path.suffix != ".toml" else path
    if not manifest.is_file():
        msg = (
            f"{manifest}: no dataset manifest found; create one with "
            f"'tia init {manifest.parent}' or write dataset.toml by hand"
        )
        raise DatasetError(msg)
    try:
        raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{manifest}: not valid TOML ({exc}); fix the syntax"
        raise DatasetError(msg) from exc
    if "root" in raw:
        msg = f"{manifest}: unknown key 'root' at the top level; remove it"
        raise DatasetError(msg)
    root = manifest.parent.resolve()
    try:
        dataset = Dataset.model_validate({**raw, "root": root})
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        msg = f"{manifest}: {_describe_error(errors[0])}{more}"
        raise DatasetError(msg) from None
    updates = {}
    for section, part in dataset.parts().items():
        full = (root / part.path).resolve()
        if confined and not full.is_relative_to(root):
            msg = (
                f"{manifest}: [{section}] path '{part.path}' leads outside the dataset folder; "
                "put the file in the folder and give its relative path"
            )
            raise DatasetError(msg)
        if not full.exists():
            msg = (
                f"{manifest}: [{section}] path '{part.path}' does not exist ({full}); "
                "fix the path or add the file"
            )
            raise DatasetError(msg)
        updates[section] = part.model_copy(update={"path": full})
    return dataset.model_copy(update=updates)


def with_params(dataset: Dataset, overrides: dict[str, Any]) -> Dataset:
    """Return the dataset with some analysis parameters replaced.

    Parameters
    ----------
    dataset
        A loaded dataset.
    overrides
        Parameter name -> value, over the manifest's ``[params]``.

    Returns
    -------
    Dataset
        A copy whose ``params`` are validated like ``[params]`` in a manifest.

    Raises
    ------
    DatasetError
        An unknown parameter or an invalid value (the sentence names it).
    """
    try:
        params = Params.model_validate({**dataset.params.model_dump(), **overrides})
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        first = {**errors[0], "loc": ("params", *errors[0]["loc"])}
        raise DatasetError(f"{_describe_error(first)}{more}") from None
    return dataset.model_copy(update={"params": params})
