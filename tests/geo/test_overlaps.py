"""Overlap scores worked out by hand; expected findings on the bundled dataset; duplicates."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo.dataset import load_dataset
from geo.dedupe import find_record_duplicates, name_key
from geo.markets import market_weights
from geo.overlaps import (
    OverlapParams,
    find_overlaps,
    group_levels,
    overlap_groups,
    unit_pair_summary,
)
from geo.pipeline import run_pipeline
from geo.taxonomy import classify_sites, load_taxonomy
from tests.geo.test_network import parallel_km
from tests.helpers import YIBIN

TAXONOMY = load_taxonomy()
UNITS = gpd.GeoDataFrame(
    {
        "unit_id": ["A", "B"],
        "name": ["甲县", "乙县"],
        "name_en": ["Jia County", "Yi County"],
        "province": ["甲省", "乙省"],
        "prefecture": ["甲市", "乙市"],
    },
    geometry=[shapely.box(104.5, 27.5, 105.05, 28.5), shapely.box(105.05, 27.5, 105.6, 28.5)],
    crs=4326,
)
LEVELS = ["province", "prefecture"]
MARKETS = gpd.GeoDataFrame(
    {"market_id": ["M1", "M2"], "name": ["甲城", "乙城"], "population": [100_000.0, 50_000.0]},
    geometry=[shapely.Point(105.0, 28.0), shapely.Point(105.1, 28.0)],
    crs=4326,
)
HALF_KM, REACH_KM = 20.0, 60.0
GEOD = pyproj.Geod(ellps="WGS84")


def _sites(rows, parents=None):
    frame = pd.DataFrame(
        rows,
        columns=[
            "site_id",
            "name",
            "name_en",
            "category_raw",
            "a_grade",
            "themes",
            "unit_id",
            "lon",
            "lat",
        ],
    )
    gdf = gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(frame.lon, frame.lat),
        crs=4326,
    )
    classified, _ = classify_sites(gdf, TAXONOMY)
    classified["parent"] = [(parents or {}).get(i, "") for i in classified["site_id"]]
    return classified


SITES = _sites(
    [
        ("a", "甲温泉", "", "温泉", 4, "", "A", 105.0, 28.0),
        ("b", "乙温泉", "", "温泉", 0, "", "B", 105.1, 28.0),
        ("c", "盐业博物馆", "", "博物馆", 3, "", "A", 105.0, 28.02),
        ("d", "盐业古镇", "", "古镇", 0, "", "B", 105.1, 28.02),
        ("e", "甲洞", "", "溶洞", 0, "", "A", 105.01, 28.05),
        ("f", "乙洞", "", "溶洞", 0, "", "B", 105.09, 28.05),
        ("g", "甲宾馆", "", "住宿", 0, "", "A", 105.0, 28.001),
        ("h", "乙宾馆", "", "住宿", 0, "", "A", 105.001, 28.001),
        ("j", "温泉泉眼", "", "温泉", 0, "", "A", 105.0005, 28.0),
        ("k", "红色博物馆", "", "博物馆", 0, "red", "A", 105.0, 28.3),
        ("l", "茶博物馆", "", "博物馆", 0, "tea", "A", 105.001, 28.3),
    ],
    parents={"j": "a"},
)


def _weights(sites):
    return market_weights(sites, MARKETS, reach=REACH_KM, half=HALF_KM)


def _overlaps(sites, **kwargs):
    settings = kwargs.pop("settings", OverlapParams())
    return find_overlaps(
        sites,
        UNITS,
        TAXONOMY,
        settings,
        weights=_weights(sites),
        reach=REACH_KM,
        grade_weights=[1, 1, 2, 3, 4, 5],
        levels=LEVELS,
        **kwargs,
    )


def _hand_overlap(p, q):
    """Ruzicka index of the two decayed catchments, from pyproj's geodesic distances."""
    wp, wq = [], []
    for mx, my, pop in zip(MARKETS.geometry.x, MARKETS.geometry.y, MARKETS.population, strict=True):
        dp = GEOD.inv(p[0], p[1], mx, my)[2] / 1000
        dq = GEOD.inv(q[0], q[1], mx, my)[2] / 1000
        wp.append(pop * 0.5 ** (dp / HALF_KM) if dp <= REACH_KM else 0.0)
        wq.append(pop * 0.5 ** (dq / HALF_KM) if dq <= REACH_KM else 0.0)
    shared = sum(min(x, y) for x, y in zip(wp, wq, strict=True))
    either = sum(max(x, y) for x, y in zip(wp, wq, strict=True))
    return shared / either


def test_classification_of_the_synthetic_sites():
    kinds = dict(zip(SITES["site_id"], SITES["kind"], strict=True))
    assert kinds == {
        "a": "hot_spring", "b": "hot_spring", "c": "museum", "d": "ancient_town",
        "e": "karst_cave", "f": "karst_cave", "g": "hotel", "h": "hotel", "j": "hot_spring",
        "k": "museum", "l": "museum",
    }  # fmt: skip
    origin = dict(zip(SITES["site_id"], SITES["origin"], strict=True))
    # every A-graded site and every built product is developed; natural caves are endowments
    assert origin["a"] == origin["b"] == origin["c"] == "developed"
    assert origin["e"] == origin["f"] == "endowment"
    assert set(SITES.loc[SITES["kind"] == "hotel", "role"]) == {"capacity"}


def test_one_pair_of_each_relation_by_hand():
    pairs = _overlaps(SITES).set_index(["site_a", "site_b"])
    relation = pairs["relation"].to_dict()
    assert relation == {
        ("a", "b"): "competing",  # two hot-spring products across the border
        ("c", "d"): "complementary",  # a salt museum and a salt town: a joint product
        ("e", "f"): "complementary",  # two natural caves: one endowment to develop together
        ("k", "l"): "complementary",  # museums of other subjects: a quarter, not rivals
        ("a", "j"): "component",  # the spring's source is part of the resort
    }
    # the hotels are capacity, never paired; the component pairs with nothing but its parent
    a, b = SITES.geometry.iloc[0], SITES.geometry.iloc[1]
    overlap = _hand_overlap((a.x, a.y), (b.x, b.y))
    row = pairs.loc[("a", "b")]
    assert row["market_overlap"] == pytest.approx(overlap, abs=1e-4)
    # same kind (1), an unknown grade leaves the grade term neutral (1), importance
    # sqrt(4/5 * 1/5) of a 4A and an ungraded product
    assert row["grade_similarity"] == 1.0
    assert row["score"] == pytest.approx(100 * overlap * (0.8 * 0.2) ** 0.5, abs=0.01)
    assert row["level"] == "province"
    c, d = SITES.geometry.iloc[2], SITES.geometry.iloc[3]
    cd = pairs.loc[("c", "d")]
    # themes {salt} and {ancient_town, salt}: Jaccard 1/2; grades 3A and none
    assert cd["similarity"] == pytest.approx(0.5)
    assert cd["score"] == pytest.approx(
        100 * 0.5 * _hand_overlap((c.x, c.y), (d.x, d.y)) * (0.6 * 0.2) ** 0.5, abs=0.01
    )
    assert np.isnan(pairs.loc[("a", "j"), "score"])
    text = row["explanation"]
    assert text.startswith("甲温泉 (Jia County, 4A) and 乙温泉 (Yi County, not graded)")
    assert "are both hot spring products (developed/developed)" in text
    assert f"markets overlap {overlap * 100:.0f}%" in text
    assert "across a province border (Jia County – Yi County)" in text
    assert "duplicated construction" in text


def test_the_chinese_sentence_names_relation_and_evidence():
    pairs = _overlaps(SITES)
    row = pairs[pairs["relation"] == "competing"].iloc[0:1]
    from geo.i18n import explain_pairs

    text = explain_pairs(row, SITES, UNITS, "zh", by_road=False, circuity=1.3).iloc[0]
    share = round(row["market_overlap"].iloc[0] * 100)
    assert text.startswith("甲温泉（甲县，4A级）与乙温泉（乙县，未评级）")
    assert "同为温泉（开发型/开发型）产品" in text
    assert f"市场重叠 {share}%" in text
    assert "跨省界（甲县—乙县）" in text
    assert "重复建设评分" in text


def test_substitutes_with_distinct_markets_do_not_compete():
    far = _sites(
        [
            ("a", "甲温泉", "", "温泉", 4, "", "A", 105.0, 28.0),
            ("b", "乙温泉", "", "温泉", 4, "", "B", 105.5, 28.0),  # 49 km east
        ]
    )
    a, b = far.geometry.iloc[0], far.geometry.iloc[1]
    overlap = _hand_overlap((a.x, a.y), (b.x, b.y))
    low = OverlapParams(min_market_overlap=overlap - 0.01)
    high = OverlapParams(min_market_overlap=overlap + 0.01)
    assert list(_overlaps(far, settings=low)["relation"]) == ["competing"]
    assert _overlaps(far, settings=high).empty


def test_two_ungraded_relics_never_outrank_two_graded_products():
    sites = _sites(
        [
            ("r1", "甲遗址", "", "遗址", 0, "", "A", 105.0, 28.0),
            ("r2", "乙遗址", "", "遗址", 0, "", "A", 105.0, 28.001),
            ("p1", "甲温泉", "", "温泉", 3, "", "A", 105.0, 28.3),
            ("p2", "乙温泉", "", "温泉", 3, "", "B", 105.2, 28.3),
        ]
    )
    pairs = _overlaps(sites).set_index(["site_a", "site_b"])
    # the relics sit together, so their markets overlap fully; the products are 20 km apart
    assert pairs.loc[("r1", "r2"), "market_overlap"] > pairs.loc[("p1", "p2"), "market_overlap"]
    assert pairs.loc[("r1", "r2"), "relation"] == "complementary"  # endowments, not rivals
    assert pairs.loc[("r1", "r2"), "score"] < pairs.loc[("p1", "p2"), "score"]


def test_a_two_province_twin_is_one_shared_resource_of_both_units():
    twin = _sites(
        [
            ("s1", "壶口瀑布", "", "瀑布", 5, "", "A", 105.046, 28.0),
            ("s2", "壶口瀑布风景名胜区", "", "瀑布", 5, "", "B", 105.053, 28.0),  # 0.7 km
        ]
    )
    listing = pd.Series(["A", "B"])
    kept, merged, shared, _ = find_record_duplicates(twin, max_m=200, listing=listing)
    assert len(kept) == 2  # never merged away
    assert merged.empty
    assert shared[["site_a", "unit_a", "site_b", "unit_b"]].values.tolist() == [
        ["s1", "A", "s2", "B"]
    ]
    assert shared["distance_m"].iloc[0] == pytest.approx(
        GEOD.inv(105.046, 28.0, 105.053, 28.0)[2], abs=0.5
    )
    pairs = _overlaps(kept, shared=shared.assign(records=2))
    assert list(pairs["relation"]) == ["shared"]
    assert pairs["cross_border"].iloc[0]
    summary = unit_pair_summary(pairs).set_index(["unit_a", "unit_b"])
    assert summary.loc[("A", "B"), "shared"] == 1
    # the same two records listed by one unit are one record
    kept, merged, shared, _ = find_record_duplicates(
        twin.assign(geometry=[shapely.Point(105.046, 28.0), shapely.Point(105.0465, 28.0)]),
        max_m=200,
        listing=pd.Series(["A", "A"]),
    )
    assert len(kept) == 1
    assert shared.empty
    assert len(merged) == 1


def test_visitor_facilities_compete_across_a_border_unless_one_scene_runs_both():
    rows = [
        ("v1", "甲游客中心", "", "游客中心", 0, "", "A", 105.04, 28.0),
        ("v2", "乙游客中心", "", "游客中心", 0, "", "B", 105.06, 28.0),  # across the border
        ("v3", "丙游客中心", "", "游客中心", 0, "", "A", 105.03, 28.0),  # same unit as v1
    ]
    apart = _overlaps(_sites(rows))
    assert set(zip(apart["site_a"], apart["site_b"], apart["relation"], strict=True)) == {
        ("v1", "v2", "competing"),
        ("v2", "v3", "competing"),
    }
    park = ("p", "甲溶洞", "", "溶洞", 4, "", "A", 105.045, 28.01)
    one_park = _overlaps(_sites([*rows, park], parents={"v1": "p", "v2": "p"}))
    # the park's two visitor centres are its operator's own layout; the third is a rival
    assert set(zip(one_park["site_a"], one_park["site_b"], one_park["relation"], strict=True)) == {
        ("v2", "v3", "competing")
    }


def test_road_mode_uses_the_faster_direction_and_the_reach():
    sites = SITES.iloc[:2].reset_index(drop=True)  # the two hot springs
    minutes = np.array([[0.0, 50.0], [20.0, 0.0]])  # a -> b slow, b -> a fast
    market_minutes = np.array([[0.0, 20.0], [20.0, 0.0]])  # M1 at a, M2 at b
    weights = market_weights(sites, MARKETS, reach=120, half=30, minutes=market_minutes)
    pairs = find_overlaps(
        sites, UNITS, TAXONOMY, OverlapParams(), weights=weights, reach=120,
        grade_weights=[1, 1, 2, 3, 4, 5], travel_minutes=minutes,
    )  # fmt: skip
    assert pairs["distance"].tolist() == [20.0]
    w = np.array([[100_000, 50_000 * 0.5 ** (20 / 30)], [100_000 * 0.5 ** (20 / 30), 50_000]])
    overlap = np.minimum(w[0], w[1]).sum() / np.maximum(w[0], w[1]).sum()
    assert pairs["market_overlap"].iloc[0] == pytest.approx(overlap, abs=1e-4)
    assert "20 min apart by road" in pairs["explanation"].iloc[0]
    beyond = find_overlaps(
        sites, UNITS, TAXONOMY, OverlapParams(), weights=weights, reach=15,
        grade_weights=[1, 1, 2, 3, 4, 5], travel_minutes=minutes,
    )  # fmt: skip
    assert beyond.empty


def test_a_group_of_units_spans_the_highest_level_they_differ_on():
    units = pd.DataFrame(
        {
            "unit_id": ["a1", "a2", "b1", "c1"],
            "province": ["P", "P", "P", "Q"],
            "prefecture": ["X", "X", "Y", "Z"],
        }
    )
    members = pd.Series(["a1:0.6;a2:0.4", "a1:0.5;b1:0.5", "a2:0.9;c1:0.1", "b1:1.0", ""])
    got = group_levels(members, units, ["province", "prefecture"], "county")
    assert got.tolist() == ["county", "prefecture", "province", "", ""]


def test_weights_are_exponents():
    settings = OverlapParams(overlap_weights=[1.0, 2.0, 0.0, 0.0])
    pairs = _overlaps(SITES, settings=settings).set_index(["site_a", "site_b"])
    row = pairs.loc[("a", "b")]
    assert row["score"] == pytest.approx(100 * row["market_overlap"] ** 2, abs=0.05)


def test_groups_and_unit_pairs():
    pairs = _overlaps(SITES)
    groups, pair_group = overlap_groups(pairs, SITES, min_score=5)
    strong = (pairs["relation"] == "competing") & (pairs["score"] >= 5)
    assert set(pair_group[~strong]) <= {""}
    assert groups["pairs"].sum() == strong.sum()
    summary = unit_pair_summary(pairs).set_index(["unit_a", "unit_b"])
    across = pairs[pairs["unit_a"] != pairs["unit_b"]]
    assert summary.loc[("A", "B"), "competing"] == int((across["relation"] == "competing").sum())
    assert summary.loc[("A", "B"), "complementary"] == int(
        (across["relation"] == "complementary").sum()
    )
    assert bool(summary.loc[("A", "B"), "cross_border"]) is True


def test_record_duplicates():
    frame = _sites(
        [
            ("x1", "蜀南竹海", "Shunan Bamboo Sea", "竹林", 4, "bamboo", "A", 105.0, 28.0),
            (
                "x2",
                "蜀南竹海风景名胜区（5A）",
                "",
                "竹林",
                5,
                "forest",
                "A",
                105.001,
                28.0,
            ),  # ~98 m
            ("x3", "天泉洞", "", "溶洞", 4, "", "A", 105.0005, 28.0),  # 50 m, another name
            ("x4", "蜀南竹海", "", "竹林", 0, "", "A", 105.01, 28.0),  # same name, 980 m away
            ("x5", "蜀南竹海停车场", "", "停车场", 0, "", "A", 105.0002, 28.0),  # its car park
        ]
    )
    kept, duplicates, shared, warnings = find_record_duplicates(frame, max_m=200)
    assert list(kept["site_id"]) == ["x2", "x3", "x4", "x5"]  # the 5A record is kept
    assert kept.loc[0, "themes"] == "bamboo;forest"
    assert list(duplicates["dropped_id"]) == ["x1"]
    assert shared.empty
    assert duplicates["distance_m"].iloc[0] == pytest.approx(
        parallel_km(28.0, 0.001) * 1000, rel=1e-3
    )
    assert warnings[0].code == "record_duplicates"
    assert name_key("Shunan Bamboo Sea Scenic Area") == name_key("shunan bamboo sea")


@pytest.fixture(scope="module")
def yibin():
    return run_pipeline(load_dataset(YIBIN))


def _pairs_between(pairs, units, theme=None, kind=None):
    pick = pairs[
        pairs.apply(
            lambda r: (
                {r["unit_a"], r["unit_b"]} == set(units)
                if len(units) == 2
                else units[0] in (r["unit_a"], r["unit_b"])
            ),
            axis=1,
        )
    ]
    if theme:
        pick = pick[pick["shared_themes"].str.split(";").map(lambda t: theme in t)]
    if kind:
        pick = pick[pick["shared_kind"] == kind]
    return pick


def test_yibin_relations_read_as_a_planner_would(yibin):
    pairs = yibin.overlaps
    sites = yibin.sites.set_index("site_id")
    assert yibin.indicators["overlaps"]["mode"] == "road"
    # the Bo culture of Xingwen (511528) and Gong (511526): a heritage to develop together
    bo = _pairs_between(pairs, ["511528", "511526"], theme="bo_culture")
    assert len(bo) >= 2
    assert set(bo["relation"]) == {"complementary"}
    # components are never rivals: the Stone Sea's cave and tiankeng, the Bamboo Sea's spots
    parented = sites.index[(sites["parent"] != "") & (sites["role"] == "attraction")]
    involved = pairs[pairs["site_a"].isin(parented) | pairs["site_b"].isin(parented)]
    assert set(involved["relation"]) == {"component"}
    assert {("YB002", "YB003"), ("YB002", "YB004")} <= set(
        zip(involved["site_a"], involved["site_b"], strict=True)
    )
    # the park's own ticket offices and stops on both sides of a county line are one layout
    shunan = pairs["site_a"].str.startswith("SN") & pairs["site_b"].str.startswith("SN")
    assert not (shunan & (pairs["relation"] == "competing")).any()
    # hotels, restaurants and toilets are capacity: never paired
    capacity = sites.index[sites["role"] == "capacity"]
    assert len(capacity) > 50
    assert not (pairs["site_a"].isin(capacity) | pairs["site_b"].isin(capacity)).any()
    # every cluster across a border says which: Yibin's span county and prefecture lines
    across = yibin.clusters[yibin.clusters["n_units"] > 1]
    assert len(across)
    assert set(across["level"]) <= {"county", "prefecture", "province"}
    assert (yibin.clusters.loc[yibin.clusters["n_units"] <= 1, "level"] == "").all()
    # the strongest duplicated construction: two 4A liquor products 16 minutes apart
    competing = pairs[pairs["relation"] == "competing"]
    assert tuple(competing.iloc[0][["site_a", "site_b"]]) == ("YB039", "YB042")
    # two ungraded sites never outrank two graded developed products
    grade = sites["a_grade"]
    both_ungraded = (grade.loc[competing["site_a"]].to_numpy() == 0) & (
        grade.loc[competing["site_b"]].to_numpy() == 0
    )
    assert not both_ungraded[:10].any()
    assert competing["score"][both_ungraded].max() <= 20.0  # importance 1/5 at most
    # every related pair shares a kind, a family or a theme
    related = pairs[pairs["relation"].isin(["competing", "complementary"])]
    assert ((related["shared_kind"] != "") | (related["shared_themes"] != "")).all()


def test_yibin_score_by_hand(yibin):
    pairs = yibin.overlaps.set_index(["site_a", "site_b"])
    row = pairs.loc[("YB039", "YB042")]  # Luzhou Laojiao / Huatian Jiudi
    travel = yibin.site_travel.set_index(["origin", "destination"])["minutes"]
    assert row["distance"] == pytest.approx(travel.loc[("YB039", "YB042")], abs=1e-3)
    assert travel.loc[("YB039", "YB042")] == pytest.approx(travel.loc[("YB042", "YB039")])
    # the same kind, both 4A: similarity 1, grade similarity 1, importance 4/5
    assert row["score"] == pytest.approx(100 * row["market_overlap"] * 0.8, abs=0.01)
    assert row["level"] == "county"  # Jiangyang and Naxi are both districts of Luzhou


def test_manifest_mapping_wins_and_osm_tags_classify():
    frame = pd.DataFrame(
        {
            "site_id": ["m", "o"],
            "name": ["某竹林", "无名"],
            "name_en": ["", ""],
            "category_raw": ["竹林", "tourism=attraction;natural=cave_entrance"],
            "a_grade": [0, 0],
            "osm_tags": ["", '{"natural": "cave_entrance", "tourism": "attraction"}'],
        }
    )
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy([105, 105.1], [28, 28]), crs=4326)
    out, _ = classify_sites(gdf, TAXONOMY, category_kinds={"竹林": "tea_garden"})
    assert list(out["kind"]) == ["tea_garden", "karst_cave"]
    assert list(out["kind_source"]) == ["manifest", "osm"]


def test_shared_themes_and_top_values_against_python_sets():
    """Bit-mask theme sets (100 themes: two 64-bit words) and the vectorised top-three agree
    with sets and ``collections.Counter`` pair by pair."""
    from collections import Counter

    rng = np.random.default_rng(7)
    vocabulary = [f"t{k:03d}" for k in range(100)]
    rows = []
    for k in range(300):
        themes = ";".join(rng.choice(vocabulary, size=rng.integers(0, 5), replace=False))
        lon, lat = 104.6 + rng.random() * 0.9, 27.6 + rng.random() * 0.8
        unit = "A" if lon < 105.05 else "B"
        rows.append((f"s{k}", f"点{k}", "", "", 0, themes, unit, lon, lat))
    sites = _sites(rows)
    pairs = _overlaps(sites)
    sets = dict(
        zip(
            sites["site_id"],
            sites["themes"].map(lambda t: set(filter(None, t.split(";")))),
            strict=True,
        )
    )
    themed = pairs[(pairs["shared_kind"] == "") & (pairs["relation"] == "complementary")]
    assert len(themed) > 100
    assert sites["themes"].str.split(";").explode().nunique() > 64  # two words per mask
    for row in themed.itertuples():
        a, b = sets[row.site_a], sets[row.site_b]
        assert row.shared_themes == ";".join(sorted(a & b))
        assert row.similarity == pytest.approx(len(a & b) / len(a | b), abs=1e-4)
    summary = unit_pair_summary(pairs).set_index(["unit_a", "unit_b"])
    for (ua, ub), group in pairs.groupby(
        [np.minimum(pairs["unit_a"], pairs["unit_b"]), np.maximum(pairs["unit_a"], pairs["unit_b"])]
    ):
        counts = Counter(t for text in group["shared_themes"] for t in text.split(";") if t)
        expected = ";".join(t for t, _ in counts.most_common(3))
        assert summary.loc[(ua, ub), "top_themes"] == expected
