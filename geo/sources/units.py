"""Administrative units and special zones: polygon layers.

Output schema (EPSG:4326):

============ ============= ============================================================
column       type          meaning
============ ============= ============================================================
unit_id      str           id column named in the manifest (zones: ``zone_id``)
name         str           name column named in the manifest
name_en      str           English name when the manifest names a column, else empty
area_km2     float         ellipsoidal area (equal-area projection of the layer's extent)
geometry     MultiPolygon  repaired with ``make_valid`` where invalid
============ ============= ============================================================

Other source columns are kept. Overlaps between units larger than
``params.unit_overlap_min_km2`` are reported as warnings.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coords import WGS84, equal_area_crs
from geo.diagnostics import RunWarning
from geo.errors import DatasetError
from geo.parts import UnitsPart, ZonesPart
from geo.sources.files import file_kind, find_column, read_vector
from geo.sources.layer import COVERAGE_VALID, LoadedLayer

__all__ = ["UNIT_COLUMNS", "load_units", "load_zones", "qualified_names"]

UNIT_COLUMNS = ["unit_id", "name", "name_en", "area_km2"]


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygonal part of a repaired geometry as a MultiPolygon."""
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = [p for g in parts for p in shapely.get_parts(g)]
    return shapely.MultiPolygon(polys)


def _check_geometry_types(gdf: gpd.GeoDataFrame, path: Path, id_col: str, what: str) -> None:
    types = gdf.geom_type
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        msg = (
            f"{path}: feature {i + 1} ({id_col} {gdf[id_col].iloc[i]}) has no geometry; "
            f"give every {what} its polygon or remove the feature"
        )
        raise DatasetError(msg)
    wrong = ~types.isin(["Polygon", "MultiPolygon"])
    if wrong.any():
        i = int(np.flatnonzero(wrong.to_numpy())[0])
        msg = (
            f"{path}: feature {i + 1} ({id_col} {gdf[id_col].iloc[i]}) is a {types.iloc[i]}, "
            f"but {what}s must be polygons (Polygon or MultiPolygon); use the boundary layer"
        )
        raise DatasetError(msg)


def _overlap_warnings(
    gdf: gpd.GeoDataFrame,
    projected: np.ndarray,
    suspect: np.ndarray,
    path: Path,
    min_km2: float,
    what: str,
) -> list[RunWarning]:
    """Overlaps between polygons above ``min_km2`` (``projected``: in an equal-area CRS).

    Only pairs with a ``suspect`` polygon, one whose edges do not match its neighbours', are
    intersected: a polygon that overlaps another has such edges (GEOS coverage validation),
    and in a clean coverage, as official boundaries usually are, there is none.
    """
    if not suspect.any():
        return []
    left, right = shapely.STRtree(projected).query(projected, predicate="intersects")
    pairs = (left < right) & (suspect[left] | suspect[right])
    left, right = left[pairs], right[pairs]
    if len(left) == 0:
        return []
    shared = shapely.intersection(projected[left], projected[right])
    area_km2 = shapely.area(shared) / 1e6
    big = area_km2 > min_km2
    if not big.any():
        return []
    ids = gdf["unit_id" if "unit_id" in gdf else "zone_id"].to_numpy()
    items = [
        f"{ids[a]} / {ids[b]}: {area:.3f} km²"
        for a, b, area in zip(left[big], right[big], area_km2[big], strict=True)
    ]
    return [
        RunWarning(
            f"{what}s_overlap",
            {"file": str(path), "n": len(items), "min_km2": float(min_km2)},
            items,
        )
    ]


def _load_polygons(
    path: Path,
    *,
    layer: str | None,
    coords: str | None,
    columns: dict[str, str | None],
    section: str,
    what: str,
    overlap_min_km2: float,
) -> LoadedLayer:
    if file_kind(path) != "vector":
        msg = f"{path}: {what}s must be a polygon layer (GeoJSON, GeoPackage, Shapefile)"
        raise DatasetError(msg)
    gdf, source_crs = read_vector(path, layer=layer, coords=coords, section=section)
    attrs = [c for c in gdf.columns if c != "geometry"]
    found = {
        out: find_column(attrs, col, (), path=path, key=key, section=section)
        if col is not None
        else None
        for out, (key, col) in {
            f"{what}_id": ("id", columns["id"]),
            "name": ("name", columns["name"]),
            "name_en": ("name_en", columns.get("name_en")),
        }.items()
    }
    id_col = found[f"{what}_id"] or "feature"
    if found[f"{what}_id"] is None:
        gdf[id_col] = [f"{what[0].upper()}{i:03d}" for i in range(1, len(gdf) + 1)]
    ids = gdf[id_col].astype(str).str.strip()
    _check_geometry_types(gdf, path, id_col, what)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        msg = (
            f"{path}: {what} id '{dup}' appears more than once in column '{id_col}'; "
            "ids must be unique"
        )
        raise DatasetError(msg)
    invalid = ~gdf.geometry.is_valid
    geoms = gdf.geometry.values.copy()
    geoms[invalid.to_numpy()] = shapely.make_valid(geoms[invalid.to_numpy()])
    geoms = np.array([_polygonal(g) for g in geoms], dtype=object)
    flat = shapely.is_empty(geoms) | (shapely.area(geoms) == 0)
    if flat.any():
        i = int(np.flatnonzero(flat)[0])
        msg = (
            f"{path}: feature {i + 1} ({id_col} {ids.iloc[i]}) has no area (its polygon is "
            f"degenerate: a line or a point, even after repair); fix the {what}'s polygon or "
            "remove the feature"
        )
        raise DatasetError(msg)
    out = pd.DataFrame({f"{what}_id": ids})
    out["name"] = gdf[found["name"]].astype(str).str.strip() if found["name"] else ids
    out["name_en"] = gdf[found["name_en"]].fillna("").astype(str) if found["name_en"] else ""
    _refuse_antimeridian(geoms, path, what)
    bounds = tuple(shapely.total_bounds(geoms))
    # edges match or not whatever the projection: validate the coverage (GEOS) on a second
    # thread while PROJ projects for the areas; both release the GIL
    with ThreadPoolExecutor(1, thread_name_prefix="coverage") as pool:
        invalid_edges = pool.submit(shapely.coverage_invalid_edges, geoms)
        projected = gpd.GeoSeries(geoms, crs=WGS84).to_crs(equal_area_crs(bounds)).values
        suspect = ~shapely.is_empty(invalid_edges.result())
    out["area_km2"] = shapely.area(projected) / 1e6
    used = {c for c in found.values() if c} | {id_col, "geometry"}
    extras = gdf[[c for c in gdf.columns if c not in used and c not in out.columns]]
    result = gpd.GeoDataFrame(
        pd.concat([out, extras.reset_index(drop=True)], axis=1), geometry=geoms, crs=WGS84
    )
    warnings = []
    if invalid.any():
        warnings.append(
            RunWarning(
                f"{what}_geometry_repaired",
                {"file": str(path), "n": int(invalid.sum())},
                list(ids[invalid.to_numpy()]),
            )
        )
    info = {
        "path": str(path),
        "format": "vector",
        "source_crs": source_crs,
        "features": len(result),
        "repaired": int(invalid.sum()),
    }
    result.attrs[COVERAGE_VALID] = not suspect.any()
    warnings.extend(
        _overlap_warnings(result, np.asarray(projected), suspect, path, overlap_min_km2, what)
    )
    return LoadedLayer(result, info, warnings)


def load_units(part: UnitsPart, *, overlap_min_km2: float = 0.01) -> LoadedLayer:
    """Load the administrative units.

    Parameters
    ----------
    part
        The ``[units]`` section (absolute path).
    overlap_min_km2
        Overlaps between two units above this area are reported.

    Returns
    -------
    LoadedLayer
        Units with :data:`UNIT_COLUMNS`, extra source columns and MultiPolygon geometry.

    Raises
    ------
    DatasetError
        Non-polygon features, missing id/name columns, duplicate ids, unreadable files.
    """
    loaded = _load_polygons(
        Path(part.path),
        layer=part.layer,
        coords=part.coords,
        columns={"id": part.id, "name": part.name, "name_en": part.name_en},
        section="units",
        what="unit",
        overlap_min_km2=overlap_min_km2,
    )
    units = loaded.data
    missing = [c for c in [*part.levels, *([part.focus] if part.focus else [])] if c not in units]
    if missing:
        msg = (
            f"{part.path}: [units] names the column '{missing[0]}' (levels/focus), which the "
            f"layer does not have; its columns are {', '.join(map(str, units.columns[:-1]))}"
        )
        raise DatasetError(msg)
    for column in part.levels:
        units[column] = units[column].fillna("").astype(str).str.strip()
    units["name"] = qualified_names(units, part.levels)
    return loaded


def qualified_names(units: pd.DataFrame, levels: list[str]) -> pd.Series:
    """Make unit names unique: a repeated name gets its parent's name, else its id.

    "朝阳区" of Beijing and of Changchun become "朝阳区（北京市）" and "朝阳区（长春市）"; the
    lowest level that tells them apart is used.

    Parameters
    ----------
    units
        Units with ``unit_id``, ``name`` and the ``levels`` columns.
    levels
        Hierarchy columns, top first.

    Returns
    -------
    pandas.Series
        The names, on the index of ``units``.
    """
    names = units["name"].astype(str)
    repeated = names.duplicated(keep=False)
    if not repeated.any():
        return names
    qualifier = units["unit_id"].astype(str).where(repeated, "")
    for column in levels:  # top first: a lower level that tells the twins apart wins
        tells = units.loc[repeated].groupby(names[repeated])[column].transform("nunique") > 1
        qualifier.loc[tells[tells].index] = units.loc[tells[tells].index, column]
    return names.where(~repeated, names + "（" + qualifier + "）")


def _refuse_antimeridian(geoms: np.ndarray, path: Path, what: str) -> None:
    """Refuse polygons that lie across the 180° meridian (Fiji, Chukotka, the Aleutians).

    Their longitudes run to 180 on one side and from -180 on the other, so every extent the
    analysis measures would span the globe. The units straddle it when the widest stretch of
    longitude no unit covers lies inside -180..180 rather than around ±180.
    """
    bounds = pd.DataFrame(shapely.bounds(geoms), columns=["minx", "miny", "maxx", "maxy"])
    bounds = bounds.sort_values("minx")
    covered_to, widest_gap = -180.0, 0.0
    for west, east in zip(bounds["minx"], bounds["maxx"], strict=True):
        widest_gap = max(widest_gap, west - covered_to)
        covered_to = max(covered_to, east)
    around_180 = (bounds["minx"].min() + 180.0) + (180.0 - covered_to)
    if widest_gap > around_180:
        msg = (
            f"{path}: the {what}s lie across the 180° meridian (longitudes up to 180 and from "
            "-180); the analysis measures on one side of it only: analyse each side as its "
            "own dataset"
        )
        raise DatasetError(msg)


def load_zones(part: ZonesPart, *, overlap_min_km2: float = 0.01) -> LoadedLayer:
    """Load special zones (same rules as units; columns ``zone_id, name, name_en``).

    Parameters
    ----------
    part
        The ``[zones]`` section (absolute path).
    overlap_min_km2
        Overlaps between two zones above this area are reported.

    Returns
    -------
    LoadedLayer
        Zones in EPSG:4326.

    Raises
    ------
    DatasetError
        As :func:`load_units`.
    """
    loaded = _load_polygons(
        Path(part.path),
        layer=part.layer,
        coords=part.coords,
        columns={"id": part.id, "name": part.name},
        section="zones",
        what="zone",
        overlap_min_km2=overlap_min_km2,
    )
    return loaded
