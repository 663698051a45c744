from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest


def results_folder(home: Path, dataset_id: str) -> Path:
    """Where the server published a dataset's results (read from its SQLite index)."""
    with sqlite3.connect(home / "tia.sqlite") as db:
        (folder,) = db.execute("SELECT folder FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
    return Path(folder) / "results"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def published(api_server) -> Path:
    return results_folder(api_server.home, "yibin")


@pytest.fixture(scope="session")
def overlaps_csv(published) -> list[dict[str, str]]:
    return read_csv(published / "overlaps.csv")


@pytest.fixture(scope="session")
def run_json(published) -> dict:
    return json.loads((published / "run.json").read_text(encoding="utf-8"))
