"""``tia fetch``: download OSM roads and tourism features for a dataset's units, with osmnx.

The one command that downloads (DESIGN.md §3). It asks an Overpass API (the public one, or
``overpass_url``) for the drivable roads and the tourism features inside the units (plus a
margin), caches them in the dataset folder and writes the manifest entries that use them:

* ``osm_roads.osm``: the roads as OSM XML (osmnx's unsimplified graph saved with its node
  ids, so bridges stay apart from the roads below), read by ``[roads]``;
* ``osm_sites.gpkg``: the named features with the tags of :data:`geo.sources.osm.TOURISM_TAGS`,
  their category written as OSM tags, read as one more ``[[sites]]`` file.

A manifest that already names other roads keeps them; ``replace`` overrides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.coords import WGS84, local_projected_crs
from geo.dataset import load_dataset
from geo.errors import DatasetError
from geo.sources.osm import TOURISM_TAGS, osm_site_category
from geo.sources.units import load_units

__all__ = ["ROADS_FILE", "SITES_FILE", "FetchReport", "fetch_osm"]

ROADS_FILE = "osm_roads.osm"
SITES_FILE = "osm_sites.gpkg"
PUBLIC_OVERPASS = "https://overpass-api.de/api"


@dataclass
class FetchReport:
    """What ``tia fetch`` downloaded and wrote."""

    roads: int = 0
    road_nodes: int = 0
    sites: int = 0
    files: list[str] = field(default_factory=list)
    manifest: list[str] = field(default_factory=list)


def _study_polygon(folder: Path, margin_km: float) -> shapely.Geometry:
    """Grow the units' outline by ``margin_km`` (simplified: Overpass takes short polygons)."""
    units = load_units(load_dataset(folder).units).data
    crs = local_projected_crs(tuple(units.total_bounds))
    outline = shapely.union_all(units.to_crs(crs).geometry.values)
    grown = gpd.GeoSeries([outline.buffer(margin_km * 1000.0)], crs=crs)
    return grown.simplify(max(margin_km * 200.0, 50.0)).to_crs(WGS84).iloc[0]


def _features(polygon: shapely.Geometry) -> gpd.GeoDataFrame:
    """Named tourism features inside ``polygon`` as site rows (category = their OSM tags)."""
    import osmnx as ox  # imported where used: a second at every start otherwise

    tags: dict[str, bool | list[str]] = {
        key: True if values is None else sorted(values) for key, values in TOURISM_TAGS.items()
    }
    found = ox.features_from_polygon(polygon, tags=tags)
    columns = [c for c in found.columns if c != "geometry"]
    records = found[columns].to_dict(orient="records")
    category = [
        osm_site_category({k: str(v) for k, v in r.items() if isinstance(v, str)}) for r in records
    ]
    names = found["name"] if "name" in found else pd.Series("", index=found.index)
    english = found["name:en"] if "name:en" in found else pd.Series("", index=found.index)
    ids = [f"{kind[0]}{osm_id}" for kind, osm_id in found.index]
    sites = gpd.GeoDataFrame(
        {
            "site_id": ids,
            "name": names.fillna("").astype(str).to_numpy(),
            "name_en": english.fillna("").astype(str).to_numpy(),
            "category": category,
        },
        geometry=found.geometry.to_numpy(),
        crs=WGS84,
    )
    return sites[(sites["name"] != "") & (sites["category"] != "")].reset_index(drop=True)


def _manifest_entries(manifest: Path, *, roads: bool, sites: bool, replace: bool) -> list[str]:
    """Add ``[roads]`` and one more ``[[sites]]`` for the fetched files; return what changed."""
    text = manifest.read_text(encoding="utf-8")
    changed = []
    if sites and SITES_FILE not in text:
        # a single [sites] table becomes the first of an array of tables, comments kept
        text = re.sub(r"(?m)^\[sites\]\s*$", "[[sites]]", text)
        text = text.rstrip("\n") + (
            "\n\n# fetched by `tia fetch`: OSM tourism features\n"
            f'[[sites]]\npath = "{SITES_FILE}"\n'
            'id = "site_id"\nname = "name"\nname_en = "name_en"\ncategory = "category"\n'
        )
        changed.append("[[sites]]")
    has_roads = re.search(r"(?m)^\[roads\]\s*$", text) is not None
    if roads and (not has_roads or replace) and ROADS_FILE not in text:
        if has_roads:  # drop the old section (up to the next header)
            text = re.sub(r"(?ms)^\[roads\]\s*$.*?(?=^\[|\Z)", "", text)
        text = text.rstrip("\n") + (
            f'\n\n# fetched by `tia fetch`: OSM roads\n[roads]\npath = "{ROADS_FILE}"\n'
        )
        changed.append("[roads]")
    if changed:
        manifest.write_text(text, encoding="utf-8")
    return changed


def fetch_osm(
    folder: Path,
    *,
    overpass_url: str | None = None,
    margin_km: float = 2.0,
    roads: bool = True,
    sites: bool = True,
    replace: bool = False,
    timeout_s: float = 180.0,
) -> FetchReport:
    """Download roads and tourism features for a dataset and add them to its manifest.

    Parameters
    ----------
    folder
        The dataset folder (its ``[units]`` give the area).
    overpass_url
        Base URL of the Overpass API (default: the public ``overpass-api.de``).
    margin_km
        Area around the units to fetch (routes may leave them).
    roads, sites
        What to fetch.
    replace
        Replace a ``[roads]`` section that names other roads.
    timeout_s
        Timeout of each request.

    Returns
    -------
    FetchReport
        Counts, files written and manifest sections added.

    Raises
    ------
    DatasetError
        The manifest or units cannot be read, or the server cannot be reached or answers
        with nothing.
    """
    import osmnx as ox  # imported where used: a second at every start otherwise
    import requests
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    folder = Path(folder)
    polygon = _study_polygon(folder, margin_km)
    url = (overpass_url or PUBLIC_OVERPASS).rstrip("/")
    ox.settings.overpass_url = url
    ox.settings.use_cache = False
    ox.settings.requests_timeout = timeout_s
    # keep every way's own direction and oneway tag, so the graph saves back as OSM ways
    ox.settings.all_oneway = True
    report = FetchReport()
    try:
        # a server that cannot be reached fails here at once (osmnx would wait a minute)
        requests.get(f"{url}/status", timeout=min(timeout_s, 15.0)).raise_for_status()
        if roads:
            graph = ox.graph_from_polygon(
                polygon, network_type="drive", simplify=False, retain_all=True
            )
            ox.io.save_graph_xml(graph, folder / ROADS_FILE)
            report.road_nodes = graph.number_of_nodes()
            report.roads = len({str(d.get("osmid")) for _, _, d in graph.edges(data=True)})
            report.files.append(ROADS_FILE)
        if sites:
            features = _features(polygon)
            features.to_file(folder / SITES_FILE, driver="GPKG", engine="pyogrio")
            report.sites = len(features)
            report.files.append(SITES_FILE)
    except (requests.RequestException, ResponseStatusCodeError) as exc:
        msg = (
            f"cannot fetch from the Overpass API at {url} ({_short(exc)}); "
            "check the connection or pass --overpass-url"
        )
        raise DatasetError(msg) from None
    except InsufficientResponseError as exc:
        msg = (
            f"the Overpass API at {url} returned no data for the units' area ({_short(exc)}); "
            "check the units or the server"
        )
        raise DatasetError(msg) from None
    report.manifest = _manifest_entries(
        folder / "dataset.toml", roads=roads, sites=sites, replace=replace
    )
    return report


def _short(exc: Any) -> str:
    return str(exc).splitlines()[0][:200]
