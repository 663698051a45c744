"""Foreign hosts and cross-site writes are refused by the real server (loopback, uvicorn)."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.serving import TOKEN, start_server

EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """A server with no token (the default configuration) and no bundled dataset."""
    server = start_server(tmp_path_factory.mktemp("guard") / "home", token=None, TIA_BUNDLED="0")
    try:
        yield server
    finally:
        server.stop()


def _post(server, path: str, token: str | None = None, **kwargs) -> httpx.Response:
    with server.client(token) as client:
        return client.post(path, **kwargs)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},  # a sandboxed frame or a file:// page
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://127.0.0.1:1"},  # another port is another origin
    ],
)
def test_cross_site_writes_without_a_token_are_refused(open_server, headers):
    upload = _post(open_server, "/datasets", headers=headers, files={"file": ("d.zip", b"PK")})
    analyze = _post(
        open_server,
        "/datasets/yibin/analyze",
        headers={**headers, "Content-Type": "text/plain"},
        content=b'{"params": {}}',
    )
    for answer in (upload, analyze):
        assert answer.status_code == 403, answer.text
        body = answer.json()
        assert body["status"] == 403
        assert "cross-site" in body["message"]
        assert "TIA_TOKEN" in body["message"]
    assert open_server.get("/datasets").json() == []


def test_same_origin_and_scripts_may_write_without_a_token(open_server):
    own = {"Origin": open_server.base, "Sec-Fetch-Site": "same-origin"}
    for headers in (own, {}):
        answer = _post(open_server, "/datasets/nothing/analyze", headers=headers, json={})
        assert answer.status_code == 404, answer.text  # past the guard: no such dataset


@pytest.mark.parametrize("host", ["evil.example", "evil.example:80", "127.0.0.2"])
def test_foreign_host_names_are_not_served(open_server, host):
    answer = httpx.get(f"{open_server.base}/health", headers={"Host": host})
    assert answer.status_code == 400
    assert "TIA_ALLOWED_HOSTS" in answer.json()["message"]
    port = open_server.base.rsplit(":", 1)[1]
    assert httpx.get(f"{open_server.base}/health", headers={"Host": f"localhost:{port}"}).is_success


def test_a_token_allows_writes_from_elsewhere(tmp_path):
    server = start_server(tmp_path / "home", TIA_BUNDLED="0")
    try:
        answer = _post(
            server, "/datasets/nothing/analyze", TOKEN, headers={"Origin": EVIL}, json={}
        )
        assert answer.status_code == 404, answer.text
        refused = _post(server, "/datasets/nothing/analyze", None, headers={"Origin": EVIL})
        assert refused.status_code == 401
    finally:
        server.stop()


def _outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_writes_from_another_machine_need_a_token(tmp_path):
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address besides loopback")
    server = start_server(
        tmp_path / "home", token=None, host="0.0.0.0", TIA_BUNDLED="0", TIA_ALLOWED_HOSTS='["*"]'
    )
    try:
        port = server.base.rsplit(":", 1)[1]
        answer = httpx.post(f"http://{address}:{port}/datasets/nothing/analyze", json={})
        assert answer.status_code == 403
        assert "need a token" in answer.json()["message"]
        assert httpx.get(f"http://{address}:{port}/health").is_success
    finally:
        server.stop()
