"""The house rules: a new analysis is one module plus one registry line; imports go one way."""

from __future__ import annotations

import ast
import json
import shutil
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from api.archive import ALLOWED_SUFFIXES
from api.store import Store
from geo.dataset import load_dataset
from geo.registry import CATALOGUE, REGISTRY, Params
from geo.sources.files import FILE_TYPES, file_kind
from tests.fixtures.toy_analysis import SiteCounts
from tests.helpers import ROOT, YIBIN
from tests.serving import start_server
from tia.publish import analyse_and_publish

PACKAGES = ("tia", "geo", "maps", "api")


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (imports for type hints only)."""
    found = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            continue
        found.append(node)
        found.extend(_runtime_nodes(node))
    return found


def _imports(path: Path) -> set[str]:
    """Modules of this project a file imports when it runs (functions' imports too)."""
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    modules = {_module(p): p for p in files}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(path):
            # 'from geo.x import y' may name a module geo.x.y or an attribute of geo.x
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def test_packages_import_one_way():
    graph = _graph()
    for name, targets in graph.items():
        top = name.split(".")[0]
        if top == "geo":
            assert not {t for t in targets if t.split(".")[0] != "geo"}, name
        if top == "maps":
            outside = {t for t in targets if t.split(".")[0] != "maps"}
            # what a run produced, its words, and the knowledge the map shares with the figures
            shared = {"geo.results", "geo.registry", "geo.i18n", "geo.palette", "geo.road_classes"}
            shared.add("geo.coords")  # one geodesy for the map too
            shared.add("geo.display")  # one rule for what a map or figure draws
            assert outside <= shared, name


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path, node, target]))
            if target not in state:
                visit(target, [*path, node])
        state[node] = 2

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_upload_checker_accepts_what_the_loaders_read(tmp_path):
    for kind, suffixes in FILE_TYPES.items():
        for suffix in suffixes:
            name = f"data{suffix}"
            assert name.endswith(ALLOWED_SUFFIXES), name
            assert file_kind(tmp_path / name) == kind or suffix == ".txt"


def test_parameters_keep_their_flat_keys():
    names = set(Params.model_fields)
    assert {"reach_minutes", "cluster_eps_km", "grade_weights", "density_cell_km"} <= names
    assert {"border_tolerance_m", "deadend_ratio", "record_dup_m", "isochrone_minutes"} <= names
    owned = [f for stage in REGISTRY for model in stage.params for f in model.model_fields]
    assert names == set(owned)


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    store = Store(home)
    folder = home / "datasets" / "toy"
    shutil.copytree(YIBIN, folder / "input")
    record = store.add_dataset("Yibin with a toy analysis", "upload", folder, "toy")
    stages = (*REGISTRY, SiteCounts())  # the one registry line
    dataset = load_dataset(record.input_dir)
    results, out = analyse_and_publish(dataset, record.results_dir, lang="en", stages=stages)
    return home, results, out


def test_toy_analysis_reaches_every_file(toy_run):
    _, results, out = toy_run
    expected = results.sites["unit_id"].value_counts()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert "toy site counts" in run["timings_s"]
    indicators = json.loads((out / "indicators.json").read_text(encoding="utf-8"))
    assert indicators["toy"] == {"units_counted": 27}
    assert "toy_site_counts" in {name for name, _ in pyogrio.list_layers(out / "results.gpkg")}
    layer = gpd.read_file(out / "results.gpkg", layer="toy_site_counts")
    counted = layer.set_index("unit_id")["toy_sites"]
    assert counted[counted > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "Toy site counts" in page
    assert "toy_site_counts" not in CATALOGUE  # the product's own catalogue is untouched


def test_toy_analysis_reaches_the_api_and_ogc(toy_run):
    home, results, _ = toy_run
    server = start_server(home, TIA_BUNDLED="false")
    try:
        detail = server.get("/datasets/toy").json()
        assert "toy_site_counts" in detail["tables"]
        page = server.get("/datasets/toy/tables/toy_site_counts", limit=100).json()
        assert page["total"] == 27
        got = {row["unit_id"]: row["toy_sites"] for row in page["items"]}
        assert sum(got.values()) == len(results.sites)
        ids = {c["id"] for c in server.get("/ogc/collections").json()["collections"]}
        assert "toy-toy_site_counts" in ids
        frame = pyogrio.read_dataframe(f"OAPIF:{server.base}/ogc", layer="toy-toy_site_counts")
        assert len(frame) == 27
        assert frame.set_index("unit_id")["toy_sites"].to_dict() == got
        missing = server.get("/datasets/toy/tables/nothing")
        assert missing.status_code == 404
        assert "the tables are" in missing.json()["message"]
    finally:
        server.stop()


def test_run_of_an_older_version_is_answered_in_one_sentence(tmp_path):
    store = Store(tmp_path)
    folder = tmp_path / "datasets" / "old"
    shutil.copytree(YIBIN, folder / "input")
    record = store.add_dataset("Published by 0.1", "upload", folder, "old")
    results = record.results_dir
    results.mkdir()
    # what the previous version published: its files and a pickle only it could read
    (results / "run.json").write_text(json.dumps({"counts": {}, "warnings": []}), "utf-8")
    (results / "results.pickle").write_bytes(b"\x80\x05not a run this version can read")
    server = start_server(tmp_path, TIA_BUNDLED="false")
    try:
        answer = server.get("/datasets/old/sites")
        assert answer.status_code == 409
        message = answer.json()["message"]
        assert "older version" in message
        assert "POST /datasets/old/analyze" in message
        assert server.get("/datasets/old").status_code == 200
        assert server.get("/ogc/collections").status_code == 200
    finally:
        server.stop()
