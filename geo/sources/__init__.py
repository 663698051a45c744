"""Loaders, one per input kind; each returns a :class:`LoadedLayer` in EPSG:4326."""

from geo.sources.dem import DemInfo, check_dem
from geo.sources.layer import LoadedLayer
from geo.sources.sites import SITE_COLUMNS, combine_site_files, load_sites
from geo.sources.units import UNIT_COLUMNS, load_units, load_zones

__all__ = [
    "SITE_COLUMNS",
    "UNIT_COLUMNS",
    "DemInfo",
    "LoadedLayer",
    "check_dem",
    "combine_site_files",
    "load_sites",
    "load_units",
    "load_zones",
]
