"""Interactive maps of analysis results (folium), drawn with no internet."""

from maps.build import BASEMAPS, LAYER_NAMES, build_map, map_html, save_map

__all__ = ["BASEMAPS", "LAYER_NAMES", "build_map", "map_html", "save_map"]
