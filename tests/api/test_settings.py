"""Settings from the environment: CORS is off unless origins are configured; no bundled data
when TIA_BUNDLED=false."""

from __future__ import annotations

from tests.serving import start_server


def _preflight(server, origin: str):
    with server.client(None) as client:
        return client.options(
            "/datasets",
            headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        )


def test_cors_is_off_by_default(api_server):
    response = api_server.get("/datasets")
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in _preflight(api_server, "http://a.example").headers


def test_cors_origins_and_no_bundled_dataset(tmp_path):
    server = start_server(
        tmp_path / "home", TIA_CORS_ORIGINS='["http://planner.example"]', TIA_BUNDLED="false"
    )
    try:
        allowed = _preflight(server, "http://planner.example")
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "http://planner.example"
        other = _preflight(server, "http://elsewhere.example")
        assert "access-control-allow-origin" not in other.headers
        assert server.get("/datasets").json() == []
        assert "No datasets yet" in server.get("/").text
    finally:
        server.stop()
