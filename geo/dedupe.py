"""Record duplicates and shared resources: one real site listed twice, by one unit or by two.

The same site listed twice **by the same unit** is a data-quality finding: merged before the
analysis. Listed **by two units** (a border waterfall that two provinces both run as a
scenic area, on their own banks) it is a **shared resource**: both records are kept, for
both units, and reported as a cross-border finding; so is one record that declares two
units (a scenic area straddling a county line). The units that list a record are its
declared units that exist, else the unit it lies in (:func:`geo.admin.listing_units`).

Two records are one site when they lie within ``max_m`` of each other and their names agree
after normalising: Chinese suffixes such as 景区/旅游区/风景名胜区, grade marks (5A, AAAA),
brackets, punctuation and case are removed, and one name may contain the other (at least
two characters), or the English names agree; and their roles and kinds agree (or one has no
kind): the car park "望龙坪停车场" is not the viewpoint 望龙坪. Duplicates are merged into
the record with the highest grade (then the first in the file): themes are united and the
grade is the highest.
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
from geo.names import name_cores
from geo.taxonomy import split_themes

__all__ = [
    "SHARED_COLUMNS",
    "find_record_duplicates",
    "name_key",
    "search_chord_m",
    "shared_resources",
    "unit_sphere_xyz",
]

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


def search_chord_m(km: np.ndarray | float) -> np.ndarray | float:
    """Chord (m) on the sphere of :func:`unit_sphere_xyz` to search for points ``km`` apart.

    The sphere is within 0.5 % of the ellipsoid: the chord is 0.5 % wider, so a search with it
    finds every pair a geodesic measure then keeps.
    """
    return 2 * EARTH_RADIUS_M * np.sin(np.asarray(km) * 1000 / (2 * EARTH_RADIUS_M)) * 1.005


def _same_name(a: str, b: str) -> bool:
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= 2 and short in long_)


SHARED_COLUMNS = ["site_a", "name_a", "unit_a", "site_b", "name_b", "unit_b", "distance_m"]


def shared_resources(sites: pd.DataFrame, listing: pd.Series, pairs: pd.DataFrame) -> pd.DataFrame:
    """Every shared resource: a pair of records of two units, or one record of two units.

    Parameters
    ----------
    sites
        The sites after merging (``site_id``, ``name``).
    listing
        The units listing each of them (aligned by position).
    pairs
        Shared pairs from :func:`find_record_duplicates`.

    Returns
    -------
    pandas.DataFrame
        :data:`SHARED_COLUMNS` and ``records`` (2 for a pair; 1 for one record, whose
        ``unit_a`` is its first unit and ``unit_b`` the others, ``site_b`` empty).
    """
    units = listing.fillna("").astype(str).str.split(";")
    several = units.str.len().to_numpy() > 1
    single = pd.DataFrame(
        {
            "site_a": sites["site_id"].to_numpy()[several],
            "name_a": sites["name"].to_numpy()[several],
            "unit_a": units[several].str[0].to_numpy(),
            "site_b": "",
            "name_b": "",
            "unit_b": units[several].str[1:].str.join(";").to_numpy(),
            "distance_m": 0.0,
        },
        columns=SHARED_COLUMNS,
    )
    frames = [f for f in (pairs.assign(records=2), single.assign(records=1)) if len(f)]
    if not frames:
        return pd.DataFrame(columns=[*SHARED_COLUMNS, "records"])
    return pd.concat(frames, ignore_index=True)


def _listed_apart(listing: np.ndarray, i: int, j: int) -> bool:
    """Whether two records are listed by different units (and each by one at least)."""
    a, b = set(listing[i].split(";")) - {""}, set(listing[j].split(";")) - {""}
    return bool(a) and bool(b) and not (a & b)


def _same_core_pairs(sites: gpd.GeoDataFrame, xyz: np.ndarray, within_m: float) -> np.ndarray:
    """Pairs ``i < j`` within ``within_m`` whose names agree once "风景区"-like words go."""
    _, core = name_cores(sites["name"], frozenset())
    core = core.reset_index(drop=True)
    rows = np.flatnonzero((core.duplicated(keep=False) & core.str.len().ge(2)).to_numpy())
    if len(rows) < 2:
        return np.zeros((0, 2), np.int64)
    local = cKDTree(xyz[rows]).query_pairs(within_m * 1.001, output_type="ndarray")
    found = np.sort(rows[local], axis=1) if len(local) else np.zeros((0, 2), np.int64)
    text = core.to_numpy(dtype=object)
    return found[text[found[:, 0]] == text[found[:, 1]]]


def find_record_duplicates(
    sites: gpd.GeoDataFrame,
    *,
    max_m: float = 200.0,
    listing: pd.Series | None = None,
    shared_m: float = 2000.0,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame, list[RunWarning]]:
    """Merge records of the same real site listed by one unit; keep those of two as shared.

    Parameters
    ----------
    sites
        Classified sites (EPSG:4326) with ``site_id``, ``name``, ``name_en``, ``a_grade``,
        ``themes``.
    max_m
        Records of one unit farther apart than this are never the same site.
    listing
        The units listing each record (``;``-joined ids, see
        :func:`geo.admin.listing_units`); None: every record by the same unit.
    shared_m
        Records of two units with the same name this close are one shared resource.

    Returns
    -------
    tuple
        The sites with duplicates merged; the merged records (``kept_id``, ``kept_name``,
        ``dropped_id``, ``dropped_name``, ``distance_m``, ``matched_on``); the shared pairs
        of records (:data:`SHARED_COLUMNS`, ``unit_a``/``unit_b`` the listing units); and a
        warning when duplicates were merged.
    """
    columns = ["kept_id", "kept_name", "dropped_id", "dropped_name", "distance_m", "matched_on"]
    none_shared = pd.DataFrame(columns=SHARED_COLUMNS)
    if len(sites) < 2:
        return sites, pd.DataFrame(columns=columns), none_shared, []
    lists = (
        np.full(len(sites), "", dtype=object)
        if listing is None
        else listing.fillna("").astype(str).to_numpy(dtype=object)
    )
    lon, lat = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    xyz = unit_sphere_xyz(lon, lat)
    pairs = cKDTree(xyz).query_pairs(max_m * 1.001, output_type="ndarray")
    if listing is not None and shared_m > max_m:
        pairs = np.unique(np.vstack([pairs, _same_core_pairs(sites, xyz, shared_m)]), axis=0)
    # only sites with a neighbour within max_m need their names normalised
    involved = np.unique(pairs)
    zh = np.full(len(sites), "", dtype=object)
    en = np.full(len(sites), "", dtype=object)
    zh[involved] = [name_key(n) for n in sites["name"].fillna("").to_numpy()[involved]]
    en[involved] = [name_key(n) for n in sites["name_en"].fillna("").to_numpy()[involved]]
    matched = []
    # a car park named after the spot it serves ("望龙坪-停车场") is not the spot
    kind = sites["kind"].to_numpy(dtype=object) if "kind" in sites else np.zeros(len(sites))
    role = sites["role"].to_numpy(dtype=object) if "role" in sites else np.zeros(len(sites))
    a, b = pairs[:, 0], pairs[:, 1]
    alike = (role[a] == role[b]) & (
        (kind[a] == kind[b]) | (kind[a] == "other") | (kind[b] == "other")
    )
    for i, j in pairs[alike]:
        if _same_name(zh[i], zh[j]):
            matched.append((i, j, "name"))
        elif en[i] and en[i] == en[j]:
            matched.append((i, j, "english name"))
    if not matched:
        return sites, pd.DataFrame(columns=columns), none_shared, []
    first, second, how = (np.array(x) for x in zip(*matched, strict=True))
    distance = GEOD.inv(lon[first], lat[first], lon[second], lat[second])[2]
    # a resource, not a facility: two toilets of one name in two units are two toilets
    resource = (
        (sites["role"] == "attraction").to_numpy() if "role" in sites else np.ones(len(sites), bool)
    )
    apart = np.array(
        [
            resource[i] and _listed_apart(lists, i, j)
            for i, j in zip(first.tolist(), second.tolist(), strict=True)
        ],
        dtype=bool,
    )
    shared_rows = apart & (distance <= shared_m)
    shared = pd.DataFrame(
        {
            "site_a": sites["site_id"].to_numpy()[first[shared_rows]],
            "name_a": sites["name"].to_numpy()[first[shared_rows]],
            "unit_a": lists[first[shared_rows]],
            "site_b": sites["site_id"].to_numpy()[second[shared_rows]],
            "name_b": sites["name"].to_numpy()[second[shared_rows]],
            "unit_b": lists[second[shared_rows]],
            "distance_m": np.round(distance[shared_rows], 1),
        },
        columns=SHARED_COLUMNS,
    )
    keep = (distance <= max_m) & ~apart
    first, second, how, distance = first[keep], second[keep], how[keep], distance[keep]
    if len(first) == 0:
        return sites, pd.DataFrame(columns=columns), shared, []
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
    out = out.drop(index=out.index[dropped]).reset_index(drop=True)
    return out, duplicates, shared, [warning]
