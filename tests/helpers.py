"""Test helpers: write real input files and run the real CLI."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import osmium
import osmium.osm.mutable as mutable
import prcoords

ROOT = Path(__file__).resolve().parents[1]
YIBIN = ROOT / "data" / "yibin"
TIA = Path(sys.executable).with_name("tia")


def read_reference_sites() -> list[dict[str, str]]:
    """The bundled sites read with the csv module only (independent of the loaders)."""
    with (YIBIN / "sites.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_shunan_records() -> list[dict[str, str]]:
    """The Shunan Bamboo Sea's spots and facilities, the bundled dataset's second site file."""
    with (YIBIN / "shunan_pois.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


#: Records of shunan_pois.csv that repeat another one within 200 m under the same name and the
#: same kind, checked by hand: SN078 (a ticket office listed twice at one point) and SN125,
#: SN126, SN133 (toilets named 蜀南竹海-公共厕所, 0-120 m from one of the same name).
SHUNAN_REPEATED = ("SN078", "SN125", "SN126", "SN133")


def bundled_site_count() -> int:
    """Sites of the bundled run: both files' rows, less the repeated records."""
    return len(read_reference_sites()) + len(read_shunan_records()) - len(SHUNAN_REPEATED)


def bundled_records() -> list[dict[str, str]]:
    """Every site of the bundled run in file order, ``lon``/``lat`` in WGS-84.

    The Shunan points are published in GCJ-02; the independent ``prcoords`` turns them back.
    """
    records = list(read_reference_sites())
    for row in read_shunan_records():
        if row["site_id"] in SHUNAN_REPEATED:
            continue
        wgs = prcoords.gcj_wgs_bored(
            prcoords.Coords(float(row["lat_gcj02"]), float(row["lon_gcj02"]))
        )
        records.append({**row, "lon": str(wgs.lon), "lat": str(wgs.lat)})
    return records


def write_manifest(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.toml").write_text(text, encoding="utf-8")
    return folder


def yibin_copy(tmp: Path, name: str = "yibin") -> Path:
    """A copy of the bundled dataset that a test may change."""
    target = tmp / name
    shutil.copytree(YIBIN, target, ignore=shutil.ignore_patterns("*.py", "README.md"))
    return target


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def tia(*args: str | Path, cwd: Path | None = None) -> Run:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [str(TIA), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def write_osm(path: Path, features: list[dict]) -> None:
    """Write an OSM file (format from the suffix) with osmium's writer.

    Each feature: ``{"type": "node", "lon", "lat", "tags"}`` or
    ``{"type": "way", "coords": [(lon, lat), ...], "tags"}``. Way vertices at the same
    coordinates are one OSM node, so ways that share a vertex are connected.
    """
    nodes: list = []
    ways: list = []
    vertex_ids: dict[tuple[float, float], int] = {}
    for feature in features:
        if feature["type"] == "node":
            nodes.append(
                mutable.Node(
                    id=len(nodes) + 1,
                    location=(feature["lon"], feature["lat"]),
                    tags=feature["tags"],
                )
            )
            continue
        refs = []
        for lon, lat in feature["coords"]:
            if (lon, lat) not in vertex_ids:
                vertex_ids[(lon, lat)] = len(nodes) + 1
                nodes.append(mutable.Node(id=len(nodes) + 1, location=(lon, lat), tags={}))
            refs.append(vertex_ids[(lon, lat)])
        ways.append(mutable.Way(id=len(ways) + 1, nodes=refs, tags=feature["tags"]))
    if path.exists():
        path.unlink()
    with osmium.SimpleWriter(str(path)) as writer:
        for node in nodes:
            writer.add_node(node)
        for way in ways:
            writer.add_way(way)
