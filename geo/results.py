"""The Results container and its writers (GeoPackage, run.json), published atomically.

Results are written into a temporary sibling folder and moved into place only when every
file is complete, so a failed run never leaves a half-written result and never damages the
previous one.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo import __version__
from geo.dataset import Dataset
from geo.density import DensityRaster, write_density
from geo.diagnostics import RunWarning
from geo.sources import DemInfo
from geo.terrain import TerrainResult, write_hillshade

__all__ = ["Results", "file_checksums", "write_results"]

#: Geometry type written for layers that came out empty (GDAL cannot infer it).
_EMPTY_LAYER_TYPES = {
    "sites": "Point",
    "units": "MultiPolygon",
    "zones": "MultiPolygon",
    "unit_borders": "MultiLineString",
    "hubs": "Point",
    "roads": "LineString",
    "border_crossings": "Point",
    "border_deadends": "Point",
    "isochrones": "Polygon",
    "overlap_pairs": "LineString",
    "clusters": "Polygon",
}
_VERSIONED = ("geopandas", "shapely", "pyproj", "pyogrio", "rasterio", "numpy", "pandas", "osmium")


#: Writes one extra output file to the path it is given.
FileWriter = Callable[[Path], object]


@dataclass
class Results:
    """Everything a run produced, in memory (all layers in EPSG:4326).

    Attributes
    ----------
    dataset
        The manifest that was analysed.
    sites, units, zones, borders
        Normalised layers; ``borders`` are the shared unit borders.
    dem
        Facts about the DEM when one was given.
    hubs, roads, border_crossings, border_deadends, isochrones
        Network layers (None when the dataset has no roads).
    record_duplicates, overlaps, overlap_groups, overlap_unit_pairs, overlap_pairs
        Duplicated-construction results (see :mod:`geo.overlaps`).
    clusters, unit_indicators
        Cross-border clusters (:mod:`geo.clusters`) and per-unit balance
        (:mod:`geo.indicators`).
    site_travel, hub_travel
        Travel times (minutes) site -> site and hub -> site, long format.
    indicators
        Every reported number by section (``network``, ...), for indicators.json.
    sources
        Per manifest part: format, encoding, CRS and counts, as learned by the loaders.
    warnings
        Findings that did not stop the run.
    skipped
        Analyses not run, with the reason.
    timings
        Seconds per stage.
    """

    dataset: Dataset
    sites: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame | None
    borders: gpd.GeoDataFrame
    dem: DemInfo | None = None
    hubs: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    border_crossings: gpd.GeoDataFrame | None = None
    border_deadends: gpd.GeoDataFrame | None = None
    isochrones: gpd.GeoDataFrame | None = None
    record_duplicates: pd.DataFrame | None = None
    overlaps: pd.DataFrame | None = None
    overlap_groups: pd.DataFrame | None = None
    overlap_unit_pairs: pd.DataFrame | None = None
    overlap_pairs: gpd.GeoDataFrame | None = None
    clusters: gpd.GeoDataFrame | None = None
    unit_indicators: pd.DataFrame | None = None
    density: DensityRaster | None = None
    linkage: pd.DataFrame | None = None
    efficiency: pd.DataFrame | None = None
    terrain: TerrainResult | None = None
    site_travel: pd.DataFrame | None = None
    hub_travel: pd.DataFrame | None = None
    indicators: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[RunWarning] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Return the headline counts of the run."""
        has_unit = self.sites["unit_id"].astype(bool)
        return {
            "sites": len(self.sites),
            "sites_outside_units": int((~has_unit).sum()),
            "units": len(self.units),
            "zones": 0 if self.zones is None else len(self.zones),
            "unit_borders": len(self.borders),
            "warnings": len(self.warnings),
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(dataset: Dataset) -> dict[str, Any]:
    """Return SHA-256 checksums and sizes of the manifest and every input file.

    Parameters
    ----------
    dataset
        A loaded dataset (absolute paths).

    Returns
    -------
    dict
        Section name -> list of ``{"file", "bytes", "sha256"}`` (a folder lists its files).
    """
    out: dict[str, Any] = {}
    named = {"manifest": dataset.manifest} | {k: p.path for k, p in dataset.parts().items()}
    for section, path in named.items():
        files = sorted(p for p in Path(path).rglob("*") if p.is_file()) if path.is_dir() else [path]
        out[section] = [
            {"file": str(f), "bytes": f.stat().st_size, "sha256": _sha256(f)} for f in files
        ]
    return out


def _versions() -> dict[str, str]:
    found = {"tia": __version__, "python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    found["gdal"] = pyogrio.__gdal_version_string__
    return found


def _run_record(results: Results, written: list[str], started: datetime) -> dict[str, Any]:
    return {
        "dataset": results.dataset.name,
        "manifest": str(results.dataset.manifest),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": file_checksums(results.dataset),
        "sources": results.sources,
        "parameters": results.dataset.params.model_dump(),
        "versions": _versions(),
        "timings_s": {k: round(v, 4) for k, v in results.timings.items()},
        "counts": results.counts(),
        "skipped": results.skipped,
        "warnings": [w.to_dict() for w in results.warnings],
        "dem": asdict(results.dem) if results.dem is not None else None,
        "outputs": written,
    }


def _flat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Join list values (osmnx merges attributes of simplified edges) into ``;`` text."""
    out = gdf.copy()
    for column in out.columns:
        if column != "geometry" and out[column].map(lambda v: isinstance(v, list)).any():
            out[column] = out[column].map(
                lambda v: ";".join(map(str, v)) if isinstance(v, list) else v
            )
    return out


def _finite(value: object) -> object:
    """NaN and infinities become null, so indicators.json is strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float | np.floating) and not np.isfinite(value):
        return None
    return value


def _json_default(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()  # type: ignore[attr-defined]
    return str(value)


def _write_files(
    results: Results, folder: Path, started: datetime, extras: Mapping[str, FileWriter]
) -> None:
    gpkg = folder / "results.gpkg"
    layers = {
        "sites": results.sites,
        "units": results.units,
        "zones": results.zones,
        "unit_borders": results.borders,
        "hubs": results.hubs,
        "roads": results.roads,
        "border_crossings": results.border_crossings,
        "border_deadends": results.border_deadends,
        "isochrones": results.isochrones,
        "overlap_pairs": results.overlap_pairs,
        "clusters": results.clusters,
    }
    for layer, gdf in layers.items():
        if gdf is not None:
            kind = {"geometry_type": _EMPTY_LAYER_TYPES[layer]} if gdf.empty else {}
            _flat(gdf).to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio", **kind)
    written = ["results.gpkg", "indicators.json", "run.json"]
    if results.terrain is not None:
        write_hillshade(results.terrain, folder / "hillshade.png")
        written.append("hillshade.png")
    if results.density is not None:
        write_density(results.density, folder / "density.tif")
        written.append("density.tif")
    if results.clusters is not None:
        clusters_file = folder / "clusters.geojson"
        _flat(results.clusters).to_file(clusters_file, driver="GeoJSON", engine="pyogrio")
        written.append(clusters_file.name)
    (folder / "indicators.json").write_text(
        json.dumps(
            _finite(results.indicators),
            ensure_ascii=False,
            indent=2,
            default=_json_default,
            allow_nan=False,
        ),
        encoding="utf-8",
    )
    for name, table in (
        ("overlaps.csv", results.overlaps),
        ("overlap_groups.csv", results.overlap_groups),
        ("overlap_unit_pairs.csv", results.overlap_unit_pairs),
        ("record_duplicates.csv", results.record_duplicates),
        ("unit_indicators.csv", results.unit_indicators),
        ("linkage.csv", results.linkage),
        ("efficiency.csv", results.efficiency),
        ("site_travel_times.csv", results.site_travel),
        ("hub_travel_times.csv", results.hub_travel),
    ):
        if table is not None:
            table.to_csv(folder / name, index=False, float_format="%.3f")
            written.append(name)
    for name, write in extras.items():
        write(folder / name)
        written.append(name)
    record = _run_record(results, written, started)
    (folder / "run.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )


def _remove_stale(out_dir: Path) -> None:
    """Delete staging and retired folders left by runs that were killed (their pid is gone)."""
    for pattern in (f".{out_dir.name}.tmp-*", f".{out_dir.name}.old-*"):
        for folder in out_dir.parent.glob(pattern):
            pid = folder.name.rsplit(".", 1)[-1].split("-")[1]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_results(
    results: Results,
    out_dir: str | Path,
    *,
    started: datetime,
    extras: Mapping[str, FileWriter] | None = None,
) -> Path:
    """Write the results to ``out_dir``, replacing its previous content atomically.

    Parameters
    ----------
    results
        What the pipeline produced.
    out_dir
        Destination folder (created with its parents when missing).
    started
        When the run started (recorded in run.json).
    extras
        More files to publish with the results: file name -> function writing it to the
        path it is given (the map and the report, which ``geo`` does not build itself).

    Returns
    -------
    pathlib.Path
        The published folder.
    """
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(out_dir)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent)
    )
    try:
        _write_files(results, staging, started, extras or {})
        os.chmod(staging, 0o755)
        retired = None
        if out_dir.exists():
            retired = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            out_dir.rename(retired)
        try:
            staging.rename(out_dir)
        except BaseException:
            if retired is not None:
                retired.rename(out_dir)  # put the previous results back
            raise
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir
