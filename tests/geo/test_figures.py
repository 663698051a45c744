"""Figures are drawn in Chinese when the machine has a font that draws it."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from geo.figures import cjk_font, drawn_language


def test_an_installed_cjk_font_is_found_even_after_matplotlib_cached_its_fonts():
    if shutil.which("fc-list") is None:
        pytest.skip("no fontconfig to ask")
    listed = subprocess.run(["fc-list"], capture_output=True, text=True, check=True).stdout
    if "CJK" not in listed:
        pytest.skip("no CJK font installed (make test installs fonts-noto-cjk when root)")
    assert cjk_font() is not None
    assert drawn_language("zh") == "zh"
    assert drawn_language("en") == "en"
