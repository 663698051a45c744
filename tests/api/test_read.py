"""Read endpoints of the real server over the bundled dataset, checked against the published
files read with the csv module and filtered by plain Python."""

from __future__ import annotations

import csv
import io
import re

import geopandas as gpd
import pyogrio
import pytest
import shapely

from tests.api.conftest import read_csv
from tests.helpers import YIBIN, bundled_records


def test_health_index_and_datasets(api_server, run_json):
    assert api_server.get("/health").json()["status"] == "ok"
    listed = {d["id"]: d for d in api_server.get("/datasets").json()}
    assert listed["yibin"]["counts"]["sites"] == len(bundled_records())
    assert listed["yibin"]["origin"] == "bundled"
    detail = api_server.get("/datasets/yibin").json()
    assert detail["sources"]["sites"]["encoding"] == "utf-8"
    assert detail["skipped"]["terrain"]["message"] == "no [dem] in the manifest"
    assert detail["last_run"]["counts"] == run_json["counts"]
    assert [w["message"] for w in detail["warnings"]] == [
        w["message"] for w in run_json["warnings"]
    ]
    # the metadata says what the numbers rest on: drawn roads, approximate positions
    codes = {w["code"] for w in detail["warnings"]}
    assert {"roads_schematic", "sites_approximate", "illustrative_stats"} <= codes
    index = api_server.get("/")
    assert index.headers["content-type"].startswith("text/html")
    for link in ("/datasets/yibin/map", "/datasets/yibin/report", "/docs", "/ogc"):
        assert f'href="{link}"' in index.text


def test_sites_pages_and_formats(api_server):
    reference = bundled_records()
    page = api_server.get("/datasets/yibin/sites", limit=10, offset=60).json()
    assert page["total"] == len(reference)
    assert [i["site_id"] for i in page["items"]] == [r["site_id"] for r in reference[60:70]]
    assert page["items"][0]["lon"] == pytest.approx(float(reference[60]["lon"]))
    collection = api_server.get("/datasets/yibin/sites", format="geojson", limit=2).json()
    assert (collection["numberMatched"], collection["numberReturned"]) == (len(reference), 2)
    assert collection["features"][0]["properties"]["name"] == "蜀南竹海"
    response = api_server.get("/datasets/yibin/sites", format="csv", limit=5, offset=3)
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-total-count"] == str(len(reference))
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["site_id"] for r in rows] == [r["site_id"] for r in reference[3:8]]


def test_sites_filters_match_brute_force(api_server):
    reference = bundled_records()
    west, south, east, north = 104.6, 28.2, 105.2, 28.8
    inside = [
        r["site_id"]
        for r in reference
        if west <= float(r["lon"]) <= east and south <= float(r["lat"]) <= north
    ]
    got = api_server.get(
        "/datasets/yibin/sites", bbox=f"{west},{south},{east},{north}", limit=1000
    ).json()
    assert [i["site_id"] for i in got["items"]] == inside
    assert got["total"] == len(inside) > 0
    # unit membership by point-in-polygon on the bundled boundaries (an independent join)
    counties = gpd.read_file(YIBIN / "counties.geojson")
    changning = counties[counties["name"] == "长宁县"].geometry.iloc[0]
    expected = [
        r["site_id"]
        for r in reference
        if changning.contains(shapely.Point(float(r["lon"]), float(r["lat"])))
    ]
    got = api_server.get("/datasets/yibin/sites", unit="511524", limit=1000).json()
    assert sorted(i["site_id"] for i in got["items"]) == sorted(expected)
    kinds = api_server.get("/datasets/yibin/sites", kind="karst_landscape").json()
    assert kinds["total"] > 0
    assert {i["kind"] for i in kinds["items"]} == {"karst_landscape"}
    assert api_server.get("/datasets/yibin/sites", bbox="1,2,3").status_code == 400
    assert api_server.get("/datasets/yibin/sites", bbox="5,0,1,1").status_code == 400
    assert api_server.get("/ogc/collections/yibin-sites/items", bbox="5,0,1,1").status_code == 400


def _expected_overlaps(
    rows,
    unit=None,
    neighbour=None,
    kind=None,
    theme=None,
    min_score=0.0,
    cross=False,
    relation=None,
    level=None,
):
    out = []
    for r in rows:
        if relation and r["relation"] != relation:
            continue
        if level and r["level"] != level:
            continue
        if unit and unit not in (r["unit_a"], r["unit_b"]):
            continue
        if neighbour and {r["unit_a"], r["unit_b"]} != {unit, neighbour}:
            continue
        if kind and kind not in (r["kind_a"], r["kind_b"]):
            continue
        if theme and theme not in r["shared_themes"].split(";"):
            continue
        score = float(r["score"] or "nan")  # empty for shared and component pairs
        if (min_score > 0 and not score >= min_score) or (cross and r["cross_border"] != "True"):
            continue
        out.append(r)
    return out


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"unit": "511524"},
        {"unit": "511524", "neighbour": "511528"},
        {"kind": "karst_landscape"},
        {"theme": "bamboo"},
        {"min_score": 50},
        {"cross_border_only": "true"},
        {"unit": "511502", "cross_border_only": "true", "min_score": 30},
        {"relation": "competing", "min_score": 30},
        {"relation": "complementary", "level": "province"},
        {"relation": "component", "unit": "511528"},
    ],
)
def test_overlap_filters_match_plain_python(api_server, overlaps_csv, query):
    expected = _expected_overlaps(
        overlaps_csv,
        unit=query.get("unit"),
        neighbour=query.get("neighbour"),
        kind=query.get("kind"),
        theme=query.get("theme"),
        min_score=float(query.get("min_score", 0)),
        cross=query.get("cross_border_only") == "true",
        relation=query.get("relation"),
        level=query.get("level"),
    )
    assert expected  # every query finds pairs on the bundled data
    got = api_server.get("/datasets/yibin/overlaps", limit=1000, **query).json()
    assert got["total"] == len(expected)
    pairs = [(i["site_a"], i["site_b"]) for i in got["items"]]
    assert sorted(pairs) == sorted((r["site_a"], r["site_b"]) for r in expected)
    scores = [i["score"] for i in got["items"]]
    scored = [x for x in scores if x is not None]
    assert scores[: len(scored)] == sorted(scored, reverse=True)  # unscored pairs last


def test_overlap_sort_pages_and_formats(api_server, overlaps_csv):
    by_distance = sorted(float(r["distance"]) for r in overlaps_csv)
    got = api_server.get("/datasets/yibin/overlaps", sort="distance", limit=20, offset=10).json()
    assert [i["distance"] for i in got["items"]] == pytest.approx(by_distance[10:30], abs=1e-3)
    lines = api_server.get("/datasets/yibin/overlaps", format="geojson", limit=3).json()
    first = lines["features"][0]
    assert first["geometry"]["type"] == "LineString"
    assert lines["numberMatched"] == len(overlaps_csv)
    sites = {r["site_id"]: r for r in bundled_records()}
    start = sites[first["properties"]["site_a"]]
    assert first["geometry"]["coordinates"][0] == pytest.approx(
        [float(start["lon"]), float(start["lat"])], abs=1e-6
    )
    text = api_server.get("/datasets/yibin/overlaps", format="csv", limit=1000).text
    assert len(list(csv.DictReader(io.StringIO(text)))) == len(overlaps_csv)
    wrong = api_server.get("/datasets/yibin/overlaps", neighbour="511528")
    assert wrong.status_code == 422
    assert "needs 'unit'" in wrong.json()["message"]


def test_groups_clusters_and_indicators(api_server, published):
    groups = read_csv(published / "overlap_groups.csv")
    got = api_server.get("/datasets/yibin/overlap-groups", unit="511528").json()
    assert got["total"] == sum("511528" in g["units"].split(";") for g in groups) > 0
    clusters = gpd.read_file(published / "clusters.geojson")
    candidates = clusters[clusters["candidate"]].sort_values("rank")
    got = api_server.get("/datasets/yibin/clusters", candidates_only="true").json()
    assert [c["cluster_id"] for c in got["items"]] == list(candidates["cluster_id"])
    every = api_server.get("/datasets/yibin/clusters", format="geojson").json()
    assert every["numberMatched"] == len(clusters)
    balance = api_server.get("/datasets/yibin/indicators", section="balance").json()
    assert 0 <= balance["gini"] <= 1
    missing = api_server.get("/datasets/yibin/indicators", section="nothing")
    assert missing.status_code == 404
    assert "balance" in missing.json()["message"]
    table = api_server.get("/datasets/yibin/indicators", format="csv").text
    assert len(list(csv.DictReader(io.StringIO(table)))) == 27


def test_unit_report_neighbours_and_their_overlaps(api_server, published, overlaps_csv):
    report = api_server.get("/datasets/yibin/units/511524").json()
    assert report["unit"]["name"] == "长宁县"
    borders = gpd.read_file(published / "results.gpkg", layer="unit_borders")
    expected = set(borders.loc[borders["unit_a"] == "511524", "unit_b"]) | set(
        borders.loc[borders["unit_b"] == "511524", "unit_a"]
    )
    assert {n["unit_id"] for n in report["neighbours"]} == expected
    for neighbour in report["neighbours"]:
        pairs = [
            r
            for r in overlaps_csv
            if {r["unit_a"], r["unit_b"]} == {"511524", neighbour["unit_id"]}
        ]
        assert neighbour["overlap_count"] == len(pairs)
        assert {o["site_a"] + o["site_b"] for o in neighbour["overlaps"]} == {
            r["site_a"] + r["site_b"] for r in pairs
        }
    mine = [r for r in overlaps_csv if "511524" in (r["unit_a"], r["unit_b"])]
    inside = sum(r["unit_a"] == r["unit_b"] for r in mine)
    assert report["overlaps_inside"] == inside
    counted = inside + sum(n["overlap_count"] for n in report["neighbours"])
    assert counted + len(report["overlaps_with_other_units"]) == len(mine)
    assert api_server.get("/datasets/yibin/units/999999").status_code == 404


def test_map_and_report_pages(api_server):
    page = api_server.get("/datasets/yibin/map", lang="en", layers="units,sites")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "cdn.jsdelivr" not in page.text
    assert 'src="/static/leaflet/dist/leaflet.js"' in page.text
    overlays = re.search(r"overlays :\s*{([^}]*)}", page.text).group(1)
    assert re.findall(r'"([^"]+)" :', overlays) == ["Units (endowment)", "Tourism sites"]
    for src in set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)):
        assert api_server.get(src).status_code == 200, src
    bad = api_server.get("/datasets/yibin/map", layers="units,nothing")
    assert bad.status_code == 422
    assert "nothing" in bad.json()["message"]
    keyless = api_server.get("/datasets/yibin/map", basemap="tianditu")
    assert keyless.status_code == 422
    assert "TIANDITU_KEY" in keyless.json()["message"]
    report = api_server.get("/datasets/yibin/report", lang="en")
    assert report.status_code == 200
    assert "Methods" in report.text
    assert api_server.get("/static/../../../etc/passwd").status_code == 404
    assert api_server.get("/static/leaflet/package.json").status_code == 404


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/datasets/nothere", 404),
        ("/datasets/nothere/overlaps", 404),
        ("/datasets/..%2F..%2Fetc/sites", 404),
        ("/datasets/yibin/sites?limit=0", 422),
        ("/datasets/yibin/overlaps?min_score=abc", 422),
        ("/datasets/yibin/overlaps?sort=name", 422),
        ("/no/such/route", 404),
    ],
)
def test_errors_are_json_sentences(api_server, path, status):
    response = api_server.get(path)
    assert response.status_code == status
    body = response.json()
    assert body["status"] == status
    assert len(body["message"]) > 20
    assert "Traceback" not in response.text


ROW_SCHEMAS = {
    "/datasets/yibin/sites": ("SiteRow", "results.gpkg:sites", {"lon", "lat"}),
    "/datasets/yibin/overlaps": ("PairRow", "results.gpkg:overlap_pairs", set()),
    "/datasets/yibin/overlap-groups": ("GroupRow", "overlap_groups.csv", set()),
    "/datasets/yibin/clusters": ("ClusterRow", "results.gpkg:clusters", set()),
}


def _published_columns(published, source: str) -> set[str]:
    if source.endswith(".csv"):
        with (published / source).open(encoding="utf-8", newline="") as handle:
            return set(next(csv.reader(handle)))
    path, _, layer = source.partition(":")
    return set(pyogrio.read_info(published / path, layer=layer)["fields"])


def test_every_json_route_documents_its_rows(api_server, published):
    spec = api_server.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = (
                operation["responses"]
                .get("200" if method == "get" else "202", {})
                .get("content", {})
            )
            if "application/json" in content:
                schema = content["application/json"]["schema"]
                assert schema not in ({}, {"type": "object"}), (method, path)
    for route, (model, source, added) in ROW_SCHEMAS.items():
        declared = set(schemas[model]["properties"])
        # the bundled run (roads, zones, clusters) has every declared column, and no other
        assert declared == _published_columns(published, source) | added, route
        page = api_server.get(route, limit=5).json()
        assert page["items"], route
        assert all(set(item) == declared for item in page["items"]), route
    unit = spec["paths"]["/datasets/{dataset_id}/units/{unit_id}"]["get"]
    assert unit["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/UnitReport"
    }


def test_proposal_filters_match_plain_python(api_server, published):
    rows = read_csv(published / "proposals.csv")
    assert rows
    everything = api_server.get("/datasets/yibin/proposals", limit=1000).json()
    assert [r["proposal_id"] for r in everything["items"]] == [r["proposal_id"] for r in rows]
    for query, keep in (
        ({"type": "joint_brand"}, lambda r: r["type"] == "joint_brand"),
        ({"unit": "511528"}, lambda r: "511528" in r["units"].split(";")),
        ({"min_gain": 100000}, lambda r: float(r["gain"]) >= 100000),
    ):
        page = api_server.get("/datasets/yibin/proposals", limit=1000, **query).json()
        expected = [r["proposal_id"] for r in rows if keep(r)]
        assert expected
        assert [r["proposal_id"] for r in page["items"]] == expected
    shares = api_server.get("/datasets/yibin/tables/proposal_shares", limit=1000).json()
    by_proposal: dict[str, float] = {}
    for share in shares["items"]:
        by_proposal[share["proposal_id"]] = (
            by_proposal.get(share["proposal_id"], 0.0) + share["shapley"]
        )
    for row in rows:  # the fair shares add up to the gain (efficiency)
        assert by_proposal[row["proposal_id"]] == pytest.approx(float(row["gain"]), rel=1e-6)
