"""Write endpoints (behind the token): upload a dataset, analyse it again, delete it; job status."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.archive import ArchiveError, extract_dataset
from api.schemas import Job
from api.services import DatasetId, Services, get_services, record_or_404, require_token
from api.store import DatasetRecord, JobRecord
from geo.dataset import MANIFEST_NAME, Dataset, load_dataset, with_params
from geo.errors import DatasetError
from geo.init_dataset import write_manifest
from geo.slugs import slugify

__all__ = ["job_router", "write_router"]

ServicesDep = Annotated[Services, Depends(get_services)]


class AnalyzeRequest(BaseModel):
    """Options of a new analysis of a dataset."""

    params: dict[str, Any] = Field(
        default_factory=dict,
        description='[params] overrides (see the README\'s parameters), e.g. {"reach_km": 20}',
        examples=[{"reach_km": 20, "cluster_eps_km": 8}],
    )


class Accepted(BaseModel):
    """A queued analysis: its job and where to follow it."""

    dataset_id: str
    job: Job
    messages: list[str] = []


def _job(job: JobRecord) -> dict[str, Any]:
    return {
        **asdict(job),
        "links": {"self": f"/jobs/{job.id}", "dataset": f"/datasets/{job.dataset_id}"},
    }


def _public(message: str, folder: Path) -> str:
    """Say file names relative to the dataset, never the server's own paths."""
    return message.replace(f"{folder}/", "").replace(str(folder), "the dataset folder")


def _load(folder: Path, params: dict[str, Any] | None = None) -> Dataset:
    """Load and check an uploaded dataset; 422 with the validation sentence when it is bad."""
    try:
        dataset = load_dataset(folder, confined=True)
        return dataset if params is None else with_params(dataset, params)
    except DatasetError as exc:
        raise HTTPException(422, _public(str(exc), folder)) from None


def _accepted(services: Services, job: JobRecord, messages: list[str]) -> JSONResponse:
    body = Accepted(dataset_id=job.dataset_id, job=Job.model_validate(_job(job)), messages=messages)
    return JSONResponse(
        body.model_dump(mode="json"), status_code=202, headers={"Location": f"/jobs/{job.id}"}
    )


def _unpack(upload: UploadFile, folder: Path) -> tuple[Dataset, list[str], str]:
    """Extract the archive into ``folder/input``; return the dataset, notes and a name for it."""
    unpacked = folder / "unpacked"
    try:
        root = extract_dataset(upload.file, unpacked)
    except ArchiveError as exc:
        raise HTTPException(422, str(exc)) from None
    name_hint = root.name if root != unpacked else PurePath(upload.filename or "dataset").stem
    root.rename(folder / "input")
    shutil.rmtree(unpacked, ignore_errors=True)
    data = folder / "input"
    notes = []
    if not (data / MANIFEST_NAME).is_file():
        try:
            _, guess = write_manifest(data)
        except DatasetError as exc:
            raise HTTPException(422, _public(str(exc), data)) from None
        notes = [f"no {MANIFEST_NAME} in the archive; guessed one:", *guess.reasons]
    return _load(data), [_public(n, data) for n in notes], name_hint


write_router = APIRouter(dependencies=[Depends(require_token)], tags=["write"])


@write_router.post("/datasets", status_code=202, response_model=Accepted)
def upload(
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="the dataset folder, zipped")],
) -> JSONResponse:
    """Upload a zipped dataset folder; it is checked, registered and analysed in a job."""
    folder = services.store.new_folder()
    try:
        dataset, notes, name_hint = _unpack(file, folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    record = services.store.add_dataset(dataset.name, "upload", folder, slugify(name_hint))
    return _accepted(services, _queue(services, record, {}), notes)


@write_router.post("/datasets/{dataset_id}/analyze", status_code=202, response_model=Accepted)
def analyze(
    dataset_id: DatasetId, services: ServicesDep, request: AnalyzeRequest | None = None
) -> JSONResponse:
    """Analyse a dataset again, with ``[params]`` overrides; answers with the job."""
    record = record_or_404(services, dataset_id)
    params = (request or AnalyzeRequest()).params
    _load(record.input_dir, params)
    return _accepted(services, _queue(services, record, params), [])


@write_router.delete("/datasets/{dataset_id}", status_code=204)
def delete(dataset_id: DatasetId, services: ServicesDep) -> Response:
    """Delete a dataset, its inputs, results and jobs."""
    record = record_or_404(services, dataset_id)
    _idle(services, record)
    services.store.delete_dataset(record)
    services.catalog.forget(record.id)
    return Response(status_code=204)


def _queue(services: Services, record: DatasetRecord, params: dict[str, Any]) -> JobRecord:
    """Queue and start an analysis; answer 409 when one is already queued or running."""
    job = services.store.add_job(record.id, params)
    if job is None:
        _idle(services, record)
        raise HTTPException(409, f"dataset '{record.id}' already has an analysis queued")
    services.runner.submit(job)
    return job


def _idle(services: Services, record: DatasetRecord) -> None:
    """Answer 409 while a job of the dataset is queued or running."""
    jobs = services.store.active_jobs(record.id)
    if jobs:
        msg = (
            f"dataset '{record.id}' has a {jobs[0].status} job; "
            f"wait for it (GET /jobs/{jobs[0].id}) and try again"
        )
        raise HTTPException(409, msg)


@write_router.delete("/jobs/{job_id}", status_code=202, tags=["jobs"])
def cancel_job(job_id: str, services: ServicesDep) -> Job:
    """Cancel a queued or running job (it ends as cancelled; previous results are kept)."""
    job = services.store.job(job_id)
    if job is None:
        raise HTTPException(404, f"no job '{job_id}'")
    if job.status not in ("queued", "running"):
        raise HTTPException(409, f"job '{job_id}' has already ended ({job.status})")
    services.runner.cancel(job_id)
    current = services.store.job(job_id)
    assert current is not None
    return Job.model_validate(_job(current))


job_router = APIRouter(tags=["jobs"])


@job_router.get("/jobs/{job_id}")
def job_status(job_id: str, services: ServicesDep) -> Job:
    """Return a job's status (queued, running, succeeded, failed), stage, progress and messages."""
    job = services.store.job(job_id)
    if job is None:
        raise HTTPException(404, f"no job '{job_id}'")
    return Job.model_validate(_job(job))
