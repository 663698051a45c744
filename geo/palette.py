"""Colours the map and the report's figures share, so that a reader can match them."""

from __future__ import annotations

__all__ = [
    "BORDER_FINDING_STYLES",
    "GB_COLOURS",
    "MISSING_LINK_COLOUR",
    "PROPOSAL_COLOURS",
    "ROAD_STYLES",
]

#: Colour of each GB/T 18972-2017 main class ("": not classified).
GB_COLOURS: dict[str, str] = {
    "A": "#8c6d31",
    "B": "#1f78b4",
    "C": "#33a02c",
    "D": "#a6cee3",
    "E": "#e31a1c",
    "F": "#6a3d9a",
    "G": "#ff7f00",
    "H": "#fb9a99",
    "": "#9e9e9e",
}

#: Colour and line weight of each main road class (:data:`geo.road_classes.MAIN_CLASSES`).
ROAD_STYLES: dict[str, tuple[str, float]] = {
    "motorway": ("#c0392b", 3.5),
    "trunk": ("#e67e22", 3.0),
    "primary": ("#f1c40f", 2.5),
    "secondary": ("#7f8c8d", 2.0),
    "tertiary": ("#95a5a6", 1.5),
    "other": ("#bdc3c7", 1.0),
}

#: Colour and dash of a shared border by its finding (:func:`geo.friction.border_table`).
BORDER_FINDING_STYLES: dict[str, tuple[str, str | None]] = {
    "no_crossing": ("#b2182b", None),
    "minor_only": ("#ef8a62", None),
    "crossed": ("#4d4d4d", None),
    "no_road_data": ("#999999", "2 6"),
}
#: Colour of a missing link on the map.
MISSING_LINK_COLOUR = "#1a9850"
#: Colour of each cooperation proposal type (:data:`geo.proposals.PROPOSAL_TYPES`).
PROPOSAL_COLOURS: dict[str, str] = {
    "joint_brand": "#1b9e77",
    "joint_product": "#66a61e",
    "coordinated_positioning": "#d95f02",
    "joint_management": "#7570b3",
    "road_link": "#e7298a",
}
