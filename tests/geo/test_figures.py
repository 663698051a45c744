"""Figures are drawn in Chinese when the machine has a font that draws it."""

from __future__ import annotations

import io
import shutil
import subprocess
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image

from geo.figures import cjk_font, drawn_language, efficiency_figure, overlap_matrix_figure


def test_an_installed_cjk_font_is_found_even_after_matplotlib_cached_its_fonts():
    if shutil.which("fc-list") is None:
        pytest.skip("no fontconfig to ask")
    listed = subprocess.run(["fc-list"], capture_output=True, text=True, check=True).stdout
    if "CJK" not in listed:
        pytest.skip("no CJK font installed (make test installs fonts-noto-cjk when root)")
    assert cjk_font() is not None
    assert drawn_language("zh") == "zh"
    assert drawn_language("en") == "en"


def _png_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_per_unit_figures_draw_at_most_forty_units_of_three_thousand():
    n = 3000
    ids = [f"{i:06d}" for i in range(n)]
    units = gpd.GeoDataFrame(
        {"unit_id": ids, "name": [f"U{i}" for i in range(n)], "name_en": ""},
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(n)],
        crs=4326,
    )
    pairs = pd.DataFrame({"unit_a": ids[:-1], "unit_b": ids[1:], "competing": np.arange(1, n)})
    scores = pd.DataFrame({"unit_id": ids, "ccr": np.linspace(0.1, 1, n), "bcc": 1.0})
    results = SimpleNamespace(units=units, overlap_unit_pairs=pairs, efficiency=scores)
    # uncapped, 3,000 units would ask for a 970-inch figure (and fail with bad_alloc)
    width, height = _png_size(overlap_matrix_figure(results, "en"))
    assert max(width, height) < 110 * (2.5 + 0.32 * 40) + 400
    width, height = _png_size(efficiency_figure(results, "en"))
    assert height < 110 * (1.2 + 0.22 * 40) + 200
