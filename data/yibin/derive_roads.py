"""Write ``roads.geojson``: a **schematic** network of the main real roads of the area.

No OpenStreetMap extract of Yibin can be downloaded where this project is built, so the
main expressways, national/provincial roads and the county roads to the major scenic areas
(``road_routes.csv``: name, administrative class, waypoints) are drawn as straight legs
between approximate positions of the real towns and sites they link: county seats from
``seats.csv``, sites from ``sites.csv`` and a few shaping points (``road_waypoints.csv``).
Roads meet only at shared waypoints. Names say which real road each line stands for; the
geometry is schematic (kilometres off), so travel times are indicative only.

Run: ``.venv/bin/python data/yibin/derive_roads.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import shapely

HERE = Path(__file__).resolve().parent


def _rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def main() -> None:
    """Write ``roads.geojson`` beside this script."""
    waypoints = {
        r["site_id"]: (float(r["lon"]), float(r["lat"]))
        for name in ("road_waypoints.csv", "seats.csv", "sites.csv")
        for r in _rows(name)
    }
    roads = gpd.GeoDataFrame(
        [
            {
                "name": route["name"],
                "class": route["class"],
                "schematic": True,
                "geometry": shapely.LineString([waypoints[w] for w in route["waypoints"].split()]),
            }
            for route in _rows("road_routes.csv")
        ],
        crs="EPSG:4326",
    )
    out = HERE / "roads.geojson"
    out.unlink(missing_ok=True)
    roads.to_file(out, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 5})
    print(f"wrote {out}: {len(roads)} schematic roads")


if __name__ == "__main__":
    main()
