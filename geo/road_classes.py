"""OSM road classes in one place: their order (highest first), the main classes and their names.

The loaders keep the motorable classes, the network ranks merged edges by them, and the map
and the tables group roads into the main classes (a ``*_link`` counts as its road).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["MAIN_CLASSES", "ROAD_CLASSES", "main_class", "rank"]

#: Motorable OSM highway classes, highest first (the travel-time graph keeps these); ``ferry``
#: is a ``route=ferry`` way (cars cross on it).
ROAD_CLASSES: tuple[str, ...] = (
    "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
    "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified",
    "residential", "living_street", "service", "track", "road", "ferry",
)  # fmt: skip

#: The classes maps and tables show, highest first: China's 高速公路, 国道, 省道, 县道, 乡道
#: (their names are in :mod:`geo.i18n`, ``road:<class>``); every lower class is ``other``.
MAIN_CLASSES: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary", "tertiary", "other")

_RANK = {road_class: i for i, road_class in enumerate(ROAD_CLASSES)}


def rank(road_class: str) -> int:
    """Return the class's rank (0 is the highest; an unknown class ranks below all)."""
    return _RANK.get(road_class, len(_RANK))


def main_class(values: Iterable[str]) -> str:
    """Return the highest main class among an edge's classes (``other`` when none is one)."""
    found = [value.removesuffix("_link") for value in values]
    ranked = sorted((rank(c), c) for c in found if c in MAIN_CLASSES)
    return ranked[0][1] if ranked else "other"
