"""``tia init``: write a ``dataset.toml`` from the files found in a folder.

Each file is classified by its type and, for GIS layers, its geometry type; columns are
guessed from usual names. Every guess is returned with its reason so the user can check it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import osmium
import osmium.filter
import pyogrio
import pyogrio.errors

from geo.dataset import MANIFEST_NAME
from geo.errors import DatasetError
from geo.sources.files import file_kind, find_column, read_excel_table, read_text_table
from geo.sources.roads import MOTORABLE

__all__ = ["ManifestGuess", "guess_manifest", "write_manifest"]

_ID_NAMES = ("adcode", "unit_id", "id", "code", "gid", "gb", "区划代码", "行政区划代码")
_NAME_NAMES = ("name", "name_zh", "名称", "county", "district", "NAME_3", "NAME_2", "shapeName")
_NAME_EN = ("name_en", "english_name", "NAME_EN")
_ZONE_WORDS = ("zone", "zones", "区域", "片区", "示范区", "park")
_LON = ("lon", "lng", "longitude", "x", "经度")
_LAT = ("lat", "latitude", "y", "纬度")
_HUB_UNIT_NAMES = ("county", "unit", "unit_id", "adcode", "district", "县", "区县", "所属区县")
#: Words in a file name that mark tourism sites, and those that mark hubs (seats, towns).
_SITE_WORDS = ("site", "poi", "scenic", "spot", "attraction", "touris", "景区", "景点", "资源")
_HUB_WORDS = ("seat", "hub", "town", "city", "cities", "capital", "驻地", "县城", "城镇", "政府")


@dataclass
class ManifestGuess:
    """A guessed manifest: sections (key -> value) and the reasons for each guess."""

    sections: dict[str, dict[str, str]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def to_toml(self, name: str) -> str:
        """Render as TOML (strings only, so JSON string escaping is valid TOML)."""
        lines = [f"name = {json.dumps(name, ensure_ascii=False)}", ""]
        for section, values in self.sections.items():
            lines.append(f"[{section}]")
            lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()]
            lines.append("")
        return "\n".join(lines)


def _osm_has_roads(path: Path) -> bool:
    """Whether an OSM file holds at least one motorable road (stops at the first)."""
    processor = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    try:
        return any(way.tags.get("highway") in MOTORABLE for way in processor)
    except RuntimeError:
        return False


def _layer_geometry(path: Path) -> tuple[str, list[str]]:
    try:
        info = pyogrio.read_info(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return "", []
    return str(info["geometry_type"] or ""), [str(c) for c in info["fields"]]


def _pick(columns: list[str], names: tuple[str, ...], path: Path) -> str | None:
    return find_column(columns, None, names, path=path, key="", section="")


def _guess_table(path: Path, guess: ManifestGuess, points: list[_Points]) -> None:
    kind = file_kind(path)
    try:
        table = read_text_table(path)[0] if kind == "table" else read_excel_table(path, None)
    except DatasetError:
        guess.reasons.append(f"skipped {path.name}: not a readable table")
        return
    columns = list(table.columns)
    lon, lat = _pick(columns, _LON, path), _pick(columns, _LAT, path)
    if lon and lat:
        values = {"path": path.name, "coords": "wgs84", "lon": lon, "lat": lat}
        if hub_unit := _pick(columns, _HUB_UNIT_NAMES, path):
            values["unit"] = hub_unit
        why = (
            f"a table with columns '{lon}'/'{lat}'; coords assumed WGS-84 — "
            "change to gcj02 or bd09 if the points come from Amap or Baidu"
        )
        points.append(_Points(path, values, why))
    elif "stats" not in guess.sections and (unit := _pick(columns, _ID_NAMES, path)):
        guess.sections["stats"] = {"path": path.name, "unit": unit}
        guess.reasons.append(
            f"stats: {path.name} (a table without coordinates; unit column '{unit}')"
        )


def _guess_layer(path: Path, guess: ManifestGuess, points: list[_Points]) -> None:
    geometry, columns = _layer_geometry(path)
    geometry = geometry.lower()
    if "polygon" in geometry:
        is_zone = any(w in path.stem.lower() for w in _ZONE_WORDS)
        section = "zones" if is_zone or "units" in guess.sections else "units"
        if section in guess.sections:
            guess.reasons.append(f"skipped {path.name}: another polygon layer was taken")
            return
        values = {"path": path.name}
        ident, name = _pick(columns, _ID_NAMES, path), _pick(columns, _NAME_NAMES, path)
        if ident:
            values["id"] = ident
        if name:
            values["name"] = name
        if section == "units" and (english := _pick(columns, _NAME_EN, path)):
            values["name_en"] = english
        guess.sections[section] = values
        guess.reasons.append(
            f"{section}: {path.name} (polygons; id '{ident}', name '{name}')"
            + ("" if ident and name else " — set the missing column names by hand")
        )
    elif "point" in geometry:
        points.append(_Points(path, {"path": path.name}, "points"))
    elif "line" in geometry and "roads" not in guess.sections:
        guess.sections["roads"] = {"path": path.name}
        guess.reasons.append(f"roads: {path.name} (lines)")


@dataclass(frozen=True)
class _Points:
    """A file of points found in the folder: tourism sites or hubs (county seats, towns)."""

    path: Path
    values: dict[str, str]
    why: str

    def named(self, words: tuple[str, ...]) -> bool:
        """Whether a word of the file name starts with one of ``words`` (Chinese: contains)."""
        tokens = re.split(r"[^a-z]+", self.path.stem.lower())
        return any(
            any(t.startswith(word) for t in tokens) if word.isascii() else word in self.path.stem
            for word in words
        )


def _assign_points(points: list[_Points], guess: ManifestGuess) -> None:
    """Take sites and hubs from the point files by their names.

    Sites: the file named like sites, else the first not named like hubs; hubs: a file named
    like county seats or towns. Files are seen in name order, so without the name rule
    ``seats.csv`` would be taken for the sites of a folder that also holds ``sites.csv``.
    """
    named_sites = [p for p in points if p.named(_SITE_WORDS)]
    unnamed = [p for p in points if not p.named(_HUB_WORDS)]
    sites = (named_sites or unnamed or points or [None])[0]
    if sites is not None:
        values = {k: v for k, v in sites.values.items() if k != "unit"}
        guess.sections["sites"] = values
        guess.reasons.append(f"sites: {sites.path.name} ({sites.why})")
    hubs = next((p for p in points if p is not sites and p.named(_HUB_WORDS)), None)
    if hubs is not None:
        guess.sections["hubs"] = hubs.values
        guess.reasons.append(
            f"hubs: {hubs.path.name} ({hubs.why}; named like county seats or towns, so travel "
            "times and isochrones start from these points)"
        )
    for other in points:
        if other is not sites and other is not hubs:
            guess.reasons.append(f"skipped {other.path.name}: another point layer was taken")


def guess_manifest(folder: Path) -> ManifestGuess:
    """Guess the manifest sections from the files in ``folder`` (not recursive).

    Parameters
    ----------
    folder
        A folder of data files.

    Returns
    -------
    ManifestGuess
        Sections and the reason for every guess or skipped file.

    Raises
    ------
    DatasetError
        If the folder does not exist, or no sites or no units can be found.
    """
    if not folder.is_dir():
        msg = f"{folder}: not a folder; give the folder that holds your data files"
        raise DatasetError(msg)
    guess = ManifestGuess()
    files = sorted(
        p for p in folder.iterdir() if not p.name.startswith(".") and p.name != MANIFEST_NAME
    )
    osm_files = []
    points: list[_Points] = []
    for path in files:
        try:
            kind = file_kind(path)
        except DatasetError:
            guess.reasons.append(f"skipped {path.name}: not a supported data file")
            continue
        if kind in ("table", "excel"):
            _guess_table(path, guess, points)
        elif kind == "vector":
            _guess_layer(path, guess, points)
        elif kind == "raster" and "dem" not in guess.sections:
            guess.sections["dem"] = {"path": path.name}
            guess.reasons.append(f"dem: {path.name} (a GeoTIFF)")
        elif kind == "osm":
            osm_files.append(path)
    _assign_points(points, guess)
    for path in osm_files[:1]:
        if "sites" not in guess.sections:
            guess.sections["sites"] = {"path": path.name}
            guess.reasons.append(f"sites: {path.name} (OpenStreetMap tourism features)")
        if "roads" not in guess.sections and _osm_has_roads(path):
            guess.sections["roads"] = {"path": path.name}
            guess.reasons.append(f"roads: {path.name} (OpenStreetMap highways)")
    for required in ("sites", "units"):
        if required not in guess.sections:
            what = (
                "a table with lon/lat, a point layer or an OSM file"
                if required == "sites"
                else "a polygon layer of administrative units"
            )
            msg = f"{folder}: found no {required} ({what}); add the file and run tia init again"
            raise DatasetError(msg)
    if "units" in guess.sections and not {"id", "name"} <= set(guess.sections["units"]):
        msg = (
            f"{folder / guess.sections['units']['path']}: cannot tell which columns hold the "
            "unit id and name; write dataset.toml by hand with id = ... and name = ... in [units]"
        )
        raise DatasetError(msg)
    order = ["sites", "units", "zones", "roads", "hubs", "dem", "stats"]
    guess.sections = {k: guess.sections[k] for k in order if k in guess.sections}
    return guess


def write_manifest(folder: Path, *, force: bool = False) -> tuple[Path, ManifestGuess]:
    """Guess and write ``folder/dataset.toml``.

    Parameters
    ----------
    folder
        The data folder.
    force
        Overwrite an existing manifest.

    Returns
    -------
    tuple
        The manifest path and the guess (with reasons).

    Raises
    ------
    DatasetError
        If a manifest exists and ``force`` is False, or the guess fails.
    """
    manifest = folder / MANIFEST_NAME
    if manifest.exists() and not force:
        msg = f"{manifest}: a manifest already exists; edit it, or pass --force to replace it"
        raise DatasetError(msg)
    guess = guess_manifest(folder)
    manifest.write_text(guess.to_toml(folder.resolve().name), encoding="utf-8")
    return manifest, guess
