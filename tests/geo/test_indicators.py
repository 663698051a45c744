"""Balance, pattern and clusters against numbers worked out by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.warp
import scipy.sparse as sp
import shapely

from geo.clusters import (
    ClusterParams,
    cluster_distance,
    cluster_sites,
    cross_border_index,
    describe_clusters,
    radius_check,
)
from geo.dataset import load_dataset
from geo.density import kernel_density, write_density
from geo.i18n import swot_bullet, unit_names
from geo.i18n.notes import say
from geo.indicators import clark_evans, concentration_index, gini, theil
from geo.pipeline import run_pipeline
from tests.helpers import YIBIN


def test_gini_theil_concentration_by_hand():
    # |differences| over all ordered pairs of (1, 2, 3, 4) sum to 20; 2 n^2 mean = 80
    assert gini([1, 2, 3, 4]) == pytest.approx(20 / 80)
    assert gini([5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)
    # Theil: (1/4) [0.4 ln 0.4 + 0.8 ln 0.8 + 1.2 ln 1.2 + 1.6 ln 1.6]
    r = np.array([1, 2, 3, 4]) / 2.5
    assert theil([1, 2, 3, 4]) == pytest.approx((r * np.log(r)).mean())
    assert theil([0, 0, 0, 4]) == pytest.approx(np.log(4))
    assert concentration_index([1, 1, 1, 1]) == pytest.approx(50.0)
    assert concentration_index([0, 0, 7]) == pytest.approx(100.0)
    assert np.isnan(gini([3]))


def test_clark_evans_regular_grid_and_poisson():
    # 30 x 30 grid every 0.01 deg at the equator: nearest neighbour = 0.01 deg of latitude
    dx, dy = 1.113195, 1.105743  # km per 0.01 deg of longitude / latitude at 0 N (WGS-84)
    lon, lat = (a.ravel() for a in np.meshgrid(np.arange(30) * 0.01, np.arange(30) * 0.01))
    grid = clark_evans(lon, lat, area_km2=900 * dx * dy)
    assert grid["observed_km"] == pytest.approx(dy, rel=1e-4)
    assert grid["R"] == pytest.approx(dy / (0.5 * np.sqrt(dx * dy)), rel=1e-3)  # ~2: regular
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(0, 1, 2000), rng.uniform(-0.5, 0.5, 2000)
    poisson = clark_evans(lon, lat, area_km2=111.3195 * 110.5743)
    assert 0.95 < poisson["R"] < 1.07  # random (edge effects push it up about 1 %)
    assert abs(poisson["z"]) < 3.5


def test_cross_border_index_by_hand():
    assert cross_border_index(np.array([1.0])) == 0.0
    assert cross_border_index(np.array([2.0, 2.0])) == pytest.approx(1.0)
    expected = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25)) / np.log(2)
    assert cross_border_index(np.array([3.0, 1.0])) == pytest.approx(expected)


def test_clusters_on_a_drawn_pattern():
    rows = [(104.50 + 0.005 * k, 28.0, "A") for k in range(5)]  # a tight group in A
    rows += [
        (104.995, 28.3, "A"),
        (104.998, 28.302, "A"),
        (105.002, 28.3, "B"),
        (105.005, 28.302, "B"),
    ]
    rows += [(105.5, 28.9, "B")]  # alone
    sites = gpd.GeoDataFrame(
        {
            "site_id": [f"s{i}" for i in range(len(rows))],
            "unit_id": [r[2] for r in rows],
            "a_grade": 0,
            "kind": "bamboo_forest",
            "themes": "bamboo",
        },
        geometry=[shapely.Point(r[0], r[1]) for r in rows],
        crs=4326,
    )
    settings = ClusterParams(cluster_eps_km=3.0, cluster_min_weight=3.0, candidate_min_quality=3.0)
    labels = cluster_sites(sites, settings)
    assert labels[-1] == -1
    assert len(set(labels[:5])) == 1
    assert len(set(labels[5:9])) == 1
    assert labels[0] != labels[5]
    clusters = describe_clusters(sites, labels, settings).set_index("sites")
    assert clusters.loc[4, "cross_border_index"] == pytest.approx(1.0)
    assert bool(clusters.loc[4, "candidate"]) is True
    assert clusters.loc[5, "cross_border_index"] == 0.0
    assert bool(clusters.loc[5, "candidate"]) is False
    assert clusters.loc[4].geometry.contains(sites.geometry.iloc[5:9]).all()


def test_yibin_bamboo_sea_cluster_spans_changning_and_jiangan():
    results = run_pipeline(load_dataset(YIBIN))
    bamboo = results.sites.set_index("site_id").loc["YB001", "cluster_id"]
    assert bamboo
    cluster = results.clusters.set_index("cluster_id").loc[bamboo]
    assert {"511524", "511523"} <= {u.split(":")[0] for u in cluster["units"].split(";")}
    assert cluster["cross_border_index"] > 0
    balance = results.indicators["balance"]
    assert balance["units"] == 27
    assert 0 < balance["gini"] < 1
    table = results.unit_indicators.set_index("unit_id")
    counted = table[["sites", "components", "facilities", "capacity"]].to_numpy().sum()
    assert counted == (results.sites["unit_id"] != "").sum()  # each site in one count
    assert table["endowment"].sum() == pytest.approx(balance["endowment_total"])


def test_density_raster_integrates_and_peaks_by_hand(tmp_path):
    site = gpd.GeoDataFrame(geometry=[shapely.Point(105.0, 28.5)], crs=4326)
    raster = kernel_density(
        site, np.array([3.0]), (104.5, 28.0, 105.5, 29.0), bandwidth_km=10, cell_km=1
    )
    assert raster.values.sum() == pytest.approx(3.0, rel=1e-6)  # weight per km2 x 1 km2 cells
    assert raster.values.max() == pytest.approx(3.0 / (2 * np.pi * 10**2), rel=0.01)
    path = tmp_path / "density.tif"
    write_density(raster, path)
    with rasterio.open(path) as src:
        row, col = np.unravel_index(np.argmax(src.read(1)), src.shape)
        x, y = src.xy(row, col)
        lon, lat = rasterio.warp.transform(src.crs, "EPSG:4326", [x], [y])
    assert (lon[0], lat[0]) == pytest.approx((105.0, 28.5), abs=0.01)  # within a cell


def test_yibin_swot_reads_for_changning_and_xingwen():
    results = run_pipeline(load_dataset(YIBIN))
    swot = results.indicators["swot"]
    units = {u["unit_id"]: u for u in swot["units"]}
    changning, xingwen = units["511524"], units["511528"]
    for unit in (changning, xingwen):
        for part in ("strengths", "weaknesses", "opportunities", "threats"):
            assert unit[part], (unit["name"], part)
    english, chinese = (unit_names(results.units, lang) for lang in ("en", "zh"))

    def say(fact, lang):
        return swot_bullet(fact, lang, english if lang == "en" else chinese)

    assert say(changning["strengths"][1], "en").startswith("best sites: 蜀南竹海 (5A)")
    assert say(changning["strengths"][1], "zh").startswith("代表性资源：蜀南竹海（5A级）")
    # the Bo culture of Xingwen and Gong is a heritage to develop together, never a threat
    assert not any(t["other"] == "511526" for t in xingwen["threats"])  # Gong County
    # ... its opportunities are the proposals: a joint Bo-culture product with Xingwen
    gong = units["511526"]
    proposals = results.proposals.set_index("proposal_id")
    mine = [o for o in gong["opportunities"] if o["fact"] == "proposal"]
    assert mine
    bo = next(o for o in mine if "bo_culture" in proposals.loc[o["proposal_id"], "evidence"])
    assert bo["partners"] == ["511528"]
    assert bo["type"] == "joint_product"
    assert say(bo, "zh").startswith(f"{bo['proposal_id']} 联合产品或线路：与兴文县合作，预期收益")
    assert say(bo, "en").endswith("a fair (Shapley) share of 50%")
    competitor = xingwen["threats"][0]
    assert say(competitor, "zh").startswith(f"{chinese[competitor['other']]}的")
    zone = swot["zones"][0]
    assert "Changning County, Xingwen County" in say(zone["opportunities"][0], "en")
    assert say(zone["opportunities"][0], "zh") == "应统一规划：该区跨越长宁县、兴文县"


def test_hdbscan_option_finds_the_dense_groups():
    rng = np.random.default_rng(2)
    a = np.column_stack([104.5 + rng.normal(0, 0.01, 20), 28.0 + rng.normal(0, 0.01, 20)])
    b = np.column_stack([105.5 + rng.normal(0, 0.01, 20), 28.5 + rng.normal(0, 0.01, 20)])
    points = np.vstack([a, b])
    sites = gpd.GeoDataFrame(
        {"a_grade": np.zeros(40, int)},
        geometry=gpd.points_from_xy(points[:, 0], points[:, 1]),
        crs=4326,
    )
    labels = cluster_sites(sites, ClusterParams(cluster_method="hdbscan", cluster_min_weight=5))
    assert len(set(labels[:20]) - {-1}) == 1
    assert len(set(labels[20:]) - {-1}) == 1
    assert set(labels[:20]) != set(labels[20:])


def test_hdbscan_with_roads_clusters_on_travel_times():
    # eight sites on one spot: no geodesic distance tells them apart, the roads do
    # (two valleys: 1 min within each, 100 min between them)
    sites = gpd.GeoDataFrame(
        {"a_grade": np.zeros(8, int)},
        geometry=gpd.points_from_xy(np.full(8, 104.5), np.full(8, 28.0)),
        crs=4326,
    )
    valley = np.repeat([0, 1], 4)
    minutes = np.where(valley[:, None] == valley[None, :], 1.0, 100.0)
    np.fill_diagonal(minutes, 0.0)
    params = ClusterParams(cluster_method="hdbscan", cluster_min_weight=3)
    assert cluster_distance(params, minutes) == "road"
    labels = cluster_sites(sites, params, travel_minutes=minutes)
    assert len(set(labels[:4])) == 1
    assert len(set(labels[4:])) == 1
    assert labels[0] != labels[4]
    assert -1 not in labels
    # only a full matrix is used; a sparse one (large site sets) falls back, and says so
    assert cluster_distance(params, sp.csr_matrix(minutes)) == "geodesic"


def _line_of_sites(n: int, step_km: float) -> gpd.GeoDataFrame:
    """n ungraded sites along the equator, step_km apart (on the sphere of mean radius)."""
    step_deg = np.degrees(step_km / 6371.0088)
    return gpd.GeoDataFrame(
        {"a_grade": [0] * n},
        geometry=[shapely.Point(i * step_deg, 0.0) for i in range(n)],
        crs=4326,
    )


def test_radius_check_states_the_spacing():
    # 20 sites 50 km apart; weight 1 each, a core needs 6, so 5 neighbours (k = 5). The 5th
    # nearest is 150 km for the 16 inner sites (50, 50, 100, 100, 150), 200 km for the next
    # two and 250 km for the ends: median 150 km.
    sites = _line_of_sites(20, 50.0)
    warning = radius_check(sites, ClusterParams(cluster_eps_km=10.0))
    assert warning is not None
    assert warning.code == "cluster_radius_small"
    assert warning.facts == {
        "variant": "geodesic", "share": 0, "eps": 10.0, "nearest_km": 50.0, "k": 5,
        "suggest_km": 150.0,
    }  # fmt: skip
    assert "cluster_eps_km = 150.0" in say(warning, "en")
    assert "cluster_eps_km = 150.0" in say(warning, "zh")
    assert radius_check(sites, ClusterParams(cluster_eps_km=60.0)) is None  # every site reaches
    assert radius_check(_line_of_sites(9, 50.0), ClusterParams(cluster_eps_km=10.0)) is None
    # by road: 20 sites, only sites 0 and 1 within 20 min of each other -> 10 % reach
    minutes = np.full((20, 20), 300.0)
    np.fill_diagonal(minutes, 0.0)
    minutes[0, 1] = minutes[1, 0] = 12.0
    by_road = radius_check(sites, ClusterParams(), travel_minutes=minutes)
    assert by_road is not None
    assert by_road.facts == {"variant": "road", "share": 10, "eps": 20.0}
