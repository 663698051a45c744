"""What routes share (settings, store, catalog, job runner) and the dependencies that fetch it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, NoReturn

from fastapi import Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.catalog import Catalog, Published, UnreadableRunError
from api.jobs import JobRunner
from api.settings import Settings
from api.store import DatasetRecord, Store

__all__ = ["DatasetId", "Services", "get_services", "published", "record_or_404", "require_token"]


@dataclass
class Services:
    """The state of one running app."""

    settings: Settings
    store: Store
    catalog: Catalog
    runner: JobRunner


async def get_services(request: Request) -> Services:
    """Return the app's services (set up at start-up)."""
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
DatasetId = Annotated[str, Path(description="dataset id (see GET /datasets)", examples=["yibin"])]


async def published(dataset_id: DatasetId, services: ServicesDep) -> Published:
    """Return a dataset's last good run, or answer 404 saying why there is none."""
    run = services.catalog.loaded(dataset_id)
    if run is None:  # not in memory yet: load it (or learn why not) off the event loop
        try:
            run = await run_in_threadpool(services.catalog.get, dataset_id)
        except UnreadableRunError as exc:
            raise HTTPException(409, str(exc)) from None
    if run is not None:
        return run
    return await run_in_threadpool(_explain_missing, services, dataset_id)


def record_or_404(services: Services, dataset_id: str) -> DatasetRecord:
    """Return a registered dataset, or answer 404 naming it."""
    record = services.store.dataset(dataset_id)
    if record is None:
        raise HTTPException(404, f"no dataset '{dataset_id}'; GET /datasets lists them")
    return record


def _explain_missing(services: Services, dataset_id: str) -> NoReturn:
    record_or_404(services, dataset_id)
    jobs = services.store.active_jobs(dataset_id)
    waiting = f"; its analysis is {jobs[0].status}: GET /jobs/{jobs[0].id}" if jobs else ""
    raise HTTPException(404, f"dataset '{dataset_id}' has no results yet{waiting}")


_bearer = HTTPBearer(auto_error=False, description="TIA_TOKEN, when the server has one")


def require_token(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Refuse a write request without the server's token (when ``TIA_TOKEN`` is set)."""
    token = services.settings.token
    if token is None:
        return
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), token.get_secret_value().encode()):
        what = "a wrong token" if given else "no token"
        raise HTTPException(
            401,
            f"this endpoint needs 'Authorization: Bearer <TIA_TOKEN>'; the request had {what}",
            headers={"WWW-Authenticate": "Bearer"},
        )
