"""HTML pages: the index of datasets, the API docs, and the map assets under ``/static``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from api.routes.datasets import dataset_summary
from api.services import Services, get_services
from geo import __version__
from maps.assets import static_file

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_templates = Environment(loader=PackageLoader("api"), autoescape=select_autoescape())


@router.get("/", response_class=HTMLResponse)
def index(services: Annotated[Services, Depends(get_services)]) -> HTMLResponse:
    """List the datasets with links to their maps and reports."""
    datasets = [dataset_summary(services, r, full=False) for r in services.store.datasets()]
    page = _templates.get_template("index.html").render(datasets=datasets, version=__version__)
    return HTMLResponse(page)


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    """Swagger UI from the local npm package (no CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Tourism Integration Analyzer – API",
        swagger_js_url="/static/swagger-ui-dist/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui-dist/swagger-ui.css",
        swagger_favicon_url="/static/swagger-ui-dist/favicon-32x32.png",
    )


@router.get("/static/{path:path}")
def static(path: str) -> FileResponse:
    """Serve one file the maps and docs need (an allow-list; nothing else on disk)."""
    found = static_file(path)
    if found is None:
        raise HTTPException(404, f"no static file '{path}'")
    return FileResponse(found, headers={"Cache-Control": "public, max-age=86400"})
