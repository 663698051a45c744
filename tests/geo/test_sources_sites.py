"""The sites loader on real files of every supported format."""

from __future__ import annotations

import bz2
import io
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import prcoords
import pyproj
import pytest
import shapely

from geo.dataset import SitesPart
from geo.errors import DatasetError
from geo.sources import load_sites
from geo.sources.files import read_text_table
from tests.helpers import YIBIN, read_reference_sites, write_osm

GEOD = pyproj.Geod(ellps="WGS84")
REF = read_reference_sites()
REF_LON = np.array([float(r["lon"]) for r in REF])
REF_LAT = np.array([float(r["lat"]) for r in REF])


def _part(path: Path, **keys) -> SitesPart:
    return SitesPart(path=path, **keys)


def _reference_gdf() -> gpd.GeoDataFrame:
    frame = pd.DataFrame(REF).drop(columns=["lon", "lat"])
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(REF_LON, REF_LAT), crs=4326)


def _assert_same_sites(loaded: gpd.GeoDataFrame, tolerance_m: float = 0.01) -> None:
    assert len(loaded) == len(REF)
    assert list(loaded["name"]) == [r["name"] for r in REF]
    dist = GEOD.inv(loaded.geometry.x, loaded.geometry.y, REF_LON, REF_LAT)[2]
    assert dist.max() < tolerance_m


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_detected(tmp_path, encoding):
    path = tmp_path / "sites.csv"
    path.write_bytes((YIBIN / "sites.csv").read_text(encoding="utf-8").encode(encoding))
    loaded = load_sites(_part(path, id="site_id", grade="a_grade", unit="county"))
    _assert_same_sites(loaded.data)
    expected = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}
    assert loaded.info["encoding"] == expected[encoding]
    assert loaded.data.loc[0, "a_grade"] == 5  # "5A"
    assert loaded.data.loc[0, "unit_declared"] == "长宁县/江安县"
    assert "themes" in loaded.data.columns  # extra columns are kept


def test_tab_delimited_with_chinese_headers(tmp_path):
    frame = pd.DataFrame(REF).rename(columns={"lon": "经度", "lat": "纬度", "name": "名称"})
    path = tmp_path / "sites.txt"
    frame.to_csv(path, sep="\t", index=False, encoding="gb18030")
    loaded = load_sites(_part(path))  # columns found by their usual Chinese names
    _assert_same_sites(loaded.data)
    assert loaded.data["site_id"].iloc[0] == "YB001"


def test_xlsx(tmp_path):
    path = tmp_path / "sites.xlsx"
    pd.DataFrame(REF).to_excel(path, sheet_name="景区", index=False)
    loaded = load_sites(_part(path, sheet="景区", grade="a_grade"))
    _assert_same_sites(loaded.data, tolerance_m=0.01)
    assert loaded.data["a_grade"].sum() == sum(int(r["a_grade"][0]) for r in REF if r["a_grade"])


@pytest.mark.parametrize("driver", ["GeoJSON", "GPKG"])
def test_point_layers(tmp_path, driver):
    path = tmp_path / ("sites.geojson" if driver == "GeoJSON" else "sites.gpkg")
    _reference_gdf().to_file(path, driver=driver)
    loaded = load_sites(_part(path, grade="a_grade", unit="county"))
    _assert_same_sites(loaded.data)
    assert loaded.data["area_km2"].isna().all()


def test_shapefile_folder_and_zip(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    gdf = _reference_gdf()[["site_id", "name", "geometry"]]
    gdf.to_file(folder / "sites.shp", encoding="utf-8")
    _assert_same_sites(load_sites(_part(folder)).data)
    archive = tmp_path / "sites.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for member in folder.iterdir():
            zf.write(member, member.name)
    _assert_same_sites(load_sites(_part(archive)).data)


def test_gcj02_and_bd09_tables_are_converted(tmp_path):
    frame = pd.DataFrame(REF)
    for datum, forward in (("gcj02", prcoords.wgs_gcj), ("bd09", prcoords.wgs_bd)):
        shifted = [
            forward(prcoords.Coords(la, lo)) for lo, la in zip(REF_LON, REF_LAT, strict=True)
        ]
        frame["lon"] = [c.lon for c in shifted]
        frame["lat"] = [c.lat for c in shifted]
        path = tmp_path / f"{datum}.csv"
        frame.to_csv(path, index=False)
        loaded = load_sites(_part(path, coords=datum))
        _assert_same_sites(loaded.data, tolerance_m=0.5)


def test_projected_coordinates(tmp_path):
    to_utm = pyproj.Transformer.from_crs(4326, 32648, always_xy=True)
    x, y = to_utm.transform(REF_LON, REF_LAT)
    frame = pd.DataFrame({"name": [r["name"] for r in REF], "x": x, "y": y})
    path = tmp_path / "utm.csv"
    frame.to_csv(path, index=False)
    _assert_same_sites(load_sites(_part(path, coords="EPSG:32648")).data, tolerance_m=0.01)


def test_polygon_sites_become_points_and_keep_area(tmp_path):
    # A 1 km x 1 km square in UTM 48N at the central meridian (scale factor 0.9996), densified,
    # so its area on the ellipsoid is 1 / 0.9996**2 km2.
    square = shapely.segmentize(shapely.box(500000, 3150000, 501000, 3151000), 10)
    gdf = gpd.GeoDataFrame({"name": ["方形景区"]}, geometry=[square], crs=32648).to_crs(4326)
    path = tmp_path / "areas.gpkg"
    gdf.to_file(path)
    loaded = load_sites(_part(path)).data
    assert loaded.geometry.iloc[0].geom_type == "Point"
    assert gdf.geometry.iloc[0].contains(loaded.geometry.iloc[0])
    assert loaded["area_km2"].iloc[0] == pytest.approx(1 / 0.9996**2, rel=1e-3)


def _osm_features():
    return [
        {
            "type": "node",
            "lon": 105.02,
            "lat": 28.48,
            "tags": {"tourism": "attraction", "name": "蜀南竹海", "name:en": "Shunan Bamboo Sea"},
        },
        {
            "type": "node",
            "lon": 105.105,
            "lat": 28.19,
            "tags": {"natural": "cave_entrance", "name": "天泉洞"},
        },
        {
            "type": "node",
            "lon": 105.29,
            "lat": 28.36,
            "tags": {"natural": "peak", "name": "僰王山"},
        },
        {"type": "node", "lon": 105.0, "lat": 28.3, "tags": {"natural": "peak"}},  # unnamed
        {
            "type": "node",
            "lon": 105.1,
            "lat": 28.3,
            "tags": {"tourism": "information", "information": "board", "name": "牌"},
        },
        {
            "type": "node",
            "lon": 105.1,
            "lat": 28.31,
            "tags": {"tourism": "information", "information": "office", "name": "游客中心"},
        },
        {
            "type": "node",
            "lon": 105.2,
            "lat": 28.3,
            "tags": {"amenity": "restaurant", "name": "饭店"},
        },
        {
            "type": "way",
            "coords": [
                (104.77, 28.80),
                (104.78, 28.80),
                (104.78, 28.81),
                (104.77, 28.81),
                (104.77, 28.80),
            ],
            "tags": {"historic": "town", "name": "李庄古镇", "addr:county": "翠屏区"},
        },
    ]


@pytest.mark.parametrize("suffix", [".osm.pbf", ".osm", ".osm.bz2"])
def test_osm_files(tmp_path, suffix):
    path = tmp_path / f"sites{suffix}"
    write_osm(path, _osm_features())
    if suffix == ".osm.bz2":
        assert bz2.decompress(path.read_bytes()).startswith(b"<?xml")
    loaded = load_sites(_part(path))
    sites = loaded.data.set_index("name")
    assert sorted(sites.index) == sorted(["蜀南竹海", "天泉洞", "僰王山", "游客中心", "李庄古镇"])
    assert sites.loc["天泉洞", "category_raw"] == "natural=cave_entrance"
    assert sites.loc["蜀南竹海", "name_en"] == "Shunan Bamboo Sea"
    assert sites.loc["李庄古镇", "site_id"].startswith("w")
    assert sites.loc["李庄古镇", "unit_declared"] == "翠屏区"
    # 0.01 deg x 0.01 deg at 28.805 N on the WGS-84 ellipsoid, by hand: meridian arc
    # 110.86 km/deg -> 1.1086 km; parallel a*cos(phi)/sqrt(1-e2 sin2 phi) -> 0.9763 km.
    assert sites.loc["李庄古镇", "area_km2"] == pytest.approx(1.1086 * 0.9763, rel=0.002)
    assert loaded.info["osm_unnamed_skipped"] == 1
    assert [w.code for w in loaded.warnings] == ["osm_unnamed_skipped"]


def test_blank_coordinates_are_skipped_and_counted(tmp_path):
    frame = pd.DataFrame(REF)
    frame.loc[[3, 7], "lon"] = ""
    path = tmp_path / "sites.csv"
    frame.to_csv(path, index=False)
    loaded = load_sites(_part(path))
    assert len(loaded.data) == len(REF) - 2
    assert loaded.info["rows_skipped"] == 2
    assert any(w.code == "rows_without_coordinates" and w.facts["n"] == 2 for w in loaded.warnings)


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        ({"lon": {5: "104.6abc"}}, r"line 7 has longitude '104\.6abc' in column 'lon'"),
        (
            {"lat": {2: "128.5"}, "lon": {2: "200"}},
            r"line 4 has coordinates \(200, 128\.5\) outside",
        ),
        ({"site_id": {10: "YB001"}}, r"site id 'YB001' is used more than once \(lines 2, 12\)"),
    ],
)
def test_bad_values_name_the_line(tmp_path, edit, pattern):
    frame = pd.DataFrame(REF)
    for column, rows in edit.items():
        for row, value in rows.items():
            frame.loc[row, column] = value
    path = tmp_path / "sites.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DatasetError, match=pattern):
        load_sites(_part(path, id="site_id"))


def test_swapped_columns_are_detected(tmp_path):
    frame = pd.DataFrame(REF).rename(columns={"lon": "lat", "lat": "lon"})
    path = tmp_path / "sites.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DatasetError, match="latitude and longitude look swapped"):
        load_sites(_part(path))


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ('id,name,lon\n1,竹海,104.9\n2,"石海, 兴文",105.2\n', "utf-8"),  # quoted delimiter
        ('id,name,lon\n1,"two\nlines",104.9\n2,"say ""hi""",105\n', "utf-8"),  # newline, quotes
        ("id,name,lon\n1,a,104.9\n2,b\n", "utf-8"),  # short row: pandas pads it
        ("id,name,name\n1,a,b\n", "utf-8"),  # repeated name: pandas renames it
        ('id,"na\nme",lon\n1,a,104.9\n', "utf-8"),  # header cell over two lines
        ("id;名称;经度\n1;蜀南竹海;104.9\n\n2;;105.0\n", "gb18030"),  # GBK, blank line, blank cell
        ("\ufeffid\tname\n1\t  spaced  \n", "utf-8"),  # BOM, tabs, spaces kept
    ],
)
def test_table_reader_gives_what_pandas_gives(tmp_path, text, encoding):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode(encoding))
    table, _ = read_text_table(path)
    sep = next(d for d in ";\t," if d in text.splitlines()[0])
    expected = pd.read_csv(
        io.StringIO(text.lstrip("\ufeff")), sep=sep, dtype=str, keep_default_na=False
    )
    expected.columns = [c.strip() for c in expected.columns]
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
