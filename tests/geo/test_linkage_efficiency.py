"""Gravity linkage and DEA against values worked out by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.efficiency import dea
from geo.linkage import gravity_linkage

# Cooper, Seiford & Tone's one-input one-output example of eight stores (employees, sales);
# CCR = (y/x) / max(y/x); BCC from the VRS frontier A-B-E-H, worked out by hand.
STORES = pd.DataFrame(
    {"x": [2, 3, 3, 4, 5, 5, 6, 8], "y": [1, 3, 2, 3, 4, 2, 3, 5]}, index=list("ABCDEFGH")
)
CCR = {"A": 0.5, "B": 1.0, "C": 2 / 3, "D": 0.75, "E": 0.8, "F": 0.4, "G": 0.5, "H": 0.625}
BCC = {"A": 1.0, "B": 1.0, "C": 2.5 / 3, "D": 0.75, "E": 1.0, "F": 0.5, "G": 0.5, "H": 1.0}
# Their two-input example (x1, x2, y = 1): A 6/7 and B 12/19 by the geometry of the frontier
# E-D-C; F is on the frontier's horizontal extension: θ = 1 with 2 units of slack in x1.
HOSPITALS = pd.DataFrame(
    {"x1": [4, 7, 8, 4, 2, 10], "x2": [3, 3, 1, 2, 4, 1], "y": 1}, index=list("ABCDEF")
)


def test_dea_single_input_example():
    scores = dea(STORES, ["x"], ["y"])
    assert scores["ccr"].to_dict() == pytest.approx(CCR, abs=1e-6)
    assert scores["bcc"].to_dict() == pytest.approx(BCC, abs=1e-6)
    assert scores.loc["C", "scale"] == pytest.approx((2 / 3) / (2.5 / 3))
    assert scores.loc["B", "returns_to_scale"] == "constant"
    assert scores.loc["A", "returns_to_scale"] == "increasing"
    assert scores.loc["H", "returns_to_scale"] == "decreasing"


def test_dea_two_inputs_and_slack():
    scores = dea(HOSPITALS, ["x1", "x2"], ["y"])
    assert scores.loc["A", "ccr"] == pytest.approx(6 / 7, abs=1e-6)
    assert scores.loc["B", "ccr"] == pytest.approx(12 / 19, abs=1e-6)
    assert scores.loc[["C", "D", "E", "F"], "ccr"].tolist() == pytest.approx([1, 1, 1, 1])
    assert scores.loc["F", "slack_x1"] == pytest.approx(2.0)
    assert scores.loc["C", "slack_x1"] == 0.0


def test_gravity_by_hand():
    # three 1-degree boxes on the equator; centroids 1 and 2 degrees of longitude apart
    units = gpd.GeoDataFrame(
        {"unit_id": ["a", "b", "c"]},
        geometry=[shapely.box(k, -0.5, k + 1, 0.5) for k in (0, 1, 2)],
        crs=4326,
    )
    endowment = pd.Series({"a": 4.0, "b": 9.0, "c": 1.0})
    pairs, share, summary = gravity_linkage(units, endowment)
    pairs = pairs.set_index(["unit_a", "unit_b"])
    degree_km = 111.319  # 1 deg of longitude on the equator (WGS-84)
    assert pairs.loc[("a", "b"), "distance"] == pytest.approx(degree_km, rel=1e-3)
    assert pairs.loc[("a", "b"), "strength"] == pytest.approx(
        np.sqrt(4 * 9) / degree_km**2, rel=2e-3
    )
    assert pairs.loc[("a", "c"), "strength"] == pytest.approx(
        np.sqrt(4 * 1) / (2 * degree_km) ** 2, rel=2e-3
    )
    assert share.sum() == pytest.approx(1.0)
    assert summary["population"] == "not given: P = 1"
    with_people, _, _ = gravity_linkage(
        units, endowment, population=pd.Series({"a": 1.0, "b": 4.0, "c": 9.0})
    )
    row = with_people.set_index(["unit_a", "unit_b"]).loc[("b", "c")]
    assert row["strength"] == pytest.approx(
        np.sqrt(4 * 9) * np.sqrt(9 * 1) / degree_km**2, rel=2e-3
    )


def test_dea_unit_without_inputs_is_reported_not_a_crash():
    # a unit with no inputs at all has no bounded programme (HiGHS: unbounded); the others
    # keep the scores they have without it (the single-input example above)
    table = pd.concat([STORES, pd.DataFrame({"x": [0.0], "y": [1.0]}, index=["Z"])])
    scores = dea(table, ["x"], ["y"])
    assert scores.loc["Z", "returns_to_scale"] == "infeasible"
    assert np.isnan(scores.loc["Z", ["ccr", "bcc", "scale", "lambda_sum"]].astype(float)).all()
    without = dea(STORES, ["x"], ["y"])
    assert scores.loc[STORES.index, "ccr"].tolist() == pytest.approx(without["ccr"].tolist())


def test_cooperation_network_is_each_units_strongest_few_within_reach():
    # six 1-degree boxes in a row on the equator, endowments chosen by hand
    units = gpd.GeoDataFrame(
        {"unit_id": list("abcdef")},
        geometry=[shapely.box(k, -0.5, k + 1, 0.5) for k in range(6)],
        crs=4326,
    )
    endowment = pd.Series(dict(zip("abcdef", [1.0, 4.0, 9.0, 16.0, 25.0, 36.0], strict=True)))
    degree_km = 111.319
    pairs, _, summary = gravity_linkage(units, endowment, reach_km=2.5 * degree_km, top_k=1)
    # within 2.5 degrees: neighbours 1 and 2 apart, never 3 or more
    assert len(pairs) == 5 + 4
    assert pairs["distance"].max() < 2.5 * degree_km
    # brute force: a pair is a link when it is the strongest pair of one of its units
    strength = {(r.unit_a, r.unit_b): r.strength for r in pairs.itertuples()}
    expected = set()
    for unit in "abcdef":
        mine = {k: v for k, v in strength.items() if unit in k}
        expected.add(max(mine, key=mine.get))
    linked = {(r.unit_a, r.unit_b) for r in pairs.itertuples() if r.cooperation_link}
    assert linked == expected
    assert len(linked) < len(pairs)
    assert summary["reach"] == pytest.approx(2.5 * degree_km)
