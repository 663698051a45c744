"""The one parser of ``bbox`` query values, for the table routes and the OGC service."""

from __future__ import annotations

import math

from fastapi import HTTPException

__all__ = ["parse_bbox"]


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    """Parse ``min_lon,min_lat,max_lon,max_lat``; answer 400 in one sentence when it is not.

    Parameters
    ----------
    text
        The query value (None: no bbox given).

    Returns
    -------
    tuple or None
        ``(west, south, east, north)`` in degrees.
    """
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        msg = f"bbox '{text}' must be four numbers: min_lon,min_lat,max_lon,max_lat"
        raise HTTPException(400, msg)
    west, south, east, north = values
    if not (west <= east and south <= north):
        msg = f"bbox '{text}' must be min_lon,min_lat,max_lon,max_lat with min <= max"
        raise HTTPException(400, msg)
    return west, south, east, north
