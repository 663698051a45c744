"""Read endpoints: datasets, their tables (filtered, paginated), a unit's report, map, report."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.bbox import parse_bbox
from api.catalog import Published, UnreadableRunError
from api.schemas import (
    ClusterRow,
    DatasetDetail,
    DatasetSummary,
    GroupRow,
    Health,
    Page,
    PairRow,
    ProposalRow,
    SiteRow,
    UnitReport,
)
from api.services import DatasetId, Services, get_services, published, record_or_404
from api.store import DatasetRecord
from api.tables import TABLE_FORMATS, Format, table_response
from geo import __version__
from geo.report import render_report
from geo.spreadsheet import without_formulas
from maps import LAYER_NAMES, build_map, map_html

__all__ = ["dataset_summary", "router"]

router = APIRouter()

ServicesDep = Annotated[Services, Depends(get_services)]
Run = Annotated[Published, Depends(published)]
Limit = Annotated[int, Query(ge=1, le=10_000, description="rows per page")]
Offset = Annotated[int, Query(ge=0, le=2**31, description="rows skipped")]
TableFormat = Annotated[Format, Query(description="json (default), csv or geojson")]


def _table_route(row: type) -> dict[str, Any]:
    """Return what a table route declares: its page model, CSV/GeoJSON forms and tag."""
    return {"response_model": Page[row], "responses": TABLE_FORMATS, "tags": ["datasets"]}


Lang = Annotated[Literal["zh", "en"], Query(description="language of names and labels")]


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN becomes null)."""
    if frame is None or frame.empty:
        return []
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    return json.loads(table.to_json(orient="records", force_ascii=False))


def dataset_summary(services: Services, record: DatasetRecord, full: bool) -> dict[str, Any]:
    """Describe a dataset: counts, running job and links (with warnings and sources if full)."""
    last = services.store.last_run(record.id)
    jobs = services.store.active_jobs(record.id)
    base = f"/datasets/{record.id}"
    summary: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        "origin": record.origin,
        "created": record.created,
        "analysed": last["finished"] if last else None,
        "counts": last["counts"] if last else None,
        "job": {"id": jobs[0].id, "status": jobs[0].status} if jobs else None,
        "links": {
            "self": base,
            "map": f"{base}/map",
            "report": f"{base}/report",
            "sites": f"{base}/sites",
            "overlaps": f"{base}/overlaps",
            "clusters": f"{base}/clusters",
            "indicators": f"{base}/indicators",
            "tables": f"{base}/tables/{{name}}",
        },
    }
    if full:
        try:
            run = services.catalog.get(record.id)
        except UnreadableRunError as exc:
            run, summary["problem"] = None, str(exc)
        record_run = run.run if run else {}
        summary["tables"] = run.tables() if run else []
        summary.update(
            warnings=record_run.get("warnings", []),
            skipped=record_run.get("skipped", {}),
            sources=record_run.get("sources", {}),
            parameters=record_run.get("parameters", {}),
            timings_s=record_run.get("timings_s", {}),
            last_run=last,
        )
    return summary


@router.get("/health", tags=["service"])
async def health() -> Health:
    """Liveness and version."""
    return Health(status="ok", version=__version__)


@router.get("/datasets", tags=["datasets"])
def datasets(services: ServicesDep) -> list[DatasetSummary]:
    """List the registered datasets with their headline counts and running job."""
    return [
        DatasetSummary.model_validate(dataset_summary(services, record, full=False))
        for record in services.store.datasets()
    ]


@router.get("/datasets/{dataset_id}", tags=["datasets"])
def dataset(dataset_id: DatasetId, services: ServicesDep) -> DatasetDetail:
    """One dataset: counts, warnings, skipped analyses, sources, parameters and its last run."""
    summary = dataset_summary(services, record_or_404(services, dataset_id), full=True)
    return DatasetDetail.model_validate(summary)


BBox = Annotated[
    str | None,
    Query(
        description="min_lon,min_lat,max_lon,max_lat (WGS-84)", examples=["104.5,28.0,105.5,29.0"]
    ),
]


@router.get("/datasets/{dataset_id}/sites", **_table_route(SiteRow))
async def sites(
    run: Run,
    request: Request,
    bbox: BBox = None,
    unit: Annotated[str | None, Query(description="unit id")] = None,
    kind: Annotated[str | None, Query(description="resource kind id")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format: TableFormat = "json",
) -> Response:
    """Normalised sites, filtered by bounding box, unit and kind."""

    def build() -> Response:
        table = run.sites
        mask = None
        box = parse_bbox(bbox)
        if box is not None:
            lon, lat = table.values("lon"), table.values("lat")
            mask = _and(mask, (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3]))
        if unit is not None:
            mask = _and(mask, table.equals("unit_id", unit))
        if kind is not None:
            mask = _and(mask, table.equals("kind", kind))
        rows = None if mask is None else np.flatnonzero(mask)
        return table_response(table, rows, limit=limit, offset=offset, fmt=format, name="sites")

    return run.answer(_cache_key(request), build)


def _cache_key(request: Request) -> str:
    """Key of a read request's answer: its path and query (the run is fixed per cache)."""
    return f"{request.url.path}?{request.url.query}"


def _and(mask: np.ndarray | None, condition: np.ndarray) -> np.ndarray:
    """Combine filter masks (None: no filter yet)."""
    return condition if mask is None else mask & condition


def _has_token(column: pd.Series, token: str) -> np.ndarray:
    """Rows whose ``;``-joined text holds ``token`` as one of its items."""
    padded = ";" + column.fillna("").astype(str) + ";"
    return padded.str.contains(f";{token};", regex=False).to_numpy()


_SORTS = {
    "-score": ("score", False),
    "score": ("score", True),
    "distance": ("distance", True),
    "-distance": ("distance", False),
}


@router.get("/datasets/{dataset_id}/overlaps", **_table_route(PairRow))
async def overlaps(
    run: Run,
    request: Request,
    unit: Annotated[str | None, Query(description="pairs with a site in this unit")] = None,
    neighbour: Annotated[
        str | None, Query(description="with `unit`: pairs whose other site is in this unit")
    ] = None,
    kind: Annotated[str | None, Query(description="pairs with a site of this kind")] = None,
    theme: Annotated[str | None, Query(description="pairs sharing this theme")] = None,
    relation: Annotated[
        Literal["competing", "complementary", "shared", "component"] | None,
        Query(description="pairs of this relation (competing = duplicated construction)"),
    ] = None,
    level: Annotated[
        str | None, Query(description="pairs across a border of this level (county, province...)")
    ] = None,
    min_score: Annotated[float, Query(ge=0, le=100)] = 0.0,
    cross_border_only: bool = False,
    sort: Annotated[Literal["-score", "score", "-distance", "distance"], Query()] = "-score",
    limit: Limit = 100,
    offset: Offset = 0,
    format: TableFormat = "json",
) -> Response:
    """Related pairs (competing, complementary, shared, component) with scores and sentences.

    ``relation=competing`` gives the duplicated construction, strongest first.
    """

    def build() -> Response:
        table = run.overlaps
        mask = None
        if neighbour is not None and unit is None:
            raise HTTPException(422, "query parameter 'neighbour' needs 'unit' as well")
        if unit is not None:
            a, b = table.equals("unit_a", unit), table.equals("unit_b", unit)
            if neighbour is not None:
                a, b = a & table.equals("unit_b", neighbour), b & table.equals("unit_a", neighbour)
            mask = a | b
        if kind is not None:
            mask = _and(mask, table.equals("kind_a", kind) | table.equals("kind_b", kind))
        if theme is not None:
            mask = _and(mask, _has_token(table.attributes["shared_themes"], theme))
        if relation is not None:
            mask = _and(mask, table.equals("relation", relation))
        if level is not None:
            mask = _and(mask, table.equals("level", level))
        if min_score > 0:
            mask = _and(mask, np.nan_to_num(table.values("score")) >= min_score)
        if cross_border_only:
            mask = _and(mask, table.values("cross_border").astype(bool))
        rows = None if mask is None else np.flatnonzero(mask)
        if sort != "-score":
            column, ascending = _SORTS[sort]
            rows = np.arange(len(table)) if rows is None else rows
            keys = table.values(column)[rows]
            rows = rows[np.argsort(keys if ascending else -keys, kind="stable")]
        return table_response(table, rows, limit=limit, offset=offset, fmt=format, name="overlaps")

    return run.answer(_cache_key(request), build)


@router.get("/datasets/{dataset_id}/overlap-groups", **_table_route(GroupRow))
async def overlap_groups(
    run: Run,
    request: Request,
    unit: Annotated[str | None, Query(description="groups with a site in this unit")] = None,
    cross_border_only: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Response:
    """List groups of sites joined by strong overlaps (the same attraction built several times)."""

    def build() -> Response:
        table = run.overlap_groups
        mask = None
        if unit is not None and len(table):
            mask = _has_token(table.attributes["units"], unit)
        if cross_border_only and len(table):
            mask = _and(mask, table.values("cross_border").astype(bool))
        rows = None if mask is None else np.flatnonzero(mask)
        return table_response(
            table, rows, limit=limit, offset=offset, fmt=format, name="overlap_groups"
        )

    return run.answer(_cache_key(request), build)


@router.get("/datasets/{dataset_id}/clusters", **_table_route(ClusterRow))
async def clusters(
    run: Run,
    request: Request,
    candidates_only: Annotated[
        bool, Query(description="only cross-border cooperation candidates")
    ] = False,
    limit: Limit = 100,
    offset: Offset = 0,
    format: TableFormat = "json",
) -> Response:
    """List resource clusters (hulls), their units, cross-border index and candidate rank."""

    def build() -> Response:
        if run.results.clusters is None:
            raise HTTPException(404, "this run has no clusters (see /datasets/{id}: skipped)")
        table = run.clusters
        rows = None
        if candidates_only:
            rows = np.flatnonzero(table.values("candidate").astype(bool))
            rows = rows[np.argsort(table.values("rank")[rows], kind="stable")]
        return table_response(table, rows, limit=limit, offset=offset, fmt=format, name="clusters")

    return run.answer(_cache_key(request), build)


@router.get("/datasets/{dataset_id}/proposals", **_table_route(ProposalRow))
async def proposals(
    run: Run,
    request: Request,
    type: Annotated[
        str | None, Query(description="joint_brand, joint_product, coordinated_positioning ...")
    ] = None,
    unit: Annotated[str | None, Query(description="proposals this unit takes part in")] = None,
    min_gain: Annotated[
        float | None, Query(description="gain at least this (its gain_unit)")
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format: TableFormat = "json",
) -> Response:
    """List cooperation proposals: who should do what together, the gain and its fair shares."""

    def build() -> Response:
        if run.results.proposals is None:
            raise HTTPException(404, "this run has no proposals (see /datasets/{id}: skipped)")
        table = run.proposals
        mask = None
        if type is not None and len(table):
            mask = _and(mask, table.values("type") == type)
        if unit is not None and len(table):
            mask = _and(mask, _has_token(table.attributes["units"], unit))
        if min_gain is not None and len(table):
            mask = _and(mask, table.values("gain").astype(float) >= min_gain)
        rows = None if mask is None else np.flatnonzero(mask)
        return table_response(table, rows, limit=limit, offset=offset, fmt=format, name="proposals")

    return run.answer(_cache_key(request), build)


TableName = Annotated[
    str,
    Path(
        description="a table or layer of the run (GET /datasets/{dataset_id} lists them)",
        examples=["unit_indicators"],
    ),
]


@router.get("/datasets/{dataset_id}/tables/{name}", **_table_route(dict[str, Any]))
async def table(
    run: Run,
    name: TableName,
    request: Request,
    limit: Limit = 100,
    offset: Offset = 0,
    format: TableFormat = "json",
) -> Response:
    """Any table or layer the run's analyses declare, paginated, in its stored order."""
    found = run.table(name)
    if found is None:
        known = ", ".join(run.tables())
        raise HTTPException(404, f"no table '{name}' in this run; the tables are {known}")

    def build() -> Response:
        return table_response(found, None, limit=limit, offset=offset, fmt=format, name=name)

    return run.answer(_cache_key(request), build)


@router.get(
    "/datasets/{dataset_id}/indicators",
    response_model=dict[str, Any],
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    tags=["datasets"],
)
def indicators(
    run: Run,
    section: Annotated[
        str | None, Query(description="one section of indicators.json, e.g. balance")
    ] = None,
    format: Annotated[
        Literal["json", "csv"], Query(description="csv: the per-unit indicator table")
    ] = "json",
) -> Any:
    """Every reported number (indicators.json), or the per-unit indicator table as CSV."""
    if format == "csv":
        table = run.results.unit_indicators
        return Response(
            "" if table is None else without_formulas(table).to_csv(index=False),
            media_type="text/csv; charset=utf-8",
        )
    numbers = run.indicators
    if section is None:
        return numbers
    if section not in numbers:
        known = ", ".join(numbers)
        raise HTTPException(404, f"no indicator section '{section}'; known sections: {known}")
    return numbers[section]


@router.get("/datasets/{dataset_id}/units/{unit_id}", tags=["datasets"])
def unit_report(
    run: Run, unit_id: Annotated[str, Path(description="unit id", examples=["511524"])]
) -> UnitReport:
    """Report one unit's overlaps: its numbers, its neighbours and overlaps with each."""
    results = run.results
    units = results.units
    row = units[units["unit_id"] == unit_id]
    if row.empty:
        raise HTTPException(404, f"no unit '{unit_id}' in this dataset; GET .../sites lists ids")
    names = dict(zip(units["unit_id"], units["name"], strict=True))
    pairs = run.overlaps.attributes
    mine = pairs[((pairs["unit_a"] == unit_id) | (pairs["unit_b"] == unit_id)).to_numpy()]
    other = mine["unit_b"].where(mine["unit_a"] == unit_id, mine["unit_a"])
    borders = run.neighbours[run.neighbours["unit_id"] == unit_id]
    neighbours = []
    for neighbour_id, border_km in zip(borders["neighbour_id"], borders["length_km"], strict=True):
        with_it = mine[(other == neighbour_id).to_numpy()]
        neighbours.append(
            {
                "unit_id": neighbour_id,
                "name": names.get(neighbour_id),
                "border_km": round(float(border_km), 3),
                "overlap_count": len(with_it),
                "overlaps": _records(with_it),
            }
        )
    neighbours.sort(key=lambda n: (-n["overlap_count"], -n["border_km"]))
    adjacent = set(borders["neighbour_id"])
    elsewhere = mine[((other != unit_id) & ~other.isin(adjacent)).to_numpy()]

    def for_unit(table: pd.DataFrame | None) -> dict[str, Any] | None:
        if table is None or "unit_id" not in table:
            return None
        found = _records(table[table["unit_id"] == unit_id])
        return found[0] if found else None

    return UnitReport.model_validate(
        {
            "unit": _records(row)[0],
            "indicators": for_unit(results.unit_indicators),
            "efficiency": for_unit(results.efficiency),
            "overlaps_inside": int((other == unit_id).sum()),
            "neighbours": neighbours,
            "overlaps_with_other_units": _records(elsewhere),
        }
    )


@router.get("/datasets/{dataset_id}/map", response_class=HTMLResponse, tags=["pages"])
def dataset_map(
    run: Run,
    lang: Lang = "zh",
    layers: Annotated[
        str | None,
        Query(description=f"comma-separated, from: {', '.join(LAYER_NAMES)} (default: all)"),
    ] = None,
    basemap: Annotated[
        Literal["osm", "cartodb", "tianditu"] | None,
        Query(description="optional online base map (needs internet in the browser)"),
    ] = None,
) -> HTMLResponse:
    """Show the interactive map (scripts from /static, so it draws with no internet)."""
    chosen = None
    if layers is not None:
        chosen = tuple(dict.fromkeys(filter(None, (n.strip() for n in layers.split(",")))))
        unknown = [n for n in chosen if n not in LAYER_NAMES]
        if unknown or not chosen:
            msg = f"unknown layer(s) {', '.join(unknown) or '(none given)'}; "
            raise HTTPException(422, msg + f"choose from {', '.join(LAYER_NAMES)}")

    def render() -> str:
        try:
            fmap = build_map(run.results, layers=chosen, lang=lang, basemap=basemap)
        except ValueError as exc:  # a base map that needs a key the server does not have
            raise HTTPException(422, str(exc)) from None
        return map_html(fmap, assets="static")

    return HTMLResponse(run.page(("map", lang, chosen, basemap), render))


@router.get("/datasets/{dataset_id}/report", response_class=HTMLResponse, tags=["pages"])
def dataset_report(run: Run, lang: Lang = "zh") -> HTMLResponse:
    """Show the analysis report (one self-contained page with figures)."""
    return HTMLResponse(run.page(("report", lang), lambda: render_report(run.results, lang=lang)))
