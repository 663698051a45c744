"""Sites loader: tourism resources from tables, GIS layers or OpenStreetMap files.

Output schema (EPSG:4326, one row per site, in file order):

============== ======= ================================================================
column         type    meaning
============== ======= ================================================================
site_id        str     from the ``id`` column, OSM ``n123``/``w123``/``r123``, or ``S0001``
name           str     name as given (Chinese where the source is Chinese)
name_en        str     English name, empty when unknown
category_raw   str     category text as given (OSM: ``key=value`` tags that matched)
a_grade        int     0–5 (A-level scenic area grade; 0 = none or unknown)
unit_declared  str     the unit the source says the site is in (empty when not given)
origin_declared str    ``developed``/``endowment`` as the source says (empty: not given)
parent_declared str    id of the site this one is part of, as the source says (empty: none)
area_km2       float   geodesic area of polygon sites, NaN for points
source_row     int     file line of a table (header = 1) or 1-based feature number
geometry       Point   polygon sites reduced to a representative point
============== ======= ================================================================

All other source columns are kept after these. Rows with empty coordinates or empty
geometry are skipped and counted; every other problem is a :class:`DatasetError`.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj
import shapely

from geo.coords import GEOD, WGS84, to_wgs84
from geo.diagnostics import RunWarning
from geo.errors import DatasetError
from geo.parts import SitesPart
from geo.sources.files import (
    TableLimits,
    file_kind,
    find_column,
    read_excel_table,
    read_text_table,
    read_vector,
)
from geo.sources.layer import LoadedLayer
from geo.sources.osm import read_osm_sites
from geo.taxonomy import parse_a_grades

__all__ = ["SITE_COLUMNS", "combine_site_files", "load_sites"]

SITE_COLUMNS = [
    "site_id",
    "name",
    "name_en",
    "category_raw",
    "a_grade",
    "unit_declared",
    "origin_declared",
    "parent_declared",
    "area_km2",
    "source_row",
]

_ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "lng", "long", "longitude", "x", "经度", "东经"),
    "lat": ("lat", "latitude", "y", "纬度", "北纬"),
    "id": ("site_id", "id", "编号", "代码"),
    "name": ("name", "name_zh", "名称", "景区名称", "景点名称", "资源名称"),
    "name_en": ("name_en", "name:en", "english_name", "英文名", "英文名称"),
    "category": ("category", "type", "kind", "类别", "类型", "分类"),
    "grade": ("a_grade", "grade", "level", "等级", "级别", "景区等级"),
    "unit": ("county", "unit", "district", "unit_declared", "区县", "县区", "所属区县"),
    "origin": ("origin", "开发类型"),
    "parent": ("parent", "parent_id", "所属景区"),
}


def _columns(part: SitesPart, columns: list[str], path: Path) -> dict[str, str | None]:
    return {
        key: find_column(columns, getattr(part, key), aliases, path=path, key=key, section="sites")
        for key, aliases in _ALIASES.items()
    }


def _to_float(text: pd.Series) -> pd.Series:
    """Parse decimal numbers (missing where not one): Arrow's cast, pandas' when it refuses."""
    try:
        values = pc.cast(pa.array(text, from_pandas=True), pa.float64())
    except pa.ArrowInvalid:  # some cell is not a number: pandas marks which
        return pd.to_numeric(text, errors="coerce")
    return pd.Series(values.to_numpy(zero_copy_only=False), index=text.index)


def _parse_coordinate(
    raw: pd.Series, *, path: Path, column: str, what: str
) -> tuple[pd.Series, pd.Series]:
    """Return numbers and the mask of blank cells; a non-numeric cell is an error."""
    text = raw.astype(str).str.strip()
    blank = text.eq("") | text.str.lower().isin({"nan", "null", "none"})
    numbers = _to_float(text.where(~blank))
    bad = numbers.isna() & ~blank
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        msg = (
            f"{path}: line {row + 2} has {what} '{text.iloc[row]}' in column '{column}', "
            "which is not a decimal number; correct it or clear the cell to skip the row"
        )
        raise DatasetError(msg)
    return numbers, blank


def _check_ranges(lon: np.ndarray, lat: np.ndarray, rows: np.ndarray, path: Path) -> None:
    bad_lat = np.abs(lat) > 90
    bad_lon = np.abs(lon) > 180
    if bad_lat.any() and not bad_lon.any() and (np.abs(lon[bad_lat]) <= 90).all():
        i = int(np.flatnonzero(bad_lat)[0])
        msg = (
            f"{path}: latitude and longitude look swapped (line {rows[i]} has "
            f"longitude {lon[i]:g} and latitude {lat[i]:g}); swap the two column names "
            "in the file, or swap the lon/lat keys in [sites]"
        )
        raise DatasetError(msg)
    bad = bad_lat | bad_lon
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = (
            f"{path}: line {rows[i]} has coordinates ({lon[i]:g}, {lat[i]:g}) outside the valid "
            "range (longitude -180..180, latitude -90..90); correct them, or declare their "
            'system with coords = "EPSG:..." in [sites] if they are projected'
        )
        raise DatasetError(msg)


def _table_to_points(
    table: pd.DataFrame, part: SitesPart, path: Path, cols: dict[str, str | None]
) -> tuple[gpd.GeoDataFrame, int]:
    lon_col, lat_col = cols["lon"], cols["lat"]
    if lon_col is None or lat_col is None:
        msg = (
            f"{path}: no longitude/latitude columns found (looked for "
            f"{'/'.join(_ALIASES['lon'])} and {'/'.join(_ALIASES['lat'])}); "
            'name them with lon = "..." and lat = "..." in [sites]'
        )
        raise DatasetError(msg)
    lon, blank_lon = _parse_coordinate(table[lon_col], path=path, column=lon_col, what="longitude")
    lat, blank_lat = _parse_coordinate(table[lat_col], path=path, column=lat_col, what="latitude")
    keep = ~(blank_lon | blank_lat)
    table = table.loc[keep].copy()
    table["source_row"] = np.flatnonzero(keep.to_numpy()) + 2  # file line; header is 1
    x, y = lon[keep].to_numpy(float), lat[keep].to_numpy(float)
    projected = (
        part.coords is not None
        and part.coords.startswith("EPSG:")
        and (pyproj.CRS.from_user_input(part.coords).is_projected)
    )
    if not projected:
        _check_ranges(x, y, table["source_row"].to_numpy(), path)
    wx, wy = to_wgs84(x, y, part.coords or "wgs84")
    if projected:
        _check_ranges(wx, wy, table["source_row"].to_numpy(), path)
    table = table.drop(columns=[lon_col, lat_col])
    gdf = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(wx, wy), crs=WGS84)
    return gdf, int((~keep).sum())


def _geodesic_area_km2(geoms: gpd.GeoSeries) -> np.ndarray:
    areas = np.full(len(geoms), np.nan)
    polygonal = geoms.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    for i in np.flatnonzero(polygonal):
        areas[i] = abs(GEOD.geometry_area_perimeter(geoms.iloc[i])[0]) / 1e6
    return areas


#: Key of the polygons reduced to points, kept for a moment in the frame's ``attrs``.
FOOTPRINTS = "footprints"


def _reduce_to_points(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Drop empty geometries (counted) and reduce polygons/lines to a representative point."""
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    gdf = gdf.loc[~empty].copy()
    if "source_row" not in gdf.columns:
        gdf["source_row"] = np.flatnonzero(~empty.to_numpy()) + 1
    gdf["area_km2"] = _geodesic_area_km2(gdf.geometry)
    polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    gdf.attrs[FOOTPRINTS] = np.where(polygonal, gdf.geometry.to_numpy(), None)
    gdf.geometry = shapely.point_on_surface(gdf.geometry.values)
    return gdf, int(empty.sum())


def _text(table: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series("", index=table.index, dtype=object)
    return table[column].fillna("").astype(str).str.strip()


def _normalise(
    gdf: gpd.GeoDataFrame, cols: dict[str, str | None], path: Path, where: str, id_prefix: str
) -> tuple[gpd.GeoDataFrame, list[RunWarning]]:
    warnings: list[RunWarning] = []
    out = pd.DataFrame(index=gdf.index)
    if cols["id"] is not None:
        ids = _text(gdf, cols["id"])
        missing = ids.eq("")
        if missing.any():
            row = int(gdf.loc[missing, "source_row"].iloc[0])
            msg = f"{path}: {where} {row} has an empty site id in column '{cols['id']}'; fill it in"
            raise DatasetError(msg)
        dup = ids.duplicated(keep=False)
        if dup.any():
            first = ids[dup].iloc[0]
            rows = ", ".join(str(r) for r in gdf.loc[ids.eq(first), "source_row"])
            msg = (
                f"{path}: site id '{first}' is used more than once ({where}s {rows}); "
                "give every site its own id"
            )
            raise DatasetError(msg)
        out["site_id"] = ids
    elif "site_id" in gdf.columns:
        out["site_id"] = gdf["site_id"].astype(str)
    else:
        out["site_id"] = [f"{id_prefix}S{i:04d}" for i in range(1, len(gdf) + 1)]
    out["name"] = _text(gdf, cols["name"])
    out["name_en"] = _text(gdf, cols["name_en"])
    out["category_raw"] = _text(gdf, cols["category"])
    grades, bad = parse_a_grades(_text(gdf, cols["grade"]))
    out["a_grade"] = grades
    if bad.any():
        rows = [
            f"{where} {r}: '{v}'"
            for r, v in zip(gdf.loc[bad, "source_row"], gdf.loc[bad, cols["grade"]], strict=True)
        ]
        warnings.append(
            RunWarning(
                "grade_not_understood",
                {"file": str(path), "n": int(bad.sum())},
                rows,
            )
        )
    out["unit_declared"] = _text(gdf, cols["unit"])
    out["origin_declared"] = _text(gdf, cols["origin"])
    out["parent_declared"] = _text(gdf, cols["parent"])
    out["area_km2"] = gdf["area_km2"] if "area_km2" in gdf.columns else np.nan
    out["source_row"] = gdf["source_row"].astype("int64")
    used = {c for c in cols.values() if c is not None} | set(out.columns) | {"geometry"}
    extras = [c for c in gdf.columns if c not in used]
    _refuse_control_characters(out, gdf["source_row"], path, where)
    result = gpd.GeoDataFrame(
        pd.concat([out, gdf[extras]], axis=1), geometry=gdf.geometry, crs=WGS84
    )
    return result.reset_index(drop=True), warnings


def _refuse_control_characters(out: pd.DataFrame, rows: pd.Series, path: Path, where: str) -> None:
    """Refuse NUL and other control characters in ids and names (files would cut them)."""
    for column in ("site_id", "name", "name_en", "category_raw", "unit_declared"):
        if column not in out:
            continue
        bad = out[column].astype(str).str.contains(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", regex=True)
        if bad.any():
            row = int(rows[bad].iloc[0])
            msg = (
                f"{path}: {where} {row} has a control character (e.g. NUL) in '{column}'; "
                "remove it from the file"
            )
            raise DatasetError(msg)


#: Columns that say how exact a site's position is; :data:`_APPROXIMATE` values mark a guess.
_POSITION_COLUMNS = ("position", "position_quality", "approximate", "精度", "位置精度")
_APPROXIMATE = frozenset({"approx", "approximate", "true", "1", "yes", "estimated", "约", "近似"})


def _approximate_positions(table: pd.DataFrame) -> int:
    """Count the rows whose position column marks the position as approximate."""
    column = next((c for c in table.columns if str(c).lower() in _POSITION_COLUMNS), None)
    if column is None:
        return 0
    values = table[column].map(lambda v: str(v).strip().lower())
    return int(values.isin(_APPROXIMATE).sum())


def load_sites(
    part: SitesPart, *, limits: TableLimits | None = None, id_prefix: str = ""
) -> LoadedLayer:
    """Load and normalise the sites of a dataset.

    Parameters
    ----------
    part
        The ``[sites]`` section (absolute path).
    limits
        Bounds on a CSV/TXT table (default :class:`~geo.sources.files.TableLimits`).
    id_prefix
        Put before the ids made for a file without an id column (``S0001``), so the ids of
        several files differ.

    Returns
    -------
    LoadedLayer
        Sites with the columns of :data:`SITE_COLUMNS` plus the source's extra columns.

    Raises
    ------
    DatasetError
        Missing coordinates columns, non-numeric or out-of-range (or swapped) coordinates,
        duplicate ids, unreadable or empty files.
    """
    path = Path(part.path)
    kind = file_kind(path)
    info: dict[str, object] = {"path": str(path), "format": kind, "coords": part.coords}
    warnings: list[RunWarning] = []
    if kind in ("table", "excel"):
        if kind == "table":
            table, encoding = read_text_table(path, limits)
            info["encoding"] = encoding
        else:
            table = read_excel_table(path, part.sheet)
        cols = _columns(part, list(table.columns), path)
        gdf, skipped = _table_to_points(table, part, path, cols)
        gdf["area_km2"] = np.nan
        info["source_crs"] = part.coords or "wgs84"
    elif kind == "osm":
        osm = read_osm_sites(path)
        gdf, skipped = _reduce_to_points(osm.data)
        cols = {key: key if key in gdf.columns else None for key in _ALIASES}
        cols.update(
            id=None,
            category="category_raw",
            grade=None,
            unit="unit_declared",
            origin=None,
            parent=None,
        )
        warnings.extend(osm.warnings)
        info.update(osm.info)
        info["source_crs"] = "wgs84"
    elif kind == "vector":
        raw, info["source_crs"] = read_vector(
            path, layer=part.layer, coords=part.coords, section="sites"
        )
        gdf, skipped = _reduce_to_points(raw)
        cols = _columns(part, [c for c in gdf.columns if c != "geometry"], path)
        info["geometry_types"] = sorted(set(raw.geom_type.dropna()))
    else:
        msg = f"{path}: a raster cannot hold sites; point [sites] at a table or a point layer"
        raise DatasetError(msg)
    if gdf.empty:
        msg = f"{path}: no site has coordinates; fill in the coordinates or check the columns"
        raise DatasetError(msg)
    footprints = gdf.attrs.pop(FOOTPRINTS, None)
    sites, more = _normalise(
        gdf, cols, path, "line" if kind in ("table", "excel") else "feature", id_prefix
    )
    warnings.extend(more)
    if footprints is not None and len(footprints) == len(sites):
        kept = pd.notna(footprints)
        shapes = gpd.GeoSeries(footprints[kept], index=sites["site_id"].to_numpy()[kept], crs=WGS84)
    else:
        shapes = gpd.GeoSeries([], crs=WGS84)
    approximate = _approximate_positions(gdf)
    if approximate:
        warnings.append(RunWarning("sites_approximate", {"file": path.name, "n": approximate}))
        info["approximate_positions"] = approximate
    if skipped:
        warnings.append(
            RunWarning(
                "rows_without_coordinates",
                {"file": str(path), "n": int(skipped)},
            )
        )
    info.update(rows_read=len(sites) + skipped, rows_skipped=skipped, sites=len(sites))
    return LoadedLayer(sites, info, warnings, footprints=shapes)


def combine_site_files(layers: list[LoadedLayer]) -> LoadedLayer:
    """One sites layer from several files (``[[sites]]``), in order.

    Parameters
    ----------
    layers
        Each file's :func:`load_sites` result.

    Returns
    -------
    LoadedLayer
        The sites one after the other (a ``source_file`` column says whose), the facts of
        every file under ``files`` and every file's warnings.

    Raises
    ------
    DatasetError
        When two files use the same site id.
    """
    seen: dict[str, str] = {}
    for layer in layers:
        path = layer.info["path"]
        for site_id in layer.data["site_id"]:
            if site_id in seen and seen[site_id] != path:
                msg = (
                    f"{path}: site id '{site_id}' is also used in {seen[site_id]}; give the "
                    "sites of different files different ids"
                )
                raise DatasetError(msg)
            seen.setdefault(site_id, path)
    frames = [layer.data.assign(source_file=Path(layer.info["path"]).name) for layer in layers]
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=WGS84)
    info = dict(layers[0].info)
    info["files"] = [layer.info for layer in layers]
    info["sites"] = len(sites)
    info["rows_read"] = sum(int(layer.info["rows_read"]) for layer in layers)
    info["rows_skipped"] = sum(int(layer.info["rows_skipped"]) for layer in layers)
    warnings = [w for layer in layers for w in layer.warnings]
    shapes = [layer.footprints for layer in layers if layer.footprints is not None]
    footprints = gpd.GeoSeries(pd.concat(shapes), crs=WGS84) if shapes else None
    return LoadedLayer(sites, info, warnings, footprints=footprints)
