"""Pages of tables as JSON, CSV or GeoJSON responses, serialised without per-row Python."""

from __future__ import annotations

import json
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
from fastapi import Response
from pydantic import BaseModel

__all__ = ["GEOJSON", "TABLE_FORMATS", "Format", "Page", "table_response"]

Format = Literal["json", "csv", "geojson"]
GEOJSON = "application/geo+json"

#: OpenAPI description of the other formats a table route answers with.
TABLE_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            GEOJSON: {"schema": {"type": "object"}},
        },
        "description": "JSON (default), CSV or GeoJSON, by `format`",
    }
}


class Page(BaseModel):
    """One page of a table: ``total`` rows match the filters, ``items`` holds this page."""

    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


def _attributes(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))


def table_response(
    frame: pd.DataFrame, *, limit: int, offset: int, fmt: Format, name: str
) -> Response:
    """Answer with rows ``offset .. offset + limit`` of a filtered table.

    Parameters
    ----------
    frame
        The rows matching the request's filters, in order (a GeoDataFrame for GeoJSON).
    limit, offset
        The page.
    fmt
        ``json``: ``{"total", "limit", "offset", "items"}``; ``csv``: the page as CSV with the
        total in the ``X-Total-Count`` header; ``geojson``: a FeatureCollection with
        ``numberMatched`` and ``numberReturned``.
    name
        File name (without extension) suggested for CSV downloads.
    """
    total = len(frame)
    page = frame.iloc[offset : offset + limit]
    if fmt == "csv":
        return Response(
            _attributes(page).to_csv(index=False),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}.csv"',
                "X-Total-Count": str(total),
            },
        )
    if fmt == "geojson":
        collection = json.loads(gpd.GeoDataFrame(page).to_json(na="null", drop_id=True))
        collection.update(numberMatched=total, numberReturned=len(page))
        return Response(json.dumps(collection, ensure_ascii=False), media_type=GEOJSON)
    items = _attributes(page).to_json(orient="records", force_ascii=False)
    body = f'{{"total":{total},"limit":{limit},"offset":{offset},"items":{items}}}'
    return Response(body, media_type="application/json")
