"""One function per analysis layer: each adds a folium layer and returns its legend entry.

Vector layers are GeoJSON with coordinates rounded to 1e-5 degrees (about 1 m) and only the
properties their tooltips show, so large results stay small in the page.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.colormap import LinearColormap
from rasterio.warp import Resampling, calculate_default_transform, reproject

from geo.coords import local_projected_crs
from geo.i18n import names_in, term, unit_names
from geo.palette import (
    BORDER_FINDING_STYLES,
    MISSING_LINK_COLOUR,
    PROPOSAL_COLOURS,
    ROAD_STYLES,
)
from geo.results import Results
from geo.road_classes import MAIN_CLASSES, main_class
from maps.escape import html_columns, html_text
from maps.style import Words, kind_label, score_colormap

__all__ = ["LAYERS", "MAX_PAIRS", "Legend", "features", "generic_layer"]

Legend = str  # an HTML fragment shown under the layer's name in the legend

#: Overlap lines drawn at most (the strongest): beyond that a map is unreadable and heavy.
MAX_PAIRS = 2000
#: Overlap groups and clusters drawn at most (the highest-scoring, the largest).
MAX_AREAS = 2000


def features(gdf: gpd.GeoDataFrame, columns: list[str]) -> dict[str, Any]:
    """GeoJSON of ``columns`` (text escaped: tooltips write HTML), coordinates to about 1 m."""
    out = html_columns(gdf[[*columns, "geometry"]], columns)
    out["geometry"] = shapely.set_precision(out.geometry.array, 1e-5, mode="pointwise")
    out = out[~out.geometry.is_empty]
    return out.__geo_interface__


def _swatch(colour: str, label: str, shape: str = "box") -> str:
    style = {
        "box": f"background:{colour};opacity:.8",
        "line": f"background:{colour};height:3px;margin-top:6px",
        "dot": f"background:{colour};border-radius:50%",
        "outline": f"border:2px dashed {colour}",
    }[shape]
    return f'<div class="tia-row"><i style="{style}"></i>{html_text(label)}</div>'


def _gradient(colormap: LinearColormap, low: str, high: str) -> str:
    stops = ",".join(colormap.rgb_hex_str(v) for v in np.linspace(colormap.vmin, colormap.vmax, 6))
    return (
        f'<div class="tia-gradient" style="background:linear-gradient(to right,{stops})"></div>'
        f'<div class="tia-ends"><span>{html_text(low)}</span><span>{html_text(high)}</span>'
        "</div>"
    )


def _shown_of(template: str, shown: int, total: int) -> Legend:
    """Return the legend line saying how many of a layer's features are drawn."""
    return f"<div>{html_text(template.format(n=f'{shown:,}', total=f'{total:,}'))}</div>"


def _tooltip(fields: list[str], aliases: list[str]) -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True, localize=True)


def units_layer(results: Results, w: Words, lang: str) -> tuple[folium.GeoJson, Legend]:
    """Units as a choropleth of grade-weighted endowment, named in the tooltip."""
    units = results.units.copy()
    table = results.unit_indicators
    if table is not None:
        units = units.merge(table[["unit_id", "endowment", "sites"]], on="unit_id", how="left")
    else:
        units["endowment"], units["sites"] = 0.0, 0
    units["endowment"] = units["endowment"].fillna(0.0).round(2)
    units["label"] = units["unit_id"].astype(str).map(unit_names(units, lang))
    top = max(float(units["endowment"].max()), 1.0)
    colormap = LinearColormap(["#f7fcf5", "#a1d99b", "#31a354", "#005a32"], vmin=0, vmax=top)
    layer = folium.GeoJson(
        features(units, ["unit_id", "label", "endowment", "sites"]),
        name=w["units"],
        style_function=lambda f: {
            "fillColor": colormap(f["properties"]["endowment"] or 0.0),
            "color": "#555",
            "weight": 1,
            "fillOpacity": 0.55,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#222"},
        tooltip=_tooltip(["label", "endowment", "sites"], ["", w["endowment"], w["sites_count"]]),
    )
    return layer, _gradient(colormap, f"{w['endowment']} 0", f"{top:g}")


def zones_layer(results: Results, w: Words, lang: str) -> tuple[folium.GeoJson, Legend] | None:
    """Planning zones as dashed outlines."""
    if results.zones is None or results.zones.empty:
        return None
    zones = results.zones.copy()
    zones["label"] = names_in(zones, lang)
    layer = folium.GeoJson(
        features(zones, ["label"]),
        name=w["zones"],
        style_function=lambda f: {
            "color": "#2c3e50",
            "weight": 2.5,
            "dashArray": "8 6",
            "fill": False,
        },
        tooltip=_tooltip(["label"], [""]),
    )
    return layer, _swatch("#2c3e50", w["zones"], "outline")


def _pair_lines(
    results: Results,
    pairs: gpd.GeoDataFrame,
    lang: str,
    name: str,
    style: dict[str, Any],
    *,
    show: bool,
) -> folium.GeoJson:
    pairs = pairs.assign(explanation=results.explain(pairs, lang))
    return folium.GeoJson(
        features(pairs, ["explanation"]),
        name=name,
        style_function=lambda f: style,
        tooltip=_tooltip(["explanation"], [""]),
        show=show,
    )


def overlap_pairs_layer(results: Results, w: Words, lang: str) -> list[tuple[Any, Legend]] | None:
    """Draw the pairs as lines, one layer per relation, each explained by its tooltip.

    Competing lines are coloured by score; complementary and shared ones have their own colour.
    """
    pairs = results.overlap_pairs
    if pairs is None or pairs.empty:
        return None
    made = []
    competing = pairs[pairs["relation"] == "competing"]
    if len(competing):
        colormap = score_colormap()
        shown = competing.nlargest(MAX_PAIRS, "score")
        shown = shown.assign(
            score=shown["score"].round(1), explanation=results.explain(shown, lang)
        )
        layer = folium.GeoJson(
            features(shown, ["score", "explanation"]),
            name=w["overlap_pairs"],
            style_function=lambda f: {
                "color": colormap(f["properties"]["score"]),
                "weight": 1 + f["properties"]["score"] / 20,
                "opacity": 0.3 + 0.6 * f["properties"]["score"] / 100,
            },
            tooltip=_tooltip(["explanation"], [""]),
        )
        legend = _gradient(colormap, f"{w['score']} 0", "100")
        if len(competing) > len(shown):
            legend += _shown_of(w["strongest"], len(shown), len(competing))
        made.append((layer, legend))
    for relation, colour, dash in (("complementary", "#1b7837", "6 4"), ("shared", "#762a83", "")):
        chosen = pairs[pairs["relation"] == relation]
        if not len(chosen):
            continue
        shown = chosen.nlargest(MAX_PAIRS, "score") if relation == "complementary" else chosen
        style = {"color": colour, "weight": 2.5, "opacity": 0.8, "dashArray": dash}
        label = w[f"pairs_{relation}"]
        legend = _swatch(colour, label, "line")
        if len(chosen) > len(shown):
            legend += _shown_of(w["strongest"], len(shown), len(chosen))
        # complementary pairs are many and a second reading: off until asked for
        layer = _pair_lines(results, shown, lang, label, style, show=relation == "shared")
        made.append((layer, legend))
    return made or None


def overlap_groups_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Each overlap group as the buffered hull of its sites."""
    groups = results.overlap_groups
    if groups is None or groups.empty:
        return None
    total = len(groups)
    groups = groups.nlargest(MAX_AREAS, "max_score")
    where = results.sites.set_index("site_id").geometry
    hulls = [
        shapely.MultiPoint([where[s] for s in ids.split(";") if s in where.index]).convex_hull
        for ids in groups["site_ids"]
    ]
    gdf = gpd.GeoDataFrame(groups.copy(), geometry=hulls, crs=4326)
    metric = local_projected_crs(tuple(gdf.total_bounds))
    gdf["geometry"] = gdf.to_crs(metric).buffer(1500, quad_segs=4).to_crs(4326)
    gdf["label"] = gdf["names"].str.replace(";", "、" if lang == "zh" else ", ")
    gdf["kinds"] = gdf["kinds"].map(
        lambda ks: ", ".join(kind_label(k, lang) for k in str(ks).split(";") if k)
    )
    layer = folium.GeoJson(
        features(gdf, ["group_id", "label", "kinds", "max_score"]),
        name=w["overlap_groups"],
        style_function=lambda f: {
            "color": "#b10026",
            "weight": 1.5,
            "fillColor": "#fc4e2a",
            "fillOpacity": 0.15,
        },
        tooltip=_tooltip(
            ["group_id", "label", "kinds", "max_score"], ["", "", w["kind"], w["score"]]
        ),
        show=False,
    )
    legend = _swatch("#fc4e2a", w["overlap_groups"])
    if total > len(groups):
        legend += _shown_of(w["largest_groups"], len(groups), total)
    return layer, legend


def clusters_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Cluster hulls coloured by cross-border index (0 = one unit, 1 = evenly shared)."""
    clusters = results.clusters
    if clusters is None or clusters.empty:
        return None
    colormap = LinearColormap(["#c6dbef", "#6baed6", "#08519c"], vmin=0, vmax=1)
    label = _unit_names(results, lang)
    total = len(clusters)
    order = clusters.assign(_candidate=clusters["candidate"].astype(bool))
    order = order.sort_values(["_candidate", "sites"], ascending=False, kind="stable")
    gdf = clusters.loc[order.index[:MAX_AREAS]].copy()
    gdf["index"] = gdf["cross_border_index"].astype(float).round(2)
    gdf["members"] = gdf["units"].map(
        lambda s: ", ".join(
            f"{label.get(u.split(':')[0], u)} {float(u.split(':')[1]):.0%}"
            for u in str(s).split(";")
            if ":" in u
        )
    )
    gdf["kinds"] = gdf["kinds"].map(
        lambda ks: ", ".join(kind_label(k, lang) for k in str(ks).split(";") if k)
    )
    gdf["candidate"] = gdf["candidate"].map({True: w["candidate"], False: ""})
    layer = folium.GeoJson(
        features(gdf, ["cluster_id", "sites", "index", "members", "kinds", "candidate"]),
        name=w["clusters"],
        style_function=lambda f: {
            "color": colormap(f["properties"]["index"]),
            "weight": 2,
            "fillColor": colormap(f["properties"]["index"]),
            "fillOpacity": 0.3,
        },
        tooltip=_tooltip(
            ["cluster_id", "sites", "index", "members", "kinds", "candidate"],
            ["", w["sites_count"], w["cross_border_index"], w["unit"], w["kind"], ""],
        ),
    )
    legend = _gradient(colormap, f"{w['cross_border_index']} 0", "1")
    if total > len(gdf):
        legend += _shown_of(w["largest_clusters"], len(gdf), total)
    return layer, legend


def _values(value: object) -> list[str]:
    """Return the values of a road attribute osmnx may have merged into a list (any order)."""
    if isinstance(value, list | tuple | set):
        return sorted(str(v) for v in value)
    return [] if value is None or (isinstance(value, float) and np.isnan(value)) else [str(value)]


def _road_class(value: object) -> str:
    """Return the highest main class of the edge's classes (``*_link`` counts as its road)."""
    return main_class(_values(value))


def roads_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Roads coloured and weighted by class."""
    if results.roads is None or results.roads.empty:
        return None
    roads = results.roads.assign(road_class=results.roads["highway"].map(_road_class))
    roads["name"] = roads["name"].map(lambda v: "; ".join(_values(v)))
    layer = folium.GeoJson(
        features(roads, ["road_class", "name"]),
        name=w["roads"],
        style_function=lambda f: {
            "color": ROAD_STYLES[f["properties"]["road_class"]][0],
            "weight": ROAD_STYLES[f["properties"]["road_class"]][1],
            "opacity": 0.9,
        },
        tooltip=_tooltip(["name"], [""]),
    )
    present = set(roads["road_class"])
    legend = "".join(
        _swatch(ROAD_STYLES[key][0], term("road", key, lang), "line")
        for key in MAIN_CLASSES
        if key in present
    )
    return layer, legend


def _points_layer(
    gdf: gpd.GeoDataFrame, name: str, colour: str, tooltip: pd.Series, *, show: bool
) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name, show=show)
    for point, text in zip(gdf.geometry, tooltip, strict=True):
        folium.CircleMarker(
            (round(point.y, 5), round(point.x, 5)),
            radius=5,
            color="#fff",
            weight=1.5,
            fill=True,
            fill_color=colour,
            fill_opacity=1,
            tooltip=html_text(text),
        ).add_to(group)
    return group


def crossings_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Points where a road crosses a unit border."""
    gdf = results.border_crossings
    if gdf is None:
        return None
    label = _unit_names(results, lang)
    text = [
        f"{w['crossing']}: {label.get(a, a)} – {label.get(b, b)} ({n or highway})"
        for a, b, n, highway in zip(
            gdf["unit_a"], gdf["unit_b"], gdf["name"].fillna(""), gdf["highway"], strict=True
        )
    ]
    layer = _points_layer(gdf, w["border_crossings"], "#8e44ad", pd.Series(text), show=False)
    return layer, _swatch("#8e44ad", f"{w['crossing']} ({len(gdf)})", "dot")


def deadends_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Roads that end near a border with no link across."""
    gdf = results.border_deadends
    if gdf is None:
        return None
    label = _unit_names(results, lang)
    text = [
        f"{w['deadend']}: {label.get(u, u)} → {label.get(n, n)}, {km:.1f} km"
        for u, n, km in zip(gdf["unit_id"], gdf["neighbour_id"], gdf["border_km"], strict=True)
    ]
    layer = _points_layer(gdf, w["border_deadends"], "#c0392b", pd.Series(text), show=True)
    return layer, _swatch("#c0392b", f"{w['deadend']} ({len(gdf)})", "dot")


def isochrones_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Travel-time areas around hubs, longest first so the short ones stay on top."""
    gdf = results.isochrones
    if gdf is None or gdf.empty:
        return None
    top = float(gdf["minutes"].max())
    colormap = LinearColormap(["#006d2c", "#74c476", "#edf8e9"], vmin=0, vmax=top)
    gdf = gdf.sort_values("minutes", ascending=False).assign(minutes=gdf["minutes"].astype(float))
    layer = folium.GeoJson(
        features(gdf, ["origin", "minutes"]),
        name=w["isochrones"],
        style_function=lambda f: {
            "color": colormap(f["properties"]["minutes"]),
            "weight": 1,
            "fillColor": colormap(f["properties"]["minutes"]),
            "fillOpacity": 0.25,
        },
        tooltip=_tooltip(["origin", "minutes"], ["", w["minutes"]]),
        show=False,
    )
    return layer, _gradient(colormap, f"0 {w['minutes']}", f"{top:g}")


def _rgba(values: np.ndarray, colormap: LinearColormap) -> np.ndarray:
    """RGBA image of ``values`` scaled to the colormap; NaN and zero are transparent."""
    steps = np.linspace(colormap.vmin, colormap.vmax, 256)
    lut = np.array([colormap.rgba_bytes_tuple(v) for v in steps], dtype=np.uint8)
    scaled = np.nan_to_num((values - colormap.vmin) / (colormap.vmax - colormap.vmin))
    image = lut[np.clip((scaled * 255).astype(int), 0, 255)]
    image[..., 3] = np.where(np.nan_to_num(values) > 0, 200, 0)
    return image


def density_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Draw the grade-weighted kernel density, warped to EPSG:4326, as an image."""
    density = results.density
    if density is None or not np.nanmax(density.values, initial=0) > 0:
        return None
    from rasterio.transform import from_origin

    rows, cols = density.values.shape
    source = from_origin(density.west, density.north, density.cell_m, density.cell_m)
    left, top = density.west, density.north
    right, bottom = left + cols * density.cell_m, top - rows * density.cell_m
    transform, width, height = calculate_default_transform(
        density.crs, "EPSG:4326", cols, rows, left, bottom, right, top
    )
    if width * height > 4 * rows * cols:  # a grid whose corners warp far apart: keep its size
        transform, width, height = calculate_default_transform(
            density.crs, "EPSG:4326", cols, rows, left, bottom, right, top,
            dst_width=cols, dst_height=rows,
        )  # fmt: skip
    warped = np.full((height, width), np.nan, dtype="float64")
    reproject(
        density.values.astype("float64"),
        warped,
        src_transform=source,
        src_crs=density.crs,
        dst_transform=transform,
        dst_crs="EPSG:4326",
        resampling=Resampling.bilinear,
        dst_nodata=np.nan,
    )
    peak = float(np.nanmax(warped))
    colormap = LinearColormap(["#ffffcc", "#fd8d3c", "#bd0026"], vmin=0, vmax=peak)
    bounds = [
        [transform.f + transform.e * height, transform.c],
        [transform.f, transform.c + transform.a * width],
    ]
    layer = folium.raster_layers.ImageOverlay(
        _rgba(warped, colormap), bounds=bounds, name=w["density"], mercator_project=True, show=False
    )
    return layer, _gradient(colormap, w["low"], w["high"])


def hillshade_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Draw the DEM's hillshade (already in EPSG:4326) under the other layers."""
    terrain = results.hillshade
    if terrain is None:
        return None
    west, south, east, north = terrain.bounds
    shade = terrain.values.astype(np.uint8)
    image = np.dstack([shade, shade, shade, np.where(shade > 0, 150, 0).astype(np.uint8)])
    layer = folium.raster_layers.ImageOverlay(
        image, bounds=[[south, west], [north, east]], name=w["hillshade"], mercator_project=True
    )
    return layer, _swatch("#888", w["hillshade"])


def _unit_names(results: Results, lang: str) -> dict[str, str]:
    """Map each unit id to its name in ``lang`` (qualified where names repeat)."""
    return unit_names(results.units, lang)


def generic_layer(results: Results, name: str, lang: str) -> tuple[Any, Legend] | None:
    """Draw a layer the map has no own style for: outlines and dots, its columns on hover.

    Every layer of the catalogue marked for the map appears, so a new analysis is on the map
    without a line here. Values are shown as text (escaped by :func:`features`).
    """
    frame = results.outputs.get(name)
    output = results.catalogue[name]
    if frame is None or frame.empty:
        return None
    columns = [c for c in frame.columns if c != frame.geometry.name][:6]
    shown = frame[[*columns, "geometry"]].copy()
    for column in columns:
        shown[column] = shown[column].map(str)
    label = output.label(lang)
    layer = folium.GeoJson(
        features(shown, columns),
        name=label,
        show=output.map == "shown",
        style_function=lambda f: {"color": "#6a3d9a", "weight": 2, "fillOpacity": 0.15},
        marker=folium.CircleMarker(radius=5, color="#6a3d9a", fill=True, fill_opacity=0.8),
        tooltip=_tooltip(columns, columns) if columns else None,
    )
    return layer, _swatch("#6a3d9a", label, "outline")


def borders_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Shared borders coloured by what crosses them: none, minor roads only, main roads."""
    gdf = results.outputs.get("borders")
    if gdf is None or gdf.empty:
        return None
    label = _unit_names(results, lang)
    shown = gdf.assign(
        what=[
            f"{label.get(a, a)} – {label.get(b, b)}: {term('finding', f, lang)} "
            f"({major}/{total}, {km:.1f} km)"
            for a, b, f, major, total, km in zip(
                gdf["unit_a"], gdf["unit_b"], gdf["finding"], gdf["major_crossings"],
                gdf["crossings"], gdf["length_km"], strict=True,
            )
        ]
    )  # fmt: skip
    layer = folium.GeoJson(
        features(shown, ["what", "finding"]),
        name=w["borders"],
        show=True,
        style_function=lambda f: {
            "color": BORDER_FINDING_STYLES[f["properties"]["finding"]][0],
            "dashArray": BORDER_FINDING_STYLES[f["properties"]["finding"]][1],
            "weight": 3,
            "opacity": 0.9,
        },
        tooltip=_tooltip(["what"], [""]),
    )
    present = set(gdf["finding"])
    legend = "".join(
        _swatch(colour, term("finding", finding, lang), "line")
        for finding, (colour, _) in BORDER_FINDING_STYLES.items()
        if finding in present
    )
    return layer, legend


def missing_links_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Candidate links across borders, with the minutes they would save."""
    gdf = results.outputs.get("missing_links")
    if gdf is None or gdf.empty:
        return None
    label = _unit_names(results, lang)
    shown = gdf.assign(
        what=[
            w["missing_link_tip"].format(
                id=i, a=label.get(a, a), b=label.get(b, b), km=km, saving=saving, pairs=pairs
            )
            for i, a, b, km, saving, pairs in zip(
                gdf["link_id"], gdf["unit_a"], gdf["unit_b"], gdf["straight_km"],
                gdf["saving_min"], gdf["site_pairs"], strict=True,
            )
        ]
    )  # fmt: skip
    layer = folium.GeoJson(
        features(shown, ["what"]),
        name=w["missing_links"],
        show=True,
        style_function=lambda f: {"color": MISSING_LINK_COLOUR, "weight": 5, "dashArray": "6 4"},
        tooltip=_tooltip(["what"], [""]),
    )
    return layer, _swatch(MISSING_LINK_COLOUR, f"{w['missing_links']} ({len(gdf)})", "line")


def proposals_layer(results: Results, w: Words, lang: str) -> tuple[Any, Legend] | None:
    """Draw the proposals coloured by type: their sites joined, or the link; sentence on hover."""
    gdf = results.outputs.get("proposals")
    if gdf is None or gdf.empty:
        return None
    sentence = gdf["explanation"] if lang == "zh" else gdf["explanation_en"]
    # a proposal's sites drawn as a star from their middle (a drawing, not a measure: the
    # planar centroid of lon/lat does), so the partners read as one offer
    lines = [
        shapely.MultiLineString([[(c.x, c.y), (p.x, p.y)] for p in shapely.get_parts(g)])
        if g.geom_type == "MultiPoint" and len(shapely.get_parts(g)) > 1
        else g
        for g, c in zip(gdf.geometry, shapely.centroid(gdf.geometry.values), strict=True)
    ]
    shown = gpd.GeoDataFrame(
        {"what": (gdf["proposal_id"] + " " + sentence).to_numpy(), "type": gdf["type"].to_numpy()},
        geometry=lines,
        crs=gdf.crs,
    )
    layer = folium.GeoJson(
        features(shown, ["what", "type"]),
        name=w["proposals"],
        show=False,
        style_function=lambda f: {
            "color": PROPOSAL_COLOURS.get(f["properties"]["type"], "#666"),
            "weight": 3,
            "opacity": 0.85,
            "dashArray": "4 4",
        },
        marker=folium.CircleMarker(radius=4, fill=True, fill_opacity=0.9),
        tooltip=_tooltip(["what"], [""]),
    )
    present = set(gdf["type"])
    legend = "".join(
        _swatch(colour, term("proposal_type", kind, lang), "line")
        for kind, colour in PROPOSAL_COLOURS.items()
        if kind in present
    )
    return layer, legend


# drawing order: bottom first; the sites (see maps.sites) go on top of all of these
LAYERS = {
    "hillshade": hillshade_layer,
    "units": units_layer,
    "density": density_layer,
    "isochrones": isochrones_layer,
    "zones": zones_layer,
    "clusters": clusters_layer,
    "overlap_groups": overlap_groups_layer,
    "roads": roads_layer,
    "overlap_pairs": overlap_pairs_layer,
    "border_crossings": crossings_layer,
    "border_deadends": deadends_layer,
    "borders": borders_layer,
    "missing_links": missing_links_layer,
    "proposals": proposals_layer,
}
