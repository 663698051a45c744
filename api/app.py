"""The FastAPI application: health and read endpoints over published analyses.

Routes stay thin: they read what ``tia analyze`` published (``run.json``, ``results.gpkg``).
A dataset id in a URL is only ever matched against the folders that exist; it never becomes
a path by itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import pyogrio
from fastapi import FastAPI, HTTPException, Query, Request

from api.settings import Settings
from geo import __version__

__all__ = ["create_app"]


def _published(settings: Settings) -> dict[str, Path]:
    root = settings.results
    if not root.is_dir():
        return {}
    return {
        p.name: p
        for p in sorted(root.iterdir())
        if p.is_dir() and not p.name.startswith(".") and (p / "run.json").is_file()
    }


def _folder(request: Request, dataset_id: str) -> Path:
    folder = _published(request.app.state.settings).get(dataset_id)
    if folder is None:
        raise HTTPException(404, f"no analysed dataset '{dataset_id}'; GET /datasets lists them")
    return folder


def _summary(dataset_id: str, record: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": dataset_id,
        "name": record["dataset"],
        "analysed": record["finished"],
        "counts": record["counts"],
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API application.

    Parameters
    ----------
    settings
        Service settings; read from the environment when None.

    Returns
    -------
    fastapi.FastAPI
        The application (OpenAPI at ``/docs``).
    """
    app = FastAPI(title="Tourism Integration Analyzer", version=__version__)
    app.state.settings = settings or Settings()

    @app.get("/health")
    def health() -> dict[str, str]:
        """Liveness and version."""
        return {"status": "ok", "version": __version__}

    @app.get("/datasets")
    def datasets(request: Request) -> list[dict[str, Any]]:
        """Analysed datasets with their headline counts."""
        out = []
        for dataset_id, folder in _published(request.app.state.settings).items():
            record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
            out.append(_summary(dataset_id, record))
        return out

    @app.get("/datasets/{dataset_id}")
    def dataset(request: Request, dataset_id: str) -> dict[str, Any]:
        """One dataset: counts, sources, skipped analyses, warnings and stage timings."""
        record = json.loads((_folder(request, dataset_id) / "run.json").read_text(encoding="utf-8"))
        return {
            **_summary(dataset_id, record),
            "sources": record["sources"],
            "skipped": record["skipped"],
            "warnings": record["warnings"],
            "timings_s": record["timings_s"],
        }

    @app.get("/datasets/{dataset_id}/sites")
    def sites(
        request: Request,
        dataset_id: str,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
        format: Annotated[Literal["json", "geojson"], Query()] = "json",
    ) -> dict[str, Any]:
        """Normalised sites, paginated (``limit``/``offset``), as JSON rows or GeoJSON."""
        gpkg = _folder(request, dataset_id) / "results.gpkg"
        total = int(pyogrio.read_info(gpkg, layer="sites")["features"])
        page = pyogrio.read_dataframe(
            gpkg, layer="sites", skip_features=min(offset, total), max_features=limit
        )
        if format == "geojson":
            collection = json.loads(page.to_json(na="null"))
            return {**collection, "numberMatched": total, "numberReturned": len(page)}
        rows = page.drop(columns="geometry").assign(lon=page.geometry.x, lat=page.geometry.y)
        items = json.loads(rows.to_json(orient="records", force_ascii=False))
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    return app
