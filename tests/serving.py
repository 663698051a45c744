"""The real API server for tests: ``tia serve`` (uvicorn) on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.helpers import TIA

TOKEN = "test-token-7f3a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running server, its data root and an HTTP client with and without the token."""

    base: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=60)

    def get(self, path: str, **params: object) -> httpx.Response:
        with self.client(None) as client:
            return client.get(path, params=params or None)

    def wait_job(self, job_id: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(f"/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "failed"):
                return job
            time.sleep(0.3)
        raise AssertionError(f"job {job_id} did not finish in {timeout} s: {job}")

    def wait_dataset(self, dataset_id: str, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = {d["id"]: d for d in self.get("/datasets").json()}
            if dataset_id in found and found[dataset_id]["analysed"]:
                return found[dataset_id]
            job = found.get(dataset_id, {}).get("job")
            if job is not None and job["status"] == "failed":
                raise AssertionError(self.get(f"/jobs/{job['id']}").json())
            time.sleep(0.3)
        raise AssertionError(
            f"{dataset_id} was not analysed in {timeout} s; log:\n{self.log_text()}"
        )

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)


def start_server(
    home: Path, *, token: str | None = TOKEN, host: str = "127.0.0.1", **env: str
) -> Server:
    """Start ``tia serve`` with ``TIA_HOME=home`` (plus ``TIA_*`` settings) and wait for it.

    ``token=None`` starts it without a write token; ``host`` is the interface it listens on.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = home.parent / f"{home.name}-server-{port}.log"
    settings = {"TIA_HOME": str(home), **({"TIA_TOKEN": token} if token else {}), **env}
    environment = {k: v for k, v in os.environ.items() if k != "TIA_TOKEN"}
    process = subprocess.Popen(
        [str(TIA), "serve", "--host", host, "--port", str(port)],
        env={**environment, **settings},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", home, process, log)
    for _ in range(200):
        try:
            if server.get("/health").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
        if process.poll() is not None:
            break
    server.stop(signal.SIGKILL)
    raise AssertionError(f"the server did not start; log:\n{server.log_text()}")
