"""Bring the real data of ``../shared/data/yibin`` into the bundled Yibin dataset.

* ``stats.csv``: every unit's ``population`` becomes the 7th national census figure
  (resident population on 2020-11-01, ``census2020_county.csv``); the tourism columns stay
  as they are (illustrative).
* ``shunan_pois.csv``: the Shunan Bamboo Sea's scenic spots and visitor facilities with
  their published GCJ-02 coordinates, each part of YB001 (蜀南竹海). The park's own record
  (named 蜀南竹海) is left out: YB001 of ``sites.csv`` is that site.
* ``towns.csv``: the GeoNames populated places, the ``[markets]`` of the dataset.

Run from the repository root with ``../shared`` beside it::

    .venv/bin/python data/yibin/derive_real.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "data" / "yibin"
PARK = "YB001"
PARK_NAME = "蜀南竹海"
CENSUS_SOURCE = (
    "official: 7th national census, resident population on 2020-11-01 "
    "(leiii/census census_county_2020_v1.xlsx, MIT)"
)
#: Amap's facility words, as a planner would write the category.
FACILITY_CATEGORY = {"scenic_spot": "景点"}


def update_population() -> None:
    """Replace the populations of ``stats.csv`` by the census figures."""
    census = pd.read_csv(SHARED / "census2020_county.csv", dtype={"code": str})
    stats = pd.read_csv(HERE / "stats.csv", dtype={"adcode": str})
    figures = census.set_index("code")["人口数_合计"]
    missing = sorted(set(stats["adcode"]) - set(figures.index))
    if missing:
        msg = f"no census figure for {', '.join(missing)}"
        raise SystemExit(msg)
    stats["population"] = stats["adcode"].map(figures).astype(int)
    stats["population_source"] = CENSUS_SOURCE
    stats.to_csv(HERE / "stats.csv", index=False)


def write_shunan() -> None:
    """Write the park's spots and facilities as components of YB001."""
    pois = pd.read_csv(SHARED / "shunan_bamboo_sea_pois_gcj02.csv", dtype=str)
    pois = pois[pois["name"] != PARK_NAME].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "site_id": [f"SN{i:03d}" for i in range(1, len(pois) + 1)],
            "name": pois["name"],
            "category": pois["kind"].map(FACILITY_CATEGORY).fillna(pois["kind"]),
            "parent": PARK,
            "lon_gcj02": pois["lon_gcj02"],
            "lat_gcj02": pois["lat_gcj02"],
            "amap_typecode": pois["amap_typecode"],
        }
    )
    out.to_csv(HERE / "shunan_pois.csv", index=False)


def write_towns() -> None:
    """Write the GeoNames places with their population."""
    towns = pd.read_csv(SHARED / "geonames_towns.csv", dtype={"geonameid": str})
    towns = towns[["geonameid", "name", "name_zh", "population", "lon", "lat"]]
    towns.sort_values("population", ascending=False).to_csv(HERE / "towns.csv", index=False)


if __name__ == "__main__":
    update_population()
    write_shunan()
    write_towns()
