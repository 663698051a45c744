"""Response models of the JSON routes, and the table row models made from the catalogue.

Table pages are serialised straight from the frames (no per-row Python); their row models
document them in OpenAPI, built from the columns each output declares
(:attr:`geo.analyses.base.Output.columns`), so the schema and the tables have one source.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from api.store import JobStatus
from geo.analyses.base import Output
from geo.registry import CATALOGUE

__all__ = [
    "ClusterRow",
    "Collection",
    "Collections",
    "Conformance",
    "DatasetDetail",
    "DatasetSummary",
    "Feature",
    "FeatureCollection",
    "GroupRow",
    "Health",
    "Job",
    "Landing",
    "Link",
    "NoteOut",
    "Page",
    "PairRow",
    "ProposalRow",
    "SiteRow",
    "UnitReport",
    "row_model",
]

Row = TypeVar("Row")


class Page(BaseModel, Generic[Row]):
    """One page of a table: ``total`` rows match the filters, ``items`` holds this page."""

    total: int
    limit: int
    offset: int
    items: list[Row]


def row_model(name: str, output: Output, **more: tuple[type, str]) -> type[BaseModel]:
    """Make the row model of ``output`` from its declared columns (plus ``more``).

    Every value may be null (a missing number or text); columns a dataset adds of its own
    (e.g. a units layer's extra attributes) are allowed beside the declared ones.
    """
    fields: dict[str, Any] = {
        column: (kind | None, Field(None, description=text))
        for column, (kind, text) in {**output.columns, **more}.items()
    }
    return create_model(
        name,
        __config__=ConfigDict(extra="allow"),
        __doc__=f"A row of {output.label('en').lower()}.",
        **fields,
    )


SiteRow = row_model(
    "SiteRow",
    CATALOGUE["sites"],
    lon=(float, "longitude, WGS-84"),
    lat=(float, "latitude, WGS-84"),
)
PairRow = row_model("PairRow", CATALOGUE["overlap_pairs"])
GroupRow = row_model("GroupRow", CATALOGUE["overlap_groups"])
ClusterRow = row_model("ClusterRow", CATALOGUE["clusters"])
ProposalRow = row_model("ProposalRow", CATALOGUE["proposals"])


class Health(BaseModel):
    """Liveness and version."""

    status: str
    version: str


class JobRef(BaseModel):
    """A dataset's queued or running job."""

    id: str
    status: JobStatus


class DatasetLinks(BaseModel):
    """Where a dataset's pages and tables are."""

    self: str
    map: str
    report: str
    sites: str
    overlaps: str
    clusters: str
    indicators: str
    tables: str


class DatasetSummary(BaseModel):
    """A dataset with its headline counts and running job."""

    id: str
    name: str
    origin: str = Field(description="bundled or upload")
    created: str
    analysed: str | None = Field(description="when its last run finished (null: never)")
    counts: dict[str, int] | None
    job: JobRef | None
    links: DatasetLinks


class NoteOut(BaseModel):
    """A warning or the reason an analysis was skipped: code, sentence and facts."""

    code: str
    message: str
    facts: dict[str, Any] = {}
    items: list[str] = []


class LastRun(BaseModel):
    """The latest published run of a dataset."""

    id: int
    job_id: str
    finished: str
    params: dict[str, Any]
    counts: dict[str, int]
    warnings: int = Field(description="number of warnings")


class DatasetDetail(DatasetSummary):
    """A dataset with its run's warnings, skipped analyses, sources, parameters and timings."""

    problem: str | None = Field(None, description="why the last run cannot be read, if so")
    tables: list[str]
    warnings: list[NoteOut]
    skipped: dict[str, NoteOut]
    sources: dict[str, dict[str, Any]]
    parameters: dict[str, Any]
    timings_s: dict[str, float]
    last_run: LastRun | None


class Job(BaseModel):
    """An analysis job: state, stage, progress, messages and stage timings."""

    id: str
    dataset_id: str
    status: JobStatus
    stage: str | None
    progress: float = Field(ge=0, le=1)
    params: dict[str, Any]
    messages: list[str]
    timings: dict[str, float]
    created: str
    started: str | None
    finished: str | None
    links: dict[str, str]


class NeighbourOverlaps(BaseModel):
    """A neighbouring unit: the border shared and the overlaps with it."""

    unit_id: str
    name: str | None
    border_km: float
    overlap_count: int
    overlaps: list[PairRow]


class UnitReport(BaseModel):
    """One unit: its attributes and numbers, and its overlaps by neighbour."""

    unit: dict[str, Any]
    indicators: dict[str, Any] | None
    efficiency: dict[str, Any] | None
    overlaps_inside: int = Field(description="overlap pairs with both sites in the unit")
    neighbours: list[NeighbourOverlaps]
    overlaps_with_other_units: list[PairRow]


class Link(BaseModel):
    """An OGC API link."""

    href: str
    rel: str
    type: str
    title: str | None = None


class Landing(BaseModel):
    """OGC API landing page."""

    title: str
    description: str
    links: list[Link]


class Conformance(BaseModel):
    """Conformance classes implemented."""

    conformsTo: list[str]  # noqa: N815 (the OGC name)


class Extent(BaseModel):
    """Spatial extent of a collection."""

    spatial: dict[str, Any] = Field(description="bbox (list of [minx, miny, maxx, maxy]), crs")


class Collection(BaseModel):
    """One OGC API – Features collection (a layer of a dataset's run)."""

    id: str
    title: str
    itemType: str  # noqa: N815 (the OGC name)
    crs: list[str]
    extent: Extent
    links: list[Link]


class Feature(BaseModel):
    """A GeoJSON feature of a collection; ``id`` is its 1-based row number."""

    type: Literal["Feature"]
    id: int
    geometry: dict[str, Any] | None = Field(description="GeoJSON geometry, WGS-84")
    properties: dict[str, Any]
    links: list[Link] = []


class FeatureCollection(BaseModel):
    """A page of a collection's features."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    numberMatched: int  # noqa: N815 (the OGC name)
    numberReturned: int  # noqa: N815 (the OGC name)
    timeStamp: str  # noqa: N815 (the OGC name)
    links: list[Link]


class Collections(BaseModel):
    """Every collection."""

    links: list[Link]
    collections: list[Collection]
