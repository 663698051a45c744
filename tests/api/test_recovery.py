"""A server killed in the middle of a job: the worker dies with it, the next start marks the
job failed, and the last good results are still served."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from tests.api.conftest import results_folder
from tests.serving import start_server


def _workers(home) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-f", f"api.worker {home}"], capture_output=True, text=True, check=False
    )
    return found.stdout.split()


def test_killed_server_fails_the_job_and_keeps_results(tmp_path):
    home = tmp_path / "home"
    first = start_server(home)
    try:
        first.wait_dataset("yibin")
        before = first.get("/datasets/yibin/overlaps", limit=1000).json()
        with first.client() as client:
            job = client.post("/datasets/yibin/analyze", json={"params": {"reach_minutes": 5}})
        job_id = job.json()["job"]["id"]
        deadline = time.monotonic() + 60
        while first.get(f"/jobs/{job_id}").json()["progress"] == 0:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        assert _workers(home), "the job runs in a worker process"
    finally:
        first.stop(signal.SIGKILL)
    for _ in range(100):  # the worker follows its server (PR_SET_PDEATHSIG)
        if not _workers(home):
            break
        time.sleep(0.1)
    assert not _workers(home)
    second = start_server(home)
    try:
        job = second.get(f"/jobs/{job_id}").json()
        assert job["status"] == "failed"
        assert "the server stopped before this job finished" in " ".join(job["messages"])
        assert second.get("/datasets/yibin/overlaps", limit=1000).json() == before
        datasets = second.get("/datasets").json()
        assert [d["id"] for d in datasets] == ["yibin"]  # the bundled dataset is not added twice
        assert datasets[0]["job"] is None
    finally:
        second.stop()


def _job_status(server, job_id: str, wanted: set[str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = server.get(f"/jobs/{job_id}").json()
        if job["status"] in wanted:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def test_a_running_job_is_cancelled_and_the_previous_results_stay(tmp_path):
    home = tmp_path / "home"
    server = start_server(home)
    try:
        server.wait_dataset("yibin")
        before = server.get("/datasets/yibin/overlaps", limit=1000).json()
        # the next analysis blocks reading its sites (a FIFO nobody writes): running, for sure
        sites = results_folder(home, "yibin").parent / "input" / "sites.csv"
        sites.unlink()
        os.mkfifo(sites)
        with server.client() as client:
            job_id = client.post("/datasets/yibin/analyze", json={}).json()["job"]["id"]
            _job_status(server, job_id, {"running"})
            assert client.delete("/jobs/nothing").status_code == 404
            answer = client.delete(f"/jobs/{job_id}")
            assert answer.status_code == 202, answer.text
            job = _job_status(server, job_id, {"cancelled"})
            assert "the last good results are kept" in job["messages"]
            assert client.delete(f"/jobs/{job_id}").status_code == 409  # it has ended
            without_token = server.client(None).delete(f"/jobs/{job_id}")
            assert without_token.status_code == 401
        for _ in range(200):
            if not _workers(home):
                break
            time.sleep(0.1)
        assert not _workers(home)
        assert server.get("/datasets/yibin/overlaps", limit=1000).json() == before
        assert server.get("/datasets").json()[0]["job"] is None
    finally:
        server.stop()
