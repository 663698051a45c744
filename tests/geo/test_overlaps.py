"""Overlap scores worked out by hand; expected findings on the bundled dataset; duplicates."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.dataset import load_dataset
from geo.dedupe import find_record_duplicates, name_key
from geo.overlaps import OverlapParams, find_overlaps, overlap_groups, unit_pair_summary
from geo.pipeline import run_pipeline
from geo.taxonomy import classify_sites, load_taxonomy
from tests.geo.test_network import parallel_km
from tests.helpers import YIBIN

TAXONOMY = load_taxonomy()
UNITS = gpd.GeoDataFrame(
    {"unit_id": ["A", "B"], "name": ["甲县", "乙县"], "name_en": ["Jia County", "Yi County"]},
    geometry=[shapely.box(104.5, 27.5, 105.05, 28.5), shapely.box(105.05, 27.5, 105.6, 28.5)],
    crs=4326,
)


def _sites(rows):
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
    return classified


SITES = _sites(
    [
        ("a", "甲竹海", "Jia Bamboo Sea", "竹林", 5, "", "A", 105.0, 28.0),
        ("b", "乙竹海", "Yi Bamboo Sea", "竹林", 4, "", "B", 105.1, 28.0),
        ("c", "竹编博物馆", "Bamboo Museum", "博物馆", 0, "red", "A", 105.0, 28.05),
        ("d", "竹林寺", "Bamboo Temple", "寺庙", 0, "", "B", 105.1, 28.05),
        ("e", "温泉山庄", "Hot Spring Inn", "温泉", 3, "", "A", 105.0, 28.01),
    ]
)


def test_classification_of_the_synthetic_sites():
    assert list(SITES["kind"]) == [
        "bamboo_forest",
        "bamboo_forest",
        "museum",
        "temple",
        "hot_spring",
    ]
    assert list(SITES["themes"]) == [
        "bamboo",
        "bamboo",
        "bamboo;red",
        "bamboo;buddhist",
        "hot_spring",
    ]
    assert list(SITES["gb_class"]) == ["C", "C", "E", "E", "B"]


def test_geodesic_scores_by_hand():
    pairs = find_overlaps(SITES, UNITS, TAXONOMY, OverlapParams()).set_index(["site_a", "site_b"])
    d_ab = parallel_km(28.0, 0.1)
    # same kind, 9.8 km apart of a 30 km cut-off, grades 5 and 4
    assert pairs.loc[("a", "b"), "distance"] == pytest.approx(d_ab, rel=1e-3)
    assert pairs.loc[("a", "b"), "score"] == pytest.approx(
        100 * 1.0 * (1 - d_ab / 30) * (1 - 1 / 5), abs=0.05
    )
    # museum and temple share one theme of three ({bamboo} / {bamboo, red, buddhist})
    d_cd = parallel_km(28.05, 0.1)
    assert pairs.loc[("c", "d"), "similarity"] == pytest.approx(1 / 3, abs=1e-4)
    assert pairs.loc[("c", "d"), "score"] == pytest.approx(
        100 * (1 / 3) * (1 - d_cd / 30) * 1.0, abs=0.05
    )
    # bamboo forest a and the museum c: themes {bamboo} vs {bamboo, red}: 1/2; grades 5 and 0
    d_ac = 0.05 * 110.85
    assert pairs.loc[("a", "c"), "score"] == pytest.approx(
        100 * 0.5 * (1 - d_ac / 30) * 0.0 + 0.0, abs=0.05
    )
    # the hot spring shares nothing with anything
    assert "e" not in set(pairs.index.get_level_values(0)) | set(pairs.index.get_level_values(1))
    assert bool(pairs.loc[("a", "b"), "cross_border"]) is True
    text = pairs.loc[("a", "b"), "explanation"]
    assert text.startswith(
        "甲竹海 Jia Bamboo Sea (Jia County, 5A) and 乙竹海 Yi Bamboo Sea (Yi County, 4A)"
    )
    assert "same kind of resource (bamboo forest)" in text
    assert f"{d_ab:.1f} km apart" in text
    assert "across a border" in text


def test_road_mode_uses_the_faster_direction_and_the_cutoff():
    minutes = np.full((5, 5), np.inf)
    np.fill_diagonal(minutes, 0.0)
    minutes[0, 1], minutes[1, 0] = 50.0, 20.0  # a -> b slow, b -> a fast
    minutes[2, 3] = minutes[3, 2] = 70.0  # beyond the 60 min cut-off
    pairs = find_overlaps(SITES, UNITS, TAXONOMY, OverlapParams(), travel_minutes=minutes)
    assert list(zip(pairs["site_a"], pairs["site_b"], strict=True)) == [("a", "b")]
    assert pairs["score"].iloc[0] == pytest.approx(100 * (1 - 20 / 60) * 0.8, abs=0.01)
    assert "20 min apart by road" in pairs["explanation"].iloc[0]


def test_weights_are_exponents():
    settings = OverlapParams(overlap_weights=[1.0, 2.0, 0.0])
    pairs = find_overlaps(SITES, UNITS, TAXONOMY, settings).set_index(["site_a", "site_b"])
    d_ab = parallel_km(28.0, 0.1)
    assert pairs.loc[("a", "b"), "score"] == pytest.approx(100 * (1 - d_ab / 30) ** 2, abs=0.05)


def test_groups_and_unit_pairs():
    pairs = find_overlaps(SITES, UNITS, TAXONOMY, OverlapParams())
    groups, pair_group = overlap_groups(pairs, SITES, min_score=20)
    strong = pairs[pairs["score"] >= 20]
    assert set(pair_group[pairs["score"] < 20]) <= {""}
    assert groups["pairs"].sum() == len(strong)
    summary = unit_pair_summary(pairs).set_index(["unit_a", "unit_b"])
    assert summary.loc[("A", "B"), "pairs"] == int((pairs["unit_a"] != pairs["unit_b"]).sum())
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
        ]
    )
    kept, duplicates, warnings = find_record_duplicates(frame, max_m=200)
    assert list(kept["site_id"]) == ["x2", "x3", "x4"]  # the 5A record is kept
    assert kept.loc[0, "themes"] == "bamboo;forest"
    assert list(duplicates["dropped_id"]) == ["x1"]
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


def test_yibin_expected_overlaps(yibin):
    pairs = yibin.overlaps
    assert yibin.indicators["overlaps"]["mode"] == "road"
    # Bo culture across the Xingwen (511528) / Gong (511526) border
    bo = _pairs_between(pairs, ["511528", "511526"], theme="bo_culture")
    assert len(bo) >= 2
    # karst around Xingwen
    assert len(_pairs_between(pairs, ["511528"], theme="karst")) >= 5
    # bamboo: Changning (511524) with its own sites and across the border
    bamboo = _pairs_between(pairs, ["511524"], theme="bamboo")
    assert {"511528"} <= set(bamboo["unit_a"]) | set(bamboo["unit_b"])
    assert len(bamboo[bamboo["unit_a"] == bamboo["unit_b"]]) >= 2
    # no pair between unrelated kinds
    assert ((pairs["shared_kind"] != "") | (pairs["shared_themes"] != "")).all()
    assert (pairs["similarity"] > 0).all()


def test_yibin_score_by_hand(yibin):
    pairs = yibin.overlaps.set_index(["site_a", "site_b"])
    row = pairs.loc[("YB002", "YB003")]  # Xingwen Stone Sea / Tianquan Cave
    travel = yibin.site_travel.set_index(["origin", "destination"])["minutes"]
    minutes = min(travel.loc[("YB002", "YB003")], travel.loc[("YB003", "YB002")])
    # themes {geopark, karst} and {cave, geopark, karst}: Jaccard 2/3; both 4A
    assert row["score"] == pytest.approx(100 * (2 / 3) * (1 - minutes / 60) * 1.0, abs=0.01)


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
    pairs = find_overlaps(sites, UNITS, TAXONOMY, OverlapParams(market_km=30))
    sets = dict(
        zip(
            sites["site_id"],
            sites["themes"].map(lambda t: set(filter(None, t.split(";")))),
            strict=True,
        )
    )
    themed = pairs[pairs["shared_kind"] == ""]
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
