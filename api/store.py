"""The service's index of datasets, runs and jobs: one SQLite file under ``TIA_HOME``.

Inputs and results live in folders the server names itself (``datasets/<hex>/input`` and
``.../results``); a dataset id is a slug made by the server, and no request value ever becomes
a path. Results are published atomically by :func:`geo.results.write_results`, so the folder
always holds the last good run.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from geo.slugs import slugify

__all__ = ["DatasetRecord", "JobRecord", "JobStatus", "Store"]

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
ACTIVE: tuple[JobStatus, ...] = ("queued", "running")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    origin TEXT NOT NULL,
    folder TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    job_id TEXT NOT NULL,
    finished TEXT NOT NULL,
    params TEXT NOT NULL,
    counts TEXT NOT NULL,
    warnings INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL,
    status TEXT NOT NULL,
    stage TEXT,
    progress REAL NOT NULL DEFAULT 0,
    params TEXT NOT NULL,
    messages TEXT NOT NULL DEFAULT '[]',
    timings TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL,
    started TEXT,
    finished TEXT
);
CREATE TABLE IF NOT EXISTS flags (name TEXT PRIMARY KEY);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class DatasetRecord:
    """A registered dataset and where its files are."""

    id: str
    name: str
    origin: str
    folder: Path
    created: str

    @property
    def input_dir(self) -> Path:
        """Folder holding ``dataset.toml`` and the data files."""
        return self.folder / "input"

    @property
    def results_dir(self) -> Path:
        """Folder of the last good run's results (absent before the first)."""
        return self.folder / "results"


@dataclass(frozen=True)
class JobRecord:
    """An analysis job: its state, progress, messages and stage timings."""

    id: str
    dataset_id: str
    status: JobStatus
    stage: str | None
    progress: float
    params: dict[str, Any]
    messages: list[str]
    timings: dict[str, float]
    created: str
    started: str | None
    finished: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobRecord:
        """Build a record from a ``jobs`` row."""
        fields = dict(row)
        for key in ("params", "messages", "timings"):
            fields[key] = json.loads(fields[key])
        return cls(**fields)


class Store:
    """Datasets, runs and jobs of one server, indexed in ``<home>/tia.sqlite``.

    Parameters
    ----------
    home
        The data root (created when missing).
    """

    def __init__(self, home: Path) -> None:
        self.home = Path(home).resolve()
        (self.home / "datasets").mkdir(parents=True, exist_ok=True)
        self.path = self.home / "tia.sqlite"
        self._lock = threading.Lock()
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=30)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys=ON")
            try:
                with db:
                    yield db
            finally:
                db.close()

    # datasets -------------------------------------------------------------------------------

    def new_folder(self) -> Path:
        """Create an empty, server-named folder for a new dataset."""
        folder = self.home / "datasets" / uuid.uuid4().hex
        folder.mkdir()
        return folder

    def add_dataset(self, name: str, origin: str, folder: Path, wanted_id: str) -> DatasetRecord:
        """Register a dataset whose inputs are in ``folder / "input"``.

        The id is ``wanted_id`` as a slug, with ``-2``, ``-3``... when it is taken.
        """
        base = slugify(wanted_id)
        with self._db() as db:
            taken = {row[0] for row in db.execute("SELECT id FROM datasets")}
            dataset_id = base
            n = 1
            while dataset_id in taken:
                n += 1
                dataset_id = f"{base}-{n}"
            db.execute(
                "INSERT INTO datasets VALUES (?, ?, ?, ?, ?)",
                (dataset_id, name, origin, str(folder), _now()),
            )
        record = self.dataset(dataset_id)
        assert record is not None
        return record

    def datasets(self) -> list[DatasetRecord]:
        """Return every registered dataset, in order of id."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM datasets ORDER BY id").fetchall()
        return [DatasetRecord(**{**dict(r), "folder": Path(r["folder"])}) for r in rows]

    def dataset(self, dataset_id: str) -> DatasetRecord | None:
        """Return one dataset, or None."""
        with self._db() as db:
            row = db.execute("SELECT * FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return (
            None if row is None else DatasetRecord(**{**dict(row), "folder": Path(row["folder"])})
        )

    def delete_dataset(self, record: DatasetRecord) -> None:
        """Forget a dataset with its runs and jobs, and delete its folder."""
        with self._db() as db:
            db.execute("DELETE FROM jobs WHERE dataset_id = ?", (record.id,))
            db.execute("DELETE FROM datasets WHERE id = ?", (record.id,))
        shutil.rmtree(record.folder, ignore_errors=True)

    # runs -----------------------------------------------------------------------------------

    def add_run(
        self, job: JobRecord, params: dict[str, Any], counts: dict[str, int], warnings: int
    ) -> None:
        """Record a published run of a dataset."""
        with self._db() as db:
            db.execute(
                "INSERT INTO runs (dataset_id, job_id, finished, params, counts, warnings) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (job.dataset_id, job.id, _now(), json.dumps(params), json.dumps(counts), warnings),
            )

    def last_run(self, dataset_id: str) -> dict[str, Any] | None:
        """Return the latest published run of a dataset, or None."""
        with self._db() as db:
            row = db.execute(
                "SELECT * FROM runs WHERE dataset_id = ? ORDER BY id DESC LIMIT 1", (dataset_id,)
            ).fetchone()
        if row is None:
            return None
        return {
            "id": row["id"],
            "job_id": row["job_id"],
            "finished": row["finished"],
            "params": json.loads(row["params"]),
            "counts": json.loads(row["counts"]),
            "warnings": row["warnings"],
        }

    # jobs -----------------------------------------------------------------------------------

    def add_job(self, dataset_id: str, params: dict[str, Any]) -> JobRecord | None:
        """Queue an analysis job, unless the dataset has one queued or running (then None)."""
        job_id = uuid.uuid4().hex
        with self._db() as db:
            busy = db.execute(
                "SELECT 1 FROM jobs WHERE dataset_id = ? AND status IN ('queued', 'running')",
                (dataset_id,),
            ).fetchone()
            if busy is not None:
                return None
            db.execute(
                "INSERT INTO jobs (id, dataset_id, status, params, created) "
                "VALUES (?, ?, 'queued', ?, ?)",
                (job_id, dataset_id, json.dumps(params), _now()),
            )
        return self.job(job_id)

    def job(self, job_id: str) -> JobRecord | None:
        """Return one job, or None."""
        with self._db() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else JobRecord.from_row(row)

    def active_jobs(self, dataset_id: str | None = None) -> list[JobRecord]:
        """Return the queued and running jobs (of one dataset), oldest first."""
        query = "SELECT * FROM jobs WHERE status IN ('queued', 'running')"
        args: tuple[str, ...] = ()
        if dataset_id is not None:
            query += " AND dataset_id = ?"
            args = (dataset_id,)
        with self._db() as db:
            rows = db.execute(query + " ORDER BY created, rowid", args).fetchall()
        return [JobRecord.from_row(r) for r in rows]

    def start_job(self, job_id: str) -> None:
        """Mark a job running."""
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET status = 'running', started = ? WHERE id = ?", (_now(), job_id)
            )

    def job_progress(self, job_id: str, stage: str, progress: float) -> None:
        """Record the stage a running job has reached."""
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET stage = ?, progress = ? WHERE id = ?", (stage, progress, job_id)
            )

    def finish_job(
        self,
        job_id: str,
        status: Literal["succeeded", "failed", "cancelled"],
        messages: list[str],
        timings: dict[str, float] | None = None,
    ) -> None:
        """Mark a job done, with what it said and its stage timings."""
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET status = ?, progress = CASE WHEN ? THEN 1 ELSE progress END, "
                "messages = ?, timings = ?, finished = ? WHERE id = ?",
                (
                    status,
                    status == "succeeded",
                    json.dumps(messages, ensure_ascii=False),
                    json.dumps(timings or {}),
                    _now(),
                    job_id,
                ),
            )

    def fail_interrupted(self) -> list[str]:
        """Mark jobs left queued or running by a server that stopped as failed.

        Returns
        -------
        list of str
            The ids of the jobs marked failed.
        """
        message = (
            "the server stopped before this job finished; the last good results are kept; "
            "POST /datasets/{id}/analyze to run it again"
        )
        stale = self.active_jobs()
        for job in stale:
            self.finish_job(job.id, "failed", [*job.messages, message])
        return [job.id for job in stale]

    # flags ----------------------------------------------------------------------------------

    def flag(self, name: str) -> bool:
        """Set a one-time flag; return True when it was already set."""
        with self._db() as db:
            seen = db.execute("SELECT 1 FROM flags WHERE name = ?", (name,)).fetchone()
            if seen is None:
                db.execute("INSERT INTO flags VALUES (?)", (name,))
        return seen is not None
