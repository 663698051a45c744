"""The pipeline: load -> normalise -> analyse -> :class:`Results`.

This is the only place where stages are wired together. Each stage is timed; optional
analyses that the dataset cannot feed are skipped with the reason recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict

from geo.admin import assign_units, border_distance, shared_borders, unit_borders
from geo.dataset import Dataset
from geo.diagnostics import RunWarning
from geo.errors import DatasetError
from geo.results import Results
from geo.sources import check_dem, load_sites, load_units, load_zones
from geo.sources.files import file_kind

__all__ = ["STAGES", "StageCallback", "run_pipeline"]

STAGES = (
    "load sites",
    "load units",
    "load zones",
    "check DEM",
    "assign units",
    "measure borders",
)

#: Called when a stage starts: ``(stage name, index from 0, number of stages)``.
StageCallback = Callable[[str, int, int], None]


def run_pipeline(dataset: Dataset, *, on_stage: StageCallback | None = None) -> Results:
    """Run every stage the dataset can feed.

    Parameters
    ----------
    dataset
        A validated dataset (see :func:`geo.dataset.load_dataset`).
    on_stage
        Progress callback, called as each stage starts.

    Returns
    -------
    Results
        Layers, warnings, skipped analyses and stage timings.

    Raises
    ------
    DatasetError
        On bad input; nothing has been written at that point.
    """
    timings: dict[str, float] = {}
    warnings: list[RunWarning] = []
    sources: dict[str, dict[str, object]] = {}
    skipped: dict[str, str] = {}
    params = dataset.params

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        if on_stage is not None:
            on_stage(name, STAGES.index(name), len(STAGES))
        start = time.perf_counter()
        yield
        timings[name] = time.perf_counter() - start

    with stage("load sites"):
        loaded = load_sites(dataset.sites)
        sites, sources["sites"] = loaded.data, loaded.info
        warnings.extend(loaded.warnings)
    with stage("load units"):
        loaded = load_units(dataset.units, overlap_min_km2=params.unit_overlap_min_km2)
        units, sources["units"] = loaded.data, loaded.info
        warnings.extend(loaded.warnings)
    zones = None
    with stage("load zones"):
        if dataset.zones is not None:
            loaded = load_zones(dataset.zones, overlap_min_km2=params.unit_overlap_min_km2)
            zones, sources["zones"] = loaded.data, loaded.info
            warnings.extend(loaded.warnings)
        else:
            skipped["zones"] = "no [zones] in the manifest"
    dem = None
    with stage("check DEM"):
        if dataset.dem is not None:
            dem = check_dem(dataset.dem, units, min_coverage=params.dem_min_coverage)
            sources["dem"] = {k: v for k, v in asdict(dem).items() if k != "warnings"}
            warnings.extend(dem.warnings)
        else:
            skipped["terrain"] = "no [dem] in the manifest"
    if dataset.roads is None:
        skipped["network"] = "no [roads] in the manifest"
    else:
        kind = file_kind(dataset.roads.path)
        if kind not in ("osm", "vector"):
            msg = (
                f"{dataset.roads.path}: roads must be an OpenStreetMap file or a line layer "
                f"(this is a {kind} file); fix [roads] path"
            )
            raise DatasetError(msg)
        sources["roads"] = {"path": str(dataset.roads.path), "format": kind}
        skipped["network"] = "the road-network stage is not part of this version yet"
    with stage("assign units"):
        sites, more = assign_units(sites, units)
        warnings.extend(more)
    with stage("measure borders"):
        directed = unit_borders(units, tolerance_m=params.border_tolerance_m)
        sites = border_distance(sites, directed)
        borders = shared_borders(directed)
    return Results(
        dataset=dataset,
        sites=sites,
        units=units,
        zones=zones,
        borders=borders,
        dem=dem,
        sources=sources,
        warnings=warnings,
        skipped=skipped,
        timings=timings,
    )
