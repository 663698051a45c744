"""Map controls of our own: the legend that follows the layer control, and an offline mini map."""

from __future__ import annotations

from typing import Any, ClassVar

from branca.element import MacroElement
from folium.elements import JSCSSMixin

from maps.templates import template

__all__ = ["Legend", "OutlineMiniMap"]


class Legend(MacroElement):
    """A legend with one section per layer, shown while that layer is on the map.

    Parameters
    ----------
    title
        Heading of the legend box.
    sections
        ``(layer, html)`` pairs: the folium layer and its legend fragment.
    notes
        Sentences on the data's quality (schematic roads, approximate positions ...), shown
        first, as text.
    """

    _template = template("legend.html")

    def __init__(
        self, title: str, sections: list[tuple[Any, str]], notes: list[str] | None = None
    ) -> None:
        super().__init__()
        self._name = "TiaLegend"
        self.title = title
        self.sections = sections
        self.notes = notes or []


class OutlineMiniMap(JSCSSMixin, MacroElement):
    """leaflet-minimap drawing the units' outlines instead of tiles, so it works offline.

    Parameters
    ----------
    outline
        GeoJSON of the units (simplified).
    """

    _template = template("minimap.html")
    default_js: ClassVar[list[tuple[str, str]]] = [
        (
            "Control_MiniMap_js",
            "https://cdn.jsdelivr.net/npm/leaflet-minimap@3.6.1/dist/Control.MiniMap.js",
        )
    ]
    default_css: ClassVar[list[tuple[str, str]]] = [
        (
            "Control_MiniMap_css",
            "https://cdn.jsdelivr.net/npm/leaflet-minimap@3.6.1/dist/Control.MiniMap.css",
        )
    ]

    def __init__(self, outline: dict[str, Any]) -> None:
        super().__init__()
        self._name = "TiaMiniMap"
        self.outline = outline
