"""Analysis jobs: queued in the store, each run by :mod:`api.worker` in a child process.

``TIA_WORKERS`` jobs run at a time. A job's progress (stage, share done) is read from the
worker's JSON lines and written to the store as it happens; its log (the worker's stderr) is
kept beside the dataset's results. The child gets SIGTERM when the server dies, so a killed
server leaves no orphan analysis (SIGKILL: a worker busy in C code cannot ignore it); on the
next start the job is marked failed. A job can be cancelled: queued, it never starts;
running, its worker gets SIGTERM, then SIGKILL after :data:`CANCEL_GRACE_S`, and the previous
results stay (a run publishes only when it is complete).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from api.store import DatasetRecord, JobRecord, Store

__all__ = ["JobRunner"]

log = logging.getLogger("tia.jobs")

_PR_SET_PDEATHSIG = 1
#: Seconds a cancelled worker has to stop on SIGTERM before it is killed.
CANCEL_GRACE_S = 10.0


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to kill the worker when the server process ends."""
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class JobRunner:
    """Runs queued analysis jobs in worker processes.

    Parameters
    ----------
    store
        Where jobs are queued and their state is recorded.
    workers
        Jobs run at the same time.
    on_published
        Called with the dataset id after a job published new results.
    lang
        Language of the published ``map.html`` and ``report.html``.
    """

    def __init__(
        self,
        store: Store,
        workers: int,
        on_published: Callable[[str], None],
        lang: str = "zh",
    ) -> None:
        self.store = store
        self.on_published = on_published
        self.lang = lang
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tia-job")
        self._children: dict[str, subprocess.Popen[str]] = {}
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: JobRecord) -> None:
        """Start the job when a worker slot is free."""
        self._pool.submit(self._run_logged, job.id)

    def cancel(self, job_id: str) -> None:
        """Cancel a queued or running job; it ends as ``cancelled``, previous results kept."""
        with self._lock:
            self._cancelled.add(job_id)
            child = self._children.get(job_id)
        if child is None:  # queued (or about to start: _work checks the set again)
            self.store.finish_job(job_id, "cancelled", ["cancelled before it started"])
            return
        self._stop(child)

    @staticmethod
    def _stop(child: subprocess.Popen[str]) -> None:
        child.terminate()
        timer = threading.Timer(CANCEL_GRACE_S, lambda: child.poll() is None and child.kill())
        timer.daemon = True
        timer.start()

    def close(self) -> None:
        """Stop taking jobs and stop the running ones (they stay 'running' in the store)."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            children = list(self._children.values())
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    def _run_logged(self, job_id: str) -> None:
        try:
            self._run(job_id)
        except Exception:
            log.exception("job %s failed in the server", job_id)
            self.store.finish_job(job_id, "failed", ["the server failed to run this job"])

    def _run(self, job_id: str) -> None:
        job = self.store.job(job_id)
        if job is None or job.status != "queued" or self._closed or job_id in self._cancelled:
            return
        dataset = self.store.dataset(job.dataset_id)
        if dataset is None:
            self.store.finish_job(job_id, "failed", ["the dataset was deleted"])
            return
        self.store.start_job(job_id)
        log.info("job %s: analysing %s", job_id, dataset.id)
        status, done, messages = self._work(job, dataset)
        if job_id in self._cancelled:
            kept = "the last good results are kept" if dataset.results_dir.exists() else ""
            self.store.finish_job(job_id, "cancelled", list(filter(None, ["cancelled", kept])))
        elif status == "succeeded" and done is not None:
            self.store.add_run(job, done["params"], done["counts"], len(done["warnings"]))
            self.on_published(dataset.id)  # served before the job says it succeeded
            self.store.finish_job(job_id, "succeeded", done["warnings"], done["timings"])
        else:
            self.store.finish_job(job_id, "failed", messages)
        log.info("job %s: %s", job_id, status)

    def _work(
        self, job: JobRecord, dataset: DatasetRecord
    ) -> tuple[str, dict[str, Any] | None, list[str]]:
        """Run the worker; return the status, its 'done' event and its messages."""
        command = [
            sys.executable,
            "-m",
            "api.worker",
            str(dataset.input_dir),
            str(dataset.results_dir),
            "--params",
            json.dumps(job.params),
            "--lang",
            self.lang,
        ]
        log_path = dataset.folder / f"job-{job.id}.log"
        done: dict[str, Any] | None = None
        messages: list[str] = []
        with log_path.open("w", encoding="utf-8") as stderr:
            child = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                encoding="utf-8",
                preexec_fn=_die_with_parent,
                cwd=Path(__file__).resolve().parents[1],
            )
            with self._lock:
                self._children[job.id] = child
                cancelled = job.id in self._cancelled
            if cancelled:
                self._stop(child)
            assert child.stdout is not None
            for line in child.stdout:
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if event.get("event") == "stage":
                    share = (event["index"] - 1) / max(event["total"], 1)  # steps finished
                    self.store.job_progress(job.id, event["stage"], round(share, 3))
                elif event.get("event") == "done":
                    done = event
                elif event.get("event") == "error":
                    messages.append(event["message"])
            code = child.wait()
            with self._lock:
                self._children.pop(job.id, None)
        if code == 0 and done is not None:
            return "succeeded", done, []
        if not messages:
            messages.append(f"the analysis process ended with code {code}")
        kept = "the last good results are kept" if dataset.results_dir.exists() else ""
        messages.extend(filter(None, [kept, f"log: {log_path.name}"]))
        return "failed", None, messages
