"""Colours and sizes of the map; its words come from :mod:`geo.i18n`."""

from __future__ import annotations

from branca.colormap import LinearColormap

from geo.i18n import kind_label
from geo.i18n import words as all_words

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


class Words(dict[str, str]):
    """The map's words in one language; ``words[key]``."""


def words(lang: str) -> Words:
    """Return the map's words in ``lang`` ("zh" or "en")."""
    return Words(all_words(lang, "map"))
