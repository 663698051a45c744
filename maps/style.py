"""Colours and sizes of the map; its words come from :mod:`geo.i18n`."""

from __future__ import annotations

from branca.colormap import LinearColormap

from geo.i18n import kind_label
from geo.i18n import words as all_words

__all__ = [
    "Words",
    "grade_radius",
    "kind_label",
    "score_colormap",
    "words",
]


def grade_radius(grade: int) -> float:
    """Marker radius (pixels) for an A-grade 0-5: ungraded sites stay visible but small."""
    return 4.0 + 1.6 * max(0, min(int(grade), 5))


def score_colormap(vmin: float = 0.0, vmax: float = 100.0) -> LinearColormap:
    """Yellow (weak) to dark red (strong) for overlap scores."""
    return LinearColormap(["#fed976", "#fd8d3c", "#e31a1c", "#800026"], vmin=vmin, vmax=vmax)


class Words(dict[str, str]):
    """The map's words in one language; ``words[key]``."""


def words(lang: str) -> Words:
    """Return the map's words in ``lang`` ("zh" or "en")."""
    return Words(all_words(lang, "map"))
