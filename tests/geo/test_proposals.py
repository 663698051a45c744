"""Cooperation proposals: gains and shares worked out by hand on three units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely

from geo.proposals import Candidate, build_proposals, candidates_from_findings

# three sites, one per unit, reaching four market points (decayed populations w_sk)
SITES = gpd.GeoDataFrame(
    {"site_id": ["a", "b", "c"], "unit_id": ["A", "B", "C"], "name": ["甲", "乙", "丙"],
     "role": "attraction", "parent": ""},
    geometry=[shapely.Point(0, 0), shapely.Point(1, 0), shapely.Point(2, 0)],
    crs=4326,
)  # fmt: skip
WEIGHTS = sp.csr_matrix(np.array([[10.0, 5, 0, 0], [0, 5, 8, 0], [0, 0, 8, 6]]))


def _build(candidates):
    return build_proposals(
        candidates,
        sites=SITES,
        weights=WEIGHTS,
        explain=lambda table, shares, lang: pd.Series("", index=table.index),
    )


def _shares(shares, proposal_id):
    return shares[shares["proposal_id"] == proposal_id].set_index("unit_id")


def test_joint_offer_of_three_units_by_hand():
    proposals, shares = _build([Candidate("joint_brand", ["A", "B", "C"], ["a", "b", "c"])])
    # U: A 15, B 13, C 14; U(AB) 23, U(AC) 29, U(BC) 19, U(ABC) 29; v(S) = U(S) - max own
    # v(AB) = 8, v(AC) = 14, v(BC) = 5, v(ABC) = 14
    assert proposals["gain"].iloc[0] == pytest.approx(14.0)
    got = _shares(shares, proposals["proposal_id"].iloc[0])
    # Shapley over the six join orders: A (8 + 14 + 9 + 9) / 6, B (8 + 5) / 6, C (14 + 5 + 12) / 6
    assert got["shapley"].to_dict() == pytest.approx({"A": 40 / 6, "B": 13 / 6, "C": 31 / 6})
    assert got["proportional"].to_dict() == pytest.approx(
        {"A": 14 * 15 / 42, "B": 14 * 13 / 42, "C": 14 * 14 / 42}
    )
    assert got["equal"].to_dict() == pytest.approx({"A": 14 / 3, "B": 14 / 3, "C": 14 / 3})
    assert got["shapley"].sum() == pytest.approx(14.0)


def test_other_gain_models_by_hand():
    proposals, shares = _build(
        [
            Candidate("coordinated_positioning", ["A", "B"], ["a", "b"]),
            Candidate("joint_management", ["A", "B"], ["a"]),
            Candidate("road_link", ["B", "C"], [], minutes=30.0,
                      geometry=shapely.LineString([(1, 0), (2, 0)])),
        ]
    )  # fmt: skip
    gain = proposals.set_index("type")["gain"]
    assert gain["coordinated_positioning"] == pytest.approx(5.0)  # market 2: 5 + 5 - 5
    assert gain["joint_management"] == pytest.approx(15.0)  # the resource's market
    assert gain["road_link"] == pytest.approx(30.0)
    units = proposals.set_index("type")["gain_unit"]
    assert units["road_link"] == "minutes"
    assert units["joint_management"] == "people"
    for pid in proposals["proposal_id"]:
        got = _shares(shares, pid)
        assert got["shapley"].tolist() == pytest.approx([got["equal"].iloc[0]] * 2)


def test_complementary_pairs_become_one_product_per_unit_pair():
    pairs = pd.DataFrame(
        {
            "site_a": ["a", "a", "b"],
            "site_b": ["b", "c", "c"],
            "unit_a": ["A", "A", "B"],
            "unit_b": ["B", "C", "B"],
            "relation": ["complementary", "complementary", "complementary"],
            "cross_border": [True, True, False],
            "shared_themes": ["karst;bamboo", "bo_culture", "karst"],
            "score": [20.0, 10.0, 50.0],
        }
    )
    found = candidates_from_findings(
        sites=SITES, pairs=pairs, groups=None, shared=None, clusters=None, zones=None, links=None
    )
    products = {(tuple(c.units), c.evidence["themes"]) for c in found}
    # the same two sites on two themes: one product; a pair within one unit: none
    assert products == {(("A", "B"), "bamboo;karst"), (("A", "C"), "bo_culture")}
