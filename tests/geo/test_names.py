"""Administrative prefixes and generic suffixes removed from real names; kinds from the rest."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geo.names import admin_prefixes, name_cores
from geo.taxonomy import classify_sites, load_taxonomy

PREFIXES = admin_prefixes()

# Real national 5A scenic areas as their lists name them, with the kind a planner gives them
# (written down by hand from the names' meaning, not from the rules).
REAL_5A = [
    ("泰山景区", "泰山", "mountain"),
    ("黄山风景区", "黄山", "mountain"),
    ("杭州西湖风景名胜区", "西湖", "lake"),
    ("千岛湖风景区", "千岛湖", "lake"),
    ("峨眉山景区", "峨眉山", "mountain"),
    ("青岛崂山风景区", "崂山", "mountain"),
    ("泉州市清源山风景名胜区", "清源山", "mountain"),
    ("普陀山风景名胜区", "普陀山", "mountain"),
    ("五台山风景名胜区", "五台山", "mountain"),
    ("长白山景区", "长白山", "mountain"),
    ("北京故宫博物院", "故宫博物院", "museum"),
    ("秦始皇兵马俑博物馆", "秦始皇兵马俑博物馆", "museum"),
    ("颐和园", "颐和园", "park_garden"),
    ("苏州园林", "园林", "park_garden"),
    ("八达岭长城", "八达岭长城", "historic_site"),
    ("平遥古城", "古城", "ancient_town"),  # 平遥 is the county
    ("乌镇", "乌镇", "ancient_town"),
    ("昆山周庄古镇", "周庄古镇", "ancient_town"),
    ("常州中华恐龙园", "中华恐龙园", "theme_park"),
    ("广州长隆旅游度假区", "长隆旅游度假区", "resort"),
    ("佛山市长鹿旅游休博园", "长鹿旅游休博园", "theme_park"),
    ("乐山大佛景区", "大佛", "grotto_carving"),
    ("石林风景区", "石林", "karst_landscape"),
    ("少林寺景区", "少林寺", "temple"),
    ("黄果树瀑布景区", "黄果树瀑布", "waterfall"),
    ("壶口瀑布风景名胜区", "壶口瀑布", "waterfall"),
    ("鼓浪屿风景名胜区", "鼓浪屿", "island"),
    ("长江三峡", "长江三峡", "canyon"),
    ("蜀南竹海", "蜀南竹海", "bamboo_forest"),
    ("湘西土家族苗族自治州矮寨奇观旅游区", "矮寨奇观", "other"),
]


def _classify(names: list[str]) -> pd.DataFrame:
    sites = gpd.GeoDataFrame(
        {"name": names, "name_en": "", "category_raw": "", "a_grade": 5},
        geometry=gpd.points_from_xy([105.0] * len(names), [28.0] * len(names)),
        crs=4326,
    )
    return classify_sites(sites, load_taxonomy(), prefixes=PREFIXES)[0]


def test_prefixes_and_generic_words_go_and_the_resource_stays():
    names = pd.Series([name for name, _, _ in REAL_5A])
    _, cores = name_cores(names, PREFIXES)
    assert cores.tolist() == [core for _, core, _ in REAL_5A]


def test_kinds_of_real_5a_names_without_a_category():
    classified = _classify([name for name, _, _ in REAL_5A])
    got = dict(zip(classified["name"], classified["kind"], strict=True))
    assert got == {name: kind for name, _, kind in REAL_5A}
    coverage = (classified["kind"] != "other").mean()
    assert coverage >= 0.9  # 29 of these 30


@pytest.mark.parametrize(
    ("name", "not_theme"),
    [
        ("佛山长鹿旅游休博园", "buddhist"),  # 佛山 is a city, not a Buddha
        ("泉州市清源山风景名胜区", "hot_spring"),
        ("湘西土家族苗族自治州矮寨奇观旅游区", "miao"),  # the prefecture's peoples
        ("宜宾市酒店", "liquor"),  # a hotel (酒店) is no liquor culture
    ],
)
def test_no_theme_comes_from_an_administrative_name(name, not_theme):
    classified = _classify([name])
    assert not_theme not in classified["themes"].iloc[0].split(";")


def test_the_units_own_names_are_prefixes_too():
    prefixes = admin_prefixes(["甲乙县"])
    _, core = name_cores(pd.Series(["甲乙县白云洞", "甲乙白云洞", "甲乙县"]), prefixes)
    assert core.tolist() == ["白云洞", "白云洞", "甲乙县"]  # a name that is all prefix stays


def test_a_million_names_are_stripped_by_arrow():
    names = pd.Series([f"广州市景点{i}风景区" for i in range(200_000)])
    named, core = name_cores(names, PREFIXES)
    assert named.iloc[7] == "景点7风景区"
    assert core.iloc[7] == "景点7"
