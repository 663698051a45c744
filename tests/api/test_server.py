"""The real API server (uvicorn on loopback) over a real analysis."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import TIA, YIBIN, read_reference_sites, tia


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    assert tia("analyze", YIBIN, "--out", results / "yibin", "-q").code == 0
    port = _free_port()
    process = subprocess.Popen(
        [str(TIA), "serve", "--port", str(port)],
        env={**os.environ, "TIA_RESULTS": str(results)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            _get(base + "/health")
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(process.stderr.read().decode())
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_health_and_datasets(server):
    status, body = _get(server + "/health")
    assert (status, body["status"]) == (200, "ok")
    _, datasets = _get(server + "/datasets")
    assert [d["id"] for d in datasets] == ["yibin"]
    assert datasets[0]["counts"]["sites"] == len(read_reference_sites())
    _, detail = _get(server + "/datasets/yibin")
    assert detail["sources"]["sites"]["encoding"] == "utf-8"
    assert detail["skipped"]["terrain"] == "no [dem] in the manifest"


def test_sites_paginated_json_and_geojson(server):
    reference = read_reference_sites()
    _, page = _get(server + "/datasets/yibin/sites?limit=10&offset=60")
    assert page["total"] == len(reference)
    assert [i["site_id"] for i in page["items"]] == [r["site_id"] for r in reference[60:70]]
    first = page["items"][0]
    assert first["lon"] == pytest.approx(float(reference[60]["lon"]))
    _, collection = _get(server + "/datasets/yibin/sites?format=geojson&limit=2")
    assert collection["type"] == "FeatureCollection"
    assert collection["numberReturned"] == 2
    assert collection["features"][0]["properties"]["name"] == "蜀南竹海"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/datasets/nothere", 404),
        ("/datasets/..%2F..%2Fetc", 404),
        ("/datasets/yibin/sites?limit=0", 422),
    ],
)
def test_errors_are_4xx(server, path, status):
    with pytest.raises(urllib.error.HTTPError) as caught:
        _get(server + path)
    assert caught.value.code == status
