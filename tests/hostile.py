"""Hostile datasets, made from the bundled data: script in every name, and bad inputs.

Each script payload, if it ever ran, would set ``window.__xss`` to its own tag, so a test in
a real browser can say which sink let it through. :data:`CASES` are datasets that must be
refused with one sentence (exit 2), nothing written and the previous results intact.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from tests.helpers import yibin_copy

#: One payload per kind of sink: a script element, an event handler, a JS template literal.
PAYLOADS = (
    '</script><script>window.__xss="script"</script>',
    "<img src=x onerror=\"window.__xss='img'\">",
    '`+(window.__xss="literal")+`${window.__xss="template"}',
    '"><svg onload="window.__xss=\'svg\'">',
)


def _tag(text: str, i: int) -> str:
    return f"{text}{PAYLOADS[i % len(PAYLOADS)]}"


def _csv(path: Path, columns: tuple[str, ...]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for i, row in enumerate(rows):
        for column in columns:
            row[column] = _tag(row[column], i)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _geojson(path: Path, columns: tuple[str, ...]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for i, feature in enumerate(data["features"]):
        for column in columns:
            if feature["properties"].get(column):
                feature["properties"][column] = _tag(feature["properties"][column], i)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def script_in_every_name(tmp: Path) -> Path:
    """The bundled dataset with a payload appended to every name, category and label."""
    folder = yibin_copy(tmp, "hostile")
    _csv(folder / "sites.csv", ("name", "name_en", "category"))
    _csv(folder / "seats.csv", ("name", "name_en"))
    _geojson(folder / "counties.geojson", ("name", "name_en", "prefecture"))
    _geojson(folder / "zones.geojson", ("name", "name_en"))
    _geojson(folder / "roads.geojson", ("name",))
    return folder


def _params(text: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        with (folder / "dataset.toml").open("a", encoding="utf-8") as handle:
            handle.write(f"\n[params]\n{text}\n")

    return change


def _stats_cell(column: str, value: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / "stats.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        rows[3][column] = value
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    return change


def _sites_as_geojson(coordinates: list[float], crs: bool = False) -> Callable[[Path], None]:
    """Replace the sites by a GeoJSON layer whose second point has ``coordinates``."""

    def change(folder: Path) -> None:
        with (folder / "sites.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        features = [
            {
                "type": "Feature",
                "properties": {"name": row["name"]},
                "geometry": {
                    "type": "Point",
                    "coordinates": coordinates
                    if i == 1
                    else [float(row["lon"]), float(row["lat"])],
                },
            }
            for i, row in enumerate(rows)
        ]
        text = json.dumps({"type": "FeatureCollection", "features": features}, allow_nan=True)
        (folder / "sites.geojson").write_text(text, encoding="utf-8")
        manifest = (folder / "dataset.toml").read_text(encoding="utf-8")
        start = manifest.index("[[sites]]")  # every site file, up to the units
        end = manifest.index("[units]")
        declared = 'coords = "wgs84"\n' if crs else ""
        section = f'[sites]\npath = "sites.geojson"\n{declared}name = "name"\n\n'
        (folder / "dataset.toml").write_text(
            manifest[:start] + section + manifest[end:], encoding="utf-8"
        )

    return change


def _swap_lon_lat(folder: Path) -> None:
    path = folder / "sites.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    lon, lat = header.index("lon"), header.index("lat")
    header[lon], header[lat] = "lat", "lon"
    path.write_text("\n".join([",".join(header), *text[1:]]) + "\n", encoding="utf-8")


def _huge_dem(folder: Path) -> None:
    """A GeoTIFF declaring 40000 × 40000 cells that holds almost nothing (sparse)."""
    profile = {
        "driver": "GTiff", "width": 40_000, "height": 40_000, "count": 1, "dtype": "int16",
        "crs": "EPSG:4326", "transform": from_origin(103.0, 30.0, 0.0001, 0.0001),
        "tiled": True, "compress": "deflate", "sparse_ok": True,
    }  # fmt: skip
    with rasterio.open(folder / "dem.tif", "w", **profile):
        pass
    with (folder / "dataset.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[dem]\npath = "dem.tif"\n')


def _truncated_dem(folder: Path) -> None:
    """A real GeoTIFF (uncompressed, 300 × 300) cut off after 60 % of its bytes."""
    profile = {
        "driver": "GTiff", "width": 300, "height": 300, "count": 1, "dtype": "int16",
        "crs": "EPSG:4326", "transform": from_origin(103.0, 30.0, 0.01, 0.01),
    }  # fmt: skip
    path = folder / "dem.tif"
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.arange(90_000, dtype="int16").reshape(1, 300, 300))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    with (folder / "dataset.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[dem]\npath = "dem.tif"\n')


def _sparse_2gb_sites(folder: Path) -> None:
    """sites.csv grown to 2 GiB of NUL bytes (sparse: no disk used)."""
    with (folder / "sites.csv").open("r+b") as handle:
        handle.truncate(2 * 1024**3)


def _wide_sites(folder: Path) -> None:
    """sites.csv with 100,000 more columns."""
    path = folder / "sites.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = ",".join(f"c{i}" for i in range(100_000))
    blanks = "," * 100_000
    rows = [lines[0] + "," + extra] + [line + blanks for line in lines[1:]]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _symlink_loop(folder: Path) -> None:
    """sites.csv is a link to a link that leads back to the first."""
    (folder / "sites.csv").unlink()
    (folder / "loop1").symlink_to("loop2")
    (folder / "loop2").symlink_to("loop1")
    (folder / "sites.csv").symlink_to("loop1")


def _roads_off_the_globe(folder: Path) -> None:
    path = folder / "roads.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][0]["geometry"]["coordinates"][0] = [12_000_000.0, 3_000_000.0]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _nul_in_a_name(folder: Path) -> None:
    path = folder / "sites.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("兴文石海", "兴文\x00石海", 1), encoding="utf-8")


def _zero_area_unit(folder: Path) -> None:
    path = folder / "counties.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    ring = [[104.0, 28.0], [104.1, 28.0], [104.2, 28.0], [104.0, 28.0]]  # a line, no area
    data["features"][3]["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _units_across_180(folder: Path) -> None:
    """Two units either side of the 180° meridian (as Fiji's are drawn)."""
    path = folder / "counties.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    features = data["features"][:2]
    for feature, (west, east) in zip(features, [(179.0, 180.0), (-180.0, -179.0)], strict=True):
        ring = [[west, -17.0], [east, -17.0], [east, -16.0], [west, -16.0], [west, -17.0]]
        feature["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    data["features"] = features
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


#: Bad datasets (a change to the bundled copy) and a phrase of the one sentence each gets.
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "infinite parameter": (_params("reach_minutes = inf"), "reach_minutes"),
    "negative isochrone": (_params("isochrone_minutes = [-5.0]"), "isochrone_minutes"),
    "unknown parameter": (_params("market_minute = 30"), "unknown parameter 'market_minute'"),
    "density grid too fine": (_params("density_cell_km = 0.0005"), "density_max_cells"),
    "density kernel too wide": (_params("density_bandwidth_km = 500.0"), "density_bandwidth_km"),
    "DEM of 1.6 G cells": (_huge_dem, "dem_max_cells"),
    "infinite population": (_stats_cell("population", "inf"), "not a finite number"),
    "negative population": (_stats_cell("population", "-5"), "negative population"),
    "NaN coordinate": (_sites_as_geojson([float("nan"), 28.5], crs=True), "not a finite number"),
    "metres without a CRS": (_sites_as_geojson([500_000.0, 3_200_000.0]), "coords ="),
    "swapped lon/lat": (_swap_lon_lat, "swapped"),
    "road off the globe": (_roads_off_the_globe, "outside longitude"),
    "NUL in a name": (_nul_in_a_name, "control character"),
    "zero-area unit": (_zero_area_unit, "has no area"),
    "units across 180°": (_units_across_180, "across the 180° meridian"),
    "truncated DEM": (_truncated_dem, "truncated or damaged"),
    "2 GB sparse sites CSV": (_sparse_2gb_sites, "table_max_mb"),
    "100,000-column sites CSV": (_wide_sites, "table_max_columns"),
    "symlink loop": (_symlink_loop, "cannot be followed"),
}
