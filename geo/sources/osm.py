"""Tourism features from OpenStreetMap files (PBF, XML, XML.bz2).

Reader: **pyosmium** (``osmium``), the official Python binding of libosmium. It reads PBF
and XML (compressed too) with one API, streams the file, and assembles multipolygon and
boundary relations into areas itself; it ships as wheels, so nothing is compiled or
downloaded at install time. pyrosm reads PBF only and quackosm needs DuckDB; osmnx's XML
reader does not read PBF.

A feature counts as a tourism resource when it is **named** and carries one of the tags in
:data:`TOURISM_TAGS` (unnamed features are counted and reported, not kept).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import geopandas as gpd
import osmium
import osmium.filter
import osmium.geom
import shapely

from geo.coords import WGS84
from geo.diagnostics import RunWarning
from geo.errors import DatasetError
from geo.sources.layer import LoadedLayer

__all__ = ["TOURISM_TAGS", "osm_site_category", "read_osm_sites"]

#: key -> accepted values (None: any value) that make a feature a tourism resource.
TOURISM_TAGS: dict[str, frozenset[str] | None] = {
    "tourism": None,
    "historic": None,
    "heritage": None,
    "leisure": frozenset(
        {"park", "nature_reserve", "water_park", "garden", "resort", "beach_resort"}
    ),
    "natural": frozenset(
        {
            "cave_entrance",
            "peak",
            "volcano",
            "waterfall",
            "spring",
            "hot_spring",
            "geyser",
            "arch",
            "gorge",
            "cliff",
            "valley",
            "rock",
            "stone",
            "sinkhole",
            "beach",
            "glacier",
            "ridge",
            "saddle",
        }
    ),
    "waterway": frozenset({"waterfall", "rapids"}),
    "boundary": frozenset({"national_park", "protected_area"}),
    "geological": None,
    "man_made": frozenset({"tower"}),  # only observation towers, see below
}
#: Values of accepted keys that are not resources (street furniture, markers).
_EXCLUDED = {
    ("tourism", "information"),
    ("historic", "boundary_stone"),
    ("historic", "milestone"),
    ("historic", "district_boundary"),
}
_VISITOR_INFORMATION = {"office", "visitor_centre"}


def osm_site_category(tags: dict[str, str]) -> str:
    """Return the ``key=value`` tags that make an OSM feature a tourism resource.

    Parameters
    ----------
    tags
        The feature's tags.

    Returns
    -------
    str
        Matching tags joined by ``;`` in the order of :data:`TOURISM_TAGS`; empty when the
        feature is not a tourism resource.
    """
    found = []
    for key, accepted in TOURISM_TAGS.items():
        value = tags.get(key)
        if value is None or value == "no":
            continue
        if key == "tourism" and value == "information":
            if tags.get("information") in _VISITOR_INFORMATION:
                found.append("tourism=information;information=" + tags["information"])
            continue
        if key == "man_made" and tags.get("tower:type") != "observation":
            continue
        if (key, value) in _EXCLUDED or (accepted is not None and value not in accepted):
            continue
        found.append(f"{key}={value}")
    return ";".join(found)


def read_osm_sites(path: Path) -> LoadedLayer:
    """Read named tourism features from an OSM file.

    Nodes become points, closed ways and multipolygon/boundary relations become areas, open
    ways become lines (the sites loader reduces areas and lines to a point).

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz`` file.

    Returns
    -------
    LoadedLayer
        Columns ``site_id`` (``n``/``w``/``r`` + OSM id), ``name``, ``name_en``,
        ``category_raw``, ``unit_declared`` (``addr:county``/``addr:district``),
        ``osm_tags`` (JSON) and the geometry, in EPSG:4326.

    Raises
    ------
    DatasetError
        If the file cannot be parsed or holds no tourism features.
    """
    keys = list(TOURISM_TAGS)
    factory = osmium.geom.WKBFactory()
    rows: list[dict[str, str]] = []
    wkbs: list[str] = []
    unnamed: Counter[str] = Counter()
    processor = (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.KeyFilter(*keys))
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    try:
        for obj in processor:
            if obj.is_relation() or (obj.is_way() and obj.is_closed()):
                continue  # areas are assembled from these and arrive as Area objects
            tags = dict(obj.tags)
            category = osm_site_category(tags)
            if not category:
                continue
            name = tags.get("name") or tags.get("name:zh") or ""
            if not name:
                unnamed[category.split(";")[0]] += 1
                continue
            if obj.is_node():
                wkb, osm_id = factory.create_point(obj), f"n{obj.id}"
            elif obj.is_area():
                prefix = "w" if obj.from_way() else "r"
                wkb, osm_id = factory.create_multipolygon(obj), f"{prefix}{obj.orig_id()}"
            else:
                wkb, osm_id = factory.create_linestring(obj), f"w{obj.id}"
            wkbs.append(wkb)
            rows.append(
                {
                    "site_id": osm_id,
                    "name": name,
                    "name_en": tags.get("name:en", ""),
                    "category_raw": category,
                    "unit_declared": tags.get("addr:county") or tags.get("addr:district", ""),
                    "osm_tags": json.dumps(tags, ensure_ascii=False, sort_keys=True),
                }
            )
    except RuntimeError as exc:
        msg = f"{path}: cannot read the OpenStreetMap file ({exc}); check that it is complete"
        raise DatasetError(msg) from None
    if not rows:
        msg = (
            f"{path}: no named tourism features (tourism=*, historic=*, natural=cave_entrance, "
            "...) in this OpenStreetMap file; check the extract's area"
        )
        raise DatasetError(msg)
    geometry = shapely.from_wkb(wkbs)  # osmium writes hex WKB strings
    gdf = gpd.GeoDataFrame(rows, geometry=geometry, crs=WGS84)
    warnings = []
    if unnamed:
        total = sum(unnamed.values())
        warnings.append(
            RunWarning(
                "osm_unnamed_skipped",
                {"file": str(path), "n": int(total)},
                [f"{tag}: {n}" for tag, n in unnamed.most_common()],
            )
        )
    info = {"osm_features": len(rows), "osm_unnamed_skipped": sum(unnamed.values())}
    return LoadedLayer(gdf, info, warnings)
