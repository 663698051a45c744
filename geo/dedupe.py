"""Record duplicates: the same real site listed twice (a data-quality finding, not overlap).

Two records are one site when they lie within ``max_m`` of each other and their names agree
after normalising: Chinese suffixes such as 景区/旅游区/风景名胜区, grade marks (5A, AAAA),
brackets, punctuation and case are removed, and one name may contain the other (at least two
characters), or the English names agree. Duplicates are merged into the record with the
highest grade (then the first in the file): themes are united and the grade is the highest.
"""

from __future__ import annotations

import re
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.coords import EARTH_RADIUS_M, GEOD
from geo.diagnostics import RunWarning
from geo.taxonomy import split_themes

__all__ = ["find_record_duplicates", "name_key", "unit_sphere_xyz"]

_ZH_SUFFIXES = re.compile(
    r"(国家级|省级|国家|风景名胜区|旅游度假区|旅游景区|生态旅游区|旅游区|风景区|景区|景点|遗址公园)"
)
_EN_SUFFIXES = re.compile(r"\b(scenic area|scenic spot|tourist area|tourism area|national|the)\b")
_GRADE = re.compile(r"[1-5]a级?|a{2,5}级?|[一二三四五]a级?", re.IGNORECASE)
_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_NON_WORD = re.compile(r"[\W_]+")


def name_key(name: str) -> str:
    """Normalise a site name for comparison.

    Parameters
    ----------
    name
        E.g. ``"蜀南竹海风景名胜区（5A）"`` or ``"Shunan Bamboo Sea Scenic Area"``.

    Returns
    -------
    str
        E.g. ``"蜀南竹海"``, ``"shunanbamboosea"``.
    """
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _BRACKETS.sub("", text)
    text = _GRADE.sub("", text)
    text = _ZH_SUFFIXES.sub("", text)
    text = _EN_SUFFIXES.sub("", text)
    return _NON_WORD.sub("", text)


def unit_sphere_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on a sphere of the Earth's mean radius (metres): chord distance ~ geodesic."""
    lam, phi = np.radians(lon), np.radians(lat)
    return EARTH_RADIUS_M * np.column_stack(
        [np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]
    )


def _same_name(a: str, b: str) -> bool:
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 2 and short in long_)


def find_record_duplicates(
    sites: gpd.GeoDataFrame, *, max_m: float = 200.0
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, list[RunWarning]]:
    """Merge records of the same real site.

    Parameters
    ----------
    sites
        Classified sites (EPSG:4326) with ``site_id``, ``name``, ``name_en``, ``a_grade``,
        ``themes``.
    max_m
        Records farther apart than this are never the same site.

    Returns
    -------
    tuple
        The sites with duplicates merged, the list of merged records (``kept_id``,
        ``kept_name``, ``dropped_id``, ``dropped_name``, ``distance_m``, ``matched_on``),
        and a warning when any were found.
    """
    columns = ["kept_id", "kept_name", "dropped_id", "dropped_name", "distance_m", "matched_on"]
    if len(sites) < 2:
        return sites, pd.DataFrame(columns=columns), []
    lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    pairs = cKDTree(unit_sphere_xyz(lon, lat)).query_pairs(max_m * 1.001, output_type="ndarray")
    # only sites with a neighbour within max_m need their names normalised
    involved = np.unique(pairs)
    zh = np.full(len(sites), "", dtype=object)
    en = np.full(len(sites), "", dtype=object)
    zh[involved] = [name_key(n) for n in sites["name"].fillna("").to_numpy()[involved]]
    en[involved] = [name_key(n) for n in sites["name_en"].fillna("").to_numpy()[involved]]
    matched = []
    for i, j in pairs:
        if _same_name(zh[i], zh[j]):
            matched.append((i, j, "name"))
        elif en[i] and en[i] == en[j]:
            matched.append((i, j, "english name"))
    if not matched:
        return sites, pd.DataFrame(columns=columns), []
    first, second, how = (np.array(x) for x in zip(*matched, strict=True))
    distance = GEOD.inv(lon[first], lat[first], lon[second], lat[second])[2]
    keep = distance <= max_m
    first, second, how, distance = first[keep], second[keep], how[keep], distance[keep]
    if len(first) == 0:
        return sites, pd.DataFrame(columns=columns), []
    n = len(sites)
    graph = coo_matrix((np.ones(len(first)), (first, second)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    rank = pd.DataFrame({"label": label, "grade": sites["a_grade"].to_numpy(), "row": np.arange(n)})
    best = rank.sort_values(["label", "grade", "row"], ascending=[True, False, True])
    representative = best.drop_duplicates("label").set_index("label")["row"]
    keeper = representative.loc[label].to_numpy()
    dropped = np.flatnonzero(keeper != np.arange(n))
    out = sites.copy()
    for row in np.unique(keeper[dropped]):
        members = np.flatnonzero(keeper == row)
        out.iat[row, out.columns.get_loc("a_grade")] = int(sites["a_grade"].iloc[members].max())
        themes = set().union(*(split_themes(t) for t in sites["themes"].iloc[members]))
        out.iat[row, out.columns.get_loc("themes")] = ";".join(sorted(themes))
    reason = {}
    for a, b, h, d in zip(first, second, how, distance, strict=True):
        reason[(a, b)] = reason[(b, a)] = (h, d)
    records = []
    for row in dropped:
        kept = keeper[row]
        h, d = reason.get(
            (kept, row), ("name", float(GEOD.inv(lon[kept], lat[kept], lon[row], lat[row])[2]))
        )
        records.append(
            {
                "kept_id": sites["site_id"].iat[kept],
                "kept_name": sites["name"].iat[kept],
                "dropped_id": sites["site_id"].iat[row],
                "dropped_name": sites["name"].iat[row],
                "distance_m": round(float(d), 1),
                "matched_on": h,
            }
        )
    duplicates = pd.DataFrame(records, columns=columns)
    warning = RunWarning(
        "record_duplicates",
        {"n": len(dropped), "max_m": float(max_m)},
        [
            f"{r['dropped_id']} {r['dropped_name']} -> {r['kept_id']} {r['kept_name']}"
            for r in records
        ],
    )
    return out.drop(index=out.index[dropped]).reset_index(drop=True), duplicates, [warning]
