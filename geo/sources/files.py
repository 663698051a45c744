"""Reading the files people have: delimited text in any Chinese encoding, Excel, GIS layers.

Every failure becomes a :class:`~geo.errors.DatasetError` naming the file and what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

import charset_normalizer
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyogrio
import pyogrio.errors
import shapely

from geo.coords import to_wgs84_gdf
from geo.errors import DatasetError

__all__ = [
    "FILE_TYPES",
    "SIDECAR_SUFFIXES",
    "FileKind",
    "TableLimits",
    "check_zip_members",
    "detect_encoding",
    "file_kind",
    "find_column",
    "read_excel_table",
    "read_text_table",
    "read_vector",
]

FileKind = Literal["table", "excel", "osm", "vector", "raster"]

#: The file types the loaders read, by kind (matched on the end of the lower-case name, in
#: this order). The API's upload checker accepts exactly these, plus :data:`SIDECAR_SUFFIXES`.
FILE_TYPES: dict[FileKind, tuple[str, ...]] = {
    "osm": (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz"),
    "table": (".csv", ".tsv", ".txt"),
    "excel": (".xlsx", ".xlsm"),
    "raster": (".tif", ".tiff"),
    "vector": (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".kml", ".gml"),
}
#: Files that travel with a data file: shapefile parts, world files, GDAL metadata, notes.
SIDECAR_SUFFIXES = (
    ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".tfw", ".aux", ".aux.xml", ".xsd",
    ".toml", ".md",
)  # fmt: skip
_ASSUMED_WGS84 = (".geojson", ".json", ".kml")  # formats whose specification fixes WGS-84


def file_kind(path: Path) -> FileKind:
    """Classify an input path by its name (a folder is a shapefile folder).

    Parameters
    ----------
    path
        File or folder.

    Returns
    -------
    str
        ``"table"``, ``"excel"``, ``"osm"``, ``"vector"`` or ``"raster"``.

    Raises
    ------
    DatasetError
        For an unsupported file type.
    """
    name = path.name.lower()
    if path.is_dir():
        return "vector"
    for kind, suffixes in FILE_TYPES.items():
        if name.endswith(suffixes):
            return kind
    supported = ", ".join(s for suffixes in FILE_TYPES.values() for s in suffixes)
    msg = f"{path}: unsupported file type; use one of {supported}"
    raise DatasetError(msg)


@dataclass(frozen=True)
class TableLimits:
    """Bounds on a delimited table, checked before it is parsed (``[params]`` keys)."""

    max_mb: float = 1024.0
    max_columns: int = 1000


def _check_table_size(path: Path, limits: TableLimits) -> None:
    size_mb = path.stat().st_size / 1024**2
    if size_mb > limits.max_mb:
        msg = (
            f"{path}: the table is {size_mb:,.0f} MB, more than table_max_mb = "
            f"{limits.max_mb:g} (it is read into memory whole); split or filter it, or raise "
            "table_max_mb in [params]"
        )
        raise DatasetError(msg)


def _check_table_width(path: Path, header: list[str], limits: TableLimits) -> None:
    width = len(header)
    if width > limits.max_columns:
        msg = (
            f"{path}: the table has {width:,} columns, more than table_max_columns = "
            f"{limits.max_columns:,}; keep the columns the manifest names, or raise "
            "table_max_columns in [params]"
        )
        raise DatasetError(msg)


def _parse_regular(text: str, header: list[str], delimiter: str) -> pd.DataFrame | None:
    """Parse a regular table with Arrow's multithreaded reader, every cell a string.

    Returns None when the table is not regular (a row of another width, repeated column
    names, a header cell spanning lines): pandas then reads it, padding short rows and
    naming repeated columns as it always has, or says which line is malformed.
    """
    if not header or len(set(header)) != len(header):
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    return table.to_pandas()


def _require_content(path: Path) -> bytes:
    data = path.read_bytes()
    if not data.strip():
        msg = f"{path}: the file is empty; export the data again or point the manifest elsewhere"
        raise DatasetError(msg)
    return data


def detect_encoding(data: bytes) -> str:
    """Detect the text encoding of a delimited file.

    Order: a byte-order mark; strict UTF-8; strict GB18030 (a superset of GBK and GB2312,
    what Chinese Excel and WPS write); then charset-normalizer's best guess.

    Parameters
    ----------
    data
        The file's bytes.

    Returns
    -------
    str
        A Python codec name: ``utf-8-sig``, ``utf-16``, ``utf-8``, ``gb18030`` or another.

    Raises
    ------
    DatasetError
        If no encoding decodes the bytes.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        msg = "cannot tell the text encoding; save the file as UTF-8"
        raise DatasetError(msg)
    return best.encoding


def read_text_table(path: Path, limits: TableLimits | None = None) -> tuple[pd.DataFrame, str]:
    """Read a delimited text file with every cell as a string.

    Parameters
    ----------
    path
        CSV/TSV/TXT file in any encoding :func:`detect_encoding` recognises; the delimiter
        (comma, semicolon, tab or bar) is sniffed.
    limits
        Largest size and most columns (default :class:`TableLimits`), checked before the
        table is parsed.

    Returns
    -------
    tuple
        The table (string cells, empty string for blanks) and the encoding used.

    Raises
    ------
    DatasetError
        Empty file, undecodable text, malformed rows, no data rows, or over the limits.
    """
    limits = limits or TableLimits()
    _check_table_size(path, limits)
    data = _require_content(path)
    try:
        encoding = detect_encoding(data)
    except DatasetError as exc:
        msg = f"{path}: {exc}"
        raise DatasetError(msg) from None
    text = data.decode(encoding)
    lines = text[: 1 << 20].splitlines()  # the sniffer needs the first lines only
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader(lines[:1], delimiter=delimiter), [])
    _check_table_width(path, header, limits)
    spans_lines = bool(lines) and lines[0].count('"') % 2 == 1  # a quoted header cell goes on
    table = None if spans_lines else _parse_regular(text, header, delimiter)
    if table is None:
        try:
            table = pd.read_csv(
                io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False, encoding=None
            )
        except pd.errors.ParserError as exc:
            msg = f"{path}: malformed table ({exc}); check the delimiters and quotes on that line"
            raise DatasetError(msg) from None
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        msg = f"{path}: the table has a header but no data rows; add rows or fix the export"
        raise DatasetError(msg)
    return table, encoding


def read_excel_table(path: Path, sheet: str | int | None) -> pd.DataFrame:
    """Read one worksheet of an Excel workbook with every cell as a string.

    Parameters
    ----------
    path
        ``.xlsx``/``.xlsm`` workbook.
    sheet
        Worksheet name or index; the first sheet when None.

    Returns
    -------
    pandas.DataFrame
        String cells, empty string for blanks.

    Raises
    ------
    DatasetError
        Unreadable workbook, unknown sheet, or no data rows.
    """
    _require_content(path)
    try:
        table = pd.read_excel(path, sheet_name=sheet or 0, dtype=str, engine="openpyxl")
    except (ValueError, KeyError, zipfile.BadZipFile, OSError) as exc:
        msg = f"{path}: cannot read the workbook ({exc}); check the file and the 'sheet' key"
        raise DatasetError(msg) from None
    table = table.fillna("")
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        msg = f"{path}: the worksheet has no data rows; add rows or choose another sheet"
        raise DatasetError(msg)
    return table


def check_zip_members(path: Path) -> list[str]:
    """Refuse archives whose members would land outside their folder (zip-slip).

    Parameters
    ----------
    path
        A ``.zip`` file.

    Returns
    -------
    list of str
        The member names.

    Raises
    ------
    DatasetError
        Not a zip archive, or a member path that is absolute or climbs with ``..``.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        msg = f"{path}: not a valid zip archive; re-create the archive"
        raise DatasetError(msg) from None
    for name in names:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            msg = (
                f"{path}: archive member '{name}' points outside the archive's folder "
                "(zip-slip); re-create the archive with relative paths only"
            )
            raise DatasetError(msg)
    return names


def _vector_source(path: Path, layer: str | None, section: str) -> tuple[str, str | None]:
    """Return what pyogrio should open and the layer to read."""
    source = path
    if path.is_dir():
        shapefiles = sorted(path.glob("*.shp"))
        if layer is not None and (path / f"{layer}.shp").exists():
            return str(path / f"{layer}.shp"), None
        if len(shapefiles) != 1:
            found = ", ".join(p.name for p in shapefiles) or "none"
            msg = (
                f"{path}: the folder must hold exactly one shapefile (found: {found}); "
                f'name one with layer = "..." in [{section}]'
            )
            raise DatasetError(msg)
        return str(shapefiles[0]), None
    _require_content(path)
    if path.suffix.lower() == ".zip":
        check_zip_members(path)
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(source)]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = f"{path}: cannot open as a GIS layer ({exc}); check the file"
        raise DatasetError(msg) from None
    if layer is not None and layer not in layers:
        msg = (
            f"{path}: no layer '{layer}' (layers: {', '.join(layers)}); fix 'layer' in [{section}]"
        )
        raise DatasetError(msg)
    if layer is None and len(layers) > 1:
        msg = (
            f"{path}: the file has several layers ({', '.join(layers)}); "
            f'name one with layer = "..." in [{section}]'
        )
        raise DatasetError(msg)
    return str(source), layer


def read_vector(
    path: Path, *, layer: str | None, coords: str | None, section: str
) -> tuple[gpd.GeoDataFrame, str | None]:
    """Read a GIS layer (GeoJSON, GeoPackage, Shapefile file/folder/zip...) into EPSG:4326.

    Parameters
    ----------
    path
        File or shapefile folder.
    layer
        Layer name, required when the source has several.
    coords
        Declared coordinate system (overrides the file's); needed when the file has none.
    section
        Manifest section, for messages.

    Returns
    -------
    tuple
        The layer in EPSG:4326 and the source CRS as text (None for declared datums).

    Raises
    ------
    DatasetError
        Unreadable file, ambiguous layer, no features, or no coordinate system.
    """
    source, layer_name = _vector_source(path, layer, section)
    try:
        gdf = gpd.read_file(source, layer=layer_name, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = f"{path}: cannot read the layer ({exc}); check the file"
        raise DatasetError(msg) from None
    if gdf.empty:
        msg = f"{path}: the layer has no features; export the data again"
        raise DatasetError(msg)
    if gdf.crs is None and coords is None:
        if path.name.lower().endswith(_ASSUMED_WGS84):
            coords = "wgs84"
        else:
            msg = (
                f"{path}: the layer has no coordinate system (a shapefile's .prj is missing?); "
                f'add coords = "wgs84" (or gcj02, bd09, an EPSG code) to [{section}]'
            )
            raise DatasetError(msg)
    source_crs = coords or (gdf.crs.to_string() if gdf.crs is not None else None)
    out = to_wgs84_gdf(gdf, coords)
    _check_coordinates(out, path, section)
    return out, source_crs


def _check_coordinates(gdf: gpd.GeoDataFrame, path: Path, section: str) -> None:
    """Refuse non-finite coordinates and longitudes/latitudes outside the globe."""
    xy, feature = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    finite = np.isfinite(xy).all(axis=1)
    if not finite.all():
        row = int(feature[~finite][0]) + 1
        msg = (
            f"{path}: feature {row} has a coordinate that is not a finite number (NaN or "
            "infinity); fix or remove its geometry"
        )
        raise DatasetError(msg)
    outside = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    if outside.any():
        i = int(np.flatnonzero(outside)[0])
        msg = (
            f"{path}: feature {int(feature[i]) + 1} has coordinates ({xy[i, 0]:g}, {xy[i, 1]:g}) "
            "outside longitude -180..180 / latitude -90..90 once read; the file's coordinate "
            f'system is probably wrong or missing: declare it with coords = "EPSG:..." in '
            f"[{section}]"
        )
        raise DatasetError(msg)


def find_column(
    columns: list[str],
    requested: str | None,
    candidates: tuple[str, ...],
    *,
    path: Path,
    key: str,
    section: str,
) -> str | None:
    """Find the column for a field: the manifest's name, else the first known alias.

    Parameters
    ----------
    columns
        Columns of the table.
    requested
        Column named in the manifest, or None to look for ``candidates``.
    candidates
        Usual names of the field (matched case-insensitively).
    path, key, section
        For the error message.

    Returns
    -------
    str or None
        The column, or None when nothing was requested and no alias is present.

    Raises
    ------
    DatasetError
        If the manifest names a column the table does not have.
    """
    if requested is not None:
        if requested in columns:
            return requested
        msg = (
            f"{path}: column '{requested}' named by '{key}' in [{section}] is not in the file "
            f"(columns: {', '.join(columns)}); fix the name"
        )
        raise DatasetError(msg)
    lowered = {c.lower(): c for c in columns}
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None
