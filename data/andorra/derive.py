"""Build the bundled Andorra dataset from the real files of ``../shared/data/andorra``.

* ``units.geojson``: Andorra's seven parishes (level ``parish``) and the Spanish and French
  sides of the country's surroundings (level ``country``). Six parishes are closed boundary
  relations of the extract; Canillo is not, so it is Andorra minus the other six, Andorra
  being closed from the national border ways (the one stretch the extract lacks, east of Pas
  de la Casa, is bridged by a straight line). The Spanish and French sides are the land within
  :data:`SURROUNDINGS_KM` of Andorra, split by the France—España border ways; where the
  extract has none (west of its last way and east of the Portella Blanca tripoint) the split
  is drawn straight, as the README states with the lengths.
* ``sites.geojson``: the extract's named tourism, leisure, historic and natural features (read
  by the project's own OSM reader) and its ski areas: the pistes and lifts within
  :data:`SKI_JOIN_M` of each other merged into one area each, named by the ski-area node
  inside it or else by the nearest place.
* ``andorra.osm.pbf``: the extract itself, the ``[roads]``.
* ``dem.tif``: the SRTM tile cut to the units' extent (voids kept as nodata).

Run from the repository root with ``../shared`` beside it::

    .venv/bin/python data/andorra/derive.py
"""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import rasterio
import rasterio.windows
import shapely
from pyproj import Geod

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from geo.coords import WGS84, local_projected_crs  # noqa: E402
from geo.sources.osm import read_osm_sites  # noqa: E402

SHARED = HERE.parents[2] / "shared" / "data" / "andorra"
PBF = SHARED / "andorra.osm.pbf"
HGT = SHARED / "N42E001.hgt.zip"
GEOD = Geod(ellps="WGS84")
#: The Spanish and French sides reach this far from Andorra.
SURROUNDINGS_KM = 12.0
#: The extract's extent (its nodes' bounds): roads exist only inside.
EXTRACT_BOUNDS = (1.0367, 41.7370, 1.8252, 42.7883)
#: Pistes and lifts this close belong to one ski area.
SKI_JOIN_M = 250.0
#: A ski area has at least this many pistes and lifts.
SKI_MIN_PARTS = 5
#: How a ski area is tagged in OSM (the taxonomy's ski kind reads it).
SKI_CATEGORY = "landuse=winter_sports;sport=skiing"
#: Aerial lifts that belong to a ski area (not pylons or stations).
LIFTS = frozenset(
    {
        "chair_lift",
        "gondola",
        "cable_car",
        "drag_lift",
        "platter",
        "t-bar",
        "rope_tow",
        "mixed_lift",
    }
)
ANDORRA = "Andorra"
SPAIN = "España"
FRANCE_ANDORRA = "France — Andorra"
FRANCE_SPAIN = "France — España"
#: Where the France–Spain border leaves the extract's east: it runs from the Portella Blanca
#: tripoint east-south-east to the Bourg-Madame/Puigcerdà crossing (42.433 N, 1.946 E).
EAST_BEARING_TARGET = (1.946, 42.433)
COUNTRY_IDS = {"ES": ("ES-side", "Spanish side (Catalonia)", "西班牙一侧（加泰罗尼亚）"),
               "FR": ("FR-side", "French side (Ariège)", "法国一侧（阿列日）")}  # fmt: skip
PARISH_ZH = {
    "Andorra la Vella": "安道尔城", "Canillo": "卡尼略", "Encamp": "恩坎普",
    "Escaldes-Engordany": "埃斯卡尔德-恩戈尔达", "La Massana": "拉马萨纳",
    "Ordino": "奥尔迪诺", "Sant Julià de Lòria": "圣胡利娅-德洛里亚",
}  # fmt: skip


def _relations() -> dict[int, dict]:
    """Administrative boundary relations: tags and member ways."""
    out = {}
    for rel in osmium.FileProcessor(str(PBF), osmium.osm.RELATION):
        tags = dict(rel.tags)
        if tags.get("boundary") == "administrative" or tags.get("type") == "multilinestring":
            ways = [m.ref for m in rel.members if m.type == "w"]
            out[rel.id] = {"tags": tags, "ways": ways}
    return out


def _way_lines(ids: set[int]) -> dict[int, shapely.LineString]:
    """Return the ways ``ids`` as lines (nodes outside the extract dropped)."""
    out = {}
    processor = osmium.FileProcessor(str(PBF), osmium.osm.NODE | osmium.osm.WAY)
    for obj in processor.with_locations():
        if obj.is_way() and obj.id in ids:
            points = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(points) >= 2:
                out[obj.id] = shapely.LineString(points)
    return out


def _parish_areas() -> gpd.GeoDataFrame:
    """Return the parishes (admin_level 7) that the extract closes as areas."""
    factory = osmium.geom.WKBFactory()
    rows, wkbs = [], []
    processor = osmium.FileProcessor(str(PBF)).with_areas(osmium.filter.KeyFilter("boundary"))
    for obj in processor:
        if obj.is_area() and not obj.from_way() and obj.tags.get("admin_level") == "7":
            rows.append({"osm_id": f"r{obj.orig_id()}", "name": obj.tags.get("name")})
            wkbs.append(factory.create_multipolygon(obj))
    return gpd.GeoDataFrame(rows, geometry=shapely.from_wkb(wkbs), crs=WGS84)


def _close_ring(lines: list[shapely.LineString]) -> tuple[shapely.Polygon, float]:
    """Close merged border lines into a polygon; bridge loose ends, return the bridged km."""
    merged = shapely.line_merge(shapely.union_all(lines))
    parts = list(getattr(merged, "geoms", [merged]))
    bridged = 0.0
    ends = [p for g in parts if not g.is_closed for p in (g.coords[0], g.coords[-1])]
    bridges = []
    while len(ends) >= 2:  # join the two nearest loose ends, again and again
        first = ends.pop(0)
        k = int(np.argmin([np.hypot(first[0] - e[0], first[1] - e[1]) for e in ends]))
        other = ends.pop(k)
        bridges.append(shapely.LineString([first, other]))
        bridged += GEOD.inv(first[0], first[1], other[0], other[1])[2] / 1000.0
    polygons = shapely.polygonize([*parts, *bridges]).geoms
    return max(polygons, key=lambda p: p.area), bridged


def _ray(end: tuple[float, float], toward: tuple[float, float]) -> shapely.LineString:
    """Return a straight line from ``end`` through ``toward``, far beyond any surroundings."""
    dx, dy = toward[0] - end[0], toward[1] - end[1]
    scale = 5.0 / np.hypot(dx, dy)
    return shapely.LineString([end, (end[0] + dx * scale, end[1] + dy * scale)])


def build_units(relations: dict[int, dict]) -> tuple[gpd.GeoDataFrame, dict[str, float]]:
    """Andorra's parishes and the two countries' sides around it."""
    by_name = {r["tags"].get("name"): (rel_id, r) for rel_id, r in relations.items()}
    andorra_ways = set(by_name[ANDORRA][1]["ways"])
    spain_ways = set(by_name[SPAIN][1]["ways"])
    france_spain = set(by_name[FRANCE_SPAIN][1]["ways"])
    lines = _way_lines(andorra_ways | france_spain)
    andorra, bridged_km = _close_ring([lines[w] for w in andorra_ways if w in lines])
    parishes = _parish_areas()
    parishes = parishes[parishes.representative_point().within(andorra)]
    closed = set(parishes["name"])
    open_parishes = [n for n in PARISH_ZH if n not in closed]
    if len(open_parishes) != 1:
        raise SystemExit(f"expected one parish to derive, found {open_parishes}")
    rest = shapely.difference(andorra, shapely.union_all(parishes.geometry.values))
    pieces = sorted(getattr(rest, "geoms", [rest]), key=lambda p: -p.area)
    derived = gpd.GeoDataFrame(
        [{"osm_id": f"r{by_name[open_parishes[0]][0]}", "name": open_parishes[0]}],
        geometry=[pieces[0]],
        crs=WGS84,
    )
    parishes = pd.concat([parishes, derived], ignore_index=True)
    crs = local_projected_crs(andorra.bounds)
    andorra_m = gpd.GeoSeries([andorra], crs=WGS84).to_crs(crs)
    around = andorra_m.buffer(SURROUNDINGS_KM * 1000.0).to_crs(WGS84).iloc[0]
    around = around.intersection(shapely.box(*EXTRACT_BOUNDS))
    split = shapely.line_merge(shapely.union_all([lines[w] for w in france_spain if w in lines]))
    coords = list(split.coords)
    if andorra.exterior.distance(shapely.Point(coords[0])) > 1e-6:
        coords.reverse()  # from the western tripoint outwards
    end, before = coords[-1], coords[-2]
    west = _ray(end, (2 * end[0] - before[0], 2 * end[1] - before[1]))
    east = _ray(_tripoint_east(relations), EAST_BEARING_TARGET)
    noded = shapely.union_all([around.exterior, split, west, east, andorra.exterior])
    faces = shapely.polygonize(shapely.get_parts(noded)).geoms  # the rays' far ends dangle
    outside = [
        f for f in faces
        if f.representative_point().within(around) and not f.representative_point().within(andorra)
    ]  # fmt: skip
    west, east = west.intersection(around), east.intersection(around)
    spain_border = shapely.union_all(
        [lines[w] for w in andorra_ways & spain_ways if w in lines]
    ).buffer(1e-5)
    sides: dict[str, list[shapely.Polygon]] = {"ES": [], "FR": []}
    on_andorra = andorra.exterior.buffer(1e-5)
    for face in outside:  # the side whose edge with Andorra is mostly the Spanish border
        shared = shapely.intersection(face.boundary, on_andorra).length
        spanish = shapely.intersection(face.boundary, spain_border).length
        sides["ES" if spanish > 0.5 * shared else "FR"].append(face)
    rows = [
        {"unit_id": name, "name": name, "name_zh": PARISH_ZH[name], "country": "AD",
         "level": "parish", "is_andorra": True, "osm_id": osm_id, "geometry": geom}
        for name, osm_id, geom in zip(
            parishes["name"], parishes["osm_id"], parishes.geometry, strict=True
        )
    ]  # fmt: skip
    for code, faces_of in sides.items():
        unit_id, name, name_zh = COUNTRY_IDS[code]
        rows.append({"unit_id": unit_id, "name": name, "name_zh": name_zh, "country": code,
                     "level": "country", "is_andorra": False, "osm_id": "",
                     "geometry": shapely.union_all(faces_of)})  # fmt: skip
    units = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84).sort_values("unit_id")
    facts = {
        "bridged_km": bridged_km,
        "canillo_slivers": len(pieces) - 1,
        "sliver_km2": sum(_km2(p) for p in pieces[1:]),
        "west_straight_km": _km(west),
        "east_straight_km": _km(east),
        "real_france_spain_km": _km(split),
    }
    return units, facts


def _km(line: shapely.Geometry) -> float:
    return float(GEOD.geometry_length(line)) / 1000.0


def _km2(polygon: shapely.Geometry) -> float:
    return abs(float(GEOD.geometry_area_perimeter(polygon)[0])) / 1e6


def _tripoint_east(relations: dict[int, dict]) -> tuple[float, float]:
    """Return the southern end of Andorra's border with France (the Portella Blanca tripoint)."""
    ways = next(r["ways"] for r in relations.values() if r["tags"].get("name") == FRANCE_ANDORRA)
    france = shapely.line_merge(shapely.union_all(list(_way_lines(set(ways)).values())))
    ends = [c for g in getattr(france, "geoms", [france]) for c in (g.coords[0], g.coords[-1])]
    return min(ends, key=lambda c: c[1])


def build_sites(units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Named tourism features of the extract, plus its ski areas, within the units."""
    features = read_osm_sites(PBF).data
    tags = features["osm_tags"].map(json.loads)
    features = gpd.GeoDataFrame(
        {
            "site_id": features["site_id"],
            "name": features["name"],
            "name_en": features["name_en"],
            "category": features["category_raw"],
            "wikipedia": tags.map(lambda t: t.get("wikipedia", "")),
        },
        geometry=features.geometry.values,
        crs=WGS84,
    )
    ski = _ski_areas()
    sites = pd.concat([features, ski], ignore_index=True)
    inside = sites.representative_point().within(shapely.union_all(units.geometry.values))
    return sites[inside.to_numpy()].reset_index(drop=True), len(ski)


def _ski_areas() -> gpd.GeoDataFrame:
    """Pistes and lifts merged into ski areas, each named by its ski node or nearest place.

    A ski node is a named ``sport=skiing`` node that is not a shop (ski shops carry the tag).
    """
    lines, names, points = [], [], []
    processor = osmium.FileProcessor(str(PBF), osmium.osm.NODE | osmium.osm.WAY)
    for obj in processor.with_locations():
        tags = obj.tags
        if obj.is_node():
            if tags.get("sport") == "skiing" and tags.get("name") and "shop" not in tags:
                names.append((obj.location.lon, obj.location.lat, tags["name"], "ski"))
            elif tags.get("place") in ("town", "village", "hamlet", "locality") and tags.get(
                "name"
            ):
                points.append((obj.location.lon, obj.location.lat, tags["name"], "place"))
        elif "piste:type" in tags or tags.get("aerialway") in LIFTS:
            coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            if len(coords) >= 2:
                lines.append(shapely.LineString(coords))
    crs = local_projected_crs(EXTRACT_BOUNDS)
    metric = gpd.GeoSeries(lines, crs=WGS84).to_crs(crs)
    merged = shapely.get_parts(shapely.union_all(metric.buffer(SKI_JOIN_M / 2).values))
    parts = gpd.GeoSeries(metric.values).sindex.query(merged, predicate="intersects")
    counts = np.bincount(parts[0], minlength=len(merged))
    areas = gpd.GeoSeries(merged[counts >= SKI_MIN_PARTS], crs=crs).to_crs(WGS84)
    ski_nodes = gpd.GeoDataFrame(
        [n[2] for n in names], columns=["name"],
        geometry=[shapely.Point(n[:2]) for n in names], crs=WGS84,
    )  # fmt: skip
    places = gpd.GeoDataFrame(
        [p[2] for p in points], columns=["name"],
        geometry=[shapely.Point(p[:2]) for p in points], crs=WGS84,
    )  # fmt: skip
    rows = []
    for k, area in enumerate(areas.values):
        inside = ski_nodes[ski_nodes.within(area)]["name"].drop_duplicates().tolist()
        if inside:
            name = " / ".join(sorted(inside))
        else:
            centre = gpd.GeoSeries([area.representative_point()], crs=WGS84).to_crs(crs)
            nearest = places.to_crs(crs).distance(centre.iloc[0]).idxmin()
            name = f"Ski area {places.at[nearest, 'name']}"
        rows.append(
            {"site_id": f"ski{k + 1}", "name": name, "name_en": "", "category": SKI_CATEGORY,
             "wikipedia": ""}
        )  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry=areas.values, crs=WGS84)


def write_dem(units: gpd.GeoDataFrame, path: Path) -> None:
    """Cut the SRTM tile to the units' extent (plus a cell) and write it as a GeoTIFF."""
    with zipfile.ZipFile(HGT) as archive:
        member = next(n for n in archive.namelist() if n.endswith(".hgt"))
    with rasterio.open(f"/vsizip/{HGT}/{member}") as src:
        west, south, east, north = units.total_bounds
        window = rasterio.windows.from_bounds(west, south, east, north, src.transform)
        window = window.round_offsets().round_lengths()
        data = src.read(1, window=window)
        profile = src.profile | {
            "driver": "GTiff",
            "width": data.shape[1],
            "height": data.shape[0],
            "transform": src.window_transform(window),
            "compress": "deflate",
            "predictor": 2,
            "nodata": -32768,
        }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def main() -> None:
    """Write every derived file of the dataset and print the facts the README states."""
    units, facts = build_units(_relations())
    units.to_file(HERE / "units.geojson", driver="GeoJSON", COORDINATE_PRECISION=7)
    sites, ski = build_sites(units)
    sites.to_file(HERE / "sites.geojson", driver="GeoJSON", COORDINATE_PRECISION=7)
    write_dem(units, HERE / "dem.tif")
    shutil.copyfile(PBF, HERE / "andorra.osm.pbf")
    for unit_id, geom in zip(units["unit_id"], units.geometry, strict=True):
        print(f"{unit_id}: {_km2(geom):.1f} km²")
    print(f"sites: {len(sites)} ({ski} ski areas)")
    print({k: round(v, 2) for k, v in facts.items()})


if __name__ == "__main__":
    main()
