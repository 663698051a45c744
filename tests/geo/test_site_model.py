"""The site model's inputs: several site files, parents, markets, unit levels."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.dataset import load_dataset
from geo.errors import DatasetError
from geo.markets import market_overlap, market_points, market_weights
from geo.parents import ParentParams, find_parents, inherit_kinds
from geo.parts import MarketsPart
from geo.sources.markets import load_markets
from geo.sources.units import qualified_names
from tests.helpers import write_manifest


def _sites(rows):
    frame = pd.DataFrame(
        rows,
        columns=["site_id", "name", "kind", "themes", "a_grade", "role", "parent", "lon", "lat"],
    )
    return gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]).rename(columns={"parent": "parent_declared"}),
        geometry=gpd.points_from_xy(frame.lon, frame.lat),
        crs=4326,
    ).assign(kind_source="name", gb_class="")


def test_parents_declared_named_and_placed():
    sites = _sites(
        [
            ("p", "兴文石海", "karst_landscape", "karst", 4, "attraction", "", 105.0, 28.0),
            ("q", "天泉洞", "karst_cave", "karst", 3, "attraction", "", 105.005, 28.0),  # 0.5 km
            ("r", "兴文石海天坑", "other", "", 0, "attraction", "", 105.05, 28.0),  # 4.9 km
            ("s", "太安石林", "karst_landscape", "karst", 0, "attraction", "", 105.02, 28.0),
            ("t", "石海宾馆", "hotel", "", 0, "capacity", "", 105.0001, 28.0),
            ("u", "某亭", "other", "", 0, "attraction", "r", 105.05, 28.001),  # part of a part
            ("v", "无名", "other", "", 0, "attraction", "zz", 105.3, 28.0),  # unknown parent
            ("w", "景点1", "other", "", 0, "attraction", "", 105.4, 28.0),
            ("x", "景点12", "other", "", 0, "attraction", "", 105.4, 28.001),  # a number
        ]
    )
    parent, source, warnings = find_parents(sites, ParentParams())
    assert parent.tolist() == ["", "p", "p", "", "", "p", "", "", ""]
    assert source.tolist() == ["", "place", "name", "", "", "declared", "", "", ""]
    assert warnings[0].code == "parent_unknown"
    assert warnings[0].facts["n"] == 1
    # s is 2 km away: beyond component_km (1 km) of the 4A area
    placed = sites.assign(parent=parent)
    inherited = inherit_kinds(placed)
    assert inherited["kind"].tolist()[2] == "karst_landscape"  # the tiankeng takes the area's
    assert inherited["kind_source"].tolist()[2] == "parent"


def test_market_overlap_is_the_weighted_jaccard_of_the_catchments():
    points = gpd.GeoDataFrame(
        {"market_id": ["m", "n"], "name": ["m", "n"], "population": [1000.0, 3000.0]},
        geometry=[shapely.Point(105.0, 28.0), shapely.Point(105.2, 28.0)],
        crs=4326,
    )
    sites = gpd.GeoDataFrame(
        geometry=[shapely.Point(105.0, 28.0), shapely.Point(105.2, 28.0)], crs=4326
    )
    minutes = np.array([[0.0, 30.0], [30.0, 0.0]])  # market x site
    weights = market_weights(sites, points, reach=120, half=30, minutes=minutes)
    # site 0: m at 0 min (1000), n at 30 min (1500); site 1: m 500, n 3000
    np.testing.assert_allclose(weights.toarray(), [[1000, 1500], [500, 3000]])
    assert market_overlap(weights, np.array([0]), np.array([1]))[0] == pytest.approx(
        (500 + 1500) / (1000 + 3000)
    )
    beyond = market_weights(sites, points, reach=20, half=30, minutes=minutes)
    np.testing.assert_allclose(beyond.toarray(), [[1000, 0], [0, 3000]])
    assert market_overlap(beyond, np.array([0]), np.array([1]))[0] == 0.0


def test_markets_fall_back_to_unit_population_then_to_equal_units():
    units = gpd.GeoDataFrame(
        {"unit_id": ["A", "B"], "name": ["甲", "乙"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=4326,
    )
    points, source = market_points(units, population=pd.Series({"A": 10.0, "B": 20.0}))
    assert source == "units"
    assert points["population"].tolist() == [10.0, 20.0]
    assert points.geometry.within(units.geometry).tolist() == [True, True]
    points, source = market_points(units)
    assert source == "equal"
    assert points["population"].tolist() == [1.0, 1.0]


def test_market_points_file_and_its_bad_rows(tmp_path):
    good = tmp_path / "towns.csv"
    good.write_text("id,name,人口,lon,lat\nT1,甲城,1200,105.0,28.0\nT2,乙城,300,105.1,28.1\n")
    loaded = load_markets(MarketsPart(path=good))
    assert loaded.data["population"].tolist() == [1200.0, 300.0]
    assert loaded.data["market_id"].tolist() == ["T1", "T2"]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,population,lon,lat\nT1,甲城,1200,105.0,28.0\nT2,乙城,-5,105.1,28.1\n")
    with pytest.raises(DatasetError, match=r"bad\.csv: row 3 has population '-5'"):
        load_markets(MarketsPart(path=bad))
    none = tmp_path / "none.csv"
    none.write_text("id,name,lon,lat\nT1,甲城,105.0,28.0\n")
    with pytest.raises(DatasetError, match="needs a population column"):
        load_markets(MarketsPart(path=none))


def test_repeated_unit_names_get_their_parents_name():
    units = pd.DataFrame(
        {
            "unit_id": ["110105", "220104", "510100"],
            "name": ["朝阳区", "朝阳区", "城区"],
            "province": ["北京市", "吉林省", "四川省"],
            "prefecture": ["北京市", "长春市", "成都市"],
        }
    )
    assert qualified_names(units, ["province", "prefecture"]).tolist() == [
        "朝阳区（北京市）",
        "朝阳区（长春市）",
        "城区",
    ]
    assert qualified_names(units, []).tolist() == ["朝阳区（110105）", "朝阳区（220104）", "城区"]


def test_several_site_files_and_their_ids(tmp_path):
    (tmp_path / "a.csv").write_text("site_id,name,lon,lat\nX1,甲,105.0,28.0\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("name,lon,lat\n乙,105.1,28.1\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("site_id,name,lon,lat\nX1,丙,105.2,28.2\n", encoding="utf-8")
    units = gpd.GeoDataFrame(
        {"adcode": ["U"], "name": ["U"]}, geometry=[shapely.box(104, 27, 106, 29)], crs=4326
    )
    units.to_file(tmp_path / "u.geojson")
    base = '[units]\npath = "u.geojson"\nid = "adcode"\nname = "name"\n'
    write_manifest(
        tmp_path, 'name = "t"\n[[sites]]\npath = "a.csv"\n[[sites]]\npath = "b.csv"\n' + base
    )
    from geo.analyses.base import Context
    from geo.analyses.inputs import LoadSites

    dataset = load_dataset(tmp_path)
    assert [p.path.name for p in dataset.site_parts] == ["a.csv", "b.csv"]
    result = LoadSites().run(Context(dataset))
    assert result.outputs["sites"]["site_id"].tolist() == ["X1", "b-S0001"]
    assert result.outputs["sites"]["source_file"].tolist() == ["a.csv", "b.csv"]
    write_manifest(
        tmp_path, 'name = "t"\n[[sites]]\npath = "a.csv"\n[[sites]]\npath = "c.csv"\n' + base
    )
    with pytest.raises(DatasetError, match=r"c\.csv: site id 'X1' is also used in .*a\.csv"):
        LoadSites().run(Context(load_dataset(tmp_path)))
    write_manifest(
        tmp_path, 'name = "t"\n[[sites]]\npath = "a.csv"\n[[sites]]\npath = "zz.csv"\n' + base
    )
    with pytest.raises(DatasetError, match=r"\[sites.2\] path 'zz.csv' does not exist"):
        load_dataset(tmp_path)


def test_levels_must_name_columns_of_the_units(tmp_path):
    (tmp_path / "s.csv").write_text("name,lon,lat\n甲,105.0,28.0\n", encoding="utf-8")
    units = gpd.GeoDataFrame(
        {"adcode": ["U"], "name": ["U"]}, geometry=[shapely.box(104, 27, 106, 29)], crs=4326
    )
    units.to_file(tmp_path / "u.geojson")
    write_manifest(
        tmp_path,
        'name = "t"\n[sites]\npath = "s.csv"\n[units]\npath = "u.geojson"\nid = "adcode"\n'
        'name = "name"\nlevels = ["province"]\n',
    )
    from geo.parts import UnitsPart
    from geo.sources import load_units

    part = load_dataset(tmp_path).units
    assert isinstance(part, UnitsPart)
    with pytest.raises(DatasetError, match=r"names the column 'province' \(levels/focus\)"):
        load_units(part)


def test_a_large_scenic_area_holds_the_sites_within_its_extent():
    sites = _sites(
        [
            ("big", "某森林公园", "forest_park", "forest", 5, "attraction", "", 105.0, 28.0),
            ("in", "某林场", "forest_park", "forest", 0, "attraction", "", 105.026, 28.0),
            ("out", "某林区", "forest_park", "forest", 0, "attraction", "", 105.04, 28.0),
        ]
    ).assign(area_km2=[4 * np.pi, np.nan, np.nan])  # a 2 km radius, plus component_km = 1
    parent, source, _ = find_parents(sites, ParentParams())
    # 2.55 km (inside 3 km) and 3.93 km away (outside)
    assert parent.tolist() == ["", "big", ""]
    assert source.tolist() == ["", "place", ""]
