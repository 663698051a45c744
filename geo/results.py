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
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo import __version__
from geo.analyses.base import Output
from geo.dataset import Dataset
from geo.diagnostics import Note, RunWarning
from geo.i18n import explain_pairs, note_record
from geo.registry import CATALOGUE
from geo.spreadsheet import write_csv

__all__ = [
    "READ_MODEL_VERSION",
    "Results",
    "StaleRunError",
    "file_checksums",
    "read_results",
    "write_results",
]

_VERSIONED = ("geopandas", "shapely", "pyproj", "pyogrio", "rasterio", "numpy", "pandas", "osmium")

#: Warnings that say an input is approximate, schematic or illustrative (data quality).
DATA_QUALITY_CODES = frozenset(
    {"roads_schematic", "roads_sparse", "sites_approximate", "illustrative_stats"}
)
#: Version of the read model (``read_model/``): the server re-reads runs of this version only.
READ_MODEL_VERSION = 2
READ_MODEL_DIR = "read_model"

#: Writes one extra output file to the path it is given.
FileWriter = Callable[[Path], object]


class StaleRunError(Exception):
    """A published run was written by another version and cannot be read back."""


@dataclass
class Results:
    """Everything a run produced, in memory (all layers in EPSG:4326).

    Each output of the catalogue (``results.sites``, ``results.overlaps`` ...) is an
    attribute: None when the run did not produce it.

    Attributes
    ----------
    dataset
        The manifest that was analysed.
    catalogue
        The outputs the run's stages declare (:mod:`geo.registry`), by name.
    outputs
        The declared outputs the run produced.
    internals
        What stages passed to each other (graphs, matrices, loaded statistics); not written.
    indicators
        Every reported number by section, for indicators.json.
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
    catalogue: dict[str, Output] = field(default_factory=lambda: dict(CATALOGUE))
    outputs: dict[str, Any] = field(default_factory=dict)
    internals: dict[str, Any] = field(default_factory=dict)
    indicators: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[RunWarning] = field(default_factory=list)
    skipped: dict[str, Note] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _FIELDS:
            raise AttributeError(name)
        if name in self.outputs:
            return self.outputs[name]
        if name in self.internals:
            return self.internals[name]
        if name in self.catalogue or name in CATALOGUE or name in _INTERNAL_READS:
            return None
        msg = f"a run has no output '{name}'"
        raise AttributeError(msg)

    def explain(self, pairs: pd.DataFrame, lang: str) -> pd.Series:
        """Return the overlap pairs' sentences in ``lang`` (the stored ones are English).

        Parameters
        ----------
        pairs
            Rows of :attr:`overlaps` or :attr:`overlap_pairs`.
        lang
            ``"zh"`` or ``"en"``.
        """
        by_road = self.indicators.get("overlaps", {}).get("mode") == "road"
        circuity = self.dataset.params.circuity
        return explain_pairs(
            pairs, self.sites, self.units, lang, by_road=by_road, circuity=circuity
        )

    def data_quality(self) -> list[RunWarning]:
        """Return the warnings that say an input is approximate, schematic or illustrative.

        Every output resting on such an input shows them where it is read: the report's
        sections, the map's legend and the API's dataset metadata.
        """
        return [w for w in self.warnings if w.code in DATA_QUALITY_CODES]

    def counts(self) -> dict[str, int]:
        """Return the headline counts of the run."""
        has_unit = self.sites["unit_id"].astype(bool)
        return {
            "sites": len(self.sites),
            "sites_outside_units": int((~has_unit).sum()),
            "units": len(self.units),
            "zones": 0 if self.zones is None else len(self.zones),
            "unit_borders": 0 if self.unit_borders is None else len(self.unit_borders),
            "warnings": len(self.warnings),
        }


_FIELDS = frozenset(
    ("dataset", "catalogue", "outputs", "internals", "indicators", "sources", "warnings")
) | {"skipped", "timings"}
#: Internal outputs readers may ask for (None when absent, e.g. on a run read back).
_INTERNAL_READS = ("dem",)


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


def _run_record(
    results: Results, written: list[str], started: datetime, writes: dict[str, float]
) -> dict[str, Any]:
    """Return run.json's content; ``writes`` times the writing steps, after the stages'."""
    return {
        "dataset": results.dataset.name,
        "manifest": str(results.dataset.manifest),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": file_checksums(results.dataset),
        "sources": results.sources,
        "parameters": results.dataset.params.model_dump(),
        "versions": _versions(),
        "timings_s": {k: round(v, 4) for k, v in (results.timings | writes).items()},
        "counts": results.counts(),
        "skipped": {k: note_record(v) for k, v in results.skipped.items()},
        "warnings": [note_record(w) for w in results.warnings],
        "dem": asdict(results.dem) if results.dem is not None else None,
        "outputs": written,
    }


def _flat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Join list values (osmnx merges attributes of simplified edges) into ``;`` text."""
    out = gdf.copy()
    for column in out.columns:
        if column == "geometry" or out[column].dtype != object:
            continue
        if out[column].map(lambda v: isinstance(v, list)).any():
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


#: GeoPackage writing: the folder is a staging copy thrown away on failure, so SQLite need
#: not sync every page to disk (a quarter less time on two million pair lines).
_GPKG_CONFIG = {"OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_CACHE": "512"}
#: Decimals of coordinates in GeoJSON files: 6 is 0.1 m, the files a third smaller.
_GEOJSON_OPTIONS = {"COORDINATE_PRECISION": "6"}


def _write_tables(results: Results, folder: Path) -> list[str]:
    """Write every table and layer, return the files written beside ``results.gpkg``.

    The GeoPackage is written in one thread, the other files in another: both spend their
    time in GDAL and Arrow, which release the GIL. The GeoPackage is one SQLite file, so its
    layers are written one after the other. When a write fails, neither thread starts another.
    """
    model = folder / READ_MODEL_DIR
    model.mkdir()
    gpkg: list[Callable[[], object]] = []
    others: list[Callable[[], object]] = []
    entries, rasters, written = [], [], []
    for output in results.catalogue.values():
        value = results.outputs.get(output.name)
        if value is None:
            continue
        if output.kind == "raster":
            if output.write is not None:
                others.append(partial(output.write, value, folder))
            rasters.append(output.name)
            written.extend(output.files)
            continue
        if output.kind == "layer":
            value = _flat(value)  # once per layer: osmnx's merged road names become text
            kind = {"geometry_type": output.geometry} if value.empty and output.geometry else {}
            gpkg.append(
                partial(
                    value.to_file, folder / "results.gpkg", layer=output.name, driver="GPKG",
                    engine="pyogrio", use_arrow=True, **kind,
                )
            )  # fmt: skip
            for name in output.files:  # the same layer in another format, by its suffix
                options = _GEOJSON_OPTIONS if name.endswith(".geojson") else {}
                others.append(
                    partial(
                        value.to_file, folder / name, engine="pyogrio", use_arrow=True,
                        layer_options=options,
                    )
                )  # fmt: skip
            written.extend(output.files)
            if output.csv:  # its attributes as a table too, for spreadsheets
                table = pd.DataFrame(value.drop(columns=value.geometry.name))
                others.append(
                    partial(write_csv, table, folder / output.csv, precise=output.precise)
                )
                written.append(output.csv)
        elif output.csv:
            others.append(partial(write_csv, value, folder / output.csv, precise=output.precise))
            written.append(output.csv)
        # the read model: the same rows with their types kept, for the server to read back
        others.append(
            partial(
                value.reset_index(drop=True).to_parquet,
                model / f"{output.name}.parquet",
                index=False,
            )
        )
        entries.append(_entry(output))
    failed = threading.Event()

    def each(writes: list[Callable[[], object]]) -> None:
        for write in writes:
            if failed.is_set():
                return
            try:
                write()
            except BaseException:
                failed.set()
                raise

    pyogrio.set_gdal_config_options(_GPKG_CONFIG)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            lanes = [pool.submit(each, gpkg), pool.submit(each, others)]
            try:
                for lane in lanes:
                    lane.result()  # the first failure is raised; the staging folder is dropped
            except BaseException:
                failed.set()  # interrupted here (SIGTERM): the lanes stop too
                raise
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(_GPKG_CONFIG))
    _write_model(results, model, entries, rasters)
    return written


def _write_files(
    results: Results, folder: Path, started: datetime, extras: Mapping[str, FileWriter]
) -> None:
    written = ["results.gpkg", "indicators.json", "run.json", READ_MODEL_DIR]
    clock = time.perf_counter()
    written += _write_tables(results, folder)
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
    writes = {"write tables and layers": time.perf_counter() - clock}
    for name, write in extras.items():
        clock = time.perf_counter()
        write(folder / name)
        writes[f"write {name}"] = time.perf_counter() - clock
        written.append(name)
    record = _run_record(results, written, started, writes)
    (folder / "run.json").write_text(
        json.dumps(record, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )


def _entry(output: Output) -> dict[str, Any]:
    """Return an output's catalogue entry as the read model records it."""
    return {
        "name": output.name,
        "kind": output.kind,
        "title": dict(output.title),
        "geometry": output.geometry,
        "map": output.map,
        "api": output.api,
    }


def _write_model(
    results: Results, folder: Path, entries: list[dict[str, Any]], rasters: list[str]
) -> None:
    """Describe the read model: its version, the dataset and the outputs it holds."""
    model = {
        "version": READ_MODEL_VERSION,
        "tia": __version__,
        "dataset": results.dataset.model_dump(mode="json"),
        "outputs": entries,
        "rasters": rasters,
    }
    (folder / "model.json").write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")


def read_results(folder: str | Path) -> Results:
    """Read a published run back into :class:`Results` (no analysis is run).

    Parameters
    ----------
    folder
        A results folder written by :func:`write_results`.

    Returns
    -------
    Results
        Outputs, indicators, warnings, skipped analyses and timings as published.

    Raises
    ------
    FileNotFoundError
        The folder holds no published run.
    StaleRunError
        The run was published by a version whose files this one cannot read.
    """
    folder = Path(folder)
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    model_file = folder / READ_MODEL_DIR / "model.json"
    if not model_file.is_file():
        msg = f"the run in {folder.name} was published by an older version of tia (no read model)"
        raise StaleRunError(msg)
    model = json.loads(model_file.read_text(encoding="utf-8"))
    if model.get("version") != READ_MODEL_VERSION:
        msg = (
            f"the run in {folder.name} has read model version {model.get('version')}, "
            f"this tia reads version {READ_MODEL_VERSION}"
        )
        raise StaleRunError(msg)
    catalogue: dict[str, Output] = {}
    outputs: dict[str, Any] = {}
    for entry in model["outputs"]:
        output = CATALOGUE.get(entry["name"]) or Output(
            entry["name"],
            entry["kind"],
            entry["title"],
            geometry=entry["geometry"],
            map=entry["map"],
            api=entry["api"],
        )
        catalogue[output.name] = output
        path = folder / READ_MODEL_DIR / f"{output.name}.parquet"
        outputs[output.name] = (
            gpd.read_parquet(path) if output.kind == "layer" else pd.read_parquet(path)
        )
    for name in model["rasters"]:
        output = CATALOGUE.get(name)
        if output is not None and output.read is not None:
            catalogue[name] = output
            outputs[name] = output.read(folder)
    indicators = json.loads((folder / "indicators.json").read_text(encoding="utf-8"))
    return Results(
        dataset=Dataset.model_validate(model["dataset"]),
        catalogue=catalogue,
        outputs=outputs,
        indicators=indicators,
        sources=run.get("sources", {}),
        warnings=[RunWarning(w["code"], w["facts"], w["items"]) for w in run["warnings"]],
        skipped={k: Note(v["code"], v["facts"]) for k, v in run["skipped"].items()},
        timings=run.get("timings_s", {}),
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
