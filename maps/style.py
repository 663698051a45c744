"""Colours, sizes and the words of the map in Chinese and English."""

from __future__ import annotations

from functools import cache

from branca.colormap import LinearColormap

from geo.taxonomy import load_taxonomy

__all__ = [
    "GB_CLASSES",
    "ROAD_CLASSES",
    "Words",
    "grade_radius",
    "kind_label",
    "score_colormap",
    "words",
]

# GB/T 18972-2017 main classes: colour, Chinese and English names
GB_CLASSES: dict[str, tuple[str, str, str]] = {
    "A": ("#8c6d31", "地文景观", "landforms"),
    "B": ("#1f78b4", "水域景观", "water"),
    "C": ("#33a02c", "生物景观", "biological"),
    "D": ("#a6cee3", "天象与气候景观", "sky and climate"),
    "E": ("#e31a1c", "建筑与设施", "buildings and facilities"),
    "F": ("#6a3d9a", "历史遗迹", "historic remains"),
    "G": ("#ff7f00", "旅游购品", "tourism products"),
    "H": ("#fb9a99", "人文活动", "human activities"),
    "": ("#9e9e9e", "未分类", "unclassified"),
}

# OSM highway class: colour, line weight, Chinese and English names (highest class first)
ROAD_CLASSES: dict[str, tuple[str, float, str, str]] = {
    "motorway": ("#c0392b", 3.5, "高速公路", "expressway"),
    "trunk": ("#e67e22", 3.0, "国道", "trunk road"),
    "primary": ("#f1c40f", 2.5, "省道", "primary road"),
    "secondary": ("#7f8c8d", 2.0, "县道", "secondary road"),
    "tertiary": ("#95a5a6", 1.5, "乡道", "tertiary road"),
    "other": ("#bdc3c7", 1.0, "其他道路", "other road"),
}


def grade_radius(grade: int) -> float:
    """Marker radius (pixels) for an A-grade 0-5: ungraded sites stay visible but small."""
    return 4.0 + 1.6 * max(0, min(int(grade), 5))


def score_colormap(vmin: float = 0.0, vmax: float = 100.0) -> LinearColormap:
    """Yellow (weak) to dark red (strong) for overlap scores."""
    return LinearColormap(["#fed976", "#fd8d3c", "#e31a1c", "#800026"], vmin=vmin, vmax=vmax)


@cache
def _kinds() -> dict[str, tuple[str, str]]:
    return {k: (v.zh, v.en) for k, v in load_taxonomy().kinds.items()}


def kind_label(kind: str, lang: str) -> str:
    """Return a kind id in words (the id itself when the bundled taxonomy lacks it)."""
    zh, en = _kinds().get(kind, (kind, kind.replace("_", " ")))
    return zh if lang == "zh" else en


class Words(dict[str, str]):
    """The map's words in one language; ``words[key]``."""


_WORDS: dict[str, tuple[str, str]] = {
    "units": ("行政单元（资源禀赋）", "Units (endowment)"),
    "zones": ("规划区", "Planning zones"),
    "sites": ("旅游资源点", "Tourism sites"),
    "overlap_pairs": ("重复建设（相似资源对）", "Overlapping sites (duplicated construction)"),
    "overlap_groups": ("重复建设组", "Overlap groups"),
    "clusters": ("资源集聚区（跨界指数）", "Resource clusters (cross-border index)"),
    "roads": ("道路", "Roads"),
    "border_crossings": ("跨界道路连接点", "Border crossings"),
    "border_deadends": ("断头路（临界未连通）", "Border dead-ends"),
    "isochrones": ("等时圈", "Isochrones"),
    "density": ("资源密度（等级加权）", "Site density (grade-weighted)"),
    "hillshade": ("地形晕渲", "Hillshade"),
    "endowment": ("资源禀赋", "endowment"),
    "score": ("重复度评分", "overlap score"),
    "cross_border_index": ("跨界指数", "cross-border index"),
    "minutes": ("分钟", "minutes"),
    "grade": ("A级", "A-grade"),
    "ungraded": ("未评级", "not graded"),
    "unit": ("所在单元", "unit"),
    "kind": ("类型", "kind"),
    "gb_class": ("国标主类", "GB/T 18972 class"),
    "overlaps": ("相似资源", "overlaps"),
    "no_overlaps": ("无相似资源", "no overlaps found"),
    "search": ("搜索资源点…", "Search sites…"),
    "not_found": ("未找到", "not found"),
    "sites_count": ("资源点数", "sites"),
    "candidate": ("合作候选", "cooperation candidate"),
    "legend": ("图例", "Legend"),
    "crossing": ("跨界道路", "road crossing"),
    "deadend": ("断头路", "dead-end"),
    "low": ("低", "low"),
    "high": ("高", "high"),
    "zone_note": ("示意范围", "approximate boundary"),
    "strongest": ("仅显示最强的 {n} 对（共 {total} 对）", "the strongest {n} of {total} shown"),
}


def words(lang: str) -> Words:
    """Return the map's words in ``lang`` ("zh" or "en")."""
    if lang not in ("zh", "en"):
        msg = f"lang must be 'zh' or 'en', not {lang!r}"
        raise ValueError(msg)
    return Words({k: (zh if lang == "zh" else en) for k, (zh, en) in _WORDS.items()})
