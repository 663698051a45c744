"""OGC API – Features (Part 1, Core + GeoJSON) at ``/ogc``, so QGIS and GDAL open the layers.

One collection per layer of each analysed dataset (every layer of the run's catalogue, the
same as the layers of ``results.gpkg``), named ``<dataset>-<layer>``. Feature ids
are the 1-based row numbers, the same as the fids of the layer in ``results.gpkg``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import geopandas as gpd
import numpy as np
import shapely
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from api.bbox import parse_bbox
from api.catalog import Published
from api.schemas import (
    Collection,
    Collections,
    Conformance,
    Feature,
    FeatureCollection,
    Landing,
)
from api.services import Services, get_services
from api.tables import GEOJSON, GeoJSONResponse

__all__ = ["router"]

router = APIRouter(prefix="/ogc", tags=["ogc"])

ServicesDep = Annotated[Services, Depends(get_services)]

MAX_LIMIT = 10_000
CollectionId = Annotated[
    str, Path(description="<dataset>-<layer>, see /ogc/collections", examples=["yibin-sites"])
]
_CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _link(href: str, rel: str, kind: str = "application/json", title: str = "") -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _layer(run: Published, layer: str) -> gpd.GeoDataFrame | None:
    """Return a layer of the run's catalogue (every GeoPackage layer is a collection)."""
    output = run.results.catalogue.get(layer)
    if output is None or output.kind != "layer":
        return None
    frame = run.results.outputs.get(layer)
    return frame if isinstance(frame, gpd.GeoDataFrame) else None


def _collection(base: str, dataset_id: str, run: Published, layer: str) -> dict[str, Any]:
    frame = _layer(run, layer)
    assert frame is not None
    cid = f"{dataset_id}-{layer}"
    bounds = frame.total_bounds if len(frame) else np.array([-180.0, -90.0, 180.0, 90.0])
    return {
        "id": cid,
        "title": f"{run.record.name}: {run.results.catalogue[layer].label('en')}",
        "itemType": "feature",
        "crs": [_CRS84],
        "extent": {"spatial": {"bbox": [[round(float(v), 7) for v in bounds]], "crs": _CRS84}},
        "links": [
            _link(f"{base}/collections/{cid}", "self"),
            _link(f"{base}/collections/{cid}/items", "items", GEOJSON, "features"),
        ],
    }


def _collections(services: Services) -> list[tuple[str, Published, str]]:
    found = []
    for record in services.store.datasets():
        run = services.catalog.readable(record.id)
        if run is None:
            continue
        found.extend(
            (record.id, run, layer)
            for layer in run.results.catalogue
            if _layer(run, layer) is not None
        )
    return found


def _find(services: Services, collection_id: str) -> tuple[str, Published, gpd.GeoDataFrame]:
    dataset_id, _, layer = collection_id.rpartition("-")
    run = services.catalog.readable(dataset_id)
    frame = _layer(run, layer) if run is not None else None
    if run is None or frame is None:
        raise HTTPException(
            404, f"no collection '{collection_id}'; GET /ogc/collections lists them"
        )
    return layer, run, frame


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


@router.get("", response_model_exclude_none=True)
def landing(request: Request) -> Landing:
    """Landing page: links to the API description, conformance and collections."""
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return {
        "title": "Tourism Integration Analyzer",
        "description": "Analysis layers of every dataset as OGC API – Features collections",
        "links": [
            _link(base, "self"),
            _link(
                f"{root}/openapi.json",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
            ),
            _link(f"{root}/docs", "service-doc", "text/html"),
            _link(f"{base}/conformance", "conformance"),
            _link(f"{base}/collections", "data"),
        ],
    }


@router.get("/conformance")
def conformance() -> Conformance:
    """Conformance classes implemented."""
    return Conformance(conformsTo=_CONFORMANCE)


@router.get("/collections", response_model_exclude_none=True)
def collections(request: Request, services: ServicesDep) -> Collections:
    """Every collection (dataset × layer)."""
    base = _base(request)
    return {
        "links": [_link(f"{base}/collections", "self")],
        "collections": [_collection(base, *found) for found in _collections(services)],
    }


@router.get("/collections/{collection_id}", response_model_exclude_none=True)
def collection(collection_id: CollectionId, request: Request, services: ServicesDep) -> Collection:
    """One collection: title, extent and links."""
    layer, run, _ = _find(services, collection_id)
    return _collection(_base(request), run.record.id, run, layer)


def _features(frame: gpd.GeoDataFrame, rows: np.ndarray) -> list[dict[str, Any]]:
    """GeoJSON features of some rows, with their 1-based row numbers as integer ids."""
    features = json.loads(frame.iloc[rows].to_json(na="null", drop_id=True))["features"]
    for feature, fid in zip(features, rows.tolist(), strict=True):
        feature["id"] = fid + 1
    return features


@router.get(
    "/collections/{collection_id}/items",
    response_class=GeoJSONResponse,
    response_model=FeatureCollection,
)
def items(
    collection_id: CollectionId,
    request: Request,
    services: ServicesDep,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    limit: Annotated[int, Query(ge=1, description=f"page size (at most {MAX_LIMIT})")] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> Response:
    """Features of a collection, filtered by ``bbox``, paged with ``limit``/``offset``."""
    _, _, frame = _find(services, collection_id)
    limit = min(limit, MAX_LIMIT)
    box = parse_bbox(bbox)
    area = None if box is None else shapely.box(*box)
    if area is None:
        matched = np.arange(len(frame))
    else:
        matched = np.sort(frame.sindex.query(area, predicate="intersects"))
    rows = matched[offset : offset + limit]
    url = f"{_base(request)}/collections/{collection_id}/items"
    keep = f"&bbox={bbox}" if bbox else ""
    links = [
        _link(f"{url}?limit={limit}&offset={offset}{keep}", "self", GEOJSON),
        _link(f"{_base(request)}/collections/{collection_id}", "collection"),
    ]
    if offset + limit < len(matched):
        links.append(_link(f"{url}?limit={limit}&offset={offset + limit}{keep}", "next", GEOJSON))
    if offset > 0:
        links.append(
            _link(f"{url}?limit={limit}&offset={max(offset - limit, 0)}{keep}", "prev", GEOJSON)
        )
    body = {
        "type": "FeatureCollection",
        "features": _features(frame, rows),
        "numberMatched": len(matched),
        "numberReturned": len(rows),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "links": links,
    }
    return GeoJSONResponse(body)


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    response_class=GeoJSONResponse,
    response_model=Feature,
)
def item(
    collection_id: CollectionId,
    feature_id: Annotated[int, Path(description="1-based row number", examples=[1])],
    request: Request,
    services: ServicesDep,
) -> Response:
    """One feature by id (its 1-based row number)."""
    _, _, frame = _find(services, collection_id)
    if not 1 <= feature_id <= len(frame):
        raise HTTPException(
            404, f"no feature {feature_id} in '{collection_id}' (ids 1..{len(frame)})"
        )
    feature = _features(frame, np.array([feature_id - 1]))[0]
    url = f"{_base(request)}/collections/{collection_id}"
    feature["links"] = [
        _link(f"{url}/items/{feature_id}", "self", GEOJSON),
        _link(url, "collection"),
    ]
    return GeoJSONResponse(feature)
