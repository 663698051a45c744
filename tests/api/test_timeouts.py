"""Stalled connections are closed by the real server: a late request head, a stalled body."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.serving import start_server

# generous: only that the server ends the connection is checked, not when
WAIT_S = 60.0


@pytest.fixture(scope="module")
def quick_server(tmp_path_factory):
    """A server that allows 1 s for a request head and 1 s between parts of a body."""
    server = start_server(
        tmp_path_factory.mktemp("timeouts") / "home",
        token=None,
        TIA_BUNDLED="0",
        TIA_HEAD_TIMEOUT_S="1",
        TIA_BODY_TIMEOUT_S="1",
    )
    try:
        yield server
    finally:
        server.stop()


def _connect(server) -> socket.socket:
    url = urlsplit(server.base)
    sock = socket.create_connection((url.hostname, url.port), timeout=WAIT_S)
    return sock


def _closed_by_server(sock: socket.socket) -> bytes:
    """Read until the server closes the connection; what it sent."""
    received = b""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            return received
        received += chunk
    raise AssertionError("the server kept the connection open")


def test_a_connection_that_sends_nothing_is_closed(quick_server):
    with _connect(quick_server) as sock:
        assert _closed_by_server(sock) == b""


def test_a_request_head_sent_a_byte_at_a_time_is_cut_off(quick_server):
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 10_000
    deadline = time.monotonic() + WAIT_S
    with _connect(quick_server) as sock:
        sock.settimeout(0.3)
        for byte in head:  # a byte every 0.3 s: each arrives well within the 1 s
            if time.monotonic() > deadline:
                break
            try:
                sock.sendall(bytes([byte]))
                if sock.recv(1) == b"":
                    return  # closed by the server while the head was still coming
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                return
    raise AssertionError("a head trickling in byte by byte is read for ever")


def test_a_connection_left_idle_after_a_response_is_closed(quick_server):
    url = urlsplit(quick_server.base)
    request = f"GET /health HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n\r\n".encode()
    with _connect(quick_server) as sock:
        sock.sendall(request)
        answer = _closed_by_server(sock)  # the response, then the close
    assert answer.startswith(b"HTTP/1.1 200")
    assert answer.count(b"HTTP/1.1 ") == 1


def test_a_stalled_body_is_answered_408(quick_server):
    url = urlsplit(quick_server.base)
    head = (
        f"POST /datasets HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    with _connect(quick_server) as sock:
        sock.sendall(head + b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.zip"')
        answer = _closed_by_server(sock)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"TIA_BODY_TIMEOUT_S" in answer
    assert quick_server.get("/health").status_code == 200
