"""The FastAPI application: datasets, their analyses as jobs, tables, maps, reports and OGC API.

Routes stay thin; the work is done by :mod:`geo` (in :mod:`api.worker` processes) and
:mod:`maps`. On start the store marks jobs a previous server left unfinished as failed, and
registers and analyses the bundled Yibin dataset the first time.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.catalog import Catalog
from api.errors import ERROR_RESPONSES, install_error_handlers
from api.guard import RequestGuard
from api.jobs import JobRunner
from api.limits import BodyLimit
from api.routes import datasets, jobs, ogc, pages
from api.services import Services
from api.settings import Settings
from api.store import Store
from geo import __version__
from geo.dataset import load_dataset

__all__ = ["BUNDLED", "create_app"]

log = logging.getLogger("tia.api")

#: The bundled demonstration dataset, registered as ``yibin`` on a server's first start.
BUNDLED = Path(__file__).resolve().parents[1] / "data" / "yibin"

_BODY_LIMIT = 1024 * 1024


def _register_bundled(store: Store, runner: JobRunner) -> None:
    """Copy the bundled dataset into the store and queue its analysis (first start only)."""
    if store.flag("bundled-yibin"):
        return
    if not (BUNDLED / "dataset.toml").is_file():
        log.warning("the bundled dataset is not at %s; not registered", BUNDLED)
        return
    folder = store.new_folder()
    shutil.copytree(BUNDLED, folder / "input", ignore=shutil.ignore_patterns("*.py"))
    dataset = load_dataset(folder / "input", confined=True)
    record = store.add_dataset(dataset.name, "bundled", folder, "yibin")
    job = store.add_job(record.id, {})
    assert job is not None  # a new dataset has no job yet
    runner.submit(job)


def _warm(catalog: Catalog, store: Store) -> None:
    """Load every dataset's last run into memory, so first requests are fast."""
    for record in store.datasets():
        catalog.readable(record.id)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API application.

    Parameters
    ----------
    settings
        Service settings; read from the ``TIA_*`` environment variables when None.

    Returns
    -------
    fastapi.FastAPI
        The application (OpenAPI at ``/openapi.json``, docs at ``/docs``).
    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.home)
        for job_id in store.fail_interrupted():
            log.warning("job %s was cut off by a server stop; marked failed", job_id)
        catalog = Catalog(store)
        runner = JobRunner(store, settings.workers, on_published=catalog.refresh)
        app.state.services = Services(settings, store, catalog, runner)
        if settings.bundled:
            _register_bundled(store, runner)
        threading.Thread(target=_warm, args=(catalog, store), daemon=True).start()
        try:
            yield
        finally:
            runner.close()

    app = FastAPI(
        title="Tourism Integration Analyzer",
        version=__version__,
        description=(
            "Duplicated construction and cross-border tourism resource clusters: datasets, "
            "their analyses, overlap reports, maps and OGC API – Features layers."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        responses=ERROR_RESPONSES,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(
        RequestGuard,
        allowed_hosts=settings.allowed_hosts,
        token=settings.token is not None,
        origins=settings.cors_origins,
    )
    app.add_middleware(
        BodyLimit,
        upload_bytes=int(settings.max_upload_mb * 1024**2),
        other_bytes=_BODY_LIMIT,
        idle_s=settings.body_timeout_s,
    )
    install_error_handlers(app)
    app.include_router(pages.router)
    app.include_router(datasets.router)
    app.include_router(jobs.write_router)
    app.include_router(jobs.job_router)
    app.include_router(ogc.router)
    return app
