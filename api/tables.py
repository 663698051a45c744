"""Pages of tables as JSON, CSV or GeoJSON responses, serialised without per-row Python."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from fastapi import HTTPException, Response
from fastapi.responses import JSONResponse

from geo.spreadsheet import without_formulas

__all__ = ["GEOJSON", "TABLE_FORMATS", "Format", "GeoJSONResponse", "Table", "table_response"]

Format = Literal["json", "csv", "geojson"]
GEOJSON = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    """A GeoJSON response (JSON with the GeoJSON media type)."""

    media_type = GEOJSON


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


@dataclass(frozen=True)
class Table:
    """A table's attributes and, for layers, its geometry beside them (aligned by position).

    Kept apart so that a JSON or CSV page never touches geometries.
    """

    attributes: pd.DataFrame
    geometry: gpd.GeoSeries | None = None

    @classmethod
    def of(cls, frame: pd.DataFrame | None) -> Table:
        """Split a (Geo)DataFrame; an absent table becomes an empty one."""
        if frame is None:
            return cls(pd.DataFrame())
        frame = frame.reset_index(drop=True)
        if isinstance(frame, gpd.GeoDataFrame):
            return cls(pd.DataFrame(frame.drop(columns=frame.geometry.name)), frame.geometry)
        return cls(frame)

    def __len__(self) -> int:
        """Return the number of rows."""
        return len(self.attributes)

    def equals(self, column: str, value: object) -> np.ndarray:
        """Rows whose ``column`` equals ``value`` (a boolean mask)."""
        return (self.attributes[column] == value).to_numpy(dtype=bool, na_value=False)

    def values(self, column: str) -> np.ndarray:
        """One column as a NumPy array."""
        return self.attributes[column].to_numpy()


def table_response(
    table: Table,
    rows: np.ndarray | None = None,
    *,
    limit: int,
    offset: int,
    fmt: Format,
    name: str,
) -> Response:
    """Answer with one page of the chosen rows of a table.

    Parameters
    ----------
    table
        The whole table.
    rows
        Positions of the rows matching the request, in answer order (None: every row, in
        table order).
    limit, offset
        The page.
    fmt
        ``json``: ``{"total", "limit", "offset", "items"}``; ``csv``: the page as CSV with the
        total in the ``X-Total-Count`` header; ``geojson``: a FeatureCollection with
        ``numberMatched`` and ``numberReturned``.
    name
        File name (without extension) suggested for CSV downloads.
    """
    total = len(table) if rows is None else len(rows)
    picked = slice(offset, offset + limit) if rows is None else rows[offset : offset + limit]
    page = table.attributes.iloc[picked]
    if fmt == "csv":
        return Response(
            without_formulas(page).to_csv(index=False),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}.csv"',
                "X-Total-Count": str(total),
            },
        )
    if fmt == "geojson":
        if table.geometry is None:
            raise HTTPException(422, f"{name} have no geometry; ask for format=json or csv")
        layer = gpd.GeoDataFrame(page, geometry=table.geometry.iloc[picked].values, crs=4326)
        collection = json.loads(layer.to_json(na="null", drop_id=True))
        collection.update(numberMatched=total, numberReturned=len(page))
        return Response(json.dumps(collection, ensure_ascii=False), media_type=GEOJSON)
    items = page.to_json(orient="records", force_ascii=False)
    body = f'{{"total":{total},"limit":{limit},"offset":{offset},"items":{items}}}'
    return Response(body, media_type="application/json")
