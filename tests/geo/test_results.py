"""Publishing a run: a write that fails in either writing thread leaves the previous results."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import geo.results
from geo.dataset import load_dataset
from geo.pipeline import run_pipeline
from geo.results import read_results, write_results
from tests.helpers import YIBIN


def test_a_failed_write_leaves_the_previous_results_and_no_staging_folder(tmp_path, monkeypatch):
    results = run_pipeline(load_dataset(YIBIN))
    out = tmp_path / "yibin"
    write_results(results, out, started=datetime.now(UTC))
    before = sorted(p.relative_to(out) for p in out.rglob("*"))

    def disk_full(frame, path, **options):
        raise OSError(f"No space left on device: {path.name}")

    monkeypatch.setattr(geo.results, "write_csv", disk_full)  # the lane beside the GeoPackage
    with pytest.raises(OSError, match="No space left"):
        write_results(results, out, started=datetime.now(UTC))
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["yibin"]  # the staging folder is gone
    assert len(read_results(out).overlaps) == len(results.overlaps)
