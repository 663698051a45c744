"""Declared attribute columns of the outputs the API serves with a row schema.

Each entry is name -> (type, description); a value may be missing (null) in a row.
"""

from __future__ import annotations

__all__ = ["CLUSTER_COLUMNS", "GROUP_COLUMNS", "PAIR_COLUMNS", "SITE_COLUMNS"]

SITE_COLUMNS: dict[str, tuple[type, str]] = {
    "site_id": (str, "site id (from the input, else made from the row)"),
    "name": (str, "name as given"),
    "name_en": (str, "English name (empty when not given)"),
    "category_raw": (str, "category text as given"),
    "a_grade": (int, "national A-grade 1–5, 0 when not graded"),
    "unit_declared": (str, "unit the input declares, if any"),
    "area_km2": (float, "area in km² (polygon sites or an area column)"),
    "source_row": (int, "row or feature number in the input file"),
    "themes": (str, "themes, ';'-joined"),
    "position": (str, "how exact the position is, as the input states (e.g. approx)"),
    "kind": (str, "resource kind id of the taxonomy ('other' when none matches)"),
    "kind_source": (str, "what gave the kind: manifest, category, osm, name or none"),
    "gb_class": (str, "GB/T 18972 main class A–H (empty: not classified)"),
    "unit_id": (str, "unit the site lies in (empty: outside every unit)"),
    "unit_name": (str, "name of that unit"),
    "outside_m": (float, "how far outside the unit the site lies, m (0 inside; attach_km)"),
    "border_km": (float, "distance to the unit's border shared with another unit, km"),
    "border_unit": (str, "the unit across that nearest border"),
    "snap_m": (float, "distance to the nearest road, m (with roads)"),
    "off_network": (bool, "farther from any road than snap_max_m (with roads)"),
    "cluster_id": (str, "resource cluster of the site (empty: none)"),
}

PAIR_COLUMNS: dict[str, tuple[type, str]] = {
    "site_a": (str, "first site id"),
    "name_a": (str, "first site's name"),
    "unit_a": (str, "first site's unit"),
    "site_b": (str, "second site id"),
    "name_b": (str, "second site's name"),
    "unit_b": (str, "second site's unit"),
    "kind_a": (str, "first site's kind"),
    "kind_b": (str, "second site's kind"),
    "shared_kind": (str, "the kind both have (empty: different kinds)"),
    "shared_themes": (str, "themes both have, ';'-joined"),
    "distance": (float, "road minutes, or km without roads (see distance_unit)"),
    "distance_unit": (str, "min or km"),
    "similarity": (float, "resource similarity 0–1"),
    "proximity": (float, "1 − distance / cut-off"),
    "grade_similarity": (float, "1 − |grade difference| / 5"),
    "score": (float, "overlap score 0–100"),
    "cross_border": (bool, "the two sites lie in different units"),
    "explanation": (str, "the pair in one sentence"),
    "group_id": (str, "overlap group of the pair (empty: none)"),
}

GROUP_COLUMNS: dict[str, tuple[type, str]] = {
    "group_id": (str, "group id"),
    "sites": (int, "number of sites"),
    "site_ids": (str, "site ids, ';'-joined"),
    "names": (str, "site names, ';'-joined"),
    "units": (str, "units of the sites, ';'-joined"),
    "cross_border": (bool, "the sites lie in more than one unit"),
    "kinds": (str, "kinds, ';'-joined"),
    "themes": (str, "themes of the group's sites, ';'-joined"),
    "pairs": (int, "strong pairs joining the group"),
    "max_score": (float, "highest pair score"),
    "mean_score": (float, "mean pair score"),
}

CLUSTER_COLUMNS: dict[str, tuple[type, str]] = {
    "cluster_id": (str, "cluster id"),
    "sites": (int, "number of sites"),
    "quality": (float, "grade-weighted quality: the sum of the sites' grade weights"),
    "units": (str, "units with their shares of the quality, 'unit:share' ';'-joined"),
    "n_units": (int, "number of units"),
    "cross_border_index": (float, "normalised entropy of the units' grade-weighted shares, 0–1"),
    "kinds": (str, "most common kinds, ';'-joined"),
    "themes": (str, "most common themes, ';'-joined"),
    "zone_shares": (str, "share of the cluster's sites inside each zone, 'zone:share' ';'-joined"),
    "site_ids": (str, "site ids, ';'-joined"),
    "candidate": (bool, "a cross-border cooperation candidate"),
    "rank": (int, "rank among the candidates (empty: not a candidate)"),
}
