"""``api_overlaps``: ``GET /datasets/{id}/overlaps?limit=100`` on a generated dataset under
32 concurrent clients, measured by Debian's ``wrk`` (a separate process) against the real
server (``tia serve``). The dataset goes in the way a user's does: zipped, uploaded with
``POST /datasets`` and analysed by the server's job.

The server keeps the answers of a run (they never change), so the same page repeated is
mostly a cache hit; a second pass asks for random pages (``varied_pages_*`` fields), where
most answers are built afresh.

Baseline: what a user without the service would run for the same page, a pyogrio SQL query
on the published ``results.gpkg`` (one query at a time, no HTTP).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
import pyogrio
from national import generate

HERE = Path(__file__).resolve().parent
TIA = Path(sys.executable).with_name("tia")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            if not path.name.startswith("."):
                archive.write(path, f"{folder.name}/{path.name}")
    return buffer.getvalue()


def _wait(client: httpx.Client, job_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.5)
    raise TimeoutError(f"job {job_id} did not finish in {timeout} s")


def _baseline(gpkg: Path, repeat: int = 7) -> float:
    sql = "SELECT * FROM overlap_pairs ORDER BY score DESC LIMIT 100"
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        pyogrio.read_dataframe(gpkg, sql=sql)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _wrk(url: str, clients: int, seconds: int, last_offset: int | None = None) -> dict:
    """Run wrk (two threads) and return its JSON report; random offsets with ``last_offset``."""
    env = {**os.environ}
    if last_offset is not None:
        env["TIA_PAGE_LAST"] = str(last_offset)
    load = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "-s", str(HERE / "wrk_report.lua"), url],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    facts = json.loads(load.stdout.strip().splitlines()[-1])
    if facts["non2xx"] or facts["socket_errors"]:
        raise RuntimeError(f"wrk saw errors: {facts}")
    return facts


def bench_api_overlaps(
    out: Path, n_sites: int, n_units: int, seconds: int, clients: int = 32
) -> dict[str, object]:
    """Load-test the overlaps endpoint; return the entry for ``results.json``."""
    if shutil.which("wrk") is None:
        raise RuntimeError("api_overlaps needs Debian's wrk: apt-get install wrk")
    folder = generate(out / f"api-{n_sites}", n_sites, n_units).parent
    home = Path(tempfile.mkdtemp(prefix="tia-bench-"))
    port = _free_port()
    env = {**os.environ, "TIA_HOME": str(home), "TIA_BUNDLED": "false"}
    env.pop("TIA_TOKEN", None)
    with (home / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [str(TIA), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(300):
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            sent = client.post("/datasets", files={"file": ("data.zip", _zipped(folder))})
            sent.raise_for_status()
            accepted = sent.json()
            job = _wait(client, accepted["job"]["id"], timeout=1200)
            if job["status"] != "succeeded":
                raise RuntimeError(f"the analysis failed: {job['messages']}")
            path = f"/datasets/{accepted['dataset_id']}/overlaps?limit=100"
            total = client.get(path).json()["total"]
        with sqlite3.connect(home / "tia.sqlite") as db:
            (results,) = db.execute("SELECT folder FROM datasets").fetchone()
        baseline_s = _baseline(Path(results) / "results" / "results.gpkg")
        facts = _wrk(base + path, clients, seconds)
        varied = _wrk(base + path, clients, seconds, last_offset=max(total - 100, 0))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    return {
        "n": n_sites,
        "ours_s": facts["p95_us"] / 1e6,
        "baseline": "pyogrio SQL on results.gpkg for the same page (one query, no HTTP)",
        "baseline_s": baseline_s,
        "rps": facts["requests"] / (facts["duration_us"] / 1e6),
        "p50_ms": facts["p50_us"] / 1000,
        "p95_ms": facts["p95_us"] / 1000,
        "p99_ms": facts["p99_us"] / 1000,
        "clients": clients,
        "seconds": seconds,
        "overlap_pairs": total,
        "requests": facts["requests"],
        "varied_pages_rps": varied["requests"] / (varied["duration_us"] / 1e6),
        "varied_pages_p95_ms": varied["p95_us"] / 1000,
    }
