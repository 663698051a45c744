"""Hostile datasets: the bundled data with markup and script in every name a user can give.

Each payload, if it ever ran, would set ``window.__xss`` to its own tag, so a test in a real
browser can say which sink let it through.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from tests.helpers import yibin_copy

#: One payload per kind of sink: a script element, an event handler, a JS template literal.
PAYLOADS = (
    '</script><script>window.__xss="script"</script>',
    "<img src=x onerror=\"window.__xss='img'\">",
    '`+(window.__xss="literal")+`${window.__xss="template"}',
    '"><svg onload="window.__xss=\'svg\'">',
)


def _tag(text: str, i: int) -> str:
    return f"{text}{PAYLOADS[i % len(PAYLOADS)]}"


def _csv(path: Path, columns: tuple[str, ...]) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for i, row in enumerate(rows):
        for column in columns:
            row[column] = _tag(row[column], i)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _geojson(path: Path, columns: tuple[str, ...]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for i, feature in enumerate(data["features"]):
        for column in columns:
            if feature["properties"].get(column):
                feature["properties"][column] = _tag(feature["properties"][column], i)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def script_in_every_name(tmp: Path) -> Path:
    """The bundled dataset with a payload appended to every name, category and label."""
    folder = yibin_copy(tmp, "hostile")
    _csv(folder / "sites.csv", ("name", "name_en", "category"))
    _csv(folder / "seats.csv", ("name", "name_en"))
    _geojson(folder / "counties.geojson", ("name", "name_en", "prefecture"))
    _geojson(folder / "zones.geojson", ("name", "name_en"))
    _geojson(folder / "roads.geojson", ("name",))
    return folder
