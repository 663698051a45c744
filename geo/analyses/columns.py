"""Declared attribute columns of the outputs the API serves with a row schema.

Each entry is name -> (type, description); a value may be missing (null) in a row.
"""

from __future__ import annotations

__all__ = [
    "CLUSTER_COLUMNS",
    "GROUP_COLUMNS",
    "PAIR_COLUMNS",
    "PROPOSAL_COLUMNS",
    "SHARED_RESOURCE_COLUMNS",
    "SHARE_COLUMNS",
    "SITE_COLUMNS",
]

SITE_COLUMNS: dict[str, tuple[type, str]] = {
    "site_id": (str, "site id (from the input, else made from the row)"),
    "name": (str, "name as given"),
    "name_en": (str, "English name (empty when not given)"),
    "category_raw": (str, "category text as given"),
    "a_grade": (int, "national A-grade 1–5, 0 when not graded"),
    "unit_declared": (str, "unit the input declares, if any"),
    "origin_declared": (str, "developed or endowment as the input states (empty: not given)"),
    "parent_declared": (str, "id of the site it is part of, as the input states"),
    "area_km2": (float, "area in km² (polygon sites or an area column)"),
    "source_row": (int, "row or feature number in the input file"),
    "themes": (str, "themes, ';'-joined"),
    "position": (str, "how exact the position is, as the input states (e.g. approx)"),
    "amap_typecode": (str, "Amap's POI type code, as the input states (bundled Shunan points)"),
    "source_file": (str, "the file of the record, when [[sites]] names several"),
    "kind": (str, "resource kind id of the taxonomy ('other' when none matches)"),
    "kind_source": (
        str,
        "what gave the kind: manifest, category, osm, name, ending, parent or none",
    ),
    "gb_class": (str, "GB/T 18972 main class A–H (empty: not classified)"),
    "origin": (str, "developed (built products, every A-graded area) or endowment"),
    "role": (str, "attraction, facility (visitor facilities) or capacity (beds, food, shops)"),
    "parent": (str, "id of the site it is part of (empty: none)"),
    "parent_source": (str, "what gave the parent: declared, name, place or empty"),
    "unit_id": (str, "unit the site lies in (empty: outside every unit)"),
    "unit_name": (str, "name of that unit"),
    "outside_m": (float, "how far outside the unit the site lies, m (0 inside; attach_km)"),
    "border_km": (float, "distance to the unit's border shared with another unit, km"),
    "border_unit": (str, "the unit across that nearest border"),
    "snap_m": (float, "distance to the nearest road, m (with roads)"),
    "off_network": (bool, "farther from any road than snap_max_m (with roads)"),
    "market": (float, "population-equivalent the site reaches, decayed with time or distance"),
    "cluster_id": (str, "resource cluster of the site (empty: none)"),
}

PAIR_COLUMNS: dict[str, tuple[type, str]] = {
    "site_a": (str, "first site id"),
    "name_a": (str, "first site's name"),
    "unit_a": (str, "first site's unit"),
    "site_b": (str, "second site id"),
    "name_b": (str, "second site's name"),
    "unit_b": (str, "second site's unit"),
    "relation": (str, "competing (duplicated construction), complementary, shared or component"),
    "kind_a": (str, "first site's kind"),
    "kind_b": (str, "second site's kind"),
    "origin_a": (str, "first site: developed or endowment"),
    "origin_b": (str, "second site: developed or endowment"),
    "shared_kind": (str, "the kind both have (empty: different kinds)"),
    "shared_themes": (str, "themes both have, ';'-joined"),
    "distance": (float, "road minutes, or km without roads (see distance_unit)"),
    "distance_unit": (str, "min or km"),
    "similarity": (float, "1 same kind, 0.8 same product family, else theme Jaccard"),
    "market_overlap": (float, "weighted Jaccard of the two decayed catchments, 0–1"),
    "grade_similarity": (float, "1 − |grade difference| / 5; 1 when a grade is unknown"),
    "importance": (float, "√ of the two grade weights over the largest"),
    "score": (float, "0–100 for competing and complementary pairs (empty: others)"),
    "cross_border": (bool, "the two sites lie in different units"),
    "level": (str, "border level crossed: county, prefecture, province... (empty: within)"),
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
    "level": (str, "highest border level the member units span (empty: one unit)"),
    "kinds": (str, "most common kinds, ';'-joined"),
    "themes": (str, "most common themes, ';'-joined"),
    "zone_shares": (str, "share of the cluster's sites inside each zone, 'zone:share' ';'-joined"),
    "site_ids": (str, "site ids, ';'-joined"),
    "candidate": (bool, "a cross-border cooperation candidate"),
    "rank": (int, "rank among the candidates (empty: not a candidate)"),
}

SHARED_RESOURCE_COLUMNS: dict[str, tuple[type, str]] = {
    "site_a": (str, "the record (of the first unit)"),
    "name_a": (str, "its name"),
    "unit_a": (str, "the unit listing it"),
    "site_b": (str, "the second unit's record (empty: one record names both units)"),
    "name_b": (str, "its name"),
    "unit_b": (str, "the unit(s) listing the second record, or the record's other units"),
    "distance_m": (float, "distance between the two records, m (0 for one record)"),
    "records": (int, "2: two records of one resource; 1: one record naming several units"),
}

PROPOSAL_COLUMNS: dict[str, tuple[type, str]] = {
    "proposal_id": (str, "proposal id (P001 ...), in the order listed"),
    "type": (
        str,
        "joint_brand, joint_product, coordinated_positioning, joint_management, road_link",
    ),
    "units": (str, "the units that would act together, ;-joined"),
    "n_units": (int, "how many units"),
    "sites": (str, "the sites concerned, ;-joined (empty for a road link)"),
    "gain": (float, "expected gain under the type's model (geo.proposals)"),
    "gain_unit": (str, "people (decay-weighted population reached), unit_markets or minutes"),
    "evidence": (str, "the findings behind it, JSON (zone, cluster, themes, group, link ...)"),
    "source": (str, "the finding it comes from, in words (zone, cluster, theme, group ...)"),
    "shapley_exact": (bool, "the Shapley shares are exact (false: sampled, with an error)"),
    "priority": (str, "high, medium or low: the gain's tercile within its type"),
    "explanation": (str, "the proposal in one Chinese sentence"),
    "explanation_en": (str, "the proposal in one English sentence"),
}

SHARE_COLUMNS: dict[str, tuple[type, str]] = {
    "proposal_id": (str, "the proposal"),
    "unit_id": (str, "one of its units"),
    "shapley": (float, "the unit's Shapley value of the gain (its fair share)"),
    "shapley_stderr": (float, "standard error of a sampled Shapley value (0: exact)"),
    "proportional": (float, "the gain shared in proportion to the units' own markets"),
    "equal": (float, "the gain shared equally"),
}
