"""``pipeline_national``: every stage that needs no roads on 1,000,000 sites and ~2,900 units.

Run by ``benchmarks/run.py`` in its own process, so that the peak resident memory it prints
(JSON on stdout) is the pipeline's own. The data are generated with fixed seeds under
``out/bench/national/`` and reused when present.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.dataset import load_dataset  # noqa: E402
from geo.i18n import say  # noqa: E402
from geo.pipeline import run_pipeline  # noqa: E402
from geo.taxonomy import load_taxonomy  # noqa: E402

CHINA = shapely.box(75.0, 18.0, 134.0, 53.0)


def generate(folder: Path, n_sites: int, n_units: int) -> Path:
    """Write sites.csv, units.gpkg and dataset.toml (geodesic mode) into ``folder``."""
    manifest = folder / "dataset.toml"
    stamp = folder / f".generated-{n_sites}-{n_units}"
    if stamp.exists():
        return manifest
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2024)
    seeds = shapely.points(rng.uniform(75, 134, n_units), rng.uniform(18, 53, n_units))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=CHINA))
    cells = shapely.intersection(cells, CHINA)
    units = gpd.GeoDataFrame(
        {"code": [f"{i:06d}" for i in range(len(cells))],
         "name": [f"县{i}" for i in range(len(cells))]},
        geometry=cells, crs=4326,
    )  # fmt: skip
    units.to_file(folder / "units.gpkg", layer="units", engine="pyogrio")
    towns = np.column_stack([rng.uniform(75.5, 133.5, 20_000), rng.uniform(18.5, 52.5, 20_000)])
    pick = rng.integers(0, len(towns), n_sites)
    words = [w for kind in load_taxonomy().kinds.values() for w in (kind.zh,)]
    pd.DataFrame(
        {
            "id": np.arange(n_sites),
            "name": [f"景点{i}" for i in range(n_sites)],
            "category": np.array(words)[rng.integers(0, len(words), n_sites)],
            "grade": rng.choice([0, 0, 0, 1, 2, 3, 4, 5], n_sites),
            "lon": np.round(towns[pick, 0] + rng.normal(0, 0.05, n_sites), 6),
            "lat": np.round(towns[pick, 1] + rng.normal(0, 0.05, n_sites), 6),
        }
    ).to_csv(folder / "sites.csv", index=False)
    manifest.write_text(
        'name = "National scale (generated)"\n'
        '[sites]\npath = "sites.csv"\nid = "id"\nname = "name"\ncategory = "category"\n'
        'grade = "grade"\nlon = "lon"\nlat = "lat"\n'
        '[units]\npath = "units.gpkg"\nid = "code"\nname = "name"\n'
        "[params]\nreach_km = 10.0\ncluster_eps_km = 2.0\ndensity_cell_km = 5.0\n"
        "density_bandwidth_km = 20.0\n",
        encoding="utf-8",
    )
    stamp.touch()
    return manifest


def main() -> None:
    """Generate (once), run the pipeline, print timings and peak memory as JSON."""
    n_sites, n_units = int(sys.argv[1]), int(sys.argv[2])
    manifest = generate(ROOT / "out" / "bench" / f"national-{n_sites}", n_sites, n_units)
    start = time.perf_counter()
    results = run_pipeline(load_dataset(manifest.parent))
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_gb": peak_kb / 1024**2,
                "units": len(results.units),
                "overlap_pairs": len(results.overlaps),
                "clusters": len(results.clusters),
                "stage_s": {k: round(v, 2) for k, v in results.timings.items()},
                "skipped": {k: say(v, "en") for k, v in results.skipped.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
