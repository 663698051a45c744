"""Results -> an interactive folium map, and the standalone ``map.html``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import folium
import numpy as np
import shapely
from folium import plugins

from geo.i18n import say, term
from geo.palette import GB_COLOURS
from geo.registry import CATALOGUE
from geo.results import Results
from maps.assets import inline_assets, static_assets
from maps.controls import Legend, OutlineMiniMap
from maps.escape import html_text
from maps.layers import LAYERS, features, generic_layer
from maps.sites import SiteLayer
from maps.style import grade_radius, words

__all__ = ["BASEMAPS", "LAYER_NAMES", "build_map", "map_html", "save_map"]

#: The map layers of the catalogue: drawn in the styled order of maps.layers, then the others.
LAYER_NAMES = tuple(name for name, output in CATALOGUE.items() if output.map != "off")

_LEAFLET = "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist"

# optional online base maps: all WGS-84 / CGCS2000 (no shift needed). Amap and Baidu tiles are
# GCJ-02 / BD-09 and would misalign our WGS-84 layers by hundreds of metres: not offered.
BASEMAPS = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "&copy; OpenStreetMap contributors",
    ),
    "cartodb": (
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "&copy; OpenStreetMap contributors &copy; CARTO",
    ),
    "tianditu": (
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
        "&TILECOL={x}&tk={key}",
        "&copy; 天地图 Tianditu",
    ),
}


def _basemap(name: str) -> folium.TileLayer:
    if name not in BASEMAPS:
        msg = f"basemap must be one of {', '.join(BASEMAPS)} (or none), not {name!r}"
        raise ValueError(msg)
    url, attribution = BASEMAPS[name]
    options = {}
    if name == "tianditu":
        key = os.environ.get("TIANDITU_KEY", "")
        if not key:
            msg = "the Tianditu base map needs a key: set the TIANDITU_KEY environment variable"
            raise ValueError(msg)
        url = url.replace("{key}", key)
        options["subdomains"] = "01234567"
    return folium.TileLayer(url, attr=attribution, name=name, overlay=False, **options)


def _sites_legend(results: Results, lang: str, drawn: int) -> str:
    shown = ""
    if drawn < len(results.sites):
        note = words(lang)["sites_shown"].format(n=f"{drawn:,}", total=f"{len(results.sites):,}")
        shown = f"<div>{html_text(note)}</div>"
    present = set(results.sites["gb_class"].fillna(""))
    rows = [
        f'<div class="tia-row"><i style="background:{colour};border-radius:50%"></i>'
        f"{html_text(code)} {html_text(term('gb', code, lang))}</div>"
        for code, colour in GB_COLOURS.items()
        if code in present
    ]
    sizes = "".join(
        f'<i style="display:inline-block;width:{2 * grade_radius(g):.0f}px;'
        f"height:{2 * grade_radius(g):.0f}px;border:1px solid #333;border-radius:50%;"
        f'margin-right:3px;vertical-align:middle"></i>{g}A '
        for g in (1, 3, 5)
    )
    return "".join(rows) + f"<div>{sizes}</div>" + shown


def build_map(
    results: Results,
    *,
    layers: Iterable[str] | None = None,
    lang: Literal["zh", "en"] = "zh",
    basemap: str | None = None,
    cluster_above: int = 2000,
) -> folium.Map:
    """Build an interactive map of a run: every analysis layer, legend, search and tools.

    Parameters
    ----------
    results
        What the pipeline produced.
    layers
        Names from :data:`LAYER_NAMES` to draw (default: all the run has).
    lang
        Language of layer names, legends, tooltips and popups.
    basemap
        None (default) draws on a plain background with no internet; ``"osm"``,
        ``"cartodb"`` or ``"tianditu"`` (key in ``TIANDITU_KEY``) add online tiles.
    cluster_above
        Site markers are clustered when there are more sites than this.

    Returns
    -------
    folium.Map
        The map; render it with :func:`map_html` for a page that needs no network.

    Raises
    ------
    ValueError
        Unknown layer names, language or base map.
    """
    w = words(lang)
    known = [name for name, output in results.catalogue.items() if output.map != "off"]
    chosen = list(known if layers is None else layers)
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        msg = f"unknown map layers {', '.join(unknown)}; choose from {', '.join(known)}"
        raise ValueError(msg)
    west, south, east, north = results.units.total_bounds
    fmap = folium.Map(
        location=((south + north) / 2, (west + east) / 2),
        zoom_start=8,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    fmap.options.update(max_zoom=18, min_zoom=3)  # no tile layer sets them (clustering needs it)
    fmap.default_js = [("leaflet", f"{_LEAFLET}/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{_LEAFLET}/leaflet.css")]
    if basemap:
        _basemap(basemap).add_to(fmap)
    sections = []
    styled = [name for name in LAYERS if name in chosen]
    others = [n for n in known if n in chosen and n not in LAYERS and n != "sites"]
    for name in styled + others:
        if name in LAYERS:
            made = LAYERS[name](results, w, lang)
        elif results.catalogue[name].kind == "layer":
            made = generic_layer(results, name, lang)
        else:
            made = None
        for layer, legend in [made] if isinstance(made, tuple) else made or []:
            layer.add_to(fmap)
            sections.append((layer, legend))
    if "sites" in chosen and len(results.sites):
        sites = SiteLayer(results, w, lang, cluster_above=cluster_above).add_to(fmap)
        sections.append((sites, _sites_legend(results, lang, sites.drawn)))
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    notes = [say(warning, lang) for warning in results.data_quality()]
    Legend(w["legend"], sections, notes).add_to(fmap)
    plugins.Fullscreen(position="topleft").add_to(fmap)
    plugins.MeasureControl(
        position="topleft", primary_length_unit="kilometers", primary_area_unit="hectares"
    ).add_to(fmap)
    outline = results.units[["geometry"]].copy()
    # the mini map is about 150 px wide: a 500th of the extent is finer than its pixels
    outline["geometry"] = shapely.simplify(
        outline.geometry.array, max(0.005, float(np.hypot(east - west, north - south)) / 500)
    )
    OutlineMiniMap(features(outline, [])).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


def map_html(
    fmap: folium.Map, *, assets: Literal["inline", "static"] = "inline", prefix: str = "/static"
) -> str:
    """Render a map to one HTML page whose scripts and styles come from this machine.

    Parameters
    ----------
    fmap
        A map from :func:`build_map`.
    assets
        ``"inline"``: every script, stylesheet and icon is inside the page (a standalone file);
        ``"static"``: they are loaded from ``prefix`` (the API's static route).
    prefix
        URL path of the static route when ``assets="static"``.
    """
    page = _stable_ids(fmap.get_root().render())
    return inline_assets(page) if assets == "inline" else static_assets(page, prefix)


_RANDOM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def _stable_ids(page: str) -> str:
    """Replace folium's random element ids by counters: same results, same page."""
    ids: dict[str, str] = {}
    return _RANDOM_ID.sub(lambda m: ids.setdefault(m.group(0), f"{len(ids):032x}"), page)


def save_map(results: Results, path: str | Path, **options: object) -> Path:
    """Build the map of a run and write it as a standalone HTML file.

    Parameters
    ----------
    results
        What the pipeline produced.
    path
        Destination ``.html``.
    **options
        Passed to :func:`build_map`.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    path.write_text(map_html(build_map(results, **options)), encoding="utf-8")
    return path
