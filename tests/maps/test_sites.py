"""Which sites a map of very many draws: pair ends, then grades, spread over the file."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from maps.sites import drawn_sites


def test_a_large_run_draws_pair_ends_then_the_highest_grades_spread_evenly():
    n = 1000
    grades = np.zeros(n)
    grades[[100, 500, 900]] = 5  # three 5A sites
    grades[::10] = np.where(grades[::10] == 5, 5, 3)  # a hundred 3A, one in ten
    sites = gpd.GeoDataFrame(
        {"site_id": [f"s{i}" for i in range(n)], "a_grade": grades},
        geometry=shapely.points(np.arange(n), 0.0),
        crs=4326,
    )
    pairs = pd.DataFrame({"site_a": ["s7", "s8"], "site_b": ["s9", "s11"], "score": [90.0, 80.0]})
    results = SimpleNamespace(sites=sites, overlap_pairs=pairs)
    assert drawn_sites(results, limit=n) is sites
    drawn = drawn_sites(results, limit=150)
    ids = set(drawn["site_id"])
    assert len(drawn) == 150
    assert {"s7", "s8", "s9", "s11"} <= ids  # the ends of the drawn pairs
    assert {f"s{i}" for i in range(0, n, 10)} <= ids  # every graded site
    # the 46 ungraded sites left are spread over the whole file, not its first rows
    rest = [
        int(s[1:]) for s in ids - {f"s{i}" for i in range(0, n, 10)} - {"s7", "s8", "s9", "s11"}
    ]
    assert len(rest) == 150 - 100 - 4
    assert min(rest) < n / 4
    assert max(rest) > 3 * n / 4
    assert list(drawn.index) == sorted(drawn.index)  # in the file's order
