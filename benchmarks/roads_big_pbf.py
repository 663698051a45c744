"""``roads_big_pbf``: roads for one county out of a country-sized OSM extract.

A generated PBF (fixed layout: a lattice of two-node road ways over 16° × 16°, classes
cycling through the motorable ones) stands in for a country file such as Geofabrik's China
extract. The study area is a 0.5° square in its middle. Ours: :func:`geo.sources.roads.load_roads`
(streaming, ways kept only when they reach the area). Baseline: what a user would otherwise
write (and what the reader did before): read every road way of the file with pyosmium into a
GeoDataFrame, then clip it to the area with geopandas. Each runs in its own process, so its
peak memory is its own.

``python benchmarks/roads_big_pbf.py N_WAYS`` prints one JSON line.
``python benchmarks/roads_big_pbf.py --run ours|baseline PATH`` runs one side.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.road_classes import ROAD_CLASSES  # noqa: E402

SPAN_DEG = 16.0
AREA = (111.75, 31.75, 112.25, 32.25)  # the middle of the lattice
ORIGIN = (104.0, 24.0)


def write_extract(path: Path, n_ways: int) -> None:
    """Write a lattice of about ``n_ways`` two-node highway ways (half along x, half along y)."""
    import osmium

    side = int(np.ceil(np.sqrt(n_ways / 2.0))) + 1
    step = SPAN_DEG / side
    tmp = path.with_suffix(".tmp.pbf")
    tmp.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(tmp))
    try:
        for r in range(side):
            for c in range(side):
                lon, lat = ORIGIN[0] + c * step, ORIGIN[1] + r * step
                writer.add_node(osmium.osm.mutable.Node(id=r * side + c + 1, location=(lon, lat)))
        way_id = 0
        classes = ROAD_CLASSES
        for r in range(side):
            for c in range(side):
                here = r * side + c + 1
                for there in ((here + 1) if c + 1 < side else None,
                              (here + side) if r + 1 < side else None):  # fmt: skip
                    if there is None:
                        continue
                    way_id += 1
                    tags = {"highway": classes[way_id % len(classes)], "name": f"R{way_id}"}
                    writer.add_way(
                        osmium.osm.mutable.Way(id=way_id, nodes=[here, there], tags=tags)
                    )
    finally:
        writer.close()
    tmp.rename(path)


def _ours(path: Path) -> int:
    from geo.dataset import RoadsPart
    from geo.sources.roads import load_roads

    return len(load_roads(RoadsPart(path=path), bounds=AREA, margin_km=10.0).data)


def _baseline(path: Path) -> int:
    import geopandas as gpd
    import osmium
    import shapely

    rows, lines = [], []
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in processor:
        if way.is_way():
            rows.append({"way_id": way.id, "highway": way.tags.get("highway", "")})
            lines.append(shapely.LineString([(n.lon, n.lat) for n in way.nodes]))
    roads = gpd.GeoDataFrame(rows, geometry=lines, crs=4326)
    dlat = 10.0 / 111.0
    dlon = dlat / np.cos(np.radians((AREA[1] + AREA[3]) / 2))
    box = shapely.box(AREA[0] - dlon, AREA[1] - dlat, AREA[2] + dlon, AREA[3] + dlat)
    return int(roads.intersects(box).sum())


def _side(which: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--run", which, str(path)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate (once) the extract, run both sides, print the facts as one JSON line."""
    if sys.argv[1] == "--run":
        start = time.perf_counter()
        kept = (_ours if sys.argv[2] == "ours" else _baseline)(Path(sys.argv[3]))
        seconds = time.perf_counter() - start
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(json.dumps({"seconds": seconds, "peak_gb": peak_gb, "ways_kept": kept}))
        return
    n_ways = int(sys.argv[1])
    folder = ROOT / "out" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"lattice-{n_ways}.osm.pbf"
    if not path.exists():
        write_extract(path, n_ways)
    ours, base = _side("ours", path), _side("baseline", path)
    print(
        json.dumps(
            {
                "n": n_ways,
                "file_mb": path.stat().st_size / 1e6,
                "ours_s": ours["seconds"],
                "ours_peak_gb": ours["peak_gb"],
                "baseline_s": base["seconds"],
                "baseline_peak_gb": base["peak_gb"],
                "ways_kept": ours["ways_kept"],
                "same_ways": ours["ways_kept"] == base["ways_kept"],
            }
        )
    )


if __name__ == "__main__":
    main()
