"""Display geometry: large layers simplified for drawing, neighbours still sharing edges."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.admin import shared_borders, unit_borders
from geo.display import MAX_DISPLAY_VERTICES, display_geometry


def _wiggly_grid(side: int, vertices_per_line: int) -> gpd.GeoDataFrame:
    """A side x side tiling of 0.1-degree cells whose edges are wavy lines, noded together."""
    t = np.linspace(0, side * 0.1, vertices_per_line)
    wave = 0.01 * np.sin(t * 20 * np.pi)
    lines = [
        shapely.LineString(np.column_stack([104 + i * 0.1 + wave, 28 + t])) for i in range(side + 1)
    ]
    lines += [
        shapely.LineString(np.column_stack([104 + t, 28 + i * 0.1 + wave])) for i in range(side + 1)
    ]
    cells = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(lines))))
    return gpd.GeoDataFrame({"unit_id": [f"U{i:03d}" for i in range(len(cells))]},
                            geometry=list(cells), crs=4326)  # fmt: skip


def test_small_layers_are_left_as_they_are():
    units = _wiggly_grid(3, 200)
    assert shapely.get_num_coordinates(units.geometry.values).sum() < MAX_DISPLAY_VERTICES
    same, facts = display_geometry(units, "coverage")
    assert same is units
    assert facts is None


def test_a_large_coverage_is_simplified_together_and_keeps_its_shared_edges():
    units = _wiggly_grid(12, 12_000)
    before = int(shapely.get_num_coordinates(units.geometry.values).sum())
    assert before > MAX_DISPLAY_VERTICES
    shown, facts = display_geometry(units, "coverage")
    after = int(shapely.get_num_coordinates(shown.geometry.values).sum())
    assert facts["vertices"] == before
    assert facts["display_vertices"] == after
    assert after < before / 5
    # the tolerance is 1/5000 of the extent's diagonal
    west, south, east, north = units.total_bounds
    assert facts["tolerance_deg"] == pytest.approx(
        np.hypot(east - west, north - south) / 5000, rel=1e-3
    )
    # still a tiling: no gap, no overlap, the same total area and the same neighbours
    geoms = shown.geometry.values
    assert shapely.coverage_is_valid(geoms)
    assert shapely.area(geoms).sum() == pytest.approx(
        shapely.area(units.geometry.values).sum(), rel=1e-3
    )
    union = shapely.coverage_union_all(geoms)
    assert shapely.get_num_interior_rings(union) == 0
    assert unit_pairs(shown) == unit_pairs(units)
    # the input layer is not changed in place
    assert shapely.get_num_coordinates(units.geometry.values).sum() == before


def unit_pairs(units: gpd.GeoDataFrame) -> set[tuple[str, str]]:
    borders = shared_borders(unit_borders(units))
    return set(zip(borders["unit_a"], borders["unit_b"], strict=True))
