"""A server killed in the middle of a job: the worker dies with it, the next start marks the
job failed, and the last good results are still served."""

from __future__ import annotations

import signal
import subprocess
import time

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
            job = client.post("/datasets/yibin/analyze", json={"params": {"market_minutes": 5}})
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
