"""Write endpoints: uploads analysed in jobs, re-analysis with parameters, deletion, the token,
and every unsafe or bad upload refused with a 4xx and nothing left on disk."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from tests.api.conftest import read_csv, results_folder
from tests.helpers import YIBIN, bundled_site_count, read_reference_sites
from tests.serving import TOKEN


def _zip_folder(folder: Path, top: str | None = "mydata", skip: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            if path.suffix == ".py" or path.name in skip:
                continue
            archive.write(path, f"{top}/{path.name}" if top else path.name)
    return buffer.getvalue()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _upload(server, data: bytes, token: str | None = TOKEN, name: str = "data.zip"):
    with server.client(token) as client:
        return client.post("/datasets", files={"file": (name, data, "application/zip")})


def _state(server) -> tuple[list[str], list[str]]:
    """The dataset folders on disk and the registered dataset ids."""
    folders = sorted(p.name for p in (server.home / "datasets").iterdir())
    return folders, sorted(d["id"] for d in server.get("/datasets").json())


def test_upload_is_analysed_in_a_job(api_server):
    response = _upload(api_server, _zip_folder(YIBIN, top="yibin"))
    assert response.status_code == 202, response.text
    body = response.json()
    assert response.headers["location"] == f"/jobs/{body['job']['id']}"
    assert body["dataset_id"] == "yibin-2"  # a server-made slug; "yibin" is taken
    job = api_server.wait_job(body["job"]["id"])
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1.0
    assert "overlaps" in job["timings"]
    detail = api_server.get("/datasets/yibin-2").json()
    assert detail["counts"]["sites"] == bundled_site_count()
    assert detail["origin"] == "upload"
    first = api_server.get("/datasets/yibin/overlaps", limit=1000).json()
    again = api_server.get("/datasets/yibin-2/overlaps", limit=1000).json()
    assert again == first


def test_upload_without_manifest_is_guessed(api_server, tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "sites.csv").write_bytes((YIBIN / "sites.csv").read_bytes())
    (folder / "counties.geojson").write_bytes((YIBIN / "counties.geojson").read_bytes())
    response = _upload(api_server, _zip_folder(folder, top=None), name="Plain Sites.zip")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["dataset_id"] == "plain-sites"
    assert any("guessed" in m for m in body["messages"])
    assert api_server.wait_job(body["job"]["id"])["status"] == "succeeded"
    assert api_server.get("/datasets/plain-sites/sites").json()["total"] == len(
        read_reference_sites()
    )


def test_reanalyse_with_params_then_delete(api_server):
    before = read_csv(results_folder(api_server.home, "yibin-2") / "overlaps.csv")
    with api_server.client() as client:
        bad = client.post("/datasets/yibin-2/analyze", json={"params": {"reach_minutes": -5}})
        assert bad.status_code == 422
        assert bad.json()["message"] == (
            "key 'reach_minutes' in [params] is invalid: Input should be greater than 0"
        )
        unknown = client.post("/datasets/yibin-2/analyze", json={"params": {"speed": 1}})
        assert unknown.status_code == 422
        assert "unknown parameter 'speed'" in unknown.json()["message"]
        started = client.post("/datasets/yibin-2/analyze", json={"params": {"reach_minutes": 15}})
        assert started.status_code == 202
        busy = client.post("/datasets/yibin-2/analyze", json={})
        assert busy.status_code == 409
        assert "/jobs/" in busy.json()["message"]
        assert client.delete("/datasets/yibin-2").status_code == 409
        job = api_server.wait_job(started.json()["job"]["id"])
        assert job["status"] == "succeeded"
        assert job["params"] == {"reach_minutes": 15}
        # the reach bounds the search; a part and its whole are a pair at any distance
        expected = [
            r
            for r in before
            if float(r["distance"]) <= 15 or r["relation"] in ("component", "shared")
        ]
        got = api_server.get("/datasets/yibin-2/overlaps", limit=1000).json()
        assert 0 < got["total"] == len(expected) < len(before)
        assert api_server.get("/datasets/yibin-2").json()["parameters"]["reach_minutes"] == 15
        folder = results_folder(api_server.home, "yibin-2").parent
        assert client.delete("/datasets/yibin-2").status_code == 204
    assert not folder.exists()
    assert api_server.get("/datasets/yibin-2").status_code == 404
    assert api_server.get("/datasets/yibin-2/overlaps").status_code == 404


def test_token_is_required_for_writes(api_server):
    data = _zip_folder(YIBIN)
    for token in (None, "wrong"):
        response = _upload(api_server, data, token=token)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert "Authorization: Bearer" in response.json()["message"]
        with api_server.client(token) as client:
            assert client.delete("/datasets/yibin").status_code == 401
            assert client.post("/datasets/yibin/analyze", json={}).status_code == 401
    assert api_server.get("/datasets/yibin").status_code == 200


def _symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data/dataset.toml", "name = 'x'\n")
        link = zipfile.ZipInfo("data/sites.csv")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def _manifest_zip(manifest: str) -> bytes:
    members = {
        f"d/{name}": (YIBIN / name).read_bytes() for name in ("sites.csv", "counties.geojson")
    }
    return _zip({**members, "d/dataset.toml": manifest.encode()})


_GOOD = """name = "t"
[sites]
path = "sites.csv"
[units]
path = "counties.geojson"
id = "adcode"
name = "name"
"""

UNSAFE = {
    "zip-slip": (_zip({"../evil.csv": b"a,b\n"}), 422, "points outside the dataset folder"),
    "absolute path": (_zip({"/tmp/evil.csv": b"a,b\n"}), 422, "points outside"),
    "symbolic link": (_symlink_zip(), 422, "symbolic link"),
    "zip bomb": (_zip({"d/sites.csv": b"0" * 60_000_000}), 422, "zip bomb"),
    "too many members": (
        _zip({f"d/{i}.csv": b"" for i in range(2001)}, zipfile.ZIP_STORED),
        422,
        "at most 2000",
    ),
    "program file": (_zip({"d/run.py": b"print(1)"}), 422, "not a dataset file type"),
    "not a zip": (b"this is not an archive", 422, "not a readable zip"),
    "oversize": (
        _zip({"d/sites.csv": os.urandom(3 * 1024 * 1024)}, zipfile.ZIP_STORED),
        413,
        "TIA_MAX_UPLOAD_MB = 2 MB",
    ),
    "bad manifest": (
        _manifest_zip(_GOOD + "colour = 'red'\n"),
        422,
        "dataset.toml: unknown key 'colour' in [units]; remove it or check its spelling",
    ),
    "manifest leaves folder": (
        _manifest_zip(_GOOD.replace('path = "sites.csv"', 'path = "../../../etc/hosts.csv"')),
        422,
        "leads outside the dataset folder",
    ),
    "empty": (_zip({}), 422, "the archive is empty"),
}


@pytest.mark.parametrize("case", list(UNSAFE))
def test_unsafe_uploads_are_refused_and_leave_nothing(api_server, case):
    data, status, words = UNSAFE[case]
    before = _state(api_server)
    response = _upload(api_server, data)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert words in body["message"]
    assert str(api_server.home) not in body["message"]  # no server paths in messages
    assert _state(api_server) == before


def test_streamed_bodies_over_the_limit_stop_early(api_server):
    sent = []

    def chunks():
        yield b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n\r\n'
        for _ in range(48):  # 3 MB, with no Content-Length (chunked)
            sent.append(1)
            yield os.urandom(64 * 1024)

    before = _state(api_server)
    with api_server.client() as client:
        response = client.post(
            "/datasets",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        assert response.status_code == 413
        assert "TIA_MAX_UPLOAD_MB" in response.json()["message"]
        big = client.post("/datasets/yibin/analyze", json={"params": {"x": "y" * 2_000_000}})
        assert big.status_code == 413
    assert _state(api_server) == before
