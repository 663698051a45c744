"""Road loader: OpenStreetMap files or line layers -> one row per road way.

PBF/XML reader: **pyosmium** (``osmium``), as for sites: one reader for ``.osm.pbf``,
``.osm``, ``.osm.bz2`` and ``.osm.gz``, streaming with a node-location cache, wheels on PyPI,
and the OSM node ids it returns give the true topology (two ways meet only where they share a
node, so bridges do not connect to the roads below them). pyrosm reads only PBF, osmnx only
XML; QuackOSM needs DuckDB.

Line layers (GeoJSON, GeoPackage, Shapefile) have no node ids: lines meet where they share a
vertex (coordinates equal to 1e-7 degrees, about 1 cm).

Output schema (EPSG:4326):

=========== ========== ===============================================================
column      type       meaning
=========== ========== ===============================================================
way_id      str        OSM ``w<id>`` or ``L<row>`` for line layers
highway     str        OSM highway class (Chinese classes mapped: 高速公路 -> motorway ...)
name        str        road name or ref, may be empty
maxspeed    str        as tagged (parsed by osmnx), may be empty
oneway      str        ``yes``, ``-1`` or ``no``
node_keys   int array  one key per vertex: OSM node id, or the vertex's rounded coordinates
geometry    LineString
=========== ========== ===============================================================
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import osmium.filter
import pandas as pd
import shapely

from geo.coords import GEOD, WGS84
from geo.diagnostics import RunWarning
from geo.errors import DatasetError
from geo.parts import RoadsPart
from geo.road_classes import ROAD_CLASSES
from geo.sources.files import file_kind, find_column, read_vector
from geo.sources.layer import LoadedLayer

__all__ = [
    "MOTORABLE",
    "NOT_MOTORABLE",
    "ROAD_CLASS_ALIASES",
    "load_roads",
    "normalise_road_class",
]

#: OSM highway values a car can use, i.e. the classes the travel-time graph keeps.
MOTORABLE = frozenset(ROAD_CLASSES)
#: China's administrative road classes (and common English names) -> OSM highway values.
ROAD_CLASS_ALIASES = {
    "高速公路": "motorway", "高速": "motorway", "expressway": "motorway", "freeway": "motorway",
    "国道": "trunk", "national": "trunk", "national road": "trunk",
    "省道": "primary", "provincial": "primary", "provincial road": "primary",
    "县道": "secondary", "county": "secondary", "county road": "secondary",
    "乡道": "tertiary", "乡镇道路": "tertiary", "township": "tertiary", "township road": "tertiary",
    "村道": "unclassified", "village": "unclassified", "village road": "unclassified",
    "专用公路": "service", "城市道路": "residential", "机耕路": "track", "轮渡": "ferry",
    "渡口": "ferry",
}  # fmt: skip
#: Classes that are roads but not for cars: dropped (and counted) from line layers.
NOT_MOTORABLE = frozenset(
    {
        "footway", "path", "cycleway", "pedestrian", "steps", "bridleway", "corridor",
        "construction", "proposed", "platform", "elevator", "人行道", "步道", "自行车道", "绿道",
    }
)  # fmt: skip
_CLASS_COLUMNS = ("highway", "fclass", "road_class", "class", "type", "等级", "道路等级")
_SPEED_COLUMNS = ("maxspeed", "speed", "限速")
_ONEWAY_COLUMNS = ("oneway", "单行")
_NAME_COLUMNS = ("name", "ref", "名称", "道路名称")
#: Columns that mark a drawn, not surveyed, road (any true value makes the network schematic).
_SCHEMATIC_COLUMNS = ("schematic", "approximate", "示意")
_KEY_SCALE = 1e7
#: Above this file size node locations go to a scratch file (pyosmium's sparse_file_array),
#: so reading a country extract (~16 bytes per node) does not hold them all in memory.
LOCATIONS_IN_MEMORY_MAX_BYTES = 512 * 1024**2


def normalise_road_class(value: object) -> str | None:
    """Map a road class (OSM value or Chinese/English administrative class) to OSM.

    Parameters
    ----------
    value
        E.g. ``"primary"``, ``"国道"``, ``"County road"``.

    Returns
    -------
    str or None
        An OSM highway value from :data:`MOTORABLE`, or None when not motorable/unknown.
    """
    text = str(value).strip()
    lowered = text.lower()
    if lowered in MOTORABLE:
        return lowered
    return ROAD_CLASS_ALIASES.get(text) or ROAD_CLASS_ALIASES.get(lowered)


def _normalise_oneway(values: pd.Series) -> pd.Series:
    text = values.fillna("").astype(str).str.strip().str.lower()
    out = pd.Series("no", index=values.index, dtype=object)
    out[text.isin(["yes", "true", "1", "t", "y", "是", "f"]) & ~text.eq("f")] = "yes"
    out[text.isin(["-1", "reverse", "t"])] = "-1"  # shapefile convention: F = forward, T = back
    out[text.eq("f")] = "yes"
    return out


def _coordinate_keys(coords: np.ndarray) -> np.ndarray:
    x = np.round(coords[:, 0] * _KEY_SCALE).astype(np.int64) + 2**31
    y = np.round(coords[:, 1] * _KEY_SCALE).astype(np.int64) + 2**31
    return (x << 32) | y


def _read_osm_roads(
    path: Path, area: tuple[float, float, float, float]
) -> tuple[pd.DataFrame, list[np.ndarray], list[np.ndarray], int]:
    """Stream the motorable ways reaching into ``area``; count those left outside it.

    Ways are kept or dropped as they are read, so a country extract costs the memory of the
    ways in the study area, not of the whole file; node locations of a big file are kept
    in a scratch file (see :data:`LOCATIONS_IN_MEMORY_MAX_BYTES`).
    """
    with tempfile.TemporaryDirectory(prefix="tia-nodes-") as scratch:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations(_location_storage(path, Path(scratch)))
            .with_filter(osmium.filter.KeyFilter("highway", "route"))
        )
        return _stream_ways(processor, path, area)


def _location_storage(path: Path, scratch: Path) -> str:
    """Keep node locations in memory for an ordinary extract, on disk for a country file."""
    if path.stat().st_size <= LOCATIONS_IN_MEMORY_MAX_BYTES:
        return "flex_mem"
    return f"sparse_file_array,{scratch / 'locations.bin'}"


def _ferry_speed(highway: str, tags: osmium.osm.TagList, points: list[tuple[float, float]]) -> str:
    """Return the speed (km/h, as a ``maxspeed``) that crosses a ferry way in its ``duration``.

    ``duration`` is ``HH:MM``, ``HH:MM:SS`` or minutes; empty for another class, or when
    absent or unreadable (the class speed applies).
    """
    if highway != "ferry":
        return ""
    parts = tags.get("duration", "").strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return ""
    hours = {1: lambda v: v[0] / 60.0, 2: lambda v: v[0] + v[1] / 60.0,
             3: lambda v: v[0] + v[1] / 60.0 + v[2] / 3600.0}.get(len(values))  # fmt: skip
    if hours is None or hours(values) <= 0:
        return ""
    xy = np.array(points, dtype=float)
    km = float(GEOD.line_length(xy[:, 0], xy[:, 1])) / 1000.0
    return f"{km / hours(values):.3f}"


def _stream_ways(
    processor: osmium.FileProcessor, path: Path, area: tuple[float, float, float, float]
) -> tuple[pd.DataFrame, list[np.ndarray], list[np.ndarray], int]:
    rows, keys, coords = [], [], []
    west, south, east, north = area
    outside = 0
    try:
        for way in processor:
            if not way.is_way():
                continue
            tags = way.tags
            highway = tags.get("highway") or ("ferry" if tags.get("route") == "ferry" else "")
            if highway not in MOTORABLE or tags.get("area") == "yes" or tags.get("access") == "no":
                continue
            nodes = [n for n in way.nodes if n.location.valid()]  # extracts cut ways at the edge
            if len(nodes) < 2:
                continue
            points = [(n.lon, n.lat) for n in nodes]
            lons, lats = [p[0] for p in points], [p[1] for p in points]
            if max(lons) < west or min(lons) > east or max(lats) < south or min(lats) > north:
                outside += 1  # decided before any array is made: most ways of a big file
                continue
            oneway = tags.get("oneway", "")
            if tags.get("junction") in ("roundabout", "circular") and not oneway:
                oneway = "yes"
            rows.append(
                {
                    "way_id": f"w{way.id}",
                    "highway": highway,
                    "name": tags.get("name") or tags.get("ref", ""),
                    "maxspeed": tags.get("maxspeed", "") or _ferry_speed(highway, tags, points),
                    "oneway": oneway,
                }
            )
            keys.append(np.fromiter((n.ref for n in nodes), dtype=np.int64, count=len(nodes)))
            coords.append(np.array(points, dtype=float))
    except RuntimeError as exc:
        msg = f"{path}: cannot read the OpenStreetMap file ({exc}); check that it is complete"
        raise DatasetError(msg) from None
    return pd.DataFrame(rows), keys, coords, outside


def _read_line_layer(
    part: RoadsPart, path: Path
) -> tuple[pd.DataFrame, list[np.ndarray], list[np.ndarray], list[RunWarning]]:
    gdf, _ = read_vector(path, layer=part.layer, coords=part.coords, section="roads")
    types = set(gdf.geom_type.dropna())
    if not types <= {"LineString", "MultiLineString"}:
        wrong = next(iter(types - {"LineString", "MultiLineString"}))
        i = int(np.flatnonzero(gdf.geom_type.eq(wrong).to_numpy())[0])
        msg = (
            f"{path}: feature {i + 1} is a {wrong}, but roads must be lines "
            "(LineString or MultiLineString); use the road centre-line layer"
        )
        raise DatasetError(msg)
    gdf = gdf.reset_index(drop=True)
    gdf["way_id"] = [f"L{i}" for i in range(1, len(gdf) + 1)]
    gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    columns = [c for c in gdf.columns if c != "geometry"]

    def column(requested: str | None, aliases: tuple[str, ...], key: str) -> str | None:
        return find_column(columns, requested, aliases, path=path, key=key, section="roads")

    class_col = column(part.highway, _CLASS_COLUMNS, "highway")
    warnings = []
    if class_col is None:
        highway = pd.Series("unclassified", index=gdf.index)
        warnings.append(
            RunWarning(
                "roads_without_class",
                {"file": str(path), "columns": ", ".join(_CLASS_COLUMNS)},
            )
        )
    else:
        text = gdf[class_col].fillna("").astype(str).str.strip()
        walking = text.str.lower().isin(NOT_MOTORABLE)
        if walking.any():
            warnings.append(
                RunWarning(
                    "roads_not_motorable",
                    {"file": str(path), "n": int(walking.sum())},
                    sorted(set(text[walking])),
                )
            )
            gdf, text = (
                gdf.loc[~walking].reset_index(drop=True),
                text[~walking].reset_index(drop=True),
            )
        mapped = text.map(normalise_road_class)
        unknown = mapped.isna()
        if unknown.any():
            values = sorted(set(text[unknown]))
            warnings.append(
                RunWarning(
                    "road_class_unknown",
                    {"file": str(path), "n": int(unknown.sum())},
                    values,
                )
            )
        highway = mapped.fillna("unclassified")
    name_col = column(None, _NAME_COLUMNS, "name")
    speed_col = column(part.maxspeed, _SPEED_COLUMNS, "maxspeed")
    oneway_col = column(part.oneway, _ONEWAY_COLUMNS, "oneway")
    frame = pd.DataFrame(
        {
            "way_id": gdf["way_id"],
            "highway": highway,
            "name": gdf[name_col].fillna("").astype(str) if name_col else "",
            "maxspeed": gdf[speed_col].fillna("").astype(str) if speed_col else "",
            "oneway": gdf[oneway_col] if oneway_col else "no",
        }
    )
    flag = next((c for c in columns if c.lower() in _SCHEMATIC_COLUMNS), None)
    if flag is not None:
        drawn = gdf[flag].map(lambda v: str(v).strip().lower() in ("true", "1", "yes", "是"))
        if drawn.any():
            warnings.append(
                RunWarning("roads_schematic", {"file": str(path), "n": int(drawn.sum())})
            )
    coords = [shapely.get_coordinates(g) for g in gdf.geometry.values]
    keys = [_coordinate_keys(c) for c in coords]
    return frame, keys, coords, warnings


def load_roads(
    part: RoadsPart, *, bounds: tuple[float, float, float, float], margin_km: float = 10.0
) -> LoadedLayer:
    """Load the road ways that reach into the study area.

    Parameters
    ----------
    part
        The ``[roads]`` section (absolute path).
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` of the units.
    margin_km
        Roads within this distance outside ``bounds`` are kept (routes may leave the area).

    Returns
    -------
    LoadedLayer
        Ways with the columns in the module docstring.

    Raises
    ------
    DatasetError
        Unreadable or empty file, points instead of lines, or no road in the study area.
    """
    path = Path(part.path)
    kind = file_kind(path)
    warnings: list[RunWarning] = []
    mid_lat = np.radians((bounds[1] + bounds[3]) / 2)
    dlat = margin_km / 111.0
    dlon = margin_km / (111.0 * max(np.cos(mid_lat), 0.1))
    extent = (bounds[0] - dlon, bounds[1] - dlat, bounds[2] + dlon, bounds[3] + dlat)
    streamed_out = 0
    if kind == "osm":
        frame, keys, coords, streamed_out = _read_osm_roads(path, extent)
    elif kind == "vector":
        frame, keys, coords, warnings = _read_line_layer(part, path)
    else:
        msg = (
            f"{path}: roads must be an OpenStreetMap file or a line layer "
            f"(this is a {kind} file); fix [roads] path"
        )
        raise DatasetError(msg)
    if frame.empty and streamed_out:
        msg = (
            f"{path}: none of its {streamed_out} roads reaches the units' extent "
            f"({bounds[0]:.3f}, {bounds[1]:.3f}, {bounds[2]:.3f}, {bounds[3]:.3f}); "
            "use an extract that covers the study area"
        )
        raise DatasetError(msg)
    if frame.empty:
        msg = f"{path}: the file holds no motorable roads (highway=motorway ... track); check it"
        raise DatasetError(msg)
    frame["oneway"] = _normalise_oneway(frame["oneway"])
    lengths = [len(c) for c in coords]
    geometry = shapely.linestrings(
        np.concatenate(coords), indices=np.repeat(np.arange(len(coords)), lengths)
    )
    roads = gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)
    roads["node_keys"] = pd.Series(keys, index=roads.index, dtype=object)
    inside = roads.intersects(shapely.box(*extent))
    if not inside.any():
        msg = (
            f"{path}: none of its {len(roads)} roads reaches the units' extent "
            f"({bounds[0]:.3f}, {bounds[1]:.3f}, {bounds[2]:.3f}, {bounds[3]:.3f}); "
            "use an extract that covers the study area"
        )
        raise DatasetError(msg)
    info = {
        "path": str(path),
        "format": kind,
        "ways": len(roads) + streamed_out,
        "ways_outside_extent": int((~inside).sum()) + streamed_out,
    }
    return LoadedLayer(roads.loc[inside].reset_index(drop=True), info, warnings)
