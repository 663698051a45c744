"""Side-by-side timings against the baseline a user would otherwise use (``make bench``).

Each entry prints ``ours_s``, ``baseline_s`` and ``ratio = baseline_s / ours_s`` (above 1:
we are faster) and the results go to ``benchmarks/results/<entry>.json``. The data are
generated here with a fixed seed; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import prcoords

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.admin import assign_units  # noqa: E402
from geo.coords import gcj02_to_wgs84, wgs84_to_gcj02  # noqa: E402
from geo.dataset import SitesPart, UnitsPart  # noqa: E402
from geo.sources import load_sites, load_units  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
YIBIN = ROOT / "data" / "yibin"


def _timed(func: Callable[[], object], repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return float(best)


def _points(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(103.2, 105.7, n), rng.uniform(27.3, 29.6, n)


def bench_gcj02_inverse(n: int) -> dict[str, object]:
    """GCJ-02 -> WGS-84 for n points: vectorised iteration vs prcoords, one point at a time."""
    lon, lat = wgs84_to_gcj02(*_points(n))
    ours = _timed(lambda: gcj02_to_wgs84(lon, lat))

    def baseline() -> None:
        for x, y in zip(lon, lat, strict=True):
            prcoords.gcj_wgs_bored(prcoords.Coords(y, x))

    return {
        "n_points": n,
        "ours_s": ours,
        "baseline_s": _timed(baseline, repeat=1),
        "baseline": "prcoords.gcj_wgs_bored per point",
    }


def bench_load_sites_gbk(n: int, tmp: Path) -> dict[str, object]:
    """Load a GBK CSV of n sites: our validated loader vs pandas.read_csv + points_from_xy."""
    lon, lat = _points(n)
    frame = pd.DataFrame(
        {
            "site_id": [f"S{i}" for i in range(n)],
            "name": [f"景区{i}" for i in range(n)],
            "a_grade": "4A级",
            "lon": lon,
            "lat": lat,
        }
    )
    path = tmp / "sites.csv"
    frame.to_csv(path, index=False, encoding="gbk")
    ours = _timed(lambda: load_sites(SitesPart(path=path, id="site_id", grade="a_grade")))

    def baseline() -> None:
        table = pd.read_csv(path, encoding="gbk")
        gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table.lon, table.lat), crs=4326)

    return {
        "n_sites": n,
        "ours_s": ours,
        "baseline_s": _timed(baseline),
        "baseline": "pandas.read_csv + geopandas.points_from_xy (no validation)",
    }


def bench_assign_units(n: int) -> dict[str, object]:
    """Assign n sites to the 27 Yibin-area counties: ours (with checks) vs geopandas.sjoin."""
    units = load_units(
        UnitsPart(path=YIBIN / "counties.geojson", id="adcode", name="name", name_en="name_en")
    ).data
    lon, lat = _points(n)
    sites = gpd.GeoDataFrame(
        {"site_id": np.arange(n).astype(str), "name": "x", "unit_declared": ""},
        geometry=gpd.points_from_xy(lon, lat),
        crs=4326,
    )
    ours = _timed(lambda: assign_units(sites, units))
    baseline = _timed(
        lambda: gpd.sjoin(sites, units[["unit_id", "geometry"]], how="left", predicate="intersects")
    )
    return {
        "n_sites": n,
        "ours_s": ours,
        "baseline_s": baseline,
        "baseline": "geopandas.sjoin(predicate='intersects')",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the sizes")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    n = lambda base: max(int(base * args.scale), 10)  # noqa: E731
    entries = {
        "coords_gcj02_inverse": lambda: bench_gcj02_inverse(n(200_000)),
        "load_sites_gbk_csv": lambda: bench_load_sites_gbk(n(200_000), RESULTS),
        "assign_units": lambda: bench_assign_units(n(1_000_000)),
    }
    print(f"{'entry':<24}{'ours_s':>10}{'baseline_s':>12}{'ratio':>8}  baseline")
    for name, entry in entries.items():
        result = entry()
        result["ratio"] = result["baseline_s"] / result["ours_s"]
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        timing = f"{result['ours_s']:>10.3f}{result['baseline_s']:>12.3f}{result['ratio']:>8.2f}"
        print(f"{name:<24}{timing}  {result['baseline']}")
    (RESULTS / "sites.csv").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
